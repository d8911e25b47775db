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
