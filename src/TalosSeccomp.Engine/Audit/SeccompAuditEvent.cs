namespace TalosSeccomp.Audit;

/// <summary>Where a seccomp audit record was read from.</summary>
public enum AuditSource
{
    /// <summary>The audit daemon's log (Talos 1.9+ service log <c>auditd</c>, or an audit.log file): <c>type=SECCOMP msg=audit(…): …</c>.</summary>
    Auditd,

    /// <summary>The kernel log (Talos Dmesg, the <c>kernel</c> service log, dmesg or journal output): <c>audit: type=1326 audit(…): …</c>.</summary>
    Dmesg,
}

/// <summary>
/// The seccomp action that made the kernel log a syscall: the record's <c>code</c> masked with
/// SECCOMP_RET_ACTION_FULL (0xffff0000), so errno and trace data bits never change the action.
/// </summary>
public enum SeccompAuditAction
{
    /// <summary>SECCOMP_RET_KILL_PROCESS (0x80000000): the whole process was killed with SIGSYS.</summary>
    KillProcess,

    /// <summary>SECCOMP_RET_KILL_THREAD (0x00000000, SCMP_ACT_KILL): the calling thread was killed.</summary>
    KillThread,

    /// <summary>SECCOMP_RET_TRAP (0x00030000): SIGSYS was delivered to the thread.</summary>
    Trap,

    /// <summary>SECCOMP_RET_ERRNO (0x00050000): the syscall failed with an errno.</summary>
    Errno,

    /// <summary>SECCOMP_RET_USER_NOTIF (0x7fc00000, SCMP_ACT_NOTIFY): a user-space supervisor was asked.</summary>
    Notify,

    /// <summary>SECCOMP_RET_TRACE (0x7ff00000): a ptrace tracer was notified.</summary>
    Trace,

    /// <summary>SECCOMP_RET_LOG (0x7ffc0000): the syscall ran and was logged.</summary>
    Log,

    /// <summary>SECCOMP_RET_ALLOW (0x7fff0000): never logged by the kernel, listed for completeness.</summary>
    Allow,

    /// <summary>A code no kernel action maps to.</summary>
    Unknown,
}

/// <summary>
/// Whether <see cref="SeccompAuditEvent"/>'s Kubernetes fields (Namespace, Pod, Container, …) could be filled in, and
/// if not, why not. Attribution never guesses: an event is either tied to one container or says why it is not.
/// </summary>
public enum AuditAttribution
{
    /// <summary>No lookup was made (the event was parsed offline, or attribution was turned off).</summary>
    NotAttempted,

    /// <summary>The process ran in a Kubernetes container; Namespace, Pod, PodUid, Container, ContainerId and Image are set.</summary>
    Container,

    /// <summary>The process is not in a Kubernetes pod (a Talos service, a host process, a container outside k8s.io).</summary>
    NotAContainer,

    /// <summary>The process had exited before it could be looked up, so nothing tells which container it was in.</summary>
    ProcessExited,

    /// <summary>The lookup needed a role the talosconfig's certificate does not have (reading /proc/&lt;pid&gt;/cgroup needs os:admin).</summary>
    RoleTooWeak,

    /// <summary>The node did not answer the lookup (see the warning written for it).</summary>
    LookupFailed,
}

/// <summary>
/// One kernel seccomp audit record (AUDIT_SECCOMP, type 1326): which process made which syscall on which
/// node, and what the filter did about it. Produced by <see cref="SeccompAuditParser"/>.
/// </summary>
public sealed class SeccompAuditEvent
{
    /// <summary>The node the record came from: the <c>&lt;node&gt;: </c> prefix talosctl adds, or the node the caller read it from; null when unknown.</summary>
    public string? Node { get; init; }

    /// <summary>Whether the record came from the audit daemon's log or from the kernel log.</summary>
    public AuditSource Source { get; init; }

    /// <summary>When the kernel emitted the record, from <c>audit(&lt;seconds&gt;.&lt;milliseconds&gt;:…)</c>, in UTC.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The audit serial number, unique per node and boot.</summary>
    public ulong Serial { get; init; }

    /// <summary>The process id (thread-group id on current kernels).</summary>
    public int Pid { get; init; }

    /// <summary>The process name (<c>comm</c>), hex-decoded when the kernel printed it as hex.</summary>
    public string? ProcessName { get; init; }

    /// <summary>The executable path (<c>exe</c>), hex-decoded when needed; null when the kernel printed <c>(null)</c> (no memory map).</summary>
    public string? Executable { get; init; }

    /// <summary>The user id.</summary>
    public uint Uid { get; init; }

    /// <summary>The group id.</summary>
    public uint Gid { get; init; }

    /// <summary>The login user id (<c>auid</c>); null when unset (4294967295), which is typical for containers.</summary>
    public uint? Auid { get; init; }

    /// <summary>The audit session id (<c>ses</c>); null when unset (4294967295), which is typical for containers.</summary>
    public uint? Session { get; init; }

    /// <summary>The syscall ABI's architecture name (x86_64, x32, i386, aarch64, …) as the syscall tables name it; null when the AUDIT_ARCH value is unknown.</summary>
    public string? Architecture { get; init; }

    /// <summary>The raw AUDIT_ARCH value from <c>arch=</c> (c000003e for x86_64, c00000b7 for aarch64, …).</summary>
    public uint AuditArch { get; init; }

    /// <summary>The syscall number as the kernel printed it (x32 numbers keep bit 0x40000000).</summary>
    public long SyscallNumber { get; init; }

    /// <summary>The syscall name from the table of <see cref="Architecture"/>; null when the number is not in that table.</summary>
    public string? Syscall { get; init; }

    /// <summary>True for a 32-bit syscall made on a 64-bit kernel (<c>compat=1</c>).</summary>
    public bool Compat { get; init; }

    /// <summary>The user-space instruction pointer at the syscall (<c>ip=</c>).</summary>
    public ulong InstructionPointer { get; init; }

    /// <summary>The seccomp action, from <see cref="Code"/> masked with 0xffff0000.</summary>
    public SeccompAuditAction Action { get; init; }

    /// <summary>The <c>code=</c> value as printed (the action bits; data bits on kernels before 4.14).</summary>
    public uint Code { get; init; }

    /// <summary>The signal sent (<c>sig=</c>): 31 (SIGSYS) for the kill actions, 0 otherwise.</summary>
    public int Signal { get; init; }

    /// <summary>The LSM task context (<c>subj=</c>) when an LSM supplied one; null otherwise.</summary>
    public string? Subject { get; init; }

    /// <summary>The Kubernetes namespace of the pod the process ran in; null unless <see cref="Attribution"/> is Container.</summary>
    public string? Namespace { get; set; }

    /// <summary>The pod's name; null unless <see cref="Attribution"/> is Container.</summary>
    public string? Pod { get; set; }

    /// <summary>The pod's UID (from its cgroup path or its CRI sandbox); null unless <see cref="Attribution"/> is Container.</summary>
    public string? PodUid { get; set; }

    /// <summary>The container's name in the pod spec; null unless <see cref="Attribution"/> is Container, and null for the pod's sandbox (pause) process, whose ContainerId is the sandbox id.</summary>
    public string? Container { get; set; }

    /// <summary>The container's 64-hex runtime id (CRI container id); null unless <see cref="Attribution"/> is Container.</summary>
    public string? ContainerId { get; set; }

    /// <summary>The container's image as CRI reports it; null unless <see cref="Attribution"/> is Container.</summary>
    public string? Image { get; set; }

    /// <summary>Whether the Kubernetes fields are set, and if not, why not.</summary>
    public AuditAttribution Attribution { get; set; }

    /// <summary>
    /// True for a record made by the container runtime's own init before it executed the workload (comm
    /// <c>runc:[2:INIT]</c>): runc installs the filter before exec, so a profile the container runs under must allow
    /// these syscalls too.
    /// </summary>
    public bool IsContainerInit => string.Equals(ProcessName, "runc:[2:INIT]", StringComparison.Ordinal);

    /// <summary>The record text as read, without the line ending.</summary>
    public string Raw { get; init; } = string.Empty;

    /// <summary>A one-line summary, e.g. <c>10.5.0.3 runc:[2:INIT] x86_64/close Log</c>.</summary>
    public override string ToString() =>
        $"{Node ?? "-"} {ProcessName} {Architecture ?? AuditArch.ToString("x")}/{Syscall ?? SyscallNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)} {Action}";
}
