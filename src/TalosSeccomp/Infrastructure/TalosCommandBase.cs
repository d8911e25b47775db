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
/// <para>Derived cmdlets may override <see cref="SelectTargets"/> to choose other targets than the requested or
/// configured nodes, and must call <c>base.BeginProcessing()</c> when they override BeginProcessing.</para>
/// <para>Which connection a record uses, highest first: a parameter given on the command line (-Connection or
/// -TalosConfig; -Context and -Endpoint change it); a connection piped in (a TalosConnectionInfo, or the Connection of
/// a TalosNode; a piped TalosConfig property likewise); a $PSDefaultParameterValues entry; the session's connection
/// from Connect-Talos; then the talosconfig file found like talosctl ($env:TALOSCONFIG, $env:TALOS_HOME/config,
/// ~/.talos/config). A parameter bound from $PSDefaultParameterValues is recognised by its value equalling the
/// entry's, so it yields to a piped connection although PowerShell binds it before the pipeline.</para>
/// </remarks>
public abstract class TalosCommandBase : TalosSeccompCmdlet
{
    private static readonly string[] ConnectionParameters = ["Connection", "TalosConfig", "Context", "Endpoint"];

    private readonly List<TalosTargetGroup> _groups = new();
    private readonly Dictionary<string, TalosConnectionInfo> _fileConnections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _boundAtBegin = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _boundFromDefaults = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _described = new(StringComparer.Ordinal);

    /// <summary>
    /// Path of the talosconfig file (relative to the current location). Without it (and without -Connection), the
    /// session's connection from Connect-Talos, else the file found like talosctl does: $env:TALOSCONFIG, then
    /// $env:TALOS_HOME/config, then ~/.talos/config. Talosconfig text goes to Connect-Talos -TalosConfigText.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? TalosConfig { get; set; }

    /// <summary>
    /// The connection to use, from Connect-Talos (or the Connection property of a piped TalosNode). Without it, the
    /// session's connection from Connect-Talos, else the default talosconfig file.
    /// </summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public TalosConnectionInfo? Connection { get; set; }

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

    /// <summary>True when -Verbose output is wanted (read on the pipeline thread in BeginProcessing).</summary>
    private protected bool VerboseWanted { get; private set; }

    /// <summary>
    /// Chooses the nodes of one connection group: the requested nodes, else the context's nodes, else the
    /// endpoint's own node (null).
    /// </summary>
    private protected virtual IReadOnlyList<string?> SelectTargets(TalosTargetGroup group) =>
        group.RequestedNodes.Count > 0 ? group.RequestedNodes.Cast<string?>().ToList()
        : group.Settings.Nodes.Count > 0 ? group.Settings.Nodes.Cast<string?>().ToList()
        : new string?[] { null };

    /// <summary>
    /// Notes which connection parameters the command line and $PSDefaultParameterValues bound (the pipeline binds
    /// later, per record), so <see cref="ProcessRecord"/> can rank them.
    /// </summary>
    protected override void BeginProcessing()
    {
        VerboseWanted = MyInvocation.BoundParameters.TryGetValue("Verbose", out var verbose)
            ? LanguagePrimitives.IsTrue(verbose)
            : GetVariableValue("VerbosePreference") is ActionPreference preference && preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

        foreach (var name in ConnectionParameters)
        {
            if (MyInvocation.BoundParameters.TryGetValue(name, out var value))
            {
                _boundAtBegin[name] = value;
            }
        }

        foreach (var name in ConnectionDefaults.BoundFromDefaults(GetVariableValue("PSDefaultParameterValues") as System.Collections.IDictionary,
            MyInvocation.MyCommand.Name, _boundAtBegin))
        {
            _boundFromDefaults.Add(name);
        }

        if (LevelOf("TalosConfig", TalosConfig) == Level.CommandLine && string.IsNullOrWhiteSpace(TalosConfig))
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.TalosConfigPathEmpty, ErrorKind.InvalidArgument,
                "-TalosConfig is empty; name a talosconfig file, or leave -TalosConfig out to use the session's connection or the default talosconfig.", "TalosConfig"));
        }

        if (LevelOf("Connection", Connection) == Level.CommandLine && LevelOf("TalosConfig", TalosConfig) == Level.CommandLine)
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.TalosConnectionConflict, ErrorKind.InvalidArgument,
                "-Connection and -TalosConfig name two connections; pass one of them.", "Connection"));
        }

        base.BeginProcessing();
    }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (Node is { } nodes && nodes.Any(TalosConfigFile.LooksLikeText))
        {
            // Get-AutomationVariable talosconfig | Get-TalosVersion binds the text to -Node; never echo it (the key).
            WriteEngineError(new TalosSeccompException(ErrorIds.TalosConfigIsText, ErrorKind.InvalidArgument,
                "-Node got talosconfig text (YAML), probably piped in; node names are addresses. Pass the text to Connect-Talos -TalosConfigText (or pipe it into Connect-Talos), then run the command.",
                "Node"));
            return;
        }

        TalosConnectionInfo connection;
        try
        {
            connection = ResolveConnection();
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex);
            return;
        }

        var group = _groups.Find(g => g.Settings.IdentityKey == connection.GetSettings().IdentityKey && g.Settings.ContextName == connection.GetSettings().ContextName);
        if (group is null)
        {
            group = new TalosTargetGroup(connection);
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
    /// <see cref="SelectTargets"/> chose, each with the group's connection and -TimeoutSec.
    /// </summary>
    private protected IReadOnlyList<TalosNodeTarget> CollectTargets()
    {
        var timeout = TimeSpan.FromSeconds(TimeoutSec);
        return _groups.SelectMany(g => SelectTargets(g).Select(node => new TalosNodeTarget(node, g.Connection, timeout))).ToList();
    }

    private enum Level
    {
        Unset,
        SessionOrFile,
        Defaults,
        Piped,
        CommandLine,
    }

    private Level LevelOf(string name, object? current)
    {
        if (_boundAtBegin.ContainsKey(name))
        {
            // The pipeline never rebinds a parameter bound before it.
            return _boundFromDefaults.Contains(name) ? Level.Defaults : Level.CommandLine;
        }

        return current is null || current is string { Length: 0 } ? Level.Unset : Level.Piped;
    }

    private TalosConnectionInfo ResolveConnection()
    {
        var connectionLevel = LevelOf("Connection", Connection);
        var configLevel = LevelOf("TalosConfig", TalosConfig);
        TalosConnectionInfo connection;
        Level level;
        var fromSession = false;
        if (connectionLevel != Level.Unset && connectionLevel >= configLevel)
        {
            (connection, level) = (Connection!, connectionLevel);
        }
        else if (configLevel != Level.Unset)
        {
            (connection, level) = (FromFile(TalosConfigPath.Resolve(TalosConfig, SessionState.Path)), configLevel);
        }
        else
        {
            var session = TalosSessionConnection.Current;
            (connection, level) = (session ?? FromFile(null), Level.SessionOrFile);
            fromSession = session is not null;
        }

        // -Context and -Endpoint change the chosen connection only when they rank as high: a $PSDefaultParameterValues
        // context must not re-point a piped connection.
        var context = LevelOf("Context", Context) >= level ? Context : null;
        var endpoints = LevelOf("Endpoint", Endpoint) >= level ? Endpoint : null;
        connection = connection.With(context, endpoints);
        Describe(connection, level, fromSession);
        return connection;
    }

    private TalosConnectionInfo FromFile(string? path)
    {
        var located = TalosConfigFile.Locate(path);
        if (!_fileConnections.TryGetValue(located, out var connection))
        {
            // Nodes are targets, not part of the connection: they are collected per group instead.
            connection = TalosConnectionInfo.FromConfig(TalosConfigFile.Load(located));
            _fileConnections[located] = connection;
        }

        return connection;
    }

    private void Describe(TalosConnectionInfo connection, Level level, bool fromSession)
    {
        if (!VerboseWanted || !_described.Add(connection.GetSettings().IdentityKey + "\n" + connection.Context))
        {
            return;
        }

        var why = level switch
        {
            Level.CommandLine => "given on the command line",
            Level.Piped => "piped in",
            Level.Defaults => "from $PSDefaultParameterValues",
            _ => fromSession ? "the session's connection from Connect-Talos" : "the default talosconfig",
        };
        WriteVerbose($"Connection ({why}): {connection.Source}, context '{connection.Context}', endpoints {string.Join(", ", connection.Endpoints)}, roles {string.Join(", ", connection.Roles)} ({connection.KeyAlgorithm} client certificate '{connection.ClientCertificateSubject}').");
    }
}
