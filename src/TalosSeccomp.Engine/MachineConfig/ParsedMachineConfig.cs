using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.MachineConfig;

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
