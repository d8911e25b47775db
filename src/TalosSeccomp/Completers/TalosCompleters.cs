using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Deployment;

namespace TalosSeccomp.Commands.Completers;

/// <summary>
/// The connection a command line would use, for completers: -Connection, else -TalosConfig (relative to the current
/// PowerShell location, as the cmdlet resolves it), else the session's connection from Connect-Talos, else the default
/// talosconfig; then -Context and -Endpoint. Null when none can be read: completion never reports errors.
/// </summary>
internal static class CompletionConnection
{
    /// <summary>
    /// What the command line names without decoding credentials: the talosconfig file (-TalosConfig or the default),
    /// or a connection object (-Connection or the session's). Context and node completion need no more, and work with
    /// a talosconfig whose credentials are missing.
    /// </summary>
    internal static (TalosConfigFile? File, TalosConnectionInfo? Connection) TrySource(IDictionary fakeBoundParameters)
    {
        try
        {
            if (Unwrap(fakeBoundParameters["Connection"]) is TalosConnectionInfo bound)
            {
                return (null, bound);
            }

            if (Unwrap(fakeBoundParameters["TalosConfig"]) is string { Length: > 0 } config)
            {
                return (TalosConfigFile.Load(TalosConfigFile.Locate(ResolvePath(config))), null);
            }

            return TalosSessionConnection.Current is { } session ? (null, session) : (TalosConfigFile.Load(), null);
        }
        catch (Exception ex) when (ex is TalosSeccompException or RuntimeException or ArgumentException)
        {
            return (null, null);
        }
    }

    /// <summary>The full connection (credentials decoded), with -Context and -Endpoint applied; null when none.</summary>
    internal static TalosConnectionInfo? TryResolve(IDictionary fakeBoundParameters)
    {
        var (file, connection) = TrySource(fakeBoundParameters);
        try
        {
            var context = ContextOf(fakeBoundParameters);
            var endpoints = EndpointsOf(fakeBoundParameters);
            return connection?.With(context, endpoints) ?? (file is null ? null : TalosConnectionInfo.FromConfig(file, context, endpoints));
        }
        catch (TalosSeccompException)
        {
            return null;
        }
    }

    internal static string? ContextOf(IDictionary fakeBoundParameters) => Unwrap(fakeBoundParameters["Context"]) as string;

    internal static string[]? EndpointsOf(IDictionary fakeBoundParameters) => Unwrap(fakeBoundParameters["Endpoint"]) switch
    {
        string one => [one],
        IEnumerable many => many.Cast<object?>().Select(o => Unwrap(o)?.ToString() ?? string.Empty).Where(e => e.Length > 0).ToArray(),
        _ => null,
    };

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    private static string? ResolvePath(string value)
    {
        // The completer runs on the pipeline thread of the runspace that completes, so an unbound script block runs in
        // the user's session state: the current location is Get-Location's, not the process's working directory.
        // (Runspace.SessionStateProxy refuses while the completion pipeline runs.)
        var path = ScriptBlock.Create("$ExecutionContext.SessionState.Path").Invoke().Select(o => o?.BaseObject).OfType<PathIntrinsics>().FirstOrDefault();
        return path is null ? Path.GetFullPath(value) : TalosConfigPath.Resolve(value, path);
    }
}

/// <summary>Completes <c>-Context</c> with the context names of the talosconfig in use.</summary>
public sealed class TalosContextCompleter : IArgumentCompleter
{
    /// <summary>Returns the context names that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // The context being typed must not narrow the connection to itself.
        var others = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in fakeBoundParameters)
        {
            if (!string.Equals(entry.Key as string, "Context", StringComparison.OrdinalIgnoreCase))
            {
                others[entry.Key] = entry.Value;
            }
        }

        var (file, connection) = CompletionConnection.TrySource(others);
        var names = file?.Contexts.Keys.Order(StringComparer.Ordinal).ToList() ?? connection?.GetContextNames() ?? [];
        return Completion.Complete(wordToComplete, names);
    }
}

/// <summary>Completes <c>-Node</c> with the nodes (and endpoint hosts) of the connection in use.</summary>
public sealed class TalosNodeCompleter : IArgumentCompleter
{
    /// <summary>Returns the connection's nodes and endpoint hosts that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (file, connection) = CompletionConnection.TrySource(fakeBoundParameters);
        var contextName = CompletionConnection.ContextOf(fakeBoundParameters);
        if (file is not null)
        {
            contextName ??= file.CurrentContext;
            if (contextName is null || !file.Contexts.TryGetValue(contextName, out var context))
            {
                return Enumerable.Empty<CompletionResult>();
            }

            return Completion.Complete(wordToComplete, context.Nodes.Concat(context.Endpoints.Select(EndpointHost)).Order(StringComparer.Ordinal));
        }

        try
        {
            var chosen = connection?.With(contextName);
            return chosen is null ? Enumerable.Empty<CompletionResult>()
                : Completion.Complete(wordToComplete, chosen.DefaultNodes.Concat(chosen.Endpoints.Select(EndpointHost)).Order(StringComparer.Ordinal));
        }
        catch (TalosSeccompException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
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

/// <summary>
/// Completes <c>-Name</c> of the profile cmdlets with the profile names on the node the command line targets (the
/// first -Node, else the connection's first node, else the endpoint's own node), asked over the connection the command
/// would use with a short deadline. Nothing when the node cannot be asked in time.
/// </summary>
public sealed class TalosSeccompProfileNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    /// <summary>Returns the node's profile names that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var connection = CompletionConnection.TryResolve(fakeBoundParameters);
        if (connection is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        var node = fakeBoundParameters["Node"] switch
        {
            string one => one,
            IEnumerable many => many.Cast<object?>().Select(o => (o is PSObject p ? p.BaseObject : o)?.ToString()).FirstOrDefault(),
            _ => null,
        } ?? connection.DefaultNodes.FirstOrDefault();
        try
        {
            using var timeout = new CancellationTokenSource(Deadline);
            var client = new TalosClient(TalosConnectionPool.Get(connection.GetSettings()), Deadline);
            var profiles = Task.Run(() => NodeSeccompProfiles.ListAsync(client, node, node ?? connection.GetSettings().Endpoints[0].Host, null, timeout.Token))
                .WaitAsync(Deadline + TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
            return Completion.Complete(wordToComplete, profiles.Select(p => (p.Name, $"{p.Name} on {p.Node}")));
        }
        catch (Exception ex) when (ex is TalosSeccompException or OperationCanceledException or TimeoutException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
    }
}
