using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using TalosSeccomp.Audit;
using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Commands.Completers;

/// <summary>Completes seccomp actions: the short names (Allow, Errno, ...) then the SCMP_ACT_* spellings.</summary>
public sealed class SeccompActionCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Complete(wordToComplete, SeccompAction.ShortNames.Zip(SeccompAction.All, (s, a) => (s, a)).Concat(SeccompAction.All.Select(a => (a, a))));
}

/// <summary>Completes argument comparison operators.</summary>
public sealed class SeccompOperatorCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Complete(wordToComplete, SeccompOperator.LongNames.Zip(SeccompOperator.All, (s, a) => (s, a)).Concat(SeccompOperator.All.Select(a => (a, a))));
}

/// <summary>Completes seccomp filter flags.</summary>
public sealed class SeccompFilterFlagCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Complete(wordToComplete, SeccompFilterFlag.ShortNames.Zip(SeccompFilterFlag.All, (s, a) => (s, a)));
}

/// <summary>Completes seccomp audit action names (KillProcess, Errno, Log, …).</summary>
public sealed class SeccompAuditActionCompleter : IArgumentCompleter
{
    /// <summary>Returns the action names that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Complete(wordToComplete, Enum.GetNames<SeccompAuditAction>());
}
