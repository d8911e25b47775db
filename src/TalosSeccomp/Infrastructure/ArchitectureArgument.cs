using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Turns the values of an -Architecture parameter into architectures: names, SCMP_ARCH_* names, aliases and
/// wildcards (matched against names and SCMP names); nothing given means the Talos architectures.
/// </summary>
internal static class ArchitectureArgument
{
    /// <summary>
    /// The distinct architectures the values name, in the order named. A literal value that is no architecture is
    /// passed to <paramref name="unknown"/> as an <c>UnknownArchitecture</c> error (or skipped when it is null); a
    /// wildcard that matches nothing selects nothing.
    /// </summary>
    internal static List<SeccompArchitecture> Expand(IEnumerable<string>? values, Action<TalosSeccompException>? unknown = null)
    {
        var given = values?.ToList() ?? [];
        if (given.Count == 0)
        {
            return [.. SyscallTables.TalosArchitectures];
        }

        var result = new List<SeccompArchitecture>();
        foreach (var value in given)
        {
            if (WildcardPattern.ContainsWildcardCharacters(value))
            {
                WildcardPattern pattern;
                try
                {
                    pattern = Pattern(value, "Architecture");
                }
                catch (TalosSeccompException ex)
                {
                    unknown?.Invoke(ex);
                    continue;
                }

                result.AddRange(SyscallTables.Architectures.Where(a => pattern.IsMatch(a.Name) || pattern.IsMatch(a.ScmpName)));
            }
            else
            {
                try
                {
                    result.Add(SyscallTables.GetArchitecture(value));
                }
                catch (TalosSeccompException ex)
                {
                    unknown?.Invoke(ex);
                }
            }
        }

        return result.Distinct().ToList();
    }

    /// <summary>
    /// A case-insensitive wildcard pattern, checked now: PowerShell only parses a pattern when it first matches, and a
    /// malformed one (an unclosed <c>[</c>) then throws a bare WildcardPatternException.
    /// </summary>
    /// <exception cref="TalosSeccompException"><c>InvalidWildcardPattern</c> (InvalidArgument) naming <paramref name="parameter"/>.</exception>
    internal static WildcardPattern Pattern(string value, string parameter)
    {
        var pattern = new WildcardPattern(value, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        try
        {
            pattern.IsMatch(string.Empty);
            return pattern;
        }
        catch (WildcardPatternException ex)
        {
            throw new TalosSeccompException("InvalidWildcardPattern", ErrorKind.InvalidArgument,
                $"-{parameter} '{value}' is not a valid wildcard pattern: a '[' needs a closing ']'. Escape a literal bracket with a backtick (`[) or use a name without brackets.", value, ex);
        }
    }
}
