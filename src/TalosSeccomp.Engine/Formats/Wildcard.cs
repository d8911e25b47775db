using TalosSeccomp.Errors;

namespace TalosSeccomp.Formats;

/// <summary>
/// The engine's one PowerShell-style wildcard pattern (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c>, backtick
/// escapes), matched against spans. The engine has no PowerShell, so WildcardPattern is not available here.
/// Compiled once; a match allocates nothing. Audit filters ignore case; profile names are Linux file names and
/// match case-sensitively, so removing <c>Audit.json</c> never touches <c>audit.json</c>.
/// </summary>
public sealed class Wildcard
{
    private enum Op : byte { Literal, AnyChar, Star, Set }

    private readonly struct Element
    {
        public Element(Op op, char literal = '\0', string? set = null)
        {
            Kind = op;
            Literal = literal;
            Set = set;
        }

        public Op Kind { get; }
        public char Literal { get; }
        // Pairs of inclusive ranges, lower-cased: "aadz" = {a, d-z}.
        public string? Set { get; }
    }

    private readonly Element[] _elements;
    private readonly string? _exact;
    private readonly bool _matchesEverything;
    private readonly bool _ignoreCase;

    private Wildcard(string pattern, Element[] elements, bool ignoreCase)
    {
        Pattern = pattern;
        _elements = elements;
        _ignoreCase = ignoreCase;
        HasWildcards = elements.Any(e => e.Kind != Op.Literal);
        _matchesEverything = elements.Length > 0 && elements.All(e => e.Kind == Op.Star);
        if (elements.All(e => e.Kind == Op.Literal))
        {
            _exact = new string(elements.Select(e => e.Literal).ToArray());
        }
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>True when the pattern has an unescaped <c>*</c>, <c>?</c> or <c>[...]</c>; false for a plain name.</summary>
    public bool HasWildcards { get; }

    /// <summary>
    /// Compiles a pattern; an unclosed <c>[</c> is an <c>InvalidWildcardPattern</c> error (InvalidArgument) whose
    /// target is <paramref name="target"/> (a parameter name), or the pattern itself when none is given.
    /// </summary>
    public static Wildcard Compile(string pattern, bool ignoreCase, string? target = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parameter = target ?? pattern;
        var elements = new List<Element>(pattern.Length);
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    elements.Add(new Element(Op.Literal, pattern[++i]));
                    break;
                case '*':
                    if (elements.Count == 0 || elements[^1].Kind != Op.Star)
                    {
                        elements.Add(new Element(Op.Star));
                    }
                    break;
                case '?':
                    elements.Add(new Element(Op.AnyChar));
                    break;
                case '[':
                    i = ParseSet(pattern, i, parameter, ignoreCase, out var set);
                    elements.Add(new Element(Op.Set, set: set));
                    break;
                default:
                    elements.Add(new Element(Op.Literal, c));
                    break;
            }
        }

        return new Wildcard(pattern, elements.ToArray(), ignoreCase);
    }

    private static int ParseSet(string pattern, int open, string parameter, bool ignoreCase, out string set)
    {
        var ranges = new System.Text.StringBuilder();
        int i = open + 1;
        while (i < pattern.Length && pattern[i] != ']')
        {
            char low = pattern[i];
            if (low == '`' && i + 1 < pattern.Length)
            {
                low = pattern[++i];
            }

            char high = low;
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                high = pattern[i + 2];
                i += 2;
            }

            ranges.Append(ignoreCase ? char.ToLowerInvariant(low) : low).Append(ignoreCase ? char.ToLowerInvariant(high) : high);
            i++;
        }

        if (i >= pattern.Length)
        {
            throw new TalosSeccompException(ErrorIds.InvalidWildcardPattern, ErrorKind.InvalidArgument,
                $"The wildcard pattern '{pattern}' has a '[' without a closing ']'. Escape a literal bracket with a backtick (`[).", parameter);
        }

        set = ranges.ToString();
        return i;
    }

    /// <summary>True when <paramref name="text"/> matches the whole pattern.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (_matchesEverything)
        {
            return true;
        }

        if (_exact is not null)
        {
            return text.Equals(_exact, _ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        }

        // Classic glob matching with one backtrack point: every element but '*' consumes exactly one char.
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < _elements.Length && _elements[p].Kind != Op.Star && MatchesOne(_elements[p], text[t], _ignoreCase))
            {
                t++;
                p++;
            }
            else if (p < _elements.Length && _elements[p].Kind == Op.Star)
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < _elements.Length && _elements[p].Kind == Op.Star)
        {
            p++;
        }

        return p == _elements.Length;
    }

    private static bool MatchesOne(in Element element, char c, bool ignoreCase)
    {
        switch (element.Kind)
        {
            case Op.AnyChar:
                return true;
            case Op.Literal:
                return element.Literal == c || (ignoreCase && char.ToLowerInvariant(element.Literal) == char.ToLowerInvariant(c));
            default:
                char lower = ignoreCase ? char.ToLowerInvariant(c) : c;
                string set = element.Set!;
                for (int i = 0; i < set.Length; i += 2)
                {
                    if (lower >= set[i] && lower <= set[i + 1])
                    {
                        return true;
                    }
                }

                return false;
        }
    }
}
