using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>
/// The seccomp actions of the OCI runtime spec, their accepted spellings and their order from the most
/// permissive to the most restrictive.
/// </summary>
public static class SeccompAction
{
    /// <summary>Let the syscall run.</summary>
    public const string Allow = "SCMP_ACT_ALLOW";
    /// <summary>Let the syscall run and write an audit record.</summary>
    public const string Log = "SCMP_ACT_LOG";
    /// <summary>Hand the syscall to a ptrace tracer (ENOSYS when there is none).</summary>
    public const string Trace = "SCMP_ACT_TRACE";
    /// <summary>Hand the syscall to a user-space listener on the profile's listenerPath.</summary>
    public const string Notify = "SCMP_ACT_NOTIFY";
    /// <summary>Fail the syscall with an errno (errnoRet, EPERM by default).</summary>
    public const string Errno = "SCMP_ACT_ERRNO";
    /// <summary>Send SIGSYS to the thread.</summary>
    public const string Trap = "SCMP_ACT_TRAP";
    /// <summary>Kill the calling thread (the historical spelling of <see cref="KillThread"/>).</summary>
    public const string Kill = "SCMP_ACT_KILL";
    /// <summary>Kill the calling thread.</summary>
    public const string KillThread = "SCMP_ACT_KILL_THREAD";
    /// <summary>Kill the whole process.</summary>
    public const string KillProcess = "SCMP_ACT_KILL_PROCESS";

    /// <summary>Every action in its SCMP_ACT_* spelling, from the most permissive to the most restrictive.</summary>
    public static IReadOnlyList<string> All { get; } = [Allow, Log, Trace, Notify, Errno, Trap, Kill, KillThread, KillProcess];

    /// <summary>The short names accepted besides the SCMP_ACT_* spelling (Allow, Log, Errno, ...).</summary>
    public static IReadOnlyList<string> ShortNames { get; } = All.Select(a => ToShortName(a)).ToArray();

    private static readonly Dictionary<string, string> Spellings = BuildSpellings();

    /// <summary>Normalises Allow, allow, SCMP_ACT_ALLOW, scmp_act_allow, KillProcess, Kill_Process ... to the SCMP_ACT_* spelling.</summary>
    public static bool TryNormalize(string? value, out string action)
    {
        action = string.Empty;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (Spellings.TryGetValue(value.Trim(), out var found))
        {
            action = found;
            return true;
        }

        return false;
    }

    /// <summary>Normalises an action or throws <c>InvalidSeccompAction</c> naming <paramref name="location"/>.</summary>
    public static string Normalize(string? value, string location)
    {
        if (TryNormalize(value, out var action))
        {
            return action;
        }

        throw new TalosSeccompException(
            ErrorIds.InvalidSeccompAction,
            ErrorKind.InvalidArgument,
            $"'{value}' at {location} is not a seccomp action. Use one of: {string.Join(", ", ShortNames)} (or the SCMP_ACT_* spelling).",
            location);
    }

    /// <summary>
    /// Rank of an action from 0 (ALLOW, the most permissive) to 5 (KILL_PROCESS, the most restrictive):
    /// ALLOW &gt; LOG &gt; TRACE = NOTIFY &gt; ERRNO = TRAP &gt; KILL_THREAD = KILL &gt; KILL_PROCESS.
    /// Unknown actions rank as the most restrictive so that no merge ever widens access by accident.
    /// </summary>
    public static int Restrictiveness(string action) => action switch
    {
        Allow => 0,
        Log => 1,
        Trace or Notify => 2,
        Errno or Trap => 3,
        Kill or KillThread => 4,
        _ => 5,
    };

    /// <summary>True for ALLOW and LOG: the syscall runs.</summary>
    public static bool LetsSyscallRun(string action) => action is Allow or Log;

    /// <summary>True when the action may carry an errno or trace value (errnoRet): ERRNO and TRACE.</summary>
    public static bool TakesErrnoRet(string action) => action is Errno or Trace;

    /// <summary>The short spelling of an SCMP_ACT_* action: SCMP_ACT_KILL_PROCESS → KillProcess.</summary>
    public static string ToShortName(string action) => action switch
    {
        Allow => "Allow",
        Log => "Log",
        Trace => "Trace",
        Notify => "Notify",
        Errno => "Errno",
        Trap => "Trap",
        Kill => "Kill",
        KillThread => "KillThread",
        KillProcess => "KillProcess",
        _ => action,
    };

    private static Dictionary<string, string> BuildSpellings()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var action in All)
        {
            var suffix = action["SCMP_ACT_".Length..];
            map[action] = action;
            map[suffix] = action;
            map[suffix.Replace("_", string.Empty, StringComparison.Ordinal)] = action;
        }

        return map;
    }
}
