using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>The seccomp filter flags of the OCI runtime spec (<c>flags</c>) and their accepted spellings.</summary>
public static class SeccompFilterFlag
{
    /// <summary>Synchronise the filter to every thread of the process.</summary>
    public const string Tsync = "SECCOMP_FILTER_FLAG_TSYNC";
    /// <summary>Log every action except ALLOW (makes ERRNO, TRAP, TRACE and NOTIFY show in the audit log).</summary>
    public const string Log = "SECCOMP_FILTER_FLAG_LOG";
    /// <summary>Keep speculative store bypass mitigation off.</summary>
    public const string SpecAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
    /// <summary>Wait killable for a NOTIFY listener's reply once it has received the notification.</summary>
    public const string WaitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";

    /// <summary>Every flag in its SECCOMP_FILTER_FLAG_* spelling.</summary>
    public static IReadOnlyList<string> All { get; } = [Tsync, Log, SpecAllow, WaitKillableRecv];

    /// <summary>The short names accepted besides the full spelling (Tsync, Log, SpecAllow, WaitKillableRecv).</summary>
    public static IReadOnlyList<string> ShortNames { get; } = ["Tsync", "Log", "SpecAllow", "WaitKillableRecv"];

    private static readonly Dictionary<string, string> Spellings = BuildSpellings();

    /// <summary>Normalises Log, log, SECCOMP_FILTER_FLAG_LOG, SpecAllow, SPEC_ALLOW ... to the full spelling.</summary>
    public static bool TryNormalize(string? value, out string flag)
    {
        flag = string.Empty;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (Spellings.TryGetValue(value.Trim(), out var found))
        {
            flag = found;
            return true;
        }

        return false;
    }

    /// <summary>Normalises a flag or throws <c>InvalidSeccompFlag</c> naming <paramref name="location"/>.</summary>
    public static string Normalize(string? value, string location)
    {
        if (TryNormalize(value, out var flag))
        {
            return flag;
        }

        throw new TalosSeccompException(
            ErrorIds.InvalidSeccompFlag,
            ErrorKind.InvalidArgument,
            $"'{value}' at {location} is not a seccomp filter flag. Use one of: {string.Join(", ", ShortNames)} (or the SECCOMP_FILTER_FLAG_* spelling).",
            location);
    }

    /// <summary>The oldest runc that accepts flags: runc 1.1 refuses a profile with any ("seccomp flags are not yet supported by runc").</summary>
    public const string MinimumRunc = "1.2";

    /// <summary>
    /// What a flag needs from the node, as Test-SeccompProfile reports it: runc 1.2 or later (runc 1.1's
    /// libcontainer/specconv/spec_linux.go refuses every flag; 1.2's libcontainer/seccomp/config.go knows TSYNC,
    /// SPEC_ALLOW and LOG; WAIT_KILLABLE_RECV only runc after 1.5 knows) and the kernel that added the flag.
    /// Warning for WAIT_KILLABLE_RECV, which released runc refuses; Information otherwise.
    /// </summary>
    public static (SeccompDiagnosticSeverity Severity, string Message) Requirements(string flag) => flag switch
    {
        Log => (SeccompDiagnosticSeverity.Information,
            $"{Log} makes the kernel log every action of this filter except SCMP_ACT_ALLOW, so what an enforcing profile denies shows in the audit log " +
            $"(Watch-TalosAudit -Action Errno). It needs runc {MinimumRunc} or later (runc 1.1 refuses a profile with any flags: \"seccomp flags are not yet supported by runc\"; " +
            "Talos 1.9 ships runc 1.2.3) and Linux 4.14 or later; the kernel logs only the actions listed in /proc/sys/kernel/seccomp/actions_logged."),
        Tsync => (SeccompDiagnosticSeverity.Information, $"{Tsync} needs runc {MinimumRunc} or later (runc 1.1 refuses a profile with any flags) and Linux 3.17 or later."),
        SpecAllow => (SeccompDiagnosticSeverity.Information, $"{SpecAllow} needs runc {MinimumRunc} or later (runc 1.1 refuses a profile with any flags) and Linux 4.17 or later."),
        WaitKillableRecv => (SeccompDiagnosticSeverity.Warning,
            $"{WaitKillableRecv} needs Linux 5.19 or later, and released runc (1.2 to 1.5) refuses it as \"not known to runc\", so containers under this profile would not start on Talos."),
        _ => throw new ArgumentOutOfRangeException(nameof(flag), flag, "not a seccomp filter flag"),
    };

    private static Dictionary<string, string> BuildSpellings()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < All.Count; i++)
        {
            var flag = All[i];
            var suffix = flag["SECCOMP_FILTER_FLAG_".Length..];
            map[flag] = flag;
            map[suffix] = flag;
            map[ShortNames[i]] = flag;
        }

        return map;
    }
}
