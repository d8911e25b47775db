using TalosSeccomp.Errors;

namespace TalosSeccomp.Talos;

/// <summary>
/// A connection to a Talos cluster, as Connect-Talos returns it and every Talos cmdlet takes it (-Connection): where
/// the talosconfig came from, the context, endpoints, default nodes and the client certificate's roles. TalosNode
/// objects carry the one they were listed through down the pipeline.
/// </summary>
/// <remarks>
/// The parsed talosconfig and the decoded credentials are held internally: no public member, ToString, format view or
/// Export-Clixml shows key or certificate material. The gRPC connection itself is the session's pooled one
/// (<see cref="TalosConnectionPool"/>), shared by every connection object with the same endpoints and credentials.
/// </remarks>
public sealed class TalosConnectionInfo
{
    private TalosConnectionInfo(TalosConfigFile file, TalosConnectionSettings settings)
    {
        File = file;
        Settings = settings;
    }

    /// <summary>The talosconfig context.</summary>
    public string Context => Settings.ContextName;

    // Property names differ from the cmdlets' parameter names (Endpoint, Node, TalosConfig) on purpose: a connection
    // piped into a Talos cmdlet binds -Connection, and must not also bind those parameters by property name.

    /// <summary>Endpoints, in the order they are tried (host:port).</summary>
    public string[] Endpoints => Settings.Endpoints.Select(e => e.ToString()).ToArray();

    /// <summary>The nodes commands target when no -Node is given (the context's nodes, or Connect-Talos -Node).</summary>
    public string[] DefaultNodes => Settings.Nodes.ToArray();

    /// <summary>The talosconfig file; null when the talosconfig was given as text or came from a vault.</summary>
    public string? ConfigPath => Settings.ConfigPath;

    /// <summary>Where the talosconfig came from: <c>talosconfig '/path'</c>, "talosconfig text", or the vault secret.</summary>
    public string Source => Settings.ConfigSource;

    /// <summary>The Talos roles of the client certificate (e.g. os:admin).</summary>
    public string[] Roles => Settings.Roles.ToArray();

    /// <summary>The client key's algorithm, e.g. Ed25519 (the algorithm only, never the key).</summary>
    public string KeyAlgorithm => Settings.KeyAlgorithm;

    /// <summary>The subject of the client certificate.</summary>
    public string ClientCertificateSubject => Settings.Credentials.ClientChain[0].SubjectDN.ToString();

    /// <summary>When the client certificate expires (UTC).</summary>
    public DateTime ClientCertificateNotAfter => Settings.Credentials.ClientChain[0].NotAfter.ToUniversalTime();

    /// <summary>A hash of the endpoints and credentials (reveals neither): equal ids share one pooled connection.</summary>
    public string Id => Settings.IdentityKey[..16];

    /// <summary>The Talos version of the node that answered Connect-Talos's check (null when not checked).</summary>
    public string? TalosVersion { get; private set; }

    /// <summary>The TLS version of the checked connection, e.g. "TLS 1.3" (null when not checked).</summary>
    public string? TlsVersion { get; private set; }

    /// <summary>The subject of the node certificate seen by the check (null when not checked).</summary>
    public string? ServerCertificateSubject { get; private set; }

    /// <summary>The endpoint that answered the check (null when not checked).</summary>
    public string? ConnectedEndpoint { get; private set; }

    /// <summary>The parsed talosconfig (contexts and their base64 credentials): internal, never shown.</summary>
    internal TalosConfigFile File { get; }

    /// <summary>The resolved settings (their credentials are internal).</summary>
    internal TalosConnectionSettings Settings { get; }

    // Methods, not properties: PowerShell formats and serializes (Export-Clixml) properties only, and the cmdlets,
    // in another assembly, need these.

    /// <summary>The settings to open the connection with (endpoints, nodes, credentials; the credentials are not
    /// public).</summary>
    public TalosConnectionSettings GetSettings() => Settings;

    /// <summary>The names of every context of the talosconfig, ordered.</summary>
    public IReadOnlyList<string> GetContextNames() => File.Contexts.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>A connection over a talosconfig file (located like talosctl when <paramref name="path"/> is null).</summary>
    /// <param name="path">The talosconfig path, or null to locate it.</param>
    /// <param name="context">Context, or null for the current one.</param>
    /// <param name="endpoints">Endpoint override, or null.</param>
    /// <param name="nodes">Default-node override, or null.</param>
    /// <exception cref="TalosSeccompException">Any talosconfig error.</exception>
    public static TalosConnectionInfo FromFile(string? path, string? context = null, IReadOnlyList<string>? endpoints = null, IReadOnlyList<string>? nodes = null) =>
        FromConfig(TalosConfigFile.Load(path), context, endpoints, nodes);

    /// <summary>A connection over talosconfig YAML text (an Automation variable, a secret); nothing is written to disk.</summary>
    /// <param name="yaml">The talosconfig text.</param>
    /// <param name="source">Where the text came from, for messages (never the text), e.g. "talosconfig text".</param>
    /// <param name="context">Context, or null for the current one.</param>
    /// <param name="endpoints">Endpoint override, or null.</param>
    /// <param name="nodes">Default-node override, or null.</param>
    /// <exception cref="TalosSeccompException">Any talosconfig error.</exception>
    public static TalosConnectionInfo FromText(string yaml, string source, string? context = null, IReadOnlyList<string>? endpoints = null, IReadOnlyList<string>? nodes = null) =>
        FromConfig(TalosConfigFile.FromText(yaml, source), context, endpoints, nodes);

    /// <summary>A connection over an already parsed talosconfig.</summary>
    /// <param name="file">The talosconfig.</param>
    /// <param name="context">Context, or null for the current one.</param>
    /// <param name="endpoints">Endpoint override, or null.</param>
    /// <param name="nodes">Default-node override, or null.</param>
    public static TalosConnectionInfo FromConfig(TalosConfigFile file, string? context = null, IReadOnlyList<string>? endpoints = null, IReadOnlyList<string>? nodes = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new TalosConnectionInfo(file, TalosConnectionSettings.FromContext(file, context, endpoints, nodes));
    }

    /// <summary>
    /// This connection with another context, endpoints or default nodes (each null keeps this one's), from the same
    /// talosconfig. Returns this object when nothing changes.
    /// </summary>
    /// <param name="context">Another context of the same talosconfig, or null.</param>
    /// <param name="endpoints">Other endpoints, or null.</param>
    /// <param name="nodes">Other default nodes, or null.</param>
    public TalosConnectionInfo With(string? context = null, IReadOnlyList<string>? endpoints = null, IReadOnlyList<string>? nodes = null)
    {
        var sameContext = context is null || string.Equals(context, Context, StringComparison.Ordinal);
        var sameEndpoints = endpoints is not { Count: > 0 } || endpoints.SequenceEqual(Endpoints, StringComparer.OrdinalIgnoreCase);
        var sameNodes = nodes is not { Count: > 0 } || nodes.SequenceEqual(DefaultNodes, StringComparer.OrdinalIgnoreCase);
        if (sameContext && sameEndpoints && sameNodes)
        {
            return this;
        }

        // A new context starts from its own endpoints and nodes; the same context keeps the overrides made so far.
        var keep = sameContext;
        return FromConfig(File, sameContext ? Context : context,
            sameEndpoints ? (keep ? Endpoints : null) : endpoints,
            sameNodes ? (keep ? DefaultNodes : null) : nodes);
    }

    /// <summary>Checks the connection: one Version call to <paramref name="node"/> (null = the endpoint's own node), then
    /// records the node's Talos version, the TLS version, the node certificate and the endpoint that answered.</summary>
    /// <param name="client">A client over the pooled connection of these settings.</param>
    /// <param name="node">The node to ask.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task VerifyAsync(TalosClient client, string? node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var version = await client.VersionAsync(node, cancellationToken).ConfigureAwait(false);
        TalosVersion = version.Version_?.Tag;
        TlsVersion = client.Connection.TlsVersion;
        ServerCertificateSubject = client.Connection.ServerCertificateSubject;
        ConnectedEndpoint = client.Connection.CurrentEndpoint.ToString();
    }

    /// <summary>Describes the connection without key material: context, endpoints and source.</summary>
    public override string ToString() => $"{Context} → {string.Join(", ", Endpoints)} ({Source})";
}
