using System.Collections;
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
/// <para>-PerWorkload records one profile per workload container, from the events' Namespace, Pod and Container
/// (Watch-TalosAudit attributes each event to its pod while the process runs). Replicas are recognised by the names
/// Kubernetes gives their pods, whose generated suffixes use the alphabet "bcdfghjklmnpqrstvwxz2456789":
/// &lt;name&gt;-&lt;pod-template-hash&gt;-&lt;5&gt; is Deployment &lt;name&gt; (the hash is 6 to 10 of "456789bcdf");
/// &lt;name&gt;-&lt;number&gt;-&lt;5&gt; is CronJob (or indexed Job) &lt;name&gt;; &lt;name&gt;-&lt;5&gt; is the
/// DaemonSet, Job or ReplicaSet &lt;name&gt;; &lt;name&gt;-&lt;ordinal&gt; is StatefulSet &lt;name&gt;; any other pod is a
/// bare pod and keeps its own name. The pod name is all the rule sees, so a bare pod named like a replica (web-1) is
/// grouped as one; -WorkloadName @{ 'pattern' = 'name' } overrides the rule for the pods it matches. Each profile is
/// named &lt;namespace&gt;_&lt;workload&gt;_&lt;container&gt;.json (Kubernetes names never hold '_', so two workload
/// containers never share a name); characters a profile name may not hold become '-', and a name over 200 characters
/// is shortened; either change appends '-' and 8 hex digits of a hash of the original names, so the name stays unique
/// and the same on every run. The profile's Workload property says which workload container it is for, and -Verbose
/// prints a summary per workload (pods, events, syscalls). Events not attributed to a container (Attribution
/// NotAttempted, NotAContainer, ProcessExited, RoleTooWeak, LookupFailed) are never guessed into a workload: they are
/// left out, with a warning giving their count and reasons.</para>
/// <para>Records made by the container runtime's init before it executes the workload (comm runc:[2:INIT], exe /;
/// IsContainerInit on the event) stay in every recorded profile: runc installs the filter before exec, so the profile
/// must allow them or the container cannot start. There is no switch to leave them out for that reason.</para>
/// <para>-LogDenied adds the filter flag SECCOMP_FILTER_FLAG_LOG. Under an enforcing profile (default action Errno)
/// the kernel logs nothing about the syscalls it denies unless the filter carries this flag; with it, each denial is an
/// audit record that Watch-TalosAudit -Action Errno shows, per pod and container. It needs runc 1.2 or later on the
/// node (runc 1.1 refuses any flags; Talos 1.9 ships runc 1.2.3) and Linux 4.14 or later; Test-SeccompProfile says so
/// (FilterFlagNeedsRuntime). The safe rollout: record under audit.json, deploy the recorded profile with -LogDenied on
/// one node (Set-TalosSeccompProfile -Mode Try), watch for denials, then roll it out to the rest.</para>
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
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Namespace shop -Duration 00:10:00 | New-SeccompProfile -FromAuditEvent -PerWorkload -LogDenied -Verbose</code>
/// <para>Records ten minutes of namespace shop and writes one Errno profile per workload container, e.g.
/// shop_web_app.json for container app of every replica of Deployment web (pods web-7d9c5b8f4d-x2k9p,
/// web-7d9c5b8f4d-q8vzl, ...), each with SECCOMP_FILTER_FLAG_LOG so its denials show in the audit log.</para>
/// </example>
/// <example>
/// <code>$events | New-SeccompProfile -FromAuditEvent -PerWorkload -WorkloadName @{ 'legacy-*' = 'legacy'; 'batch/report-*' = 'report' }</code>
/// <para>Groups the pods whose names start with legacy- as workload legacy (profile &lt;namespace&gt;_legacy_&lt;container&gt;.json),
/// and the report-* pods of namespace batch as report, whatever their names' shapes.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Namespace shop -Pod web-* -Duration 00:10:00 | New-SeccompProfile -FromAuditEvent -PerWorkload -LogDenied | Set-TalosSeccompProfile -Node 10.5.0.3 -Mode Try</code>
/// <para>Records Deployment web and puts its profiles on the one node it was recorded on, for the node's try
/// period; then Watch-TalosAudit -Node 10.5.0.3 -Action Errno shows what they deny.</para>
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
    private SeccompWorkloadRecorder? _workloads;

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

    /// <summary>The name the profile will be deployed under (its file name on the node, e.g. audit.json). Not with
    /// -PerWorkload, which names each profile after its workload container.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Records one profile per workload container instead of one for everything: the events' Namespace, Pod
    /// and Container (set by Watch-TalosAudit's attribution) group them, replicas of one Deployment, StatefulSet,
    /// DaemonSet, Job or CronJob count as one workload (see the description for the pod-name rules), and each profile
    /// is named &lt;namespace&gt;_&lt;workload&gt;_&lt;container&gt;.json. Events not attributed to a container are
    /// left out with a warning giving their count and reasons.</summary>
    [Parameter(ParameterSetName = AuditSet)]
    public SwitchParameter PerWorkload { get; set; }

    /// <summary>With -PerWorkload: names the workload of the pods a pattern matches, overriding the pod-name rules. A
    /// hashtable of pod name patterns (wildcards allowed; 'namespace/pod' to match the namespace too) to workload
    /// names, e.g. @{ 'web-*' = 'web'; 'batch/report-*' = 'report' }. A pod two patterns give different names is an
    /// error.</summary>
    [Parameter(ParameterSetName = AuditSet)]
    [ValidateNotNull]
    public IDictionary? WorkloadName { get; set; }

    /// <summary>Adds the filter flag SECCOMP_FILTER_FLAG_LOG, so the kernel logs what the profile denies (every action
    /// but Allow): Watch-TalosAudit -Action Errno then shows each denial, per pod and container. Needs runc 1.2 or
    /// later on the node (Talos 1.9 ships runc 1.2.3) and Linux 4.14 or later. Same as -Flag Log.</summary>
    [Parameter(ParameterSetName = ManualSet)]
    [Parameter(ParameterSetName = AuditSet)]
    [Alias("LogFilterFlag")]
    public SwitchParameter LogDenied { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        _rules.AddRange(Rule);
        if (PerWorkload)
        {
            try
            {
                _workloads ??= new SeccompWorkloadRecorder(ReadOverrides());
                foreach (var auditEvent in AuditEvent)
                {
                    _workloads.Add(auditEvent);
                }
            }
            catch (TalosSeccompException ex)
            {
                ThrowEngineError(ex);
            }

            return;
        }

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
            AddLogFlag(profile);
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

    private void AddLogFlag(SeccompProfile profile)
    {
        if (LogDenied && !profile.Flags.Contains(SeccompFilterFlag.Log))
        {
            profile.Flags.Add(SeccompFilterFlag.Log);
        }
    }

    private void WriteRecordedProfile()
    {
        if (PerWorkload)
        {
            WriteWorkloadProfiles();
            return;
        }

        if (WorkloadName is not null)
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.InvalidWorkloadName, ErrorKind.InvalidArgument,
                "-WorkloadName names the workloads of a per-workload recording; add -PerWorkload.", "WorkloadName"));
        }

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
            AddLogFlag(profile);

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
    private void WriteWorkloadProfiles()
    {
        try
        {
            if (Name is not null)
            {
                throw new TalosSeccompException(ErrorIds.InvalidWorkloadName, ErrorKind.InvalidArgument,
                    "-Name cannot be used with -PerWorkload: each profile is named after its workload container (<namespace>_<workload>_<container>.json); rename one with -WorkloadName, or leave out -PerWorkload.",
                    "Name");
            }

            uint? errnoRet = MyInvocation.BoundParameters.ContainsKey(nameof(DefaultErrnoRet)) ? DefaultErrnoRet : null;
            var defaultAction = MyInvocation.BoundParameters.ContainsKey(nameof(DefaultAction)) ? DefaultAction : SeccompAction.Errno;
            var recorder = _workloads ?? new SeccompWorkloadRecorder(ReadOverrides());

            if (recorder.UnattributedCount > 0)
            {
                var reasons = string.Join(", ", recorder.Unattributed.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Value} {r.Key}"));
                WriteWarning($"{recorder.UnattributedCount} of {recorder.EventCount} audit events are not attributed to a Kubernetes container and are left out of the per-workload profiles ({reasons}). " +
                    "Watch-TalosAudit attributes events while the processes still run; NotAttempted means the events were parsed without a node (ConvertFrom-SeccompAuditRecord), RoleTooWeak needs an os:admin talosconfig.");
            }

            if (recorder.Workloads.Count == 0)
            {
                throw new TalosSeccompException(ErrorIds.NoAuditEventsRecorded, ErrorKind.InvalidData,
                    recorder.EventCount == 0
                        ? "No seccomp audit events were given, so there is nothing to build a profile from."
                        : $"None of the {recorder.EventCount} seccomp audit events is attributed to a Kubernetes container, so -PerWorkload has no workload to build a profile for. Record with Watch-TalosAudit (which attributes events to pods), or leave out -PerWorkload for one profile of everything.");
            }

            foreach (var (recorded, profile, error) in recorder.Build(defaultAction, errnoRet, BaseProfile))
            {
                foreach (var unnamed in recorded.Recorder.UnnamedSyscalls)
                {
                    WriteEngineError(unnamed.ToError(), recorded.Workload.ToString());
                }

                if (error is not null)
                {
                    WriteEngineError(error);
                    continue;
                }

                AddLogFlag(profile!);
                WriteVerbose($"{profile!.Name}: {recorded.Workload.Kind} {recorded.Workload.Namespace}/{recorded.Workload.Name}, container {recorded.Workload.Container}; " +
                    $"{recorded.Recorder.EventCount} events from {recorded.Pods.Count} pod{(recorded.Pods.Count == 1 ? "" : "s")} ({string.Join(", ", recorded.Pods)}), " +
                    $"{recorded.ContainerInitEventCount} by the runtime's init; {profile.SyscallCount} syscalls allowed.");
                if (recorded.Recorder.AddedForContainerStart.Count > 0)
                {
                    WriteVerbose($"{profile.Name}: also allowed what runc needs to start the container, unseen in the recording: {string.Join(", ", recorded.Recorder.AddedForContainerStart)}.");
                }

                WriteObject(profile);
            }
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }

    private List<SeccompWorkloadOverride> ReadOverrides()
    {
        var overrides = new List<SeccompWorkloadOverride>();
        if (WorkloadName is null)
        {
            return overrides;
        }

        foreach (DictionaryEntry entry in WorkloadName)
        {
            overrides.Add(new SeccompWorkloadOverride(Unwrap(entry.Key) ?? string.Empty, Unwrap(entry.Value) ?? string.Empty));
        }

        return overrides;

        static string? Unwrap(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value)?.ToString();
    }
}
