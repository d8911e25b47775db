using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TalosSeccomp.Formats;

/// <summary>
/// Renders a JSON tree byte for byte as Go's <c>encoding/json.Marshal</c> renders the same value decoded from
/// YAML into <c>map[string]any</c>, which is what a Talos node writes to its seccomp profile files.
/// </summary>
/// <remarks>
/// System.Text.Json cannot be configured to do this: its encoders escape a different set of characters (and a
/// custom <c>JavaScriptEncoder</c> needs unsafe code), and it neither sorts keys nor formats floats like Go. The
/// rules reproduced here: object keys sorted by their UTF-8 bytes; no whitespace; in strings <c>"</c> and
/// <c>\</c> backslash-escaped, <c>\b \f \n \r \t</c> short-escaped (Go 1.22+), other bytes below 0x20 and
/// <c>&lt; &gt; &amp;</c> U+2028 U+2029 as <c>\u00XX</c>-style lowercase hex escapes, everything else raw UTF-8
/// (an unpaired surrogate becomes <c>\ufffd</c>, as Go writes invalid UTF-8); integers that fit int64/uint64 as
/// integers, other numbers as float64 with Go's <c>'f'</c>/<c>'e'</c> choice; no trailing newline.
/// </remarks>
public static class GoJson
{
    /// <summary>The UTF-8 bytes Go's json.Marshal produces for the value.</summary>
    public static byte[] Serialize(JsonNode? node) => Encoding.UTF8.GetBytes(SerializeToString(node));

    /// <summary>The text Go's json.Marshal produces for the value.</summary>
    public static string SerializeToString(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return builder.ToString();
    }

    /// <summary>
    /// JSON text with every lone surrogate replaced by U+FFFD, the way Go's <c>encoding/json</c> decodes it: a
    /// <c>\uD800</c>-style escape that is not half of a surrogate pair becomes <c>\ufffd</c>, an unpaired surrogate
    /// character becomes U+FFFD. Paired escapes and all other text are kept as written. Returns
    /// <paramref name="json"/> itself when there is nothing to replace (the usual case: no allocation).
    /// </summary>
    public static string ReplaceInvalidSurrogates(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        StringBuilder? builder = null;
        var copied = 0;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            int length;
            if (c == '\\' && i + 1 < json.Length)
            {
                if (json[i + 1] != 'u' || !TryHex4(json, i + 2, out var unit) || !char.IsSurrogate((char)unit))
                {
                    i++; // any other escape, \\ included, is skipped whole
                    continue;
                }

                if (char.IsHighSurrogate((char)unit) && i + 11 < json.Length && json[i + 6] == '\\' && json[i + 7] == 'u'
                    && TryHex4(json, i + 8, out var low) && char.IsLowSurrogate((char)low))
                {
                    i += 11;
                    continue;
                }

                length = 6;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < json.Length && char.IsLowSurrogate(json[i + 1]))
            {
                i++;
                continue;
            }
            else if (char.IsSurrogate(c))
            {
                length = 1;
            }
            else
            {
                continue;
            }

            builder ??= new StringBuilder(json.Length);
            builder.Append(json, copied, i - copied).Append(length == 6 ? "\\ufffd" : "\ufffd");
            copied = i + length;
            i += length - 1;
        }

        return builder is null ? json : builder.Append(json, copied, json.Length - copied).ToString();
    }

    /// <summary>
    /// <paramref name="text"/> with each unpaired surrogate replaced by U+FFFD, for outputs (YAML) that cannot carry
    /// one; the text itself when it has none.
    /// </summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        char[]? chars = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                (chars ??= text.ToCharArray())[i] = '\ufffd';
            }
        }

        return chars is null ? text : new string(chars);
    }

    private static bool TryHex4(string text, int start, out int value)
    {
        value = 0;
        if (start + 4 > text.Length)
        {
            return false;
        }

        for (var k = start; k < start + 4; k++)
        {
            var digit = HexDigit(text[k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Orders keys as Go's map marshalling does: by their UTF-8 bytes (ordinal UTF-16 differs above U+D7FF).</summary>
    public static int CompareKeys(string left, string right)
    {
        if (IsAscii(left) && IsAscii(right))
        {
            return string.CompareOrdinal(left, right);
        }

        return Encoding.UTF8.GetBytes(left).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(right));
    }

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c > 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    private static void Write(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, Comparer<string>.Create(CompareKeys)))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    WriteString(builder, key);
                    builder.Append(':');
                    Write(builder, value);
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    Write(builder, array[i]);
                }

                builder.Append(']');
                break;
            case JsonValue value:
                switch (Formats.JsonText.KindOf(value))
                {
                    case JsonValueKind.String:
                        WriteString(builder, value.GetValue<string>());
                        break;
                    case JsonValueKind.Number:
                        builder.Append(FormatNumber(Formats.JsonText.NumberOf(value)));
                        break;
                    case JsonValueKind.True:
                        builder.Append("true");
                        break;
                    case JsonValueKind.False:
                        builder.Append("false");
                        break;
                    default:
                        builder.Append("null");
                        break;
                }

                break;
        }
    }

    private static void WriteString(StringBuilder builder, string text)
    {
        const string hex = "0123456789abcdef";
        builder.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u00").Append(hex[c >> 4]).Append(hex[c & 0xf]);
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
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

    /// <summary>Formats a JSON number literal as Go marshals the YAML-decoded value (int64/uint64, else float64).</summary>
    internal static string FormatNumber(string literal)
    {
        if (literal.IndexOfAny(['.', 'e', 'E']) < 0)
        {
            if (long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed))
            {
                return signed.ToString(CultureInfo.InvariantCulture);
            }

            if (ulong.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var unsigned))
            {
                return unsigned.ToString(CultureInfo.InvariantCulture);
            }
        }

        return FormatFloat(double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>Go's float64 encoding: shortest digits, 'e' format below 1e-6 or from 1e21 on, exponent "e-7" not "e-07".</summary>
    internal static string FormatFloat(double number)
    {
        var negative = number < 0 || (number == 0 && double.IsNegative(number));
        var abs = Math.Abs(number);
        if (abs == 0)
        {
            return negative ? "-0" : "0";
        }

        // "R" yields the shortest round-tripping digits; rebuild them in Go's layout.
        var text = abs.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOf('E');
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var pointPosition = (point < 0 ? mantissa.Length : point) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0');
        pointPosition -= leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        string result;
        if (abs < 1e-6 || abs >= 1e21)
        {
            var decimalExponent = pointPosition - 1;
            // strconv pads the exponent to two digits; encoding/json then trims "e-07" back to "e-7".
            var exponentText = decimalExponent < 0
                ? "-" + (-decimalExponent).ToString(CultureInfo.InvariantCulture)
                : "+" + decimalExponent.ToString("00", CultureInfo.InvariantCulture);
            result = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : string.Empty) + "e" + exponentText;
        }
        else if (pointPosition <= 0)
        {
            result = "0." + new string('0', -pointPosition) + digits;
        }
        else if (pointPosition >= digits.Length)
        {
            result = digits + new string('0', pointPosition - digits.Length);
        }
        else
        {
            result = digits[..pointPosition] + "." + digits[pointPosition..];
        }

        return negative ? "-" + result : result;
    }
}
