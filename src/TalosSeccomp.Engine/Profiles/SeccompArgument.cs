using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>
/// One argument condition of a syscall rule (OCI <c>LinuxSeccompArg</c>): compare syscall argument
/// <see cref="Index"/> with <see cref="Value"/> using <see cref="Op"/>.
/// </summary>
public sealed class SeccompArgument
{
    /// <summary>Creates an empty condition (index 0, value 0, SCMP_CMP_EQ).</summary>
    public SeccompArgument()
    {
    }

    /// <summary>Creates a condition; <paramref name="op"/> accepts every spelling <see cref="SeccompOperator"/> knows.</summary>
    public SeccompArgument(uint index, ulong value, string op, ulong? valueTwo = null)
    {
        Index = index;
        Value = value;
        Op = SeccompOperator.Normalize(op, "op");
        ValueTwo = valueTwo;
    }

    /// <summary>Syscall argument position, 0 to 5.</summary>
    public uint Index { get; set; }

    /// <summary>Value compared with the argument (for MASKED_EQ: the mask).</summary>
    public ulong Value { get; set; }

    /// <summary>Second value (for MASKED_EQ: the value the masked argument must equal); null when absent.</summary>
    public ulong? ValueTwo { get; set; }

    /// <summary>Comparison operator in SCMP_CMP_* spelling.</summary>
    public string Op { get; set; } = SeccompOperator.Equal;

    /// <summary>Keys of the condition the OCI spec does not define, kept verbatim.</summary>
    public JsonObject AdditionalProperties { get; } = [];

    /// <summary>
    /// Builds a condition from a dictionary such as PowerShell's <c>@{Index=0; Value=1; Op='EQ'}</c>. Keys are
    /// case-insensitive; Index and Value are required, Op defaults to EQ, ValueTwo is optional. Values may be
    /// integers or decimal/0x-hex strings.
    /// </summary>
    public static SeccompArgument FromDictionary(IDictionary dictionary, string location = "argument")
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        object? index = null, value = null, valueTwo = null, op = null;
        foreach (DictionaryEntry entry in dictionary)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            switch (key.ToUpperInvariant())
            {
                case "INDEX": index = entry.Value; break;
                case "VALUE": value = entry.Value; break;
                case "VALUETWO": valueTwo = entry.Value; break;
                case "OP": case "OPERATOR": op = entry.Value; break;
                default:
                    throw InvalidArgument($"Unknown key '{key}' in {location}; use Index, Value, ValueTwo and Op.", location);
            }
        }

        if (index is null || value is null)
        {
            throw InvalidArgument($"{location} needs Index and Value, e.g. @{{Index=0; Value=1; Op='EQ'}}.", location);
        }

        var parsedIndex = ToUInt64(index, location + ".Index");
        if (parsedIndex > 5)
        {
            throw InvalidArgument($"{location}.Index is {parsedIndex}; syscalls have arguments 0 to 5.", location);
        }

        return new SeccompArgument
        {
            Index = (uint)parsedIndex,
            Value = ToUInt64(value, location + ".Value"),
            ValueTwo = valueTwo is null ? null : ToUInt64(valueTwo, location + ".ValueTwo"),
            Op = SeccompOperator.Normalize(op is null ? SeccompOperator.Equal : Convert.ToString(op, CultureInfo.InvariantCulture), location + ".Op"),
        };
    }

    /// <summary>A compact description such as <c>arg0 == 0x1</c> or <c>arg1 &amp; 0xff == 0x10</c>.</summary>
    public override string ToString() => Op switch
    {
        SeccompOperator.MaskedEqual => $"arg{Index} & 0x{Value:x} == 0x{ValueTwo ?? 0:x}",
        SeccompOperator.Equal => $"arg{Index} == 0x{Value:x}",
        SeccompOperator.NotEqual => $"arg{Index} != 0x{Value:x}",
        SeccompOperator.LessThan => $"arg{Index} < 0x{Value:x}",
        SeccompOperator.LessOrEqual => $"arg{Index} <= 0x{Value:x}",
        SeccompOperator.GreaterThan => $"arg{Index} > 0x{Value:x}",
        SeccompOperator.GreaterOrEqual => $"arg{Index} >= 0x{Value:x}",
        _ => $"arg{Index} {Op} 0x{Value:x}",
    };

    internal SeccompArgument Clone()
    {
        var copy = new SeccompArgument { Index = Index, Value = Value, ValueTwo = ValueTwo, Op = Op };
        foreach (var (key, value) in AdditionalProperties)
        {
            copy.AdditionalProperties[key] = value?.DeepClone();
        }

        return copy;
    }

    /// <summary>Identity for duplicate detection and comparison: index, op, value, valueTwo (absent = 0, as the kernel sees it).</summary>
    internal string Signature => string.Create(CultureInfo.InvariantCulture, $"{Index}:{Op}:{Value}:{ValueTwo ?? 0}");

    private static ulong ToUInt64(object raw, string location)
    {
        // PowerShell hands over boxed ints, longs, doubles or strings, sometimes wrapped in a PSObject whose ToString is the value.
        switch (raw)
        {
            case byte or ushort or uint or ulong:
                return Convert.ToUInt64(raw, CultureInfo.InvariantCulture);
            case sbyte or short or int or long:
                var signed = Convert.ToInt64(raw, CultureInfo.InvariantCulture);
                if (signed < 0)
                {
                    throw InvalidArgument($"{location} is {signed}; seccomp compares unsigned 64-bit values, so give a value from 0 to 18446744073709551615.", location);
                }

                return (ulong)signed;
            case decimal d when d >= 0 && d <= ulong.MaxValue && decimal.Truncate(d) == d:
                return (ulong)d;
        }

        var text = Convert.ToString(raw, CultureInfo.InvariantCulture)?.Trim() ?? string.Empty;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec))
        {
            return dec;
        }

        throw InvalidArgument($"{location} is '{text}', not an unsigned 64-bit integer (decimal or 0x hex).", location);
    }

    private static TalosSeccompException InvalidArgument(string message, string location) =>
        new(ErrorIds.InvalidSeccompArgument, ErrorKind.InvalidArgument, message, location);
}
