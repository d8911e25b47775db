using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Completers;

/// <summary>Completes <c>-Context</c> with the context names of the talosconfig in use.</summary>
public sealed class TalosContextCompleter : IArgumentCompleter
{
    /// <summary>Returns the context names that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Complete(wordToComplete, (TryLoad(fakeBoundParameters)?.Contexts.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal));

    /// <summary>The talosconfig the command line names (or the default one), or null when it cannot be read.</summary>
    internal static TalosConfigFile? TryLoad(IDictionary fakeBoundParameters)
    {
        try
        {
            return TalosConfigFile.Load(fakeBoundParameters["TalosConfig"] as string);
        }
        catch (TalosSeccompException)
        {
            return null; // completion never reports errors
        }
    }
}

/// <summary>Completes <c>-Node</c> with the nodes (and endpoint hosts) of the selected talosconfig context.</summary>
public sealed class TalosNodeCompleter : IArgumentCompleter
{
    /// <summary>Returns the context's nodes and endpoint hosts that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var file = TalosContextCompleter.TryLoad(fakeBoundParameters);
        var contextName = fakeBoundParameters["Context"] as string ?? file?.CurrentContext;
        if (file is null || contextName is null || !file.Contexts.TryGetValue(contextName, out var context))
        {
            return Enumerable.Empty<CompletionResult>();
        }

        return Completion.Complete(wordToComplete, context.Nodes.Concat(context.Endpoints.Select(EndpointHost)).Order(StringComparer.Ordinal));
    }

    private static string EndpointHost(string endpoint)
    {
        try
        {
            return TalosEndpoint.Parse(endpoint).Host;
        }
        catch (TalosSeccompException)
        {
            return endpoint;
        }
    }
}
