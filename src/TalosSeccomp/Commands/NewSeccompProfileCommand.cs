using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Audit;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Creates a seccomp profile from a default action and rules, or from recorded seccomp audit events.</summary>
/// <remarks>
/// <para>New-SeccompProfile builds the profile object the other cmdlets take: export it with Export-SeccompProfile,
/// check it with Test-SeccompProfile, or deploy it to nodes. Its JSON (ConvertTo-SeccompJson) is exactly what a Talos
/// node writes to /var/lib/kubelet/seccomp/profiles/&lt;name&gt;.</para>
/// <para>With -FromAuditEvent it records a least-privilege profile: every syscall seen in the piped SeccompAuditEvent
/// objects (from Watch-TalosAudit or ConvertFrom-SeccompAuditRecord) is allowed, named from the record's own
/// architecture; the architectures are the ABIs seen; everything else gets -DefaultAction (Errno when omitted).
/// -BaseProfile merges the recording into an existing profile; -BaseProfile RuntimeDefault starts from containerd's
/// RuntimeDefault profile (generated from containerd's contrib/seccomp/seccomp_default.go), so "RuntimeDefault plus
/// what I recorded" is one command. -Verbose prints what was seen (process, syscall, count). Run the workload under the
/// audit profile ({"defaultAction":"SCMP_ACT_LOG"}) while recording, so that every syscall it makes is logged.</para>
/// <para>When the default action denies, the recorded profile also allows what runc needs to start a container after
/// it installs the filter (measured with runc 1.1.5: capget, capset, chdir, close, execve, fstat, fstatfs, futex,
/// getcwd, getdents64, geteuid, getppid, newfstatat, openat, prctl, read, rt_sigreturn, setgid, setgroups, setuid,
/// write): runc's Go runtime makes some of these only now and then, so a recording can miss them and the container
/// would then fail to start on a later run. -Verbose names the ones added.</para>
/// <para>A recorded syscall that the module's syscall tables cannot name (a number newer than the tables, or an
/// architecture without a table) cannot be allowed by name, so the profile denies it: each such syscall writes a
/// non-terminating RecordedSyscallNotInTables error naming its number and architecture, before the profile is written.
/// Allow it by name with -BaseProfile and New-SeccompRule, or update the module.</para>
/// <para>-AllowSyscall is a shorthand for one Allow rule (names sorted); rules from -Rule or the pipeline follow it in
/// order. Actions, architectures and flags accept short names (Log, x86_64, Tsync) or the SCMP_*/SECCOMP_* spellings
/// and are stored in the latter.</para>
/// </remarks>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Log | ConvertTo-SeccompJson</code>
/// <para>Creates the audit profile from the Talos seccomp guide, which logs every syscall:
/// {"defaultAction":"SCMP_ACT_LOG"}.</para>
/// </example>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Errno -Architecture x86_64, aarch64 -AllowSyscall read, write, openat, close, fstatfs, getdents64, execve, exit_group, futex, rt_sigreturn</code>
/// <para>Creates an allow-list profile: the listed syscalls run, every other one fails with EPERM. It holds what runc
/// needs for pods with allowPrivilegeEscalation: false (Test-SeccompProfile -NoNewPrivileges passes it).</para>
/// </example>
/// <example>
/// <code>New-SeccompRule -Name ptrace -Action KillProcess | New-SeccompProfile -DefaultAction Allow -Name no-ptrace.json</code>
/// <para>Creates a deny-list profile named no-ptrace.json that kills any process calling ptrace.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Duration 00:05:00 -ProcessName myapp | New-SeccompProfile -FromAuditEvent -Name myapp.json</code>
/// <para>Records five minutes of myapp's syscalls on one node and turns them into an allow-list profile whose default
/// action is Errno.</para>
/// </example>
/// <example>
/// <code>Get-Content ./audit.log | ConvertFrom-SeccompAuditRecord | New-SeccompProfile -FromAuditEvent -BaseProfile (Import-SeccompProfile ./base.json) -Verbose</code>
/// <para>Builds a profile from saved audit lines, merged into base.json, and lists what was seen.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Duration 00:05:00 -ProcessName myapp | New-SeccompProfile -FromAuditEvent -BaseProfile RuntimeDefault -Name myapp.json</code>
/// <para>Builds containerd's RuntimeDefault profile plus every syscall myapp was seen making that RuntimeDefault
/// denies.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "SeccompProfile", DefaultParameterSetName = ManualSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfile))]
public sealed class NewSeccompProfileCommand : TalosSeccompCmdlet
{
    /// <summary>Name of the parameter set for profiles written by hand (the default).</summary>
    public const string ManualSet = "Manual";

    /// <summary>Name of the parameter set that records a profile from audit events.</summary>
    public const string AuditSet = "FromAuditEvent";

    private readonly List<SeccompRule> _rules = [];
    private readonly SeccompProfileRecorder _recorder = new();

    /// <summary>The action for syscalls no rule matches: Allow, Log, Errno, Trap, Trace, Kill, KillThread, KillProcess
    /// or SCMP_ACT_*. With -FromAuditEvent it defaults to Errno.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ManualSet)]
    [Parameter(Position = 0, ParameterSetName = AuditSet)]
    [ArgumentCompleter(typeof(SeccompActionCompleter))]
    [ValidateNotNullOrEmpty]
    public string DefaultAction { get; set; } = string.Empty;

    /// <summary>The errno of an Errno default action (EPERM when omitted).</summary>
    [Parameter(ParameterSetName = ManualSet)]
    [Parameter(ParameterSetName = AuditSet)]
    public uint DefaultErrnoRet { get; set; }

    /// <summary>Architectures the filter covers (x86_64, aarch64, ...); omit for the node's native
    /// architecture.</summary>
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

    /// <summary>Records a profile from the SeccompAuditEvent objects given with -AuditEvent or piped in.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AuditSet)]
    public SwitchParameter FromAuditEvent { get; set; }

    /// <summary>Seccomp audit events (from Watch-TalosAudit or ConvertFrom-SeccompAuditRecord); usually piped
    /// in.</summary>
    [Parameter(ParameterSetName = AuditSet, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public SeccompAuditEvent[] AuditEvent { get; set; } = [];

    /// <summary>A profile to merge the recording into: its rules are kept, and every recorded syscall is allowed.
    /// 'RuntimeDefault' stands for containerd's RuntimeDefault profile (what Talos runs pods under with kubelet's
    /// seccompDefault) for amd64 and arm64 nodes and containerd's default capabilities.</summary>
    [Parameter(ParameterSetName = AuditSet)]
    [BaseProfileTransformation]
    public SeccompProfile? BaseProfile { get; set; }

    /// <summary>The name the profile will be deployed under (its file name on the node, e.g. audit.json).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        _rules.AddRange(Rule);
        foreach (var auditEvent in AuditEvent)
        {
            _recorder.Add(auditEvent);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (ParameterSetName == AuditSet)
        {
            WriteRecordedProfile();
            return;
        }

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

    private void WriteRecordedProfile()
    {
        try
        {
            uint? errnoRet = MyInvocation.BoundParameters.ContainsKey(nameof(DefaultErrnoRet)) ? DefaultErrnoRet : null;
            var defaultAction = MyInvocation.BoundParameters.ContainsKey(nameof(DefaultAction)) ? DefaultAction : SeccompAction.Errno;
            // Each recorded syscall no table names is an error of its own, before the profile: the profile denies
            // it, and with -ErrorAction Stop the caller gets no profile that silently does so.
            foreach (var unnamed in _recorder.UnnamedSyscalls)
            {
                WriteEngineError(unnamed.ToError());
            }

            var profile = _recorder.Build(defaultAction, errnoRet, BaseProfile);
            profile.Name = Name is null ? null : ProfileName.Validate(Name);

            WriteVerbose($"Recorded {_recorder.EventCount} audit events.");
            if (_recorder.AddedForContainerStart.Count > 0)
            {
                WriteVerbose($"Also allowed what runc needs to start the container, unseen in the recording: {string.Join(", ", _recorder.AddedForContainerStart)}.");
            }

            foreach (var seen in _recorder.Summary())
            {
                WriteVerbose($"{seen.ProcessName ?? "?"}  {seen.Architecture}  {seen.Syscall}  x{seen.Count}");
            }

            WriteObject(profile);
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }
}
