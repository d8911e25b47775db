using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TalosSeccomp.FakeTalos.Config;

/// <summary>
/// Turns YAML nodes into the values Go's yaml.v3 produces when decoding into <c>any</c>:
/// <c>Dictionary&lt;string, object?&gt;</c>, <c>List&lt;object?&gt;</c>, string, long (int64), ulong (values above
/// int64 up to 2^64-1), double, bool or null. Plain scalars are resolved like yaml.v3 does (underscores dropped,
/// Go base prefixes 0x/0o/0b and legacy leading-zero octal, YAML 1.2 booleans only); quoted scalars stay strings.
/// </summary>
public static partial class GoYamlValues
{
    /// <summary>Converts a node; throws <see cref="FormatException"/> for values JSON cannot carry (e.g. .inf).</summary>
    public static object? ToValue(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToMap(mapping),
        YamlSequenceNode sequence => sequence.Children.Select(ToValue).ToList(),
        YamlScalarNode scalar => ResolveScalar(scalar),
        _ => throw new FormatException($"unsupported YAML node {node.NodeType}"),
    };

    private static Dictionary<string, object?> ToMap(YamlMappingNode mapping)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode scalarKey)
            {
                throw new FormatException($"line {key.Start.Line}: mapping keys must be scalars");
            }

            // Last key wins, as in Go.
            map[scalarKey.Value ?? string.Empty] = ToValue(value);
        }

        return map;
    }

    /// <summary>Resolves one scalar to its Go value.</summary>
    public static object? ResolveScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)))
        {
            return text;
        }

        if (tag is not null and not "tag:yaml.org,2002:int" and not "tag:yaml.org,2002:float"
            and not "tag:yaml.org,2002:bool" and not "tag:yaml.org,2002:null" and not "!")
        {
            return text;
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF" or ".nan" or ".NaN" or ".NAN":
                throw new FormatException($"json: unsupported value: {text} (line {scalar.Start.Line})");
        }

        if (text[0] is (>= '0' and <= '9') or '+' or '-' or '.')
        {
            var plain = text.Replace("_", string.Empty, StringComparison.Ordinal);
            if (TryParseGoInteger(plain, out var integer))
            {
                if (integer >= long.MinValue && integer <= long.MaxValue)
                {
                    return (long)integer;
                }

                if (integer >= 0 && integer <= ulong.MaxValue)
                {
                    return (ulong)integer;
                }
            }

            if (YamlFloat().IsMatch(plain) && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }
        }

        return text;
    }

    /// <summary>Go's strconv.ParseInt/ParseUint with base 0 (after underscores were removed).</summary>
    private static bool TryParseGoInteger(string text, out BigInteger value)
    {
        value = BigInteger.Zero;
        var negative = false;
        var body = text;
        if (body.StartsWith('+') || body.StartsWith('-'))
        {
            negative = body[0] == '-';
            body = body[1..];
        }

        if (body.Length == 0)
        {
            return false;
        }

        var radix = 10;
        if (body.Length > 1 && body[0] == '0')
        {
            switch (body[1])
            {
                case 'x' or 'X':
                    radix = 16;
                    body = body[2..];
                    break;
                case 'o' or 'O':
                    radix = 8;
                    body = body[2..];
                    break;
                case 'b' or 'B':
                    radix = 2;
                    body = body[2..];
                    break;
                default:
                    radix = 8;
                    body = body[1..];
                    break;
            }
        }

        if (body.Length == 0)
        {
            return false;
        }

        foreach (var c in body)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }

            value = (value * radix) + digit;
        }

        if (negative)
        {
            value = -value;
        }

        return true;
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex YamlFloat();
}
