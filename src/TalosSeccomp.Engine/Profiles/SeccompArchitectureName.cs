using TalosSeccomp.Errors;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Profiles;

/// <summary>Architecture spellings in profiles: x86_64, amd64, SCMP_ARCH_X86_64 ... all become SCMP_ARCH_*.</summary>
public static class SeccompArchitectureName
{
    /// <summary>
    /// The architectures Talos nodes run on (amd64 and arm64), in SCMP_ARCH_* spelling. A profile without
    /// <c>architectures</c> is checked against these.
    /// </summary>
    public static IReadOnlyList<string> TalosNodeArchitectures { get; } = SyscallTables.TalosArchitectures.Select(a => a.ScmpName).ToArray();

    /// <summary>Normalises an architecture through <see cref="SyscallTables.TryGetArchitecture"/>.</summary>
    public static bool TryNormalize(string? value, out string scmpName)
    {
        scmpName = string.Empty;
        if (string.IsNullOrWhiteSpace(value) || !SyscallTables.TryGetArchitecture(value.Trim(), out var architecture))
        {
            return false;
        }

        scmpName = architecture.ScmpName;
        return true;
    }

    /// <summary>Normalises an architecture or throws <c>InvalidSeccompArchitecture</c> naming <paramref name="location"/>.</summary>
    public static string Normalize(string? value, string location)
    {
        if (TryNormalize(value, out var scmpName))
        {
            return scmpName;
        }

        throw new TalosSeccompException(
            ErrorIds.InvalidSeccompArchitecture,
            ErrorKind.InvalidArgument,
            $"'{value}' at {location} is not an architecture libseccomp knows. Use a name such as x86_64, aarch64 or SCMP_ARCH_X86_64.",
            location);
    }

    /// <summary>The short name (x86_64) of an SCMP_ARCH_* name, or the input when the tables do not know it.</summary>
    public static string ToShortName(string scmpName) =>
        SyscallTables.TryGetArchitecture(scmpName, out var architecture) ? architecture.Name : scmpName;
}
