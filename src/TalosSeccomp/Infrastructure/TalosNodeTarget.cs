using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>One node to work on, and how to reach it.</summary>
internal sealed class TalosNodeTarget
{
    internal TalosNodeTarget(string? node, TalosConnectionInfo connection, TimeSpan timeout)
    {
        Node = node;
        Connection = connection;
        Timeout = timeout;
    }

    /// <summary>The node address, or null for the endpoint's own node.</summary>
    public string? Node { get; }

    /// <summary>The node as shown in output: its address, or the endpoint host for the endpoint's own node.</summary>
    public string DisplayNode => Node ?? Settings.Endpoints[0].Host;

    /// <summary>The connection the node is reached through (carried by the TalosNode objects written for it).</summary>
    public TalosConnectionInfo Connection { get; }

    /// <summary>Connection settings.</summary>
    public TalosConnectionSettings Settings => Connection.GetSettings();

    /// <summary>Deadline of each call.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Told about every call the target's clients make (-Verbose); null when nobody listens.</summary>
    public Action<string>? CallLog { get; set; }

    /// <summary>A client over the session's pooled connection (connects on first use).</summary>
    public TalosClient Client => new(TalosConnectionPool.Get(Settings), Timeout) { CallLog = CallLog };
}
