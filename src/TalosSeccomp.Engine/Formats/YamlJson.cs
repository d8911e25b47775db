using System.Text.Json;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TalosSeccomp.Formats;

/// <summary>
/// Converts between YAML and <see cref="JsonNode"/> the way Talos does: scalars resolve as go-yaml v3 reads
/// them into <c>interface{}</c> (YAML 1.2 core schema; <c>yes</c>/<c>on</c> stay strings; quoted text stays a
/// string), integers are exact up to 2^64-1 and down to -2^63, floats keep the digits as written, aliases and
/// <c>&lt;&lt;</c> merge keys are resolved. Rendering writes block YAML that reads back to the same JSON, quoting
/// strings YAML would otherwise misread (<c>"123"</c>, <c>"true"</c>, <c>"yes"</c>).
/// </summary>
public static class YamlJson
{
    // Aliases can make a tiny document expand enormously ("billion laughs"); stop well before that hurts.
    private const int MaxExpandedNodes = 1_000_000;

    /// <summary>
    /// Reads one YAML document and returns its JSON value (null for an empty document or a YAML null).
    /// Throws <see cref="TalosSeccompException"/> <c>InvalidYaml</c> for unparsable or multi-document input and
    /// <c>YamlValueNotRepresentableInJson</c> for values JSON cannot hold (<c>.nan</c>, <c>.inf</c>, non-scalar keys).
    /// </summary>
    /// <param name="yamlText">The YAML text.</param>
    /// <param name="source">What the text came from (file, node, parameter), used as the error target.</param>
    public static JsonNode? ToJson(string yamlText, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        List<YDocument> documents;
        try
        {
            documents = YamlTreeReader.ReadStream(yamlText);
        }
        catch (YamlTreeException ex)
        {
            throw new TalosSeccompException(ErrorIds.InvalidYaml, ErrorKind.InvalidData, $"The YAML is not valid at {YamlScalarResolver.Describe(ex.Line, ex.Column)}: {ex.Message}", source, ex);
        }

        if (documents.Count > 1)
        {
            throw new TalosSeccompException(ErrorIds.InvalidYaml, ErrorKind.InvalidData, $"Expected one YAML document but found {documents.Count}.", source);
        }

        return documents.Count == 0 ? null : ToJson(documents[0].Root, source);
    }

    /// <summary>Renders a JSON value as block-style YAML (keys in object order; empty objects and arrays as <c>{}</c>/<c>[]</c>).</summary>
    /// <param name="value">The value; null renders as <c>null</c>.</param>
    /// <param name="indent">Spaces per nesting level (2 to 9).</param>
    public static string ToYaml(JsonNode? value, int indent = 2)
    {
        var yaml = Render(emitter => Emit(emitter, value), indent, indentSequences: true);
        try
        {
            if (JsonText.SemanticEquals(ToJson(yaml), value))
            {
                return yaml;
            }
        }
        catch (TalosSeccompException)
        {
            // fall through to JSON
        }

        // YamlDotNet cannot write everything as block YAML that reads back (keys with line breaks); JSON is valid YAML.
        return (value?.ToJsonString() ?? "null") + "\n";
    }

    /// <summary>Converts a parsed YAML node to JSON; aliases expand, merge keys apply.</summary>
    internal static JsonNode? ToJson(YNode node, string? source)
    {
        var budget = MaxExpandedNodes;
        return Convert(node, source, ref budget);
    }

    private static JsonNode? Convert(YNode node, string? source, ref int budget)
    {
        if (--budget < 0)
        {
            throw new TalosSeccompException(ErrorIds.YamlValueNotRepresentableInJson, ErrorKind.InvalidData, "The YAML expands to too many nodes through aliases.", source);
        }

        switch (node)
        {
            case YAlias alias:
                return Convert(alias.Target, source, ref budget);

            case YScalar scalar:
            {
                ScalarKind kind;
                JsonNode? json;
                try
                {
                    (kind, json) = YamlScalarResolver.Resolve(scalar);
                }
                catch (FormatException ex)
                {
                    throw new TalosSeccompException(ErrorIds.YamlValueNotRepresentableInJson, ErrorKind.InvalidData, $"At {YamlScalarResolver.Describe(scalar.Line, scalar.Column)}: {ex.Message}.", source, ex);
                }

                if (kind == ScalarKind.NotRepresentable)
                {
                    throw new TalosSeccompException(ErrorIds.YamlValueNotRepresentableInJson, ErrorKind.InvalidData, $"The value '{scalar.Value}' at {YamlScalarResolver.Describe(scalar.Line, scalar.Column)} has no JSON form.", source);
                }

                return json;
            }

            case YSequence sequence:
            {
                var array = new JsonArray();
                foreach (var item in sequence.Items)
                {
                    array.Add(Convert(item, source, ref budget));
                }

                return array;
            }

            case YMapping mapping:
            {
                var obj = new JsonObject();
                var merges = new List<YNode>();
                foreach (var (key, value) in mapping.Pairs)
                {
                    if (YAlias.Resolve(key) is not YScalar keyScalar)
                    {
                        throw new TalosSeccompException(ErrorIds.YamlValueNotRepresentableInJson, ErrorKind.InvalidData, $"The mapping key at {YamlScalarResolver.Describe(key.Line, key.Column)} is not a scalar, which JSON cannot hold.", source);
                    }

                    if (keyScalar.IsPlain && keyScalar.Tag is null && keyScalar.Value == "<<")
                    {
                        merges.Add(value);
                        continue;
                    }

                    obj[keyScalar.Value] = Convert(value, source, ref budget);
                }

                // Merge keys never override explicit keys; among merged maps the earlier one wins (yaml.v3).
                foreach (var merge in merges)
                {
                    var sources = YAlias.Resolve(merge) is YSequence seq ? seq.Items : new List<YNode> { merge };
                    foreach (var merged in sources)
                    {
                        if (Convert(merged, source, ref budget) is not JsonObject mergedObject)
                        {
                            throw new TalosSeccompException(ErrorIds.YamlValueNotRepresentableInJson, ErrorKind.InvalidData, $"The merge key at {YamlScalarResolver.Describe(merge.Line, merge.Column)} does not refer to a mapping.", source);
                        }

                        foreach (var (k, v) in mergedObject.ToList())
                        {
                            if (!obj.ContainsKey(k))
                            {
                                mergedObject.Remove(k);
                                obj[k] = v;
                            }
                        }
                    }
                }

                return obj;
            }

            default:
                throw new InvalidOperationException("Unknown YAML node type.");
        }
    }

    /// <summary>Runs <paramref name="body"/> inside one implicit YAML document and returns the text (LF line ends).</summary>
    internal static string Render(Action<IEmitter> body, int indent, bool indentSequences)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(writer, new EmitterSettings(Math.Clamp(indent, 2, 9), int.MaxValue, false, 1024, false, indentSequences, "\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        body(emitter);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>Emits the events of a JSON value.</summary>
    internal static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(Plain("null"));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                switch (JsonText.KindOf(value))
                {
                    case JsonValueKind.String:
                        EmitString(emitter, JsonText.StringOf(value));
                        break;
                    case JsonValueKind.Number:
                        emitter.Emit(Plain(JsonText.NumberOf(value)));
                        break;
                    case JsonValueKind.True:
                        emitter.Emit(Plain("true"));
                        break;
                    case JsonValueKind.False:
                        emitter.Emit(Plain("false"));
                        break;
                    default:
                        emitter.Emit(Plain("null"));
                        break;
                }

                break;
        }
    }

    /// <summary>Emits a string scalar, quoted when a YAML reader would take it for something else.</summary>
    internal static void EmitString(IEmitter emitter, string text)
    {
        // YAML cannot carry a lone surrogate (YamlDotNet throws); the node's JSON rendering of it is U+FFFD too.
        text = GoJson.ReplaceLoneSurrogates(text);
        emitter.Emit(new Scalar(null, null, text, YamlScalarResolver.StyleForString(text), true, true));
    }

    private static Scalar Plain(string text) => new(null, null, text, ScalarStyle.Plain, true, false);
}
