using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Commands.Completers;

/// <summary>Shared prefix matching and quoting for the completers below.</summary>
internal static class Completion
{
    internal static IEnumerable<CompletionResult> Match(string wordToComplete, IEnumerable<(string Value, string Tooltip)> candidates)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return candidates
            .Where(c => c.Value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(c.Value, c.Value, CompletionResultType.ParameterValue, c.Tooltip));
    }
}

/// <summary>Completes seccomp actions: the short names (Allow, Errno, ...) then the SCMP_ACT_* spellings.</summary>
public sealed class SeccompActionCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Match(wordToComplete, SeccompAction.ShortNames.Zip(SeccompAction.All, (s, a) => (s, a)).Concat(SeccompAction.All.Select(a => (a, a))));
}

/// <summary>Completes argument comparison operators.</summary>
public sealed class SeccompOperatorCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Match(wordToComplete, SeccompOperator.LongNames.Zip(SeccompOperator.All, (s, a) => (s, a)).Concat(SeccompOperator.All.Select(a => (a, a))));
}

/// <summary>Completes seccomp filter flags.</summary>
public sealed class SeccompFilterFlagCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Match(wordToComplete, SeccompFilterFlag.ShortNames.Zip(SeccompFilterFlag.All, (s, a) => (s, a)));
}
