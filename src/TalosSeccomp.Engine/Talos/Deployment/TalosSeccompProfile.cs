using System.Text;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using CosiResource = TalosSeccomp.Talos.Wire.Cosi.Resource;

namespace TalosSeccomp.Talos;

/// <summary>
/// A <c>SeccompProfiles.cri.talos.dev</c> resource of one node (what <c>talosctl get seccompprofiles</c> lists), with the
/// profile decoded exactly from the resource's YAML spec, and, when asked for, the profile file the node wrote.
/// </summary>
public sealed class TalosSeccompProfile
{
    /// <summary>The node the resource was read from.</summary>
    public string Node { get; init; } = string.Empty;

    /// <summary>COSI namespace (<c>cri</c>).</summary>
    public string Namespace { get; init; } = TalosResources.CriNamespace;

    /// <summary>The resource type as talosctl prints it (<c>SeccompProfile</c>).</summary>
    public string Type { get; init; } = "SeccompProfile";

    /// <summary>Resource id: the profile name.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>COSI resource version (bumps when the profile's value changes).</summary>
    public string Version { get; init; } = string.Empty;

    /// <summary>The profile (file) name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The profile as configured on the node (parsed leniently: unknown actions are kept, not refused).</summary>
    public SeccompProfile Profile { get; init; } = new();

    /// <summary>The configured value as JSON, numbers exact (from the resource's yaml_spec).</summary>
    public JsonObject Value { get; init; } = new();

    /// <summary>The kubelet's localhostProfile for this profile: <c>profiles/&lt;name&gt;</c>.</summary>
    public string LocalhostProfile => "profiles/" + Name;

    /// <summary>The path of the profile file on the node.</summary>
    public string Path => ProfileName.NodeDirectory + "/" + Name;

    /// <summary>The exact bytes the node writes for <see cref="Value"/> (Go json.Marshal: compact, keys sorted), as text.</summary>
    public string ExpectedContent => GoJson.SerializeToString(Value);

    /// <summary>The profile file as read from the node (with -Content); null when not read.</summary>
    public string? Content { get; set; }

    /// <summary>With -Content: the size of the file on the node in bytes; null when it was not read.</summary>
    public int? ContentLength { get; set; }

    /// <summary>With -Content: whether the file matches <see cref="ExpectedContent"/> byte for byte; null when it could not be read.</summary>
    public bool? ContentMatches { get; set; }

    /// <summary>With -Content: why the file could not be read (no admin role, missing file); null otherwise.</summary>
    public string? ContentError { get; set; }

    /// <summary>True when the value had to be decoded from the protobuf Struct (numbers there are doubles and may be inexact).</summary>
    public bool FromStruct { get; init; }

    /// <summary>The connection the profile was read through; piped into another Talos cmdlet (Set-, Remove-TalosSeccompProfile), it binds -Connection, so the profile goes back through the connection it came from.</summary>
    public TalosConnectionInfo? Connection { get; set; }

    /// <summary>"node: name (version)".</summary>
    public override string ToString() => $"{Node}: {Name} (version {Version})";

    /// <summary>Decodes a COSI SeccompProfile resource read from <paramref name="node"/>.</summary>
    /// <exception cref="TalosSeccompException"><c>TalosResourceUndecodable</c>.</exception>
    public static TalosSeccompProfile FromResource(CosiResource resource, string node)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var decoded = TalosResources.DecodeSeccompProfile(resource, node);
        var value = decoded.Value;
        SeccompProfile profile;
        try
        {
            profile = SeccompProfile.ParseLenient(value.ToJsonString(), $"{node}:{decoded.Name}");
        }
        catch (TalosSeccompException)
        {
            // A value containerd would not read either; keep the raw value and an empty model.
            profile = new SeccompProfile();
        }

        profile.Name = decoded.Name;
        return new TalosSeccompProfile
        {
            Node = node,
            Id = decoded.Id,
            Version = decoded.Version,
            Name = decoded.Name,
            Profile = profile,
            Value = value,
            FromStruct = decoded.FromStruct,
        };
    }

    /// <summary>Records the file read from the node and whether it matches the configured value byte for byte.</summary>
    public void SetContent(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        Content = Encoding.UTF8.GetString(file);
        ContentLength = file.Length;
        ContentMatches = file.AsSpan().SequenceEqual(GoJson.Serialize(Value));
        ContentError = null;
    }
}
