using TalosSeccomp.Errors;
using TalosSeccomp.Syscalls;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Turns the values of an -Architecture parameter into architectures: names, SCMP_ARCH_* names, aliases and
/// wildcards (matched against names and SCMP names); nothing given means the Talos architectures.
/// </summary>
internal static class ArchitectureArgument
{
    /// <summary>
    /// The distinct architectures the values name, in the order named. A literal value that is no architecture is
    /// passed to <paramref name="unknown"/> as an <c>UnknownArchitecture</c> error, an unclosed bracket as an
    /// <c>InvalidWildcardPattern</c> error (both skipped when it is null); a wildcard that matches nothing selects
    /// nothing.
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
            Wildcard pattern;
            try
            {
                pattern = Wildcard.Compile(value, ignoreCase: true, target: value);
            }
            catch (TalosSeccompException ex)
            {
                unknown?.Invoke(ex);
                continue;
            }

            if (pattern.HasWildcards)
            {
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
}
