using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos.Wire.Cluster;
using TalosSeccomp.Talos.Wire.Cri;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using CosiResource = TalosSeccomp.Talos.Wire.Cosi.Resource;

namespace TalosSeccomp.Talos;

/// <summary>
/// COSI resource types and namespaces the module reads, and decoding of their specs: the MachineConfig body,
/// SeccompProfile resources (YAML kept verbatim) and cluster Members (siderolabs/talos
/// pkg/machinery/resources/config/machine_config.go, cri/seccomp_profile.go, cluster/member.go).
/// </summary>
public static class TalosResources
{
    /// <summary>MachineConfig resource type (Sensitive: admin only).</summary>
    public const string MachineConfigType = "MachineConfigs.config.talos.dev";
    /// <summary>Namespace of MachineConfig.</summary>
    public const string ConfigNamespace = "config";
    /// <summary>Id of the active machine config.</summary>
    public const string ActiveMachineConfigId = "v1alpha1";
    /// <summary>Id of the machine config saved to disk: ahead of the active one after a Staged apply, behind it during a Try.</summary>
    public const string PersistentMachineConfigId = "persistent";
    /// <summary>SeccompProfile resource type.</summary>
    public const string SeccompProfileType = "SeccompProfiles.cri.talos.dev";
    /// <summary>Namespace of SeccompProfile.</summary>
    public const string CriNamespace = "cri";
    /// <summary>Cluster member resource type.</summary>
    public const string MemberType = "Members.cluster.talos.dev";
    /// <summary>Namespace of Member.</summary>
    public const string ClusterNamespace = "cluster";

    /// <summary>True for resource types Talos marks Sensitive (readable by os:admin only).</summary>
    public static bool IsSensitive(string resourceType) => string.Equals(resourceType, MachineConfigType, StringComparison.Ordinal);

    /// <summary>
    /// Decodes a SeccompProfile resource. The <c>value</c> is read from <c>yaml_spec</c> with the module's one
    /// YAML-to-JSON conversion (<see cref="Formats.YamlJson"/>), so numbers stay exact up to 2^64-1; only
    /// when there is no yaml_spec is the proto Struct used (where every number became a double).
    /// </summary>
    /// <exception cref="TalosSeccompException">TalosResourceUndecodable.</exception>
    public static CosiSeccompProfile DecodeSeccompProfile(CosiResource resource, string? node = null)
    {
        var id = resource.Metadata?.Id ?? string.Empty;
        var version = resource.Metadata?.Version ?? string.Empty;
        if (!string.IsNullOrWhiteSpace(resource.Spec?.YamlSpec))
        {
            JsonNode? spec;
            try
            {
                spec = Formats.YamlJson.ToJson(resource.Spec.YamlSpec, node);
            }
            catch (TalosSeccompException ex)
            {
                throw Undecodable(resource, node, $"its yaml_spec is not YAML ({ex.Message})");
            }

            if (spec is JsonObject mapping)
            {
                var name = mapping["name"] is JsonValue n && n.TryGetValue<string>(out var text) ? text : id;
                var value = mapping["value"] as JsonObject ?? new JsonObject();
                return new CosiSeccompProfile(node, id, name, version, value, FromStruct: false);
            }
        }

        if (resource.Spec?.ProtoSpec is { Length: > 0 } proto)
        {
            try
            {
                var spec = SeccompProfileSpec.Parser.ParseFrom(proto);
                var value = spec.Value is null ? new JsonObject() : (JsonObject)JsonNode.Parse(JsonFormatter.Default.Format(spec.Value))!;
                return new CosiSeccompProfile(node, id, string.IsNullOrEmpty(spec.Name) ? id : spec.Name, version, value, FromStruct: true);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw Undecodable(resource, node, $"its proto_spec is not a SeccompProfileSpec ({ex.Message})");
            }
        }

        throw Undecodable(resource, node, "it has neither yaml_spec nor proto_spec");
    }

    /// <summary>Decodes a Members.cluster.talos.dev resource (proto_spec MemberSpec; yaml_spec as fallback).</summary>
    /// <exception cref="TalosSeccompException">TalosResourceUndecodable.</exception>
    public static TalosClusterMember DecodeMember(CosiResource resource, string? node = null)
    {
        var id = resource.Metadata?.Id ?? string.Empty;
        if (resource.Spec?.ProtoSpec is { Length: > 0 } proto)
        {
            try
            {
                var spec = MemberSpec.Parser.ParseFrom(proto);
                return new TalosClusterMember(id, spec.NodeId, spec.Hostname,
                    spec.Addresses.Where(a => a.Ip.Length is 4 or 16).Select(a => new IPAddress(a.Ip.Span).ToString()).ToList(),
                    spec.MachineType switch
                    {
                        Wire.Enums.MachineType.TypeInit => "init",
                        Wire.Enums.MachineType.TypeControlPlane => "controlplane",
                        Wire.Enums.MachineType.TypeWorker => "worker",
                        _ => "unknown",
                    },
                    spec.OperatingSystem);
            }
            catch (InvalidProtocolBufferException)
            {
                // fall back to yaml_spec
            }
        }

        if (!string.IsNullOrWhiteSpace(resource.Spec?.YamlSpec))
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(resource.Spec.YamlSpec));
            }
            catch (YamlException ex)
            {
                throw Undecodable(resource, node, $"its yaml_spec is not YAML ({ex.Message})");
            }

            if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode map)
            {
                string Scalar(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value ?? string.Empty : string.Empty;
                var addresses = map.Children.TryGetValue(new YamlScalarNode("addresses"), out var a) && a is YamlSequenceNode seq
                    ? seq.Children.OfType<YamlScalarNode>().Select(x => x.Value ?? string.Empty).ToList()
                    : new List<string>();
                return new TalosClusterMember(id, Scalar("nodeId"), Scalar("hostname"), addresses, Scalar("machineType"), Scalar("operatingSystem"));
            }
        }

        throw Undecodable(resource, node, "it has no decodable spec");
    }

    private static TalosSeccompException Undecodable(CosiResource resource, string? node, string why) =>
        new(ErrorIds.TalosResourceUndecodable, ErrorKind.InvalidData,
            $"The {resource.Metadata?.Type} resource '{resource.Metadata?.Id}'{(node is null ? string.Empty : " on " + node)} cannot be decoded: {why}.",
            node ?? resource.Metadata?.Id);
}

/// <summary>A Members.cluster.talos.dev resource.</summary>
/// <param name="Id">Resource id (node name).</param>
/// <param name="NodeId">Discovery node id.</param>
/// <param name="Hostname">Host name.</param>
/// <param name="Addresses">Node addresses.</param>
/// <param name="MachineType">init, controlplane, worker or unknown.</param>
/// <param name="OperatingSystem">OS description, e.g. "Talos (v1.11.5)".</param>
public sealed record TalosClusterMember(string Id, string NodeId, string Hostname, IReadOnlyList<string> Addresses, string MachineType, string OperatingSystem);
