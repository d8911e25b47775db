using System.Globalization;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Audit;

/// <summary>How often one process made one syscall during a recording.</summary>
/// <param name="ProcessName">The process (comm) that made the call.</param>
/// <param name="Architecture">The syscall ABI (x86_64, x32, x86, aarch64, ...).</param>
/// <param name="Syscall">The syscall name from that architecture's table.</param>
/// <param name="Count">How many audit records showed it.</param>
public sealed record RecordedSyscall(string? ProcessName, string Architecture, string Syscall, long Count);

/// <summary>A syscall the recording saw but no syscall table names, so it cannot be put into the profile by name.</summary>
/// <param name="Architecture">The syscall ABI's name (x86_64, ...); null when the AUDIT_ARCH value itself is unknown.</param>
/// <param name="AuditArch">The record's AUDIT_ARCH value.</param>
/// <param name="SyscallNumber">The syscall number as the kernel printed it.</param>
/// <param name="Count">How many audit records showed it.</param>
public sealed record UnnamedRecordedSyscall(string? Architecture, uint AuditArch, long SyscallNumber, long Count)
{
    /// <summary>
    /// The error that reports it: <c>RecordedSyscallNotInTables</c> (InvalidData), naming the number and the
    /// architecture and saying how to allow it anyway. The recorded profile denies it (the default action applies).
    /// </summary>
    public TalosSeccompException ToError()
    {
        var number = SyscallNumber.ToString(CultureInfo.InvariantCulture);
        var where = Architecture is null
            ? $"an architecture with AUDIT_ARCH 0x{AuditArch:x8}, which this module has no syscall table for"
            : $"{Architecture}, whose syscall table has no number {number}";
        var target = $"{Architecture ?? "0x" + AuditArch.ToString("x8", CultureInfo.InvariantCulture)}/{number}";
        return new TalosSeccompException(
            ErrorIds.RecordedSyscallNotInTables,
            ErrorKind.InvalidData,
            $"{Count} audit event{(Count == 1 ? "" : "s")} recorded syscall {number} (0x{SyscallNumber:x}) on {where} " +
            $"(tables: {SyscallTables.Source}). It is not in the recorded profile, so the profile's default action applies to it. " +
            "If you know its name, allow it by name: pass -BaseProfile (New-SeccompProfile Errno -Rule (New-SeccompRule -Name <name> -Action Allow)), " +
            "or add such a rule to the profile's Syscalls; otherwise update TalosSeccomp to a release with newer syscall tables.",
            target);
    }
}

/// <summary>
/// Turns seccomp audit events into a least-privilege allow-list profile: every syscall seen is allowed
/// (one rule, names sorted), the architectures are the ABIs seen, everything else gets the default action.
/// </summary>
public sealed class SeccompProfileRecorder
{
    private readonly Dictionary<(string? Process, string Architecture, string Syscall), long> _seen = new();
    private readonly Dictionary<(string? Architecture, uint AuditArch, long Number), long> _unnamed = new();

    /// <summary>Events added so far.</summary>
    public long EventCount { get; private set; }

    /// <summary>
    /// Syscalls the tables could not name (unknown architecture or number), in the order first seen. None of them
    /// is in the built profile; report each with <see cref="UnnamedRecordedSyscall.ToError"/>.
    /// </summary>
    public IReadOnlyList<UnnamedRecordedSyscall> UnnamedSyscalls =>
        _unnamed.Select(kv => new UnnamedRecordedSyscall(kv.Key.Architecture, kv.Key.AuditArch, kv.Key.Number, kv.Value)).ToList();

    /// <summary>Adds one event.</summary>
    public void Add(SeccompAuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        EventCount++;
        if (auditEvent.Architecture is null || auditEvent.Syscall is null)
        {
            var key = (auditEvent.Architecture, auditEvent.AuditArch, auditEvent.SyscallNumber);
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
    /// The syscalls the last <see cref="Build"/> allowed although the recording did not see them: what runc needs to
    /// start a container after it installs the filter (<see cref="SeccompProfileValidator.ContainerStartSyscalls"/>),
    /// added when the default action denies.
    /// </summary>
    public IReadOnlyList<string> AddedForContainerStart { get; private set; } = [];

    /// <summary>
    /// Builds the profile. With a base profile, the recorded allow rule is merged into it (permissive: a
    /// syscall the recording saw stays allowed even where the base denies it); the default action is
    /// <paramref name="defaultAction"/>.
    /// </summary>
    /// <exception cref="TalosSeccompException">NoAuditEventsRecorded when nothing nameable was seen.</exception>
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
        var names = _seen.Keys.Select(k => k.Syscall).ToHashSet(StringComparer.Ordinal);
        AddedForContainerStart = [];
        if (!SeccompAction.LetsSyscallRun(recorded.DefaultAction))
        {
            // runc installs the filter before it finishes starting the container, and its Go runtime makes some of
            // these calls only now and then (futex, rt_sigreturn), so a recording can miss them; without them the
            // container may fail to start on a later run.
            AddedForContainerStart = SeccompProfileValidator.ContainerStartSyscalls.Where(n => !names.Contains(n)).ToArray();
            names.UnionWith(AddedForContainerStart);
        }

        recorded.Syscalls.Add(new SeccompRule(names.Order(StringComparer.Ordinal), SeccompAction.Allow));

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
