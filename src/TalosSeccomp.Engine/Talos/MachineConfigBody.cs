using System.Text;
using Google.Protobuf;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.Talos.Wire.Config;
using TalosSeccomp.Talos.Wire.Cosi;

namespace TalosSeccomp.Talos;

/// <summary>
/// Gets the full multi-document config text out of a <c>MachineConfigs.config.talos.dev</c> resource, the way
/// talosctl's <c>extractMachineConfigBody</c> does (siderolabs/talos cmd/talosctl/cmd/talos/patch.go).
/// </summary>
public static class MachineConfigBody
{
    /// <summary>
    /// Returns the config text. Prefers <c>yaml_marshalled</c> from the resource's <c>proto_spec</c> (a serialized
    /// <c>resource.config.MachineConfigSpec</c>, Talos v1.2+). Otherwise uses <c>yaml_spec</c>: when the resource has
    /// annotations (v1.12+, <c>talos.dev/yaml-spec</c>) it is a YAML scalar string holding the text and is decoded; without,
    /// it is the text itself. Throws <see cref="TalosSeccompException"/> <c>MachineConfigInvalidResource</c> (InvalidData)
    /// when neither yields a config.
    /// </summary>
    /// <param name="protoSpec">The resource's <c>spec.proto_spec</c> bytes, or null.</param>
    /// <param name="yamlSpec">The resource's <c>spec.yaml_spec</c>.</param>
    /// <param name="hasAnnotations">Whether the resource's metadata carries annotations.</param>
    /// <param name="source">The node the resource came from, used as the error target.</param>
    public static string FromResource(byte[]? protoSpec, string? yamlSpec, bool hasAnnotations, string? source = null)
    {
        if (protoSpec is { Length: > 0 })
        {
            try
            {
                var spec = MachineConfigSpec.Parser.ParseFrom(protoSpec);
                if (!spec.YamlMarshalled.IsEmpty)
                {
                    return Encoding.UTF8.GetString(spec.YamlMarshalled.Span);
                }
            }
            catch (InvalidProtocolBufferException)
            {
                // Not a MachineConfigSpec (older or foreign server): fall back to yaml_spec below.
            }
        }

        if (string.IsNullOrEmpty(yamlSpec))
        {
            throw new TalosSeccompException(ErrorIds.MachineConfigInvalidResource, ErrorKind.InvalidData, "The MachineConfig resource carries no config (empty proto_spec and yaml_spec).", source);
        }

        if (!hasAnnotations)
        {
            return yamlSpec;
        }

        List<YDocument> documents;
        try
        {
            documents = YamlTreeReader.ReadStream(yamlSpec);
        }
        catch (YamlTreeException ex)
        {
            throw new TalosSeccompException(ErrorIds.MachineConfigInvalidResource, ErrorKind.InvalidData, $"The MachineConfig resource's yaml_spec is not valid YAML at {YamlScalarResolver.Describe(ex.Line, ex.Column)}.", source, ex);
        }

        if (documents.Count != 1 || documents[0].Root is not YScalar scalar || scalar.IsEmptyNull)
        {
            throw new TalosSeccompException(ErrorIds.MachineConfigInvalidResource, ErrorKind.InvalidData, "The MachineConfig resource's yaml_spec is not a YAML string holding the config.", source);
        }

        return scalar.Value;
    }

    /// <summary>Returns the config text of a COSI resource read from the node (see <see cref="FromResource(byte[], string, bool, string)"/>).</summary>
    /// <param name="resource">The <c>MachineConfigs.config.talos.dev</c> resource.</param>
    /// <param name="source">The node the resource came from, used as the error target.</param>
    public static string FromResource(Resource resource, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return FromResource(resource.Spec?.ProtoSpec?.ToByteArray(), resource.Spec?.YamlSpec, resource.Metadata?.Annotations.Count > 0, source);
    }
}
