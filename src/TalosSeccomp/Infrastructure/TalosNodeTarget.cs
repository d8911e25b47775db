using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>One node to work on, and how to reach it.</summary>
internal sealed class TalosNodeTarget
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
