using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands;

/// <summary>
/// Base of every cmdlet that talks to Talos nodes. It binds the common connection parameters (also by property
/// name, so <c>TalosNode</c> objects carry their connection) and collects pipeline input per connection;
/// <see cref="CollectTargets"/> then gives the nodes to call. Cmdlets that make one call per node derive from
/// <see cref="TalosNodeCommandBase"/>, which adds the throttled fan-out.
/// </summary>
/// <remarks>
/// Derived cmdlets may override <see cref="SelectTargets"/> to choose other targets than the requested or
/// configured nodes.
/// </remarks>
public abstract class TalosCommandBase : TalosSeccompCmdlet
{
    private readonly List<TalosTargetGroup> _groups = new();
    private readonly Dictionary<string, TalosConfigFile> _configFiles = new(StringComparer.Ordinal);

    /// <summary>
    /// Path of the talosconfig. Without it, the file is found like talosctl does: $env:TALOSCONFIG, then
    /// $env:TALOS_HOME/config, then ~/.talos/config.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? TalosConfig { get; set; }

    /// <summary>The talosconfig context to use instead of its current context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TalosContextCompleter))]
    public string? Context { get; set; }

    /// <summary>
    /// Endpoints to connect to instead of the context's (host, host:port, https://host, IPv6 literals). Several
    /// endpoints are tried in turn when one is unreachable.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Endpoint { get; set; }

    /// <summary>
    /// Nodes to run the command on (sent as the 'node' metadata through the endpoint). Without it, the
    /// context's nodes; without those, the endpoint's own node.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Nodes")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TalosNodeCompleter))]
    public string[]? Node { get; set; }

    /// <summary>Seconds each call to a node may take before it fails with TalosTimeout.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 30;

    /// <summary>How many nodes are called at the same time (default 16). Watch-TalosAudit applies it with -NoFollow; a followed watch keeps one stream open to every node.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>
    /// Chooses the nodes of one connection group: the requested nodes, else the context's nodes, else the
    /// endpoint's own node (null).
    /// </summary>
    protected virtual IReadOnlyList<string?> SelectTargets(TalosTargetGroup group) =>
        group.RequestedNodes.Count > 0 ? group.RequestedNodes.Cast<string?>().ToList()
        : group.Settings.Nodes.Count > 0 ? group.Settings.Nodes.Cast<string?>().ToList()
        : new string?[] { null };

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        TalosConnectionSettings settings;
        try
        {
            settings = ResolveSettings();
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex);
            return;
        }

        var group = _groups.Find(g => g.Settings.IdentityKey == settings.IdentityKey && g.Settings.ContextName == settings.ContextName);
        if (group is null)
        {
            group = new TalosTargetGroup(settings);
            _groups.Add(group);
        }

        foreach (var node in Node ?? Array.Empty<string>())
        {
            if (!string.IsNullOrWhiteSpace(node) && !group.RequestedNodes.Contains(node.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                group.RequestedNodes.Add(node.Trim());
            }
        }
    }

    /// <summary>
    /// The targets collected from the pipeline so far: per connection group, in input order, the nodes
    /// <see cref="SelectTargets"/> chose, each with the group's settings and -TimeoutSec.
    /// </summary>
    protected IReadOnlyList<TalosNodeTarget> CollectTargets()
    {
        var timeout = TimeSpan.FromSeconds(TimeoutSec);
        return _groups.SelectMany(g => SelectTargets(g).Select(node => new TalosNodeTarget(node, g.Settings, timeout))).ToList();
    }

    private TalosConnectionSettings ResolveSettings()
    {
        var path = TalosConfigFile.Locate(TalosConfig is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(TalosConfig));
        if (!_configFiles.TryGetValue(path, out var file))
        {
            file = TalosConfigFile.Load(path);
            _configFiles[path] = file;
        }

        // Nodes are targets, not part of the connection: they are collected per group instead.
        return TalosConnectionSettings.FromContext(file, Context, Endpoint);
    }
}

/// <summary>
/// Base of the Talos cmdlets that make one call (or a short series of calls) per node: it fans out
/// <see cref="ProcessNodeAsync"/> over the targets concurrently (-ThrottleLimit), with progress when there are
/// several nodes, one result per node and one non-terminating error per failing node naming it.
/// </summary>
/// <remarks>
/// Derived cmdlets implement <see cref="ProcessNodeAsync"/> (runs on a pool thread; write through the sink) and
/// may override <see cref="ProgressActivity"/> for the progress text.
/// </remarks>
public abstract class TalosNodeCommandBase : TalosCommandBase
{
    private const int ProgressActivityId = 0x7a105;

    /// <summary>
    /// False when <see cref="ProcessNodeAsync"/> makes no network call for some targets' work and output
    /// should keep the target order; the nodes are then processed one after another.
    /// </summary>
    protected virtual bool ProcessNodesConcurrently => true;

    /// <summary>Text of the progress bar shown while several nodes are called.</summary>
    protected virtual string ProgressActivity => MyInvocation.MyCommand.Name;

    /// <summary>
    /// The work for one node. Runs on a pool thread, concurrently with other nodes: write output through
    /// <paramref name="sink"/>; throw for failure (the base writes one error naming the node).
    /// </summary>
    /// <param name="target">The node, its client and its connection settings.</param>
    /// <param name="sink">Pipeline writes.</param>
    /// <param name="cancellationToken">Ctrl+C, or the first error under -ErrorAction Stop.</param>
    protected abstract Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <see cref="ProcessNodeAsync"/> for every target, concurrently up to -ThrottleLimit, with progress
    /// when there are several nodes; a failing node gives one non-terminating error naming it.
    /// </summary>
    protected override void EndProcessing()
    {
        var targets = CollectTargets();
        if (targets.Count == 0)
        {
            return;
        }

        var showProgress = targets.Count > 1;
        RunPumped(async (sink, cancellationToken) =>
        {
            var done = 0;
            var byKey = targets.Select((t, i) => (Key: i.ToString(System.Globalization.CultureInfo.InvariantCulture), Target: t)).ToDictionary(k => k.Key, k => k.Target);
            await foreach (var result in TalosNodeFanOut.RunAsync<bool>(byKey.Keys.Cast<string?>().ToList(), async (key, ct) =>
            {
                await ProcessNodeAsync(byKey[key!], sink, ct).ConfigureAwait(false);
                return true;
            }, ProcessNodesConcurrently ? ThrottleLimit : 1, cancellationToken).ConfigureAwait(false))
            {
                var display = byKey[result.Node!].DisplayNode;
                if (result.Error is { } error)
                {
                    sink.Error(error is TalosSeccompException ? error : Unanticipated(error, display), display);
                }

                done++;
                if (showProgress)
                {
                    sink.Progress(new ProgressRecord(ProgressActivityId, ProgressActivity, $"{done} of {targets.Count} nodes done (last: {display})")
                    {
                        PercentComplete = done * 100 / targets.Count,
                    });
                }
            }

            if (showProgress)
            {
                sink.Progress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        });
    }

    private static TalosSeccompException Unanticipated(Exception error, string node) =>
        new(ErrorIds.TalosCallFailed, ErrorKind.NotSpecified, $"The call to {node} failed: {error.Message}", node, error);
}

/// <summary>The pipeline input collected for one connection: its settings and the nodes asked for.</summary>
public sealed class TalosTargetGroup
{
    internal TalosTargetGroup(TalosConnectionSettings settings) => Settings = settings;

    /// <summary>Connection settings shared by the group.</summary>
    public TalosConnectionSettings Settings { get; }

    /// <summary>Nodes named by -Node or piped in, in order, without duplicates.</summary>
    public List<string> RequestedNodes { get; } = new();
}

/// <summary>One node to work on, and how to reach it.</summary>
public sealed class TalosNodeTarget
{
    internal TalosNodeTarget(string? node, TalosConnectionSettings settings, TimeSpan timeout)
    {
        Node = node;
        Settings = settings;
        Timeout = timeout;
    }

    /// <summary>The node address, or null for the endpoint's own node.</summary>
    public string? Node { get; }

    /// <summary>The node as shown in output: its address, or the endpoint host for the endpoint's own node.</summary>
    public string DisplayNode => Node ?? Settings.Endpoints[0].Host;

    /// <summary>Connection settings.</summary>
    public TalosConnectionSettings Settings { get; }

    /// <summary>Deadline of each call.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>A client over the session's pooled connection (connects on first use).</summary>
    public TalosClient Client => TalosConnectionPool.GetClient(Settings, Timeout);
}
