using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Profiles;

/// <summary>
/// Turns a profile given as a dictionary (a PowerShell hashtable such as <c>@{ defaultAction = 'SCMP_ACT_LOG' }</c>)
/// into a <see cref="SeccompProfile"/>: dictionaries become objects, lists become arrays, integers stay exact up to
/// 2^64-1 (including decimals and BigIntegers that hold integers), everything else must be a string, boolean or number.
/// </summary>
public static class SeccompProfileDictionary
{
    /// <summary>Converts the dictionary and parses it leniently (unknown actions are kept for validation to report).</summary>
    /// <param name="value">The dictionary.</param>
    /// <param name="unwrap">Unwraps host wrappers (PowerShell's PSObject) around values; null for none.</param>
    /// <param name="source">Label for messages, e.g. <c>-Value</c>.</param>
    /// <exception cref="TalosSeccompException"><c>InvalidSeccompProfileType</c> for a value JSON cannot hold, and the errors of <see cref="SeccompProfile.ParseLenient"/>.</exception>
    public static SeccompProfile ToProfile(IDictionary value, Func<object?, object?>? unwrap = null, string source = "-Value")
    {
        ArgumentNullException.ThrowIfNull(value);
        var json = ToJson(value, unwrap ?? (v => v), source, depth: 0);
        return SeccompProfile.ParseLenient(json!.ToJsonString(), source);
    }

    private static JsonNode? ToJson(object? value, Func<object?, object?> unwrap, string location, int depth)
    {
        if (depth > 64)
        {
            throw Invalid(location, "nests too deeply (a value that contains itself?)");
        }

        value = unwrap(value);
        switch (value)
        {
            case null:
                return null;
            case string text:
                return JsonValue.Create(text);
            case char c:
                return JsonValue.Create(c.ToString());
            case bool flag:
                return JsonValue.Create(flag);
            case sbyte or byte or short or ushort or int or uint or long:
                return JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case ulong unsigned:
                return JsonValue.Create(unsigned);
            case decimal number when decimal.Truncate(number) == number:
                return Integer(new BigInteger(number), location);
            case decimal number:
                return JsonValue.Create(number);
            case BigInteger big:
                return Integer(big, location);
            case float or double:
            {
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                return double.IsFinite(d) ? JsonValue.Create(d) : throw Invalid(location, $"is {d}, which JSON cannot hold");
            }

            case Enum e:
                return JsonValue.Create(e.ToString());
            case IDictionary dictionary:
            {
                var obj = new JsonObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = Convert.ToString(unwrap(entry.Key), CultureInfo.InvariantCulture) ?? string.Empty;
                    obj[key] = ToJson(entry.Value, unwrap, $"{location}.{key}", depth + 1);
                }

                return obj;
            }

            case JsonNode node:
                return node.DeepClone();
            case IEnumerable list:
            {
                var array = new JsonArray();
                var i = 0;
                foreach (var item in list)
                {
                    array.Add(ToJson(item, unwrap, $"{location}[{i++}]", depth + 1));
                }

                return array;
            }

            default:
                throw Invalid(location, $"is a {value.GetType().Name}; use strings, numbers, booleans, hashtables and arrays");
        }
    }

    private static JsonNode Integer(BigInteger value, string location) =>
        value >= long.MinValue && value <= long.MaxValue ? JsonValue.Create((long)value)
        : value >= 0 && value <= ulong.MaxValue ? JsonValue.Create((ulong)value)
        : throw Invalid(location, $"is {value}, outside the range seccomp numbers have (-2^63 to 2^64-1)");

    private static TalosSeccompException Invalid(string location, string why) =>
        new(ErrorIds.InvalidSeccompProfileType, ErrorKind.InvalidType, $"The profile value {location} {why}.", location);
}
