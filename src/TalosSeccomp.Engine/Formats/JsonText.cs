using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Formats;

/// <summary>
/// Reads strings and numbers out of <see cref="JsonValue"/>s whatever CLR type backs them, and compares JSON
/// values by meaning (object key order ignored, numbers by exact decimal value) without depending on the
/// runtime's <c>JsonNode.DeepEquals</c>, whose number handling changed between .NET versions.
/// </summary>
internal static class JsonText
{
    /// <summary>The string held by a JSON string value.</summary>
    public static string StringOf(JsonValue value) =>
        value.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(value.ToJsonString())!;

    /// <summary>The JSON text of a number (as written for parsed numbers; shortest round-trip for doubles).</summary>
    public static string NumberOf(JsonValue value)
    {
        try
        {
            return value.ToJsonString();
        }
        catch (ArgumentException ex)
        {
            throw NotRepresentable(ex);
        }
    }

    /// <summary>
    /// The JSON kind of <paramref name="node"/> (Null for null). A double NaN or infinity is refused with
    /// InvalidJsonValue: .NET 8's <c>GetValueKind</c> throws ArgumentException for it (.NET 9+ says Number).
    /// </summary>
    public static JsonValueKind KindOf(JsonNode? node)
    {
        try
        {
            return node?.GetValueKind() ?? JsonValueKind.Null;
        }
        catch (ArgumentException ex)
        {
            throw NotRepresentable(ex);
        }
    }

    private static TalosSeccompException NotRepresentable(Exception inner) =>
        new(ErrorIds.InvalidJsonValue, ErrorKind.InvalidArgument, "The profile contains a number JSON cannot hold (NaN or infinity).", null, inner);

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are the same JSON value.</summary>
    public static bool SemanticEquals(JsonNode? a, JsonNode? b)
    {
        var kindA = KindOf(a);
        var kindB = KindOf(b);
        if (kindA != kindB)
        {
            return false;
        }

        switch (kindA)
        {
            case JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                return string.Equals(StringOf(a!.AsValue()), StringOf(b!.AsValue()), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return CanonicalNumber(NumberOf(a!.AsValue())) == CanonicalNumber(NumberOf(b!.AsValue()));
            case JsonValueKind.Array:
            {
                var x = a!.AsArray();
                var y = b!.AsArray();
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!SemanticEquals(x[i], y[i]))
                    {
                        return false;
                    }
                }

                return true;
            }

            case JsonValueKind.Object:
            {
                var x = a!.AsObject();
                var y = b!.AsObject();
                if (x.Count != y.Count)
                {
                    return false;
                }

                foreach (var (key, value) in x)
                {
                    if (!y.TryGetPropertyValue(key, out var other) || !SemanticEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            }

            default:
                return false;
        }
    }

    /// <summary>An exact canonical form of a JSON number: sign, significant digits without leading/trailing zeros, and power of ten.</summary>
    internal static (bool Negative, string Digits, BigInteger Exponent) CanonicalNumber(string text)
    {
        var i = 0;
        var negative = text.Length > 0 && text[0] == '-';
        if (negative)
        {
            i++;
        }

        var digits = new System.Text.StringBuilder();
        var exponent = BigInteger.Zero;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            digits.Append(text[i++]);
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                digits.Append(text[i++]);
                exponent--;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            exponent += BigInteger.Parse(text.AsSpan(i + 1).TrimStart('+'), System.Globalization.CultureInfo.InvariantCulture);
        }

        var significant = digits.ToString().TrimStart('0');
        if (significant.Length == 0)
        {
            return (false, "0", BigInteger.Zero);
        }

        var trimmed = significant.TrimEnd('0');
        exponent += significant.Length - trimmed.Length;
        return (negative, trimmed, exponent);
    }
}
