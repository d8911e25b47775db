namespace TalosSeccomp.MachineConfig;

/// <summary>
/// The result of a <see cref="MachineConfigSeccompEditor"/> edit: the new config text, whether anything changed, the
/// affected entries before and after, and a readable diff for <c>-WhatIf</c>/<c>-Confirm</c>.
/// </summary>
public sealed class MachineConfigEdit
{
    internal MachineConfigEdit(string originalText, string newText, IReadOnlyList<SeccompProfileEntry> before, IReadOnlyList<SeccompProfileEntry> after, string diff,
        IReadOnlyList<string>? warnings = null)
    {
        Warnings = warnings ?? Array.Empty<string>();
        OriginalText = originalText;
        NewText = newText;
        Before = before;
        After = after;
        Diff = diff;
    }

    /// <summary>The config text the edit started from.</summary>
    public string OriginalText { get; }

    /// <summary>The whole config after the edit (equal to <see cref="OriginalText"/> when nothing changed).</summary>
    public string NewText { get; }

    /// <summary>False when the edit produced the input unchanged; callers then send nothing to the node.</summary>
    public bool Changed => !string.Equals(OriginalText, NewText, StringComparison.Ordinal);

    /// <summary>The entries the edit concerns, as they were (all entries with the name for a set; the matched entries for a remove).</summary>
    public IReadOnlyList<SeccompProfileEntry> Before { get; }

    /// <summary>The entries the edit concerns, as they are now (the one entry for a set; none for a remove).</summary>
    public IReadOnlyList<SeccompProfileEntry> After { get; }

    /// <summary>What the edit did that the user should know about, e.g. duplicate entries of the name that a set replaced by one.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Unified-diff-like YAML lines of the changed <c>seccompProfiles</c> entries (<c>-</c> removed, <c>+</c> added,
    /// two spaces unchanged); empty when nothing changed.
    /// </summary>
    public string Diff { get; }
}
