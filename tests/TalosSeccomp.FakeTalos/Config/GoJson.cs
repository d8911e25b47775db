using System.Globalization;
using System.Text;

namespace TalosSeccomp.FakeTalos.Config;

/// <summary>
/// Go's <c>encoding/json.Marshal</c> for the values a decoded YAML document holds (maps, lists, strings,
/// int64/uint64, float64, bool, null): compact, map keys sorted by their UTF-8 bytes, HTML-escaped strings,
/// no trailing newline. This is what Talos writes to <c>/var/lib/kubelet/seccomp/profiles/&lt;name&gt;</c>.
/// Written independently of the module's renderer on purpose: it is the tests' oracle.
/// </summary>
public static class GoJson
{
    private const string Hex = "0123456789abcdef";

    /// <summary>Renders a value tree (see <see cref="GoYamlValues"/>) as Go would marshal it.</summary>
    public static string Marshal(object? value)
    {
        var builder = new StringBuilder();
        Write(builder, value);
        return builder.ToString();
    }

    /// <summary>Compares strings as Go's sort does: by their UTF-8 bytes.</summary>
    public static int CompareUtf8(string a, string b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        return Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
    }

    private static void Write(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case string text:
                WriteString(builder, text);
                break;
            case bool flag:
                builder.Append(flag ? "true" : "false");
                break;
            case long integer:
                builder.Append(integer.ToString(CultureInfo.InvariantCulture));
                break;
            case ulong unsigned:
                builder.Append(unsigned.ToString(CultureInfo.InvariantCulture));
                break;
            case double number:
                builder.Append(FormatFloat(number));
                break;
            case IReadOnlyDictionary<string, object?> map:
                builder.Append('{');
                var first = true;
                foreach (var key in map.Keys.OrderBy(k => k, Comparer<string>.Create(CompareUtf8)))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    WriteString(builder, key);
                    builder.Append(':');
                    Write(builder, map[key]);
                }

                builder.Append('}');
                break;
            case IReadOnlyList<object?> list:
                builder.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    Write(builder, list[i]);
                }

                builder.Append(']');
                break;
            default:
                throw new ArgumentException($"json: unsupported type: {value.GetType().Name}");
        }
    }

    /// <summary>Go's float encoder: shortest round-trip digits, 'f' format for 1e-6 ≤ |f| &lt; 1e21, else 'e' with e-7 not e-07.</summary>
    internal static string FormatFloat(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new ArgumentException($"json: unsupported value: {value.ToString(CultureInfo.InvariantCulture)}");
        }

        var (negative, digits, exponent) = ShortestDigits(value);
        var sign = negative ? "-" : string.Empty;
        var abs = Math.Abs(value);
        if (abs == 0 || (abs >= 1e-6 && abs < 1e21))
        {
            // digits × 10^(exponent - digits.Length + 1), written out in full.
            var pointPosition = exponent + 1;
            string text;
            if (pointPosition <= 0)
            {
                text = "0." + new string('0', -pointPosition) + digits;
            }
            else if (pointPosition >= digits.Length)
            {
                text = digits + new string('0', pointPosition - digits.Length);
            }
            else
            {
                text = digits[..pointPosition] + "." + digits[pointPosition..];
            }

            return sign + text;
        }

        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        var exponentText = Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
        if (exponentText.Length < 2 && exponent >= 0)
        {
            exponentText = "0" + exponentText;
        }

        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exponentText;
    }

    /// <summary>Shortest round-trip decimal digits of a double (no trailing zeros) and the decimal exponent of the first digit.</summary>
    private static (bool Negative, string Digits, int Exponent) ShortestDigits(double value)
    {
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);

        // "R" gives the shortest round-trip form, in either plain or E notation; normalise it.
        var negative = shortest.StartsWith('-');
        if (negative)
        {
            shortest = shortest[1..];
        }

        var exponent = 0;
        var ePosition = shortest.IndexOfAny(['E', 'e']);
        if (ePosition >= 0)
        {
            exponent = int.Parse(shortest[(ePosition + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            shortest = shortest[..ePosition];
        }

        var point = shortest.IndexOf('.');
        var integerPart = point >= 0 ? shortest[..point] : shortest;
        var fractionPart = point >= 0 ? shortest[(point + 1)..] : string.Empty;
        var allDigits = integerPart + fractionPart;
        var firstNonZero = allDigits.IndexOfAny("123456789".ToCharArray());
        if (firstNonZero < 0)
        {
            return (negative, "0", 0);
        }

        var digits = allDigits[firstNonZero..].TrimEnd('0');
        var firstDigitExponent = integerPart.Length - 1 - firstNonZero + exponent;
        return (negative, digits, firstDigitExponent);
    }

    private static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    AppendUnicodeEscape(builder, c);
                    break;
                default:
                    if (c < 0x20)
                    {
                        AppendUnicodeEscape(builder, c);
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[i + 1]);
                        i++;
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Go replaces invalid UTF-8 with U+FFFD and escapes it.
                        builder.Append("\\ufffd");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    private static void AppendUnicodeEscape(StringBuilder builder, char c)
    {
        builder.Append("\\u")
            .Append(Hex[(c >> 12) & 0xF])
            .Append(Hex[(c >> 8) & 0xF])
            .Append(Hex[(c >> 4) & 0xF])
            .Append(Hex[c & 0xF]);
    }
}
