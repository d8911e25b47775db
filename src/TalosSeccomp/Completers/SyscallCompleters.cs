using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Commands.Completers;

/// <summary>Completes architecture names: libseccomp names, or SCMP_ARCH_* names once the word starts with
/// SCMP.</summary>
public sealed class SeccompArchitectureCompleter : IArgumentCompleter
{
    /// <summary>Returns the architectures whose name matches the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var scmp = Completion.Unquote(wordToComplete).StartsWith("SCMP", StringComparison.OrdinalIgnoreCase);
        return Completion.Complete(wordToComplete, SyscallTables.Architectures.Select(a =>
            (scmp ? a.ScmpName : a.Name, $"{a.ScmpName} (AUDIT_ARCH {a.AuditArchHex})")));
    }
}

/// <summary>Completes syscall names known on the architectures already given with -Architecture (default: x86_64 and
/// aarch64).</summary>
public sealed class SyscallNameCompleter : IArgumentCompleter
{
    /// <summary>Returns the syscall names that match the word typed so far, with their numbers as tooltips.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var architectures = BoundArchitectures(fakeBoundParameters);
        var numbers = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var architecture in architectures)
        {
            foreach (var syscall in SyscallTables.GetSyscalls(architecture.Name))
            {
                if (!numbers.TryGetValue(syscall.Name, out var list))
                {
                    numbers[syscall.Name] = list = [];
                }

                list.Add($"{architecture.Name} {syscall.Number.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        return Completion.Complete(wordToComplete, numbers.Select(n => (n.Key, string.Join(", ", n.Value))));
    }

    private static List<SeccompArchitecture> BoundArchitectures(IDictionary fakeBoundParameters)
    {
        var bound = fakeBoundParameters?["Architecture"] ?? fakeBoundParameters?["Arch"];
        List<string> values = bound switch
        {
            null => [],
            string single => [single],
            IEnumerable many => many.Cast<object?>().Select(o => o?.ToString() ?? "").ToList(),
            _ => [bound.ToString() ?? ""],
        };

        var architectures = ArchitectureArgument.Expand(values);
        return architectures.Count > 0 ? architectures : [.. SyscallTables.TalosArchitectures];
    }
}
