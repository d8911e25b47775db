using System.Text;
using System.Text.RegularExpressions;
using TalosSeccomp.Errors;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// A profile-name pattern with PowerShell wildcard syntax: <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c> and the
/// backtick escape. Matching is case-sensitive, like the Linux file names the profiles become (and like
/// <c>WildcardPattern</c> without <c>IgnoreCase</c>), so removing <c>Audit.json</c> never touches <c>audit.json</c>.
/// </summary>
public sealed class ProfileNamePattern
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>. Throws <see cref="TalosSeccompException"/> <c>InvalidWildcardPattern</c> for an unclosed <c>[</c>.</summary>
    public ProfileNamePattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        _regex = new Regex(ToRegex(pattern), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>True when the pattern contains unescaped wildcard characters.</summary>
    public bool HasWildcards => Pattern.Any(c => c is '*' or '?' or '[');

    /// <summary>True when <paramref name="name"/> matches the whole pattern.</summary>
    public bool IsMatch(string name) => _regex.IsMatch(name);

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                {
                    var close = FindClose(pattern, i + 1);
                    if (close < 0)
                    {
                        throw new TalosSeccompException("InvalidWildcardPattern", ErrorKind.InvalidArgument, $"The name pattern '{pattern}' has a '[' without a matching ']'.", pattern);
                    }

                    sb.Append('[');
                    for (var j = i + 1; j < close; j++)
                    {
                        var member = pattern[j];
                        if (member == '`' && j + 1 < close)
                        {
                            member = pattern[++j];
                            sb.Append('\\').Append(member);
                        }
                        else if (member == '-' && j > i + 1 && j < close - 1)
                        {
                            sb.Append('-');
                        }
                        else
                        {
                            sb.Append(member is '\\' or ']' or '[' or '^' or '-' ? "\\" + member : member.ToString());
                        }
                    }

                    sb.Append(']');
                    i = close;
                    break;
                }

                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return sb.Append('$').ToString();
    }

    private static int FindClose(string pattern, int from)
    {
        for (var j = from; j < pattern.Length; j++)
        {
            if (pattern[j] == '`')
            {
                j++;
            }
            else if (pattern[j] == ']' && j > from)
            {
                return j;
            }
        }

        return -1;
    }
}
