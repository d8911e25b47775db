using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TalosSeccomp.Talos;

/// <summary>The outcome of one call on one node, tagged client-side like talosctl's multiplexer.</summary>
/// <typeparam name="T">The call's result type.</typeparam>
/// <param name="Node">The node (null = the endpoint's own node).</param>
/// <param name="Value">The result when the call succeeded.</param>
/// <param name="Error">The failure (a TalosSeccompException for anticipated ones) when it did not.</param>
public sealed record NodeResult<T>(string? Node, T? Value, Exception? Error)
{
    /// <summary>True when <see cref="Error"/> is null.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>
/// Runs one call per node concurrently (at most <c>throttleLimit</c> at a time) and yields each node's
/// result as it completes. A failing node yields a result with its error and does not affect the others;
/// cancellation stops everything.
/// </summary>
public static class TalosNodeFanOut
{
    /// <summary>Runs <paramref name="call"/> for every node; results arrive in completion order.</summary>
    /// <param name="nodes">Target nodes (null = the endpoint's own node).</param>
    /// <param name="call">The per-node call.</param>
    /// <param name="throttleLimit">Maximum calls in flight.</param>
    /// <param name="cancellationToken">Cancels every call.</param>
    public static async IAsyncEnumerable<NodeResult<T>> RunAsync<T>(IEnumerable<string?> nodes, Func<string?, CancellationToken, Task<T>> call,
        int throttleLimit = 16, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throttleLimit, 1);
        var targets = nodes.ToList();
        var results = Channel.CreateUnbounded<NodeResult<T>>();
        using var throttle = new SemaphoreSlim(throttleLimit);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task RunOne(string? node)
        {
            await throttle.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                var value = await call(node, stop.Token).ConfigureAwait(false);
                results.Writer.TryWrite(new NodeResult<T>(node, value, null));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                results.Writer.TryWrite(new NodeResult<T>(node, default, ex));
            }
            finally
            {
                throttle.Release();
            }
        }

        // Started in order: the throttle queues waiters first come, first served, so a limit of 1 keeps node order.
        var all = Task.WhenAll(targets.Select(RunOne).ToList());
        _ = all.ContinueWith(_ => results.Writer.TryComplete(), TaskScheduler.Default);

        try
        {
            for (var received = 0; received < targets.Count; received++)
            {
                NodeResult<T> result;
                try
                {
                    result = await results.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    break;
                }

                yield return result;
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                await all.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Runs <paramref name="call"/> for every node and returns the results in the order of <paramref name="nodes"/>.</summary>
    public static async Task<IReadOnlyList<NodeResult<T>>> RunAllAsync<T>(IEnumerable<string?> nodes, Func<string?, CancellationToken, Task<T>> call,
        int throttleLimit = 16, CancellationToken cancellationToken = default)
    {
        var targets = nodes.ToList();
        var byNode = new List<NodeResult<T>>(targets.Count);
        await foreach (var result in RunAsync(targets, call, throttleLimit, cancellationToken).ConfigureAwait(false))
        {
            byNode.Add(result);
        }

        // Duplicated node names each get their own result, in order.
        return targets.Select(n =>
        {
            var match = byNode.First(r => r.Node == n);
            byNode.Remove(match);
            return match;
        }).ToList();
    }
}
