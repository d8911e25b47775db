using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>The pipeline input collected for one connection: the connection and the nodes asked for.</summary>
internal sealed class TalosTargetGroup
{
    internal TalosTargetGroup(TalosConnectionInfo connection) => Connection = connection;

    /// <summary>The connection the group's nodes are reached through.</summary>
    public TalosConnectionInfo Connection { get; }

    /// <summary>Connection settings shared by the group.</summary>
    public TalosConnectionSettings Settings => Connection.GetSettings();

    /// <summary>Nodes named by -Node or piped in, in order, without duplicates.</summary>
    public List<string> RequestedNodes { get; } = new();
}
