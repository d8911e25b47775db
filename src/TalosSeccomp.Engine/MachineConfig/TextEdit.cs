using System.Text;

namespace TalosSeccomp.MachineConfig;

/// <summary>One splice: replace [<see cref="Start"/>, <see cref="End"/>) by <see cref="Replacement"/>.</summary>
internal readonly record struct TextEdit(int Start, int End, string Replacement)
{
    /// <summary>Applies non-overlapping edits.</summary>
    public static string Apply(string text, IEnumerable<TextEdit> edits)
    {
        var ordered = edits.OrderBy(e => e.Start).ThenBy(e => e.End).ToList();
        var sb = new StringBuilder(text.Length + ordered.Sum(e => e.Replacement.Length));
        var position = 0;
        foreach (var edit in ordered)
        {
            if (edit.Start < position)
            {
                throw new InvalidOperationException("Overlapping machine-config edits.");
            }

            sb.Append(text, position, edit.Start - position).Append(edit.Replacement);
            position = edit.End;
        }

        return sb.Append(text, position, text.Length - position).ToString();
    }
}
