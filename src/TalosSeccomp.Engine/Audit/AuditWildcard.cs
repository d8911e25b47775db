using TalosSeccomp.Errors;

namespace TalosSeccomp.Audit;

/// <summary>
/// A PowerShell-style wildcard pattern (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c>, backtick escapes),
/// matched case-insensitively against spans. The engine has no PowerShell, so WildcardPattern is not
/// available here; this is compiled once per filter and allocates nothing per match.
/// </summary>
internal sealed class AuditWildcard
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

    private AuditWildcard(string pattern, Element[] elements)
    {
        Pattern = pattern;
        _elements = elements;
        _matchesEverything = elements.Length > 0 && elements.All(e => e.Kind == Op.Star);
        if (elements.All(e => e.Kind == Op.Literal))
        {
            _exact = new string(elements.Select(e => e.Literal).ToArray());
        }
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>Compiles a pattern; an unclosed <c>[</c> is an InvalidWildcardPattern error naming <paramref name="parameter"/>.</summary>
    public static AuditWildcard Compile(string pattern, string parameter)
    {
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
                    i = ParseSet(pattern, i, parameter, out var set);
                    elements.Add(new Element(Op.Set, set: set));
                    break;
                default:
                    elements.Add(new Element(Op.Literal, c));
                    break;
            }
        }

        return new AuditWildcard(pattern, elements.ToArray());
    }

    private static int ParseSet(string pattern, int open, string parameter, out string set)
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

            ranges.Append(char.ToLowerInvariant(low)).Append(char.ToLowerInvariant(high));
            i++;
        }

        if (i >= pattern.Length)
        {
            throw new TalosSeccompException("InvalidWildcardPattern", ErrorKind.InvalidArgument,
                $"The wildcard pattern '{pattern}' has a '[' without a closing ']'. Escape a literal bracket with a backtick (`[).", parameter);
        }

        set = ranges.ToString();
        return i;
    }

    /// <summary>True when <paramref name="text"/> matches the whole pattern, ignoring case.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (_matchesEverything)
        {
            return true;
        }

        if (_exact is not null)
        {
            return text.Equals(_exact, StringComparison.OrdinalIgnoreCase);
        }

        // Classic glob matching with one backtrack point: every element but '*' consumes exactly one char.
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < _elements.Length && _elements[p].Kind != Op.Star && MatchesOne(_elements[p], text[t]))
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

    private static bool MatchesOne(in Element element, char c)
    {
        switch (element.Kind)
        {
            case Op.AnyChar:
                return true;
            case Op.Literal:
                return element.Literal == c || char.ToLowerInvariant(element.Literal) == char.ToLowerInvariant(c);
            default:
                char lower = char.ToLowerInvariant(c);
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
