using MachineVersion = TalosSeccomp.Talos.Wire.Machine.Version;

namespace TalosSeccomp.Talos;

/// <summary>
/// A node to target, with the connection it is reached through, so <c>Get-TalosNode | Get-TalosVersion</c>
/// binds <c>-Node</c>, <c>-Endpoint</c>, <c>-Context</c> and <c>-TalosConfig</c> by property name.
/// </summary>
public sealed class TalosNode
{
    /// <summary>Node address as sent in the <c>node</c> metadata.</summary>
    public string Node { get; init; } = string.Empty;

    /// <summary>Endpoints the node is reached through (host:port).</summary>
    public string[] Endpoint { get; init; } = Array.Empty<string>();

    /// <summary>The talosconfig context.</summary>
    public string Context { get; init; } = string.Empty;

    /// <summary>The talosconfig path (null when the talosconfig was given as text or came from a vault).</summary>
    public string? TalosConfig { get; init; }

    /// <summary>The connection the node was listed through; piped into another Talos cmdlet, it binds -Connection and
    /// wins over $PSDefaultParameterValues (see about_TalosSeccomp, "Which connection a command uses").</summary>
    public TalosConnectionInfo? Connection { get; init; }

    /// <summary>Host name, when known (cluster members).</summary>
    public string? Hostname { get; init; }

    /// <summary>All addresses of the node, when known.</summary>
    public string[]? Addresses { get; init; }

    /// <summary>init, controlplane or worker, when known.</summary>
    public string? MachineType { get; init; }

    /// <summary>Operating system, e.g. "Talos (v1.11.5)", when known.</summary>
    public string? OperatingSystem { get; init; }

    /// <summary>The node address.</summary>
    public override string ToString() => Node;
}

/// <summary>The Talos version of one node (MachineService.Version).</summary>
public sealed class TalosVersionInfo
{
    /// <summary>The node that answered.</summary>
    public string Node { get; init; } = string.Empty;

    /// <summary>Release tag, e.g. v1.11.5.</summary>
    public string Tag { get; init; } = string.Empty;

    /// <summary>Git commit.</summary>
    public string Sha { get; init; } = string.Empty;

    /// <summary>CPU architecture, e.g. amd64.</summary>
    public string Arch { get; init; } = string.Empty;

    /// <summary>OS (linux).</summary>
    public string OS { get; init; } = string.Empty;

    /// <summary>Platform, e.g. metal, aws, container.</summary>
    public string Platform { get; init; } = string.Empty;

    /// <summary>Platform mode, e.g. metal, container, cloud.</summary>
    public string PlatformMode { get; init; } = string.Empty;

    /// <summary>Go version Talos was built with.</summary>
    public string GoVersion { get; init; } = string.Empty;

    /// <summary>Build time as reported by the node.</summary>
    public string Built { get; init; } = string.Empty;

    /// <summary>Whether the node enforces RBAC on the API.</summary>
    public bool Rbac { get; init; }

    /// <summary>Builds the output object from a Version reply item.</summary>
    public static TalosVersionInfo FromWire(string node, MachineVersion version) => new()
    {
        Node = node,
        Tag = version.Version_?.Tag ?? string.Empty,
        Sha = version.Version_?.Sha ?? string.Empty,
        Arch = version.Version_?.Arch ?? string.Empty,
        OS = version.Version_?.Os ?? string.Empty,
        Built = version.Version_?.Built ?? string.Empty,
        GoVersion = version.Version_?.GoVersion ?? string.Empty,
        Platform = version.Platform?.Name ?? string.Empty,
        PlatformMode = version.Platform?.Mode ?? string.Empty,
        Rbac = version.Features?.Rbac ?? false,
    };

    /// <summary>"node: tag".</summary>
    public override string ToString() => $"{Node}: {Tag}";
}
