using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>The argument comparison operators of the OCI runtime spec and their accepted spellings.</summary>
public static class SeccompOperator
{
    /// <summary>Argument not equal to value.</summary>
    public const string NotEqual = "SCMP_CMP_NE";
    /// <summary>Argument less than value.</summary>
    public const string LessThan = "SCMP_CMP_LT";
    /// <summary>Argument less than or equal to value.</summary>
    public const string LessOrEqual = "SCMP_CMP_LE";
    /// <summary>Argument equal to value.</summary>
    public const string Equal = "SCMP_CMP_EQ";
    /// <summary>Argument greater than or equal to value.</summary>
    public const string GreaterOrEqual = "SCMP_CMP_GE";
    /// <summary>Argument greater than value.</summary>
    public const string GreaterThan = "SCMP_CMP_GT";
    /// <summary>Argument masked with value equal to valueTwo.</summary>
    public const string MaskedEqual = "SCMP_CMP_MASKED_EQ";

    /// <summary>Every operator in its SCMP_CMP_* spelling.</summary>
    public static IReadOnlyList<string> All { get; } = [NotEqual, LessThan, LessOrEqual, Equal, GreaterOrEqual, GreaterThan, MaskedEqual];

    /// <summary>The descriptive names accepted besides the short and SCMP_CMP_* spellings.</summary>
    public static IReadOnlyList<string> LongNames { get; } = ["NotEqual", "LessThan", "LessOrEqual", "Equal", "GreaterOrEqual", "GreaterThan", "MaskedEqual"];

    private static readonly Dictionary<string, string> Spellings = BuildSpellings();

    /// <summary>Normalises Equal, EQ, eq, SCMP_CMP_EQ ... to the SCMP_CMP_* spelling.</summary>
    public static bool TryNormalize(string? value, out string op)
    {
        op = string.Empty;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (Spellings.TryGetValue(value.Trim(), out var found))
        {
            op = found;
            return true;
        }

        return false;
    }

    /// <summary>Normalises an operator or throws <c>InvalidSeccompOperator</c> naming <paramref name="location"/>.</summary>
    public static string Normalize(string? value, string location)
    {
        if (TryNormalize(value, out var op))
        {
            return op;
        }

        throw new TalosSeccompException(
            ErrorIds.InvalidSeccompOperator,
            ErrorKind.InvalidArgument,
            $"'{value}' at {location} is not a seccomp comparison operator. Use one of: {string.Join(", ", LongNames)}, their short forms (EQ, NE, LT, LE, GE, GT, MASKED_EQ) or the SCMP_CMP_* spelling.",
            location);
    }

    private static Dictionary<string, string> BuildSpellings()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < All.Count; i++)
        {
            var op = All[i];
            var suffix = op["SCMP_CMP_".Length..];
            map[op] = op;
            map[suffix] = op;
            map[suffix.Replace("_", string.Empty, StringComparison.Ordinal)] = op;
            map[LongNames[i]] = op;
        }

        return map;
    }
}
