using TalosSeccomp.Errors;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// One document of a multi-document machine config, as the exact slice of the original text it owns: its
/// <c>---</c> line, comments, blank lines, a trailing <c>...</c> and line endings included. Concatenating the
/// <see cref="Text"/> of every document gives back the input byte for byte.
/// </summary>
public sealed class MachineConfigDocument
{
    internal MachineConfigDocument(int index, int start, string text, bool isV1Alpha1, string? apiVersion, string? kind, string? name)
    {
        Index = index;
        Start = start;
        Text = text;
        IsV1Alpha1 = isV1Alpha1;
        ApiVersion = apiVersion;
        Kind = kind;
        Name = name;
    }

    /// <summary>Position of the document in the config, from 0.</summary>
    public int Index { get; }

    /// <summary>Character offset of the slice in the config text.</summary>
    public int Start { get; }

    /// <summary>The document's text exactly as in the config.</summary>
    public string Text { get; }

    /// <summary>True for the legacy main document (<c>version: v1alpha1</c>, no <c>kind</c>).</summary>
    public bool IsV1Alpha1 { get; }

    /// <summary>The <c>apiVersion</c> of a typed document, or null.</summary>
    public string? ApiVersion { get; }

    /// <summary>The <c>kind</c> of a typed document (e.g. <c>HostnameConfig</c>), or null.</summary>
    public string? Kind { get; }

    /// <summary>The <c>name</c> of a named document, or null.</summary>
    public string? Name { get; }

    /// <summary>A short description such as <c>v1alpha1</c> or <c>LinkConfig/eth0</c>.</summary>
    public override string ToString() => IsV1Alpha1 ? "v1alpha1" : Kind is null ? $"document {Index}" : Name is null ? Kind : $"{Kind}/{Name}";
}

/// <summary>Finds the documents of a multi-document machine config from YamlDotNet's parser marks (never by pattern-matching <c>---</c>).</summary>
public static class MachineConfigSplitter
{
    /// <summary>
    /// Splits a machine config into its documents. Throws <see cref="TalosSeccompException"/>
    /// <c>MachineConfigInvalidYaml</c> (with line and column) when the text is not YAML,
    /// <c>MachineConfigMissingV1Alpha1</c> when no document has <c>version: v1alpha1</c>, and
    /// <c>MachineConfigMultipleV1Alpha1</c> when several do; all InvalidData.
    /// </summary>
    /// <param name="configText">The whole config text.</param>
    /// <param name="source">The node or file the config came from, used as the error target.</param>
    public static IReadOnlyList<MachineConfigDocument> Split(string configText, string? source = null) =>
        ParsedMachineConfig.Parse(configText, source).Documents;
}

/// <summary>A parsed machine config: the text, its YAML documents with their slices, and which one is v1alpha1.</summary>
internal sealed class ParsedMachineConfig
{
    private ParsedMachineConfig(string text, List<YDocument> trees, List<MachineConfigDocument> documents, int v1Alpha1Index)
    {
        Text = text;
        Trees = trees;
        Documents = documents;
        V1Alpha1Index = v1Alpha1Index;
    }

    public string Text { get; }

    public List<YDocument> Trees { get; }

    public List<MachineConfigDocument> Documents { get; }

    public int V1Alpha1Index { get; }

    public YDocument V1Alpha1Tree => Trees[V1Alpha1Index];

    /// <summary>Root mapping of the v1alpha1 document (classification guarantees it is a mapping).</summary>
    public YMapping V1Alpha1Root => (YMapping)V1Alpha1Tree.Root;

    public static ParsedMachineConfig Parse(string text, string? source)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<YDocument> trees;
        try
        {
            trees = YamlTreeReader.ReadStream(text);
        }
        catch (YamlTreeException ex)
        {
            throw new TalosSeccompException(
                ErrorIds.MachineConfigInvalidYaml,
                ErrorKind.InvalidData,
                $"The machine config is not valid YAML at {YamlScalarResolver.Describe(ex.Line, ex.Column)}: {ex.Message}",
                source,
                ex);
        }

        var documents = new List<MachineConfigDocument>(trees.Count);
        var v1Alpha1 = new List<int>();
        for (var i = 0; i < trees.Count; i++)
        {
            var tree = trees[i];
            string? apiVersion = null, kind = null, name = null, version = null;
            if (tree.Root is YMapping root)
            {
                apiVersion = ScalarText(root, "apiVersion");
                kind = ScalarText(root, "kind");
                name = ScalarText(root, "name");
                version = ScalarText(root, "version");
            }

            // Talos's decoder treats a document with version v1alpha1 and no kind as the legacy main document.
            var isV1Alpha1 = tree.Root is YMapping && string.IsNullOrEmpty(kind) && (version ?? apiVersion) == "v1alpha1";
            if (isV1Alpha1)
            {
                v1Alpha1.Add(i);
            }

            documents.Add(new MachineConfigDocument(i, tree.SliceStart, text[tree.SliceStart..tree.SliceEnd], isV1Alpha1, apiVersion, kind, isV1Alpha1 ? null : name));
        }

        if (v1Alpha1.Count == 0)
        {
            throw new TalosSeccompException(
                ErrorIds.MachineConfigMissingV1Alpha1,
                ErrorKind.InvalidData,
                $"The machine config has no v1alpha1 document (one with 'version: v1alpha1' and no 'kind'); found {trees.Count} other document(s).",
                source);
        }

        if (v1Alpha1.Count > 1)
        {
            throw new TalosSeccompException(
                ErrorIds.MachineConfigMultipleV1Alpha1,
                ErrorKind.InvalidData,
                $"The machine config has {v1Alpha1.Count} v1alpha1 documents (documents {string.Join(", ", v1Alpha1.Select(i => i + 1))}); Talos accepts only one.",
                source);
        }

        return new ParsedMachineConfig(text, trees, documents, v1Alpha1[0]);
    }

    private static string? ScalarText(YMapping mapping, string key) => mapping.Find(key)?.Value is YScalar s ? s.Value : null;
}
