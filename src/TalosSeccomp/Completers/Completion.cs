using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Commands.Completers;

/// <summary>
/// The one matcher and quoter of the module's argument completers: the word typed so far (without the quote the user
/// opened) is a case-insensitive wildcard prefix, and a value the shell would split or expand is single-quoted.
/// </summary>
internal static class Completion
{
    // Characters that end or change a bare word in PowerShell's parser.
    private static readonly char[] NeedsQuotes = [' ', '\t', '\'', '"', '‘', '’', '“', '”', '$', '`', ';', ',', '(', ')', '{', '}', '@', '#', '|', '&', '<', '>'];

    /// <summary>
    /// The candidates whose value matches <paramref name="wordToComplete"/> followed by <c>*</c>, in the order given,
    /// each value once; the first tooltip of a value wins.
    /// </summary>
    internal static IEnumerable<CompletionResult> Complete(string? wordToComplete, IEnumerable<(string Value, string Tooltip)> candidates)
    {
        var pattern = PrefixPattern(wordToComplete);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (value, tooltip) in candidates)
        {
            if (!string.IsNullOrEmpty(value) && pattern.IsMatch(value) && seen.Add(value))
            {
                yield return new CompletionResult(Quote(value), value, CompletionResultType.ParameterValue,
                    string.IsNullOrEmpty(tooltip) ? value : tooltip);
            }
        }
    }

    /// <summary>Same, with each value as its own tooltip.</summary>
    internal static IEnumerable<CompletionResult> Complete(string? wordToComplete, IEnumerable<string> values) =>
        Complete(wordToComplete, values.Select(v => (v, v)));

    /// <summary>The word without the quote the user opened (and closed), with doubled single quotes undone.</summary>
    internal static string Unquote(string? word)
    {
        var text = word ?? string.Empty;
        if (text.Length > 0 && text[0] is '\'' or '‘' or '’')
        {
            return text.Trim('\'', '‘', '’').Replace("''", "'", StringComparison.Ordinal);
        }

        return text.Trim('"', '“', '”');
    }

    /// <summary>The value as the completion text: bare when PowerShell reads it as one word, else
    /// single-quoted.</summary>
    internal static string Quote(string value) =>
        value.IndexOfAny(NeedsQuotes) >= 0 ? $"'{value.Replace("'", "''", StringComparison.Ordinal)}'" : value;

    private static Wildcard PrefixPattern(string? wordToComplete)
    {
        var word = Unquote(wordToComplete);
        try
        {
            return Wildcard.Compile(word + "*", ignoreCase: true);
        }
        catch (TalosSeccompException)
        {
            // A half-typed bracket ("open[") is no pattern yet: match the text literally.
            return Wildcard.Compile(Escape(word) + "*", ignoreCase: true);
        }
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is '*' or '?' or '[' or ']' or '`' ? "`" + c : c.ToString()));
}
