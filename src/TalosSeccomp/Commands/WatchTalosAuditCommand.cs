using System.Management.Automation;
using TalosSeccomp.Audit;
using TalosSeccomp.Audit.Streaming;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Commands;

/// <summary>Streams the seccomp audit events of Talos nodes as they happen.</summary>
/// <remarks>
/// <para>Watch-TalosAudit reads the kernel's seccomp audit records (type 1326) from every target node at once and
/// writes one TalosSeccomp.Audit.SeccompAuditEvent per record: node, time, serial, process, executable, user and group
/// ids, architecture, syscall number and name (from that architecture's table), compat flag, instruction pointer,
/// seccomp action, signal, the log it came from, and the raw line. Events from several nodes are merged in the order
/// they arrive. Lines that are not seccomp records are skipped; a malformed seccomp record becomes a warning.</para>
/// <para>By default the command follows: like talosctl dmesg --follow --tail it starts at the end of each node's log
/// and writes new records until you press Ctrl+C, until -Duration has passed or until -MaxEvents events were written.
/// Runbooks, which cannot press Ctrl+C, use -Duration or -MaxEvents. With -NoFollow it writes what each node has
/// buffered and ends.</para>
/// <para>Talos 1.9 and later send audit records to the auditd service log; older Talos, and nodes booted with
/// talos.auditd.disabled=1, write them to the kernel log. -Source Auto (the default) reads the auditd log and falls
/// back to the kernel log (Dmesg) on a node without that service; -Verbose says which log each node uses, and each
/// event's Source property says where it came from.</para>
/// <para>The ProcessName, Executable, Syscall and Action parameters accept wildcards. They are applied before objects
/// are created, so watching a busy node for one process is cheap.</para>
/// <para>A stream that drops (a node reboots, the network fails) reconnects with exponential backoff, with a warning
/// naming the node; records delivered before the drop are not repeated. When the kernel or the audit daemon reports
/// lost records (kauditd_printk_skb: N callbacks suppressed, audit_lost=N, audit backlog limit reached), a warning
/// gives the count, because a profile recorded from an incomplete stream misses syscalls. A node that refuses the
/// stream (permissions, TLS) gives an error naming it; the other nodes go on. So does a node that never answers:
/// after three failed attempts in a row (about four seconds), or, with -Duration, when the watch ends. A node that has
/// answered once goes on reconnecting until the watch ends, because it may be rebooting.</para>
/// <para>Each event says which Kubernetes pod and container its process ran in: Namespace, Pod, PodUid, Container,
/// ContainerId and Image, and Attribution says how that was found out or why it could not be: Container, NotAContainer
/// (a Talos service or host process), ProcessExited (the process was gone before it could be looked up), RoleTooWeak
/// (the talosconfig's role cannot tell) or LookupFailed. Names are never guessed. With the os:admin role the node's
/// /proc/&lt;pid&gt;/cgroup names the container directly, also under Talos 1.14 workload isolation; with os:reader the
/// process list and the CRI container list are used, which cannot attribute under workload isolation or processes
/// exec'd into a container (kubectl exec). Each process is looked up as soon as its first record arrives and kept in a
/// bounded per-node cache, checked again by its start time so that a reused pid is never taken for the old process.
/// Records made by the container runtime before it started the workload (comm runc:[2:INIT]) have IsContainerInit
/// set: a profile must allow those syscalls too. At the end a warning gives the number of events that could not be
/// tied to a pod, per node.</para>
/// <para>What a recording can miss: audit records do not name the parent process, so a process that has exited
/// before its first record is looked up can only be tied to its container if one of the process snapshots the command
/// takes every second while following saw it (its parent is then looked up instead). Processes that live for a
/// second or more are attributed; processes that live for a few milliseconds mostly are not. Measured with a runc
/// busybox container running a shell loop of ls and sleep 0.2 under a logging profile: the shell's records and the
/// 200 ms sleeps were attributed (over 99%), but 85% of the records of ls, which lives about a millisecond, were
/// ProcessExited with the admin role (96% with the reader role). Those events are kept unless a -Namespace, -Pod or
/// -Container filter is given, and the closing warning counts them. To make a recording of a workload complete, run it
/// as the only workload under a logging profile on its node (every logged record of the node is then its own) and
/// record without the pod filters, or with -ProcessName and -Executable; use the pod filters when the workload's
/// processes are long-lived, and check the warning: a recording without unattributed events missed nothing.</para>
/// <para>-Namespace, -Pod and -Container keep only events of matching pods and containers (wildcards). Like the other
/// filters they are applied before objects are created, once a process's container is known.</para>
/// <para>Pipe the events to New-SeccompProfile -FromAuditEvent to record a least-privilege profile: run the workload
/// under a profile whose default action is SCMP_ACT_LOG, watch it, and build an allow-list from what it did.</para>
/// </remarks>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3</code>
/// <para>Shows every new seccomp audit record of node 10.5.0.3 until Ctrl+C.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -ProcessName nginx -Duration (New-TimeSpan -Minutes 10) | New-SeccompProfile -FromAuditEvent -DefaultAction Errno | Export-SeccompProfile -Path ./nginx.json</code>
/// <para>Records for ten minutes what nginx does under a logging profile, and writes a profile that allows exactly
/// those syscalls and fails every other one with EPERM.</para>
/// </example>
/// <example>
/// <code>Get-TalosNode | Watch-TalosAudit -Action Kill*, Errno -Duration 00:05:00 | Group-Object Node, ProcessName, Syscall -NoElement</code>
/// <para>Watches every node of the current context for five minutes and counts the syscalls that seccomp profiles
/// denied, per node and process.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Namespace shop -Pod web-* -Container nginx -Duration 00:10:00 | New-SeccompProfile -FromAuditEvent -DefaultAction Errno | Export-SeccompProfile -Path ./nginx.json</code>
/// <para>Records for ten minutes only what the nginx container of the web-* pods in namespace shop does, however
/// many other containers on the node run under logging profiles with the same process names.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Duration 00:01:00 | Group-Object Namespace, Pod, Container, Attribution -NoElement</code>
/// <para>Counts a minute of seccomp records per pod and container, and shows how many could not be attributed and why.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -NoFollow -Source Dmesg | Format-List</code>
/// <para>Shows every seccomp record still in the kernel log of a node running without the auditd service, with all
/// fields, and ends.</para>
/// </example>
[Cmdlet(VerbsCommon.Watch, "TalosAudit", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompAuditEvent))]
public sealed class WatchTalosAuditCommand : TalosCommandBase
{
    // Writes waiting for the pipeline thread; beyond this the node readers wait (the engine buffers too).
    private const int PipelineBacklog = 1024;

    /// <summary>
    /// Which log to read: Auto (the default) reads the auditd service log of Talos 1.9+ and falls back to the kernel
    /// log on nodes without that service; Auditd reads only the auditd service log; Dmesg reads only the kernel log.
    /// </summary>
    [Parameter]
    [ValidateSet("Auto", "Auditd", "Dmesg", IgnoreCase = true)]
    public string Source { get; set; } = "Auto";

    /// <summary>Writes the records each node has buffered and ends, instead of following new records.</summary>
    [Parameter]
    public SwitchParameter NoFollow { get; set; }

    /// <summary>Ends the watch after this much time (for example 00:10:00 or (New-TimeSpan -Minutes 10)). Events
    /// written until then are kept; this is a normal end, not an error.</summary>
    [Parameter]
    public TimeSpan? Duration { get; set; }

    /// <summary>Ends the watch after this many events, counted over all nodes.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxEvents { get; set; }

    /// <summary>Keeps only records whose process name (comm) matches one of these wildcard patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ProcessName { get; set; }

    /// <summary>Keeps only records whose executable path matches one of these wildcard patterns. A record without an
    /// executable is matched as an empty string.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Executable { get; set; }

    /// <summary>Keeps only records whose syscall name matches one of these wildcard patterns. A syscall number that no
    /// table names is matched as its decimal number.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SyscallNameCompleter))]
    public string[]? Syscall { get; set; }

    /// <summary>Keeps only records with one of these seccomp actions: KillProcess, KillThread, Trap, Errno, Notify,
    /// Trace, Log, Allow or Unknown. The names New-SeccompRule takes (Kill for KillThread, SCMP_ACT_* spellings) work
    /// too. Wildcards are allowed, for example Kill*.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SeccompAuditActionCompleter))]
    public string[]? Action { get; set; }

    /// <summary>Keeps only events from pods in a Kubernetes namespace matching one of these wildcard patterns. Events
    /// that could not be tied to a pod are not kept.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Namespace { get; set; }

    /// <summary>Keeps only events from pods whose name matches one of these wildcard patterns, for example web-*.
    /// Events that could not be tied to a pod are not kept.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Pod { get; set; }

    /// <summary>Keeps only events from containers whose name (in the pod spec) matches one of these wildcard patterns.
    /// Events that could not be tied to a container are not kept.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Container { get; set; }

    /// <summary>Does not look up pods and containers: every event's Attribution is NotAttempted and no lookup call is
    /// made (for the reader role on large nodes, or to read the raw stream at the highest rate). Cannot be combined
    /// with -Namespace, -Pod or -Container.</summary>
    [Parameter]
    public SwitchParameter NoAttribution { get; set; }

    /// <summary>Checks -Duration before anything connects.</summary>
    protected override void BeginProcessing()
    {
        if (NoAttribution && (Namespace is not null || Pod is not null || Container is not null))
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.AttributionRequired, ErrorKind.InvalidArgument,
                "-Namespace, -Pod and -Container need the pod lookups that -NoAttribution turns off; leave out one or the other.", "NoAttribution"));
        }

        if (Duration is { } duration && duration <= TimeSpan.Zero)
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.InvalidWatchDuration, ErrorKind.InvalidArgument,
                $"-Duration must be longer than zero; it was {duration}.", "Duration"));
        }

        // .NET timers hold at most 2^32-2 ms (about 49.7 days); a longer watch means "until stopped", which is what
        // leaving out -Duration does.
        if (Duration is { } tooLong && tooLong > MaxDuration)
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.InvalidWatchDuration, ErrorKind.InvalidArgument,
                $"-Duration can be at most {MaxDuration.TotalDays:0.#} days ({MaxDuration}); it was {tooLong}. Leave out -Duration to watch until Ctrl+C or -MaxEvents.", "Duration"));
        }
    }

    private static readonly TimeSpan MaxDuration = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Streams every target node at once, merged, until the stream ends.</summary>
    protected override void EndProcessing()
    {
        var targets = CollectTargets();
        if (targets.Count == 0)
        {
            return;
        }

        SeccompAuditFilter filter;
        try
        {
            filter = new SeccompAuditFilter(ProcessName, Executable, Syscall, Action, Namespace, Pod, Container);
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
            return;
        }

        var stream = new SeccompAuditStream(
            targets.Select(t => new AuditStreamTarget(t.Node, t.DisplayNode, t.Client)).ToList(),
            new AuditStreamOptions
            {
                Source = Enum.Parse<AuditStreamSource>(Source, ignoreCase: true),
                Follow = !NoFollow,
                Duration = Duration,
                MaxEvents = MaxEvents,
                Filter = filter.IsEmpty ? null : filter,
                MaxConcurrentNodes = ThrottleLimit,
                Attribution = NoAttribution ? null : new TalosSeccomp.Audit.Attribution.AuditAttributionOptions(),
            });

        RunPumped(
            async (sink, cancellationToken) =>
            {
                await foreach (var item in stream.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    switch (item.Kind)
                    {
                        case AuditStreamItemKind.Event:
                            sink.Object(item.Event!);
                            break;
                        case AuditStreamItemKind.Warning:
                            sink.Warning(item.Message!);
                            break;
                        case AuditStreamItemKind.Verbose:
                            sink.Verbose($"{item.Node}: {item.Message}");
                            break;
                        case AuditStreamItemKind.Error:
                            sink.Error(item.Error!, item.Node);
                            break;
                    }
                }
            },
            PipelineBacklog);

        foreach (var warning in stream.AttributionWarnings())
        {
            WriteWarning(warning);
        }

        WriteVerbose($"{stream.EventCount} seccomp events written, {stream.FilteredCount} filtered out, {stream.DuplicateCount} repeats dropped, " +
            $"{stream.MalformedCount} malformed records, {stream.LossNoticeCount} loss notices, {stream.ReconnectCount} reconnects; " +
            $"attributed to containers {stream.AttributionCount(AuditAttribution.Container)}, not in a pod {stream.AttributionCount(AuditAttribution.NotAContainer)}, " +
            $"process exited {stream.AttributionCount(AuditAttribution.ProcessExited)}, role too weak {stream.AttributionCount(AuditAttribution.RoleTooWeak)}, lookup failed {stream.AttributionCount(AuditAttribution.LookupFailed)}.");
    }
}
