using System.Text;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// A unified-diff-like view of seccompProfiles entries for <c>-WhatIf</c>: both sides rendered as YAML list items
/// the same way, then compared line by line, so only the lines that really differ carry <c>-</c> or <c>+</c>.
/// </summary>
/// <remarks>
/// Cost stays linear in the profile's size: the lines both sides share at the start and at the end are matched
/// directly, and only the changed middle goes through a longest-common-subsequence table, which is quadratic. When
/// that middle is too large for the table (<see cref="MaxTableCells"/>), it is shown as removed and then added
/// whole, which is still a correct diff, only a coarser one. A 100,000-name profile otherwise needed a table of
/// 10^10 cells.
/// </remarks>
internal static class EntryDiff
{
    /// <summary>Largest LCS table (cells) the diff builds: 4 M ints, 16 MB.</summary>
    internal const long MaxTableCells = 4_000_000;

    public static string Render(IReadOnlyList<SeccompProfileEntry> before, IReadOnlyList<SeccompProfileEntry> after)
    {
        var a = Lines(before);
        var b = Lines(after);
        var sb = new StringBuilder();
        sb.Append("--- machine.seccompProfiles (current)\n");
        sb.Append("+++ machine.seccompProfiles (new)\n");

        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        for (var i = 0; i < prefix; i++)
        {
            sb.Append("  ").Append(a[i]).Append('\n');
        }

        DiffMiddle(sb, a.AsSpan(prefix, a.Length - prefix - suffix), b.AsSpan(prefix, b.Length - prefix - suffix));
        for (var i = a.Length - suffix; i < a.Length; i++)
        {
            sb.Append("  ").Append(a[i]).Append('\n');
        }

        return sb.ToString();
    }

    private static void DiffMiddle(StringBuilder sb, ReadOnlySpan<string> a, ReadOnlySpan<string> b)
    {
        if ((long)(a.Length + 1) * (b.Length + 1) > MaxTableCells)
        {
            foreach (var line in a)
            {
                sb.Append("- ").Append(line).Append('\n');
            }

            foreach (var line in b)
            {
                sb.Append("+ ").Append(line).Append('\n');
            }

            return;
        }

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
    }

    private static string[] Lines(IReadOnlyList<SeccompProfileEntry> entries) =>
        entries.Count == 0 ? Array.Empty<string>() : MachineConfigSeccompEditor.RenderEntries(entries, 0, 2, "\n", forDisplay: true).TrimEnd('\n').Split('\n');
}
