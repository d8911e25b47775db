using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Audit;

/// <summary>How often one process made one syscall during a recording.</summary>
/// <param name="ProcessName">The process (comm) that made the call.</param>
/// <param name="Architecture">The syscall ABI (x86_64, x32, x86, aarch64, ...).</param>
/// <param name="Syscall">The syscall name from that architecture's table.</param>
/// <param name="Count">How many audit records showed it.</param>
public sealed record RecordedSyscall(string? ProcessName, string Architecture, string Syscall, long Count);

/// <summary>
/// Turns seccomp audit events into a least-privilege allow-list profile: every syscall seen is allowed
/// (one rule, names sorted), the architectures are the ABIs seen, everything else gets the default action.
/// </summary>
public sealed class SeccompProfileRecorder
{
    private readonly Dictionary<(string? Process, string Architecture, string Syscall), long> _seen = new();
    private readonly Dictionary<string, long> _unnamed = new(StringComparer.Ordinal);

    /// <summary>Events added so far.</summary>
    public long EventCount { get; private set; }

    /// <summary>Events whose syscall the tables could not name (unknown architecture or number), by "arch/number".</summary>
    public IReadOnlyDictionary<string, long> UnnamedSyscalls => _unnamed;

    /// <summary>Adds one event.</summary>
    public void Add(SeccompAuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        EventCount++;
        if (auditEvent.Architecture is null || auditEvent.Syscall is null)
        {
            var key = $"{auditEvent.Architecture ?? auditEvent.AuditArch.ToString("x", System.Globalization.CultureInfo.InvariantCulture)}/{auditEvent.SyscallNumber}";
            _unnamed[key] = _unnamed.GetValueOrDefault(key) + 1;
            return;
        }

        var seen = (auditEvent.ProcessName, auditEvent.Architecture, auditEvent.Syscall);
        _seen[seen] = _seen.GetValueOrDefault(seen) + 1;
    }

    /// <summary>What was seen, per process, architecture and syscall, most frequent first.</summary>
    public IReadOnlyList<RecordedSyscall> Summary() =>
        _seen.Select(kv => new RecordedSyscall(kv.Key.Process, kv.Key.Architecture, kv.Key.Syscall, kv.Value))
            .OrderByDescending(s => s.Count)
            .ThenBy(s => s.ProcessName, StringComparer.Ordinal)
            .ThenBy(s => s.Syscall, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Builds the profile. With a base profile, the recorded allow rule is merged into it (permissive: a
    /// syscall the recording saw stays allowed even where the base denies it); the default action is
    /// <paramref name="defaultAction"/>.
    /// </summary>
    /// <exception cref="Errors.TalosSeccompException">NoAuditEventsRecorded when nothing nameable was seen.</exception>
    public SeccompProfile Build(string defaultAction, uint? defaultErrnoRet = null, SeccompProfile? baseProfile = null)
    {
        if (_seen.Count == 0)
        {
            throw new Errors.TalosSeccompException(
                Errors.ErrorIds.NoAuditEventsRecorded,
                Errors.ErrorKind.InvalidData,
                EventCount == 0
                    ? "No seccomp audit events were given, so there is nothing to build a profile from."
                    : $"None of the {EventCount} seccomp audit events named a syscall this module's tables know, so there is nothing to build a profile from.");
        }

        var recorded = new SeccompProfile(SeccompAction.Normalize(defaultAction, "-DefaultAction"));
        if (defaultErrnoRet is not null)
        {
            recorded.DefaultErrnoRet = defaultErrnoRet;
        }

        recorded.Architectures.AddRange(_seen.Keys
            .Select(k => SyscallTables.GetArchitecture(k.Architecture))
            .Distinct()
            .OrderBy(a => a.ScmpName, StringComparer.Ordinal)
            .Select(a => a.ScmpName));
        recorded.Syscalls.Add(new SeccompRule(
            _seen.Keys.Select(k => k.Syscall).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
            SeccompAction.Allow));

        if (baseProfile is null)
        {
            return recorded;
        }

        var merged = SeccompProfileMerger.Merge([baseProfile, recorded], SeccompMergeStrategy.Permissive).Profile;
        merged.DefaultAction = recorded.DefaultAction;
        merged.DefaultErrnoRet = defaultErrnoRet ?? (SeccompAction.TakesErrnoRet(recorded.DefaultAction) ? baseProfile.DefaultErrnoRet : null);
        return merged;
    }
}
