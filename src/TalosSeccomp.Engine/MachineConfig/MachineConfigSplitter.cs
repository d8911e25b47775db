using TalosSeccomp.Errors;

namespace TalosSeccomp.MachineConfig;

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
