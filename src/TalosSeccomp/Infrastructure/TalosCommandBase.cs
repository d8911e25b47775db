using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

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
    /// context's nodes; without those, the endpoint's own node. Also taken from the pipeline: strings
    /// ('n1', 'n2' | Get-TalosVersion) and the Node property of piped objects (TalosNode).
    /// </summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Nodes")]
    [NodeNameTransformation]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TalosNodeCompleter))]
    public string[]? Node { get; set; }

    /// <summary>Seconds each call to a node may take before it fails with TalosTimeout.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 30;

    /// <summary>How many nodes are called at the same time (default 16). Watch-TalosAudit applies it with -NoFollow; a
    /// followed watch keeps one stream open to every node.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>
    /// Chooses the nodes of one connection group: the requested nodes, else the context's nodes, else the
    /// endpoint's own node (null).
    /// </summary>
    private protected virtual IReadOnlyList<string?> SelectTargets(TalosTargetGroup group) =>
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
    private protected IReadOnlyList<TalosNodeTarget> CollectTargets()
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
