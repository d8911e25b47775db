using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands;

/// <summary>Completes <c>-Context</c> with the context names of the talosconfig in use.</summary>
public sealed class TalosContextCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        TalosCompletion.Complete(wordToComplete, TalosCompletion.TryLoad(fakeBoundParameters)?.Contexts.Keys ?? Enumerable.Empty<string>());
}

/// <summary>Completes <c>-Node</c> with the nodes (and endpoint hosts) of the selected talosconfig context.</summary>
public sealed class TalosNodeCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var file = TalosCompletion.TryLoad(fakeBoundParameters);
        var contextName = fakeBoundParameters["Context"] as string ?? file?.CurrentContext;
        if (file is null || contextName is null || !file.Contexts.TryGetValue(contextName, out var context))
        {
            return Enumerable.Empty<CompletionResult>();
        }

        return TalosCompletion.Complete(wordToComplete, context.Nodes.Concat(context.Endpoints.Select(e =>
        {
            try
            {
                return TalosEndpoint.Parse(e).Host;
            }
            catch (TalosSeccomp.Errors.TalosSeccompException)
            {
                return e;
            }
        })));
    }
}

internal static class TalosCompletion
{
    internal static TalosConfigFile? TryLoad(IDictionary fakeBoundParameters)
    {
        try
        {
            return TalosConfigFile.Load(fakeBoundParameters["TalosConfig"] as string);
        }
        catch (TalosSeccomp.Errors.TalosSeccompException)
        {
            return null; // completion never reports errors
        }
    }

    internal static IEnumerable<CompletionResult> Complete(string wordToComplete, IEnumerable<string> candidates)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return candidates.Distinct(StringComparer.Ordinal).Where(pattern.IsMatch).Order(StringComparer.Ordinal)
            .Select(c => new CompletionResult(c.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', ',' }) >= 0 ? $"'{c.Replace("'", "''", StringComparison.Ordinal)}'" : c,
                c, CompletionResultType.ParameterValue, c));
    }
}
