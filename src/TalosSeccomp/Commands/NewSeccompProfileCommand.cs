using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Creates a seccomp profile from a default action and rules.</summary>
/// <remarks>
/// <para>New-SeccompProfile builds the profile object the other cmdlets take: export it with Export-SeccompProfile, check it with Test-SeccompProfile, or deploy it to nodes. Its JSON (ConvertTo-SeccompJson) is exactly what a Talos node writes to /var/lib/kubelet/seccomp/profiles/&lt;name&gt;.</para>
/// <para>-AllowSyscall is a shorthand for one Allow rule (names sorted); rules from -Rule or the pipeline follow it in order. Actions, architectures and flags accept short names (Log, x86_64, Tsync) or the SCMP_*/SECCOMP_* spellings and are stored in the latter.</para>
/// </remarks>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Log | ConvertTo-SeccompJson</code>
/// <para>Creates the audit profile from the Talos seccomp guide, which logs every syscall: {"defaultAction":"SCMP_ACT_LOG"}.</para>
/// </example>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Errno -Architecture x86_64, aarch64 -AllowSyscall read, write, execve, exit_group, futex, rt_sigreturn, rt_sigprocmask</code>
/// <para>Creates an allow-list profile: the listed syscalls run, every other one fails with EPERM.</para>
/// </example>
/// <example>
/// <code>New-SeccompRule -Name ptrace -Action KillProcess | New-SeccompProfile -DefaultAction Allow -Name no-ptrace.json</code>
/// <para>Creates a deny-list profile named no-ptrace.json that kills any process calling ptrace.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "SeccompProfile", DefaultParameterSetName = ManualSet)]
[OutputType(typeof(SeccompProfile))]
public sealed class NewSeccompProfileCommand : TalosSeccompCmdlet
{
    /// <summary>Name of the parameter set for profiles written by hand (the default).</summary>
    public const string ManualSet = "Manual";

    private readonly List<SeccompRule> _rules = [];

    /// <summary>The action for syscalls no rule matches: Allow, Log, Errno, Trap, Trace, Kill, KillThread, KillProcess or SCMP_ACT_*.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ManualSet)]
    [ArgumentCompleter(typeof(SeccompActionCompleter))]
    [ValidateNotNullOrEmpty]
    public string DefaultAction { get; set; } = string.Empty;

    /// <summary>The errno of an Errno default action (EPERM when omitted).</summary>
    [Parameter(ParameterSetName = ManualSet)]
    public uint DefaultErrnoRet { get; set; }

    /// <summary>Architectures the filter covers (x86_64, aarch64, ...); omit for the node's native architecture.</summary>
    [Parameter(ParameterSetName = ManualSet)]
    [ArgumentCompleter(typeof(SeccompArchitectureCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Architecture { get; set; } = [];

    /// <summary>Seccomp filter flags: Tsync, Log, SpecAllow, WaitKillableRecv (or SECCOMP_FILTER_FLAG_*).</summary>
    [Parameter(ParameterSetName = ManualSet)]
    [ArgumentCompleter(typeof(SeccompFilterFlagCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Flag { get; set; } = [];

    /// <summary>Rules from New-SeccompRule; also accepted from the pipeline.</summary>
    [Parameter(ParameterSetName = ManualSet, ValueFromPipeline = true)]
    public SeccompRule[] Rule { get; set; } = [];

    /// <summary>Syscalls to allow: shorthand for one Allow rule with these names, sorted.</summary>
    [Parameter(ParameterSetName = ManualSet)]
    [ArgumentCompleter(typeof(SyscallNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] AllowSyscall { get; set; } = [];

    /// <summary>Unix socket of the SCMP_ACT_NOTIFY listener.</summary>
    [Parameter(ParameterSetName = ManualSet)]
    [ValidateNotNullOrEmpty]
    public string? ListenerPath { get; set; }

    /// <summary>Opaque data passed to the notify listener.</summary>
    [Parameter(ParameterSetName = ManualSet)]
    public string? ListenerMetadata { get; set; }

    /// <summary>The name the profile will be deployed under (its file name on the node, e.g. audit.json).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() => _rules.AddRange(Rule);

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        try
        {
            var profile = new SeccompProfile(SeccompAction.Normalize(DefaultAction, "-DefaultAction"))
            {
                Name = Name is null ? null : ProfileName.Validate(Name),
                ListenerPath = ListenerPath,
                ListenerMetadata = ListenerMetadata,
            };
            if (MyInvocation.BoundParameters.ContainsKey(nameof(DefaultErrnoRet)))
            {
                profile.DefaultErrnoRet = DefaultErrnoRet;
            }

            profile.Architectures.AddRange(Architecture.Select(a => SeccompArchitectureName.Normalize(a, "-Architecture")).Distinct());
            profile.Flags.AddRange(Flag.Select(f => SeccompFilterFlag.Normalize(f, "-Flag")).Distinct());
            if (AllowSyscall.Length > 0)
            {
                profile.Syscalls.Add(new SeccompRule(AllowSyscall.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), SeccompAction.Allow));
            }

            profile.Syscalls.AddRange(_rules.Select(r => r.Clone()));
            WriteObject(profile);
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }
}
