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
    internal static TalosConnectionInfo? TryResolve(IDictionary fakeBoundParameters)
    {
        try
        {
            var bound = Unwrap(fakeBoundParameters["Connection"]) as TalosConnectionInfo;
            var config = Unwrap(fakeBoundParameters["TalosConfig"]) as string;
            var connection = bound
                ?? (!string.IsNullOrWhiteSpace(config) ? TalosConnectionInfo.FromFile(TalosConfigFile.Locate(ResolvePath(config))) : null)
                ?? TalosSessionConnection.Current
                ?? TalosConnectionInfo.FromFile(null);
            var endpoints = Unwrap(fakeBoundParameters["Endpoint"]) switch
            {
                string one => new[] { one },
                IEnumerable many => many.Cast<object?>().Select(o => Unwrap(o)?.ToString() ?? string.Empty).Where(e => e.Length > 0).ToArray(),
                _ => null,
            };
            return connection.With(Unwrap(fakeBoundParameters["Context"]) as string, endpoints);
        }
        catch (Exception ex) when (ex is TalosSeccompException or PSInvalidOperationException or RuntimeException or ArgumentException)
        {
            return null;
        }
    }

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

        var file = CompletionConnection.TryResolve(others);
        return Completion.Complete(wordToComplete, file?.GetContextNames() ?? Array.Empty<string>());
    }
}

/// <summary>Completes <c>-Node</c> with the nodes (and endpoint hosts) of the connection in use.</summary>
public sealed class TalosNodeCompleter : IArgumentCompleter
{
    /// <summary>Returns the connection's nodes and endpoint hosts that match the word typed so far.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var connection = CompletionConnection.TryResolve(fakeBoundParameters);
        if (connection is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        var hosts = connection.GetSettings().Endpoints.Select(e => e.Host);
        return Completion.Complete(wordToComplete, connection.DefaultNodes.Concat(hosts).Order(StringComparer.Ordinal));
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
