using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace TalosSeccomp.Formats;

/// <summary>What a YAML scalar resolves to.</summary>
internal enum ScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
    NotRepresentable,
}

/// <summary>
/// Resolves scalars the way Talos reads them: go-yaml v3 (<c>gopkg.in/yaml.v3</c>, resolve.go) decoding into
/// <c>interface{}</c>. That is the YAML 1.2 core schema plus yaml.v3's extras: underscores in numbers, Go base
/// prefixes (<c>0x</c>, <c>0o</c>, <c>0b</c>, legacy <c>0777</c> octal), and timestamps kept as strings. YAML 1.1
/// words such as <c>yes</c>/<c>on</c> stay strings.
/// </summary>
internal static partial class YamlScalarResolver
{
    public const string StrTag = "tag:yaml.org,2002:str";
    public const string IntTag = "tag:yaml.org,2002:int";
    public const string FloatTag = "tag:yaml.org,2002:float";
    public const string BoolTag = "tag:yaml.org,2002:bool";
    public const string NullTag = "tag:yaml.org,2002:null";
    public const string BinaryTag = "tag:yaml.org,2002:binary";
    public const string TimestampTag = "tag:yaml.org,2002:timestamp";

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlStyleFloat();

    // YAML 1.1 spellings other parsers read as booleans or sexagesimal numbers; we quote such strings when rendering.
    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Yaml11Ambiguous();

    /// <summary>Resolves a parsed scalar. Returns the kind and, for everything but strings, the JSON value (null for YAML null).</summary>
    public static (ScalarKind Kind, JsonNode? Json) Resolve(YScalar scalar)
    {
        var tag = scalar.Tag;
        if (!scalar.IsPlain && tag is null)
        {
            return (ScalarKind.String, JsonValue.Create(scalar.Value));
        }

        if (tag is StrTag or BinaryTag or TimestampTag || (tag is not null && !IsResolvableTag(tag)))
        {
            // Explicit string-like or unknown tags: yaml.v3 hands the text to interface{} as a string.
            return (ScalarKind.String, JsonValue.Create(scalar.Value));
        }

        var (kind, json) = ResolvePlain(scalar.Value);
        if (tag is null)
        {
            return (kind, json);
        }

        // An explicit !!int/!!float/!!bool/!!null must agree with the text (yaml.v3 fails otherwise); !!float accepts ints.
        return tag switch
        {
            IntTag when kind == ScalarKind.Int => (kind, json),
            FloatTag when kind is ScalarKind.Float or ScalarKind.NotRepresentable => (kind, json),
            FloatTag when kind == ScalarKind.Int => (ScalarKind.Float, json),
            BoolTag when kind == ScalarKind.Bool => (kind, json),
            NullTag when kind == ScalarKind.Null => (kind, json),
            _ => throw new FormatException($"cannot decode {ShortTag(tag)} `{scalar.Value}`"),
        };
    }

    /// <summary>Resolves the text of an untagged plain scalar.</summary>
    public static (ScalarKind Kind, JsonNode? Json) ResolvePlain(string value)
    {
        if (value.Length == 0)
        {
            return (ScalarKind.Null, null);
        }

        switch (value)
        {
            case "~" or "null" or "Null" or "NULL":
                return (ScalarKind.Null, null);
            case "true" or "True" or "TRUE":
                return (ScalarKind.Bool, JsonValue.Create(true));
            case "false" or "False" or "FALSE":
                return (ScalarKind.Bool, JsonValue.Create(false));
            case ".nan" or ".NaN" or ".NAN" or ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF":
                return (ScalarKind.NotRepresentable, null);
        }

        var first = value[0];
        if (first == '.')
        {
            return YamlStyleFloat().IsMatch(value) ? (ScalarKind.Float, FloatJson(value)) : (ScalarKind.String, JsonValue.Create(value));
        }

        if (first is not ('+' or '-') && !char.IsAsciiDigit(first))
        {
            return (ScalarKind.String, JsonValue.Create(value));
        }

        // yaml.v3 tries a timestamp first for digit-led plain scalars, then decodes timestamps into interface{} as strings.
        if (LooksLikeTimestamp(value))
        {
            return (ScalarKind.String, JsonValue.Create(value));
        }

        var plain = value.Replace("_", string.Empty, StringComparison.Ordinal);
        if (TryParseGoInteger(plain, out var integer))
        {
            if (integer >= long.MinValue && integer <= long.MaxValue)
            {
                return (ScalarKind.Int, JsonValue.Create((long)integer));
            }

            if (integer >= 0 && integer <= ulong.MaxValue && plain[0] != '+' && plain[0] != '-')
            {
                return (ScalarKind.Int, JsonValue.Create((ulong)integer));
            }
        }

        if (YamlStyleFloat().IsMatch(plain))
        {
            return (ScalarKind.Float, FloatJson(plain));
        }

        return (ScalarKind.String, JsonValue.Create(value));
    }

    // Conservative shape for unquoted strings: starts with a letter, '_' or '/', no '#', and every ':' or space is followed by
    // an ordinary character. YamlDotNet's own plain-scalar analysis lets some unsafe strings through (a leading tab).
    [GeneratedRegex(@"^[A-Za-z_/][A-Za-z0-9_./@%+=()-]*(?:[: ][A-Za-z0-9_./@%+=()-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SafePlainShape();

    /// <summary>True when a string can be written as a plain scalar and read back as the same string by yaml.v3 and by YAML 1.1 parsers.</summary>
    public static bool IsSafePlainString(string value) =>
        SafePlainShape().IsMatch(value) && ResolvePlain(value).Kind == ScalarKind.String && !Yaml11Ambiguous().IsMatch(value);

    private static bool IsResolvableTag(string tag) => tag is "" or StrTag or BoolTag or IntTag or FloatTag or TimestampTag or NullTag;

    private static string ShortTag(string tag) => tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + tag["tag:yaml.org,2002:".Length..] : tag;

    /// <summary>Go <c>strconv.ParseInt(s, 0, 64)</c>/<c>ParseUint</c> syntax: optional sign, then 0x/0o/0b/legacy-0 octal or decimal digits.</summary>
    private static bool TryParseGoInteger(string s, out BigInteger result)
    {
        result = BigInteger.Zero;
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }

        var radix = 10;
        if (i + 1 < s.Length && s[i] == '0' && char.ToLowerInvariant(s[i + 1]) is 'x' or 'o' or 'b')
        {
            radix = char.ToLowerInvariant(s[i + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            i += 2;
        }
        else if (i + 1 < s.Length && s[i] == '0')
        {
            radix = 8;
            i++;
        }

        if (i >= s.Length)
        {
            return false; // a lone sign or a bare base prefix such as "0x"
        }

        for (; i < s.Length; i++)
        {
            var digit = HexDigit(s[i]);
            if (digit < 0 || digit >= radix)
            {
                return false;
            }

            result = (result * radix) + digit;
        }

        if (negative)
        {
            result = -result;
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

    /// <summary>yaml.v3 parseTimestamp: exactly four digits then '-', and one of its accepted layouts.</summary>
    private static bool LooksLikeTimestamp(string s)
    {
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        if (i != 4 || i == s.Length || s[i] != '-')
        {
            return false;
        }

        return TimestampPattern().IsMatch(s);
    }

    // Go layouts "2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2".
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2}))|( [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?))?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampPattern();

    /// <summary>A YAML float as a JSON number with the digits as written (sign '+' dropped, bare '.' completed, leading zeros trimmed).</summary>
    private static JsonNode FloatJson(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        var i = 0;
        if (text[i] is '+' or '-')
        {
            if (text[i] == '-')
            {
                sb.Append('-');
            }

            i++;
        }

        var intStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var intPart = text[intStart..i].TrimStart('0');
        sb.Append(intPart.Length == 0 ? "0" : intPart);
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var fracStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            sb.Append('.').Append(i == fracStart ? "0" : text[fracStart..i]);
        }

        sb.Append(text, i, text.Length - i); // exponent, already JSON-compatible
        return JsonNode.Parse(sb.ToString())!;
    }

    /// <summary>Scalar style to render a JSON string with so that it reads back as the same string.</summary>
    public static ScalarStyle StyleForString(string value) => IsSafePlainString(value) ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted;

    /// <summary>Invariant formatting helper for messages.</summary>
    public static string Describe(int line, int column) => string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}");
}
