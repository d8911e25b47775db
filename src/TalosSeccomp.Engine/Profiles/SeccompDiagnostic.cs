namespace TalosSeccomp.Profiles;

/// <summary>How serious a <see cref="SeccompDiagnostic"/> is.</summary>
public enum SeccompDiagnosticSeverity
{
    /// <summary>Worth knowing; the profile works as written.</summary>
    Information,
    /// <summary>The profile loads, but probably does not do what its author meant.</summary>
    Warning,
    /// <summary>The profile will be refused, or will stop containers from starting.</summary>
    Error,
}

/// <summary>One finding of <see cref="SeccompProfileValidator"/>.</summary>
/// <param name="Severity">How serious the finding is.</param>
/// <param name="Code">A stable code from <see cref="SeccompDiagnosticCode"/>.</param>
/// <param name="Message">What is wrong and what to do about it.</param>
/// <param name="Location">JSON path of the offending value, e.g. <c>syscalls[3].names[1]</c>; empty for the whole profile.</param>
/// <param name="Source">The profile's file or name when known.</param>
public sealed record SeccompDiagnostic(SeccompDiagnosticSeverity Severity, string Code, string Message, string Location, string? Source = null)
{
    /// <summary>Severity, code, location and message on one line.</summary>
    public override string ToString() =>
        Location.Length == 0 ? $"{Severity} {Code}: {Message}" : $"{Severity} {Code} at {Location}: {Message}";
}

/// <summary>The codes <see cref="SeccompProfileValidator"/> reports.</summary>
public static class SeccompDiagnosticCode
{
    /// <summary>An action containerd/runc does not know.</summary>
    public const string UnknownAction = "UnknownAction";
    /// <summary>An argument operator containerd/runc does not know.</summary>
    public const string UnknownOperator = "UnknownOperator";
    /// <summary>An architecture libseccomp does not know.</summary>
    public const string UnknownArchitecture = "UnknownArchitecture";
    /// <summary>A filter flag containerd/runc does not know.</summary>
    public const string UnknownFlag = "UnknownFlag";
    /// <summary>A filter flag, and the runc and kernel it needs (runc before 1.2 refuses every flag).</summary>
    public const string FilterFlagNeedsRuntime = "FilterFlagNeedsRuntime";
    /// <summary>A syscall name that exists on none of the architectures the profile targets (runc skips it).</summary>
    public const string UnknownSyscall = "UnknownSyscall";
    /// <summary>errnoRet/defaultErrnoRet on an action that ignores it (anything but ERRNO and TRACE).</summary>
    public const string ErrnoRetIgnored = "ErrnoRetIgnored";
    /// <summary>A Docker-only key (archMap, includes, excludes, comment, name) that containerd silently drops.</summary>
    public const string DockerOnlyKey = "DockerOnlyKey";
    /// <summary>Any other key outside the OCI schema; containerd drops it.</summary>
    public const string UnknownKey = "UnknownKey";
    /// <summary>The same syscall with the same argument conditions in two rules with different actions (the first one runc adds takes effect).</summary>
    public const string ConflictingDuplicateRule = "ConflictingDuplicateRule";
    /// <summary>A syscall every container start needs is not allowed: no container could start.</summary>
    public const string BlocksContainerStart = "BlocksContainerStart";
    /// <summary>The filter does not cover an ABI the node's kernel runs (no architectures, or x86_64 without x86/x32): its processes are killed.</summary>
    public const string UncoveredAbi = "UncoveredAbi";
    /// <summary>listenerMetadata without listenerPath.</summary>
    public const string ListenerMetadataWithoutPath = "ListenerMetadataWithoutPath";
    /// <summary>SCMP_ACT_NOTIFY without listenerPath.</summary>
    public const string NotifyWithoutListener = "NotifyWithoutListener";
    /// <summary>SCMP_ACT_NOTIFY as the default action, which runc refuses.</summary>
    public const string NotifyAsDefaultAction = "NotifyAsDefaultAction";
    /// <summary>A profile name Talos would join into a file path unsafely.</summary>
    public const string UnsafeProfileName = "UnsafeProfileName";
    /// <summary>An argument index above 5.</summary>
    public const string ArgumentIndexOutOfRange = "ArgumentIndexOutOfRange";
    /// <summary>A rule without syscall names, or an empty name.</summary>
    public const string EmptySyscallName = "EmptySyscallName";
}
