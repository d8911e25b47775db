using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>The pipeline input collected for one connection: its settings and the nodes asked for.</summary>
internal sealed class TalosTargetGroup
{
    internal TalosTargetGroup(TalosConnectionSettings settings) => Settings = settings;

    /// <summary>Connection settings shared by the group.</summary>
    public TalosConnectionSettings Settings { get; }

    /// <summary>Nodes named by -Node or piped in, in order, without duplicates.</summary>
    public List<string> RequestedNodes { get; } = new();
}
