namespace TalosSeccomp.MachineConfig;

/// <summary>Line arithmetic on the config text.</summary>
internal static class TextLines
{
    /// <summary>Index of the first character of the line containing <paramref name="index"/>.</summary>
    public static int LineStart(string text, int index)
    {
        index = Math.Clamp(index, 0, text.Length);
        while (index > 0 && text[index - 1] != '\n')
        {
            index--;
        }

        return index;
    }

    /// <summary>
    /// Index just after the line break that ends the line holding the character before <paramref name="end"/>
    /// (a node ending at <paramref name="end"/>); the text length when that line has no break.
    /// </summary>
    public static int LineEndAfter(string text, int end)
    {
        end = Math.Clamp(end, 0, text.Length);
        if (end > 0 && text[end - 1] == '\n')
        {
            return end;
        }

        var newline = text.IndexOf('\n', end);
        return newline < 0 ? text.Length : newline + 1;
    }

    /// <summary>Column of the '#' when the line starting at <paramref name="lineStart"/> holds only a comment; -1 otherwise.</summary>
    public static int CommentColumn(string text, int lineStart)
    {
        var i = lineStart;
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        return i < text.Length && text[i] == '#' ? i - lineStart : -1;
    }
}
