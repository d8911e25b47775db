using System.Text;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// A unified-diff-like view of seccompProfiles entries for <c>-WhatIf</c>: both sides rendered as YAML list items
/// the same way, then compared line by line (longest common subsequence), so only the lines that really
/// differ carry <c>-</c> or <c>+</c>.
/// </summary>
internal static class EntryDiff
{
    public static string Render(IReadOnlyList<SeccompProfileEntry> before, IReadOnlyList<SeccompProfileEntry> after)
    {
        var a = Lines(before);
        var b = Lines(after);
        var sb = new StringBuilder();
        sb.Append("--- machine.seccompProfiles (current)\n");
        sb.Append("+++ machine.seccompProfiles (new)\n");

        // lcs[i, j] = length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                sb.Append("  ").Append(a[x++]).Append('\n');
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                sb.Append("- ").Append(a[x++]).Append('\n');
            }
            else
            {
                sb.Append("+ ").Append(b[y++]).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string[] Lines(IReadOnlyList<SeccompProfileEntry> entries) =>
        entries.Count == 0 ? Array.Empty<string>() : MachineConfigSeccompEditor.RenderEntries(entries, 0, 2, "\n").TrimEnd('\n').Split('\n');
}
