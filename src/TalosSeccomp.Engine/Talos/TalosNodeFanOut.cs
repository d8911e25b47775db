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
    /// <summary>True when the call ran and <see cref="Error"/> is null.</summary>
    public bool Succeeded => Error is null && !NotStarted;

    /// <summary>
    /// True when the call was never made because the run was told to start no more calls (the <c>stopStarting</c>
    /// token of <see cref="TalosNodeFanOut.RunInOrderAsync{T}"/>), e.g. after a failure under -ErrorAction Stop.
    /// </summary>
    public bool NotStarted { get; init; }
}

/// <summary>
/// Runs one call per node concurrently (at most <c>throttleLimit</c> at a time). A failing node yields a result with
/// its error and does not affect the others; cancellation stops everything.
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
        var targets = nodes.ToList();
        await foreach (var (_, result) in RunCoreAsync(targets, (_, node, ct) => call(node, ct), throttleLimit, inOrder: false, default, cancellationToken)
            .ConfigureAwait(false))
        {
            yield return result;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> for every node and yields the results in the order of <paramref name="nodes"/>: each
    /// as soon as its call and the calls of every node before it are done (a slow first node holds back the others'
    /// results, never their calls).
    /// </summary>
    /// <param name="nodes">Target nodes (null = the endpoint's own node); duplicates each get their own call.</param>
    /// <param name="call">The per-node call, given the node's position in <paramref name="nodes"/> and the node.</param>
    /// <param name="throttleLimit">Maximum calls in flight.</param>
    /// <param name="stopStarting">
    /// Once cancelled, no further call starts (calls in flight run to their end); the nodes not started yet are yielded
    /// with <see cref="NodeResult{T}.NotStarted"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels every call.</param>
    public static async IAsyncEnumerable<NodeResult<T>> RunInOrderAsync<T>(IEnumerable<string?> nodes, Func<int, string?, CancellationToken, Task<T>> call,
        int throttleLimit = 16, CancellationToken stopStarting = default, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var targets = nodes.ToList();
        await foreach (var (_, result) in RunCoreAsync(targets, call, throttleLimit, inOrder: true, stopStarting, cancellationToken).ConfigureAwait(false))
        {
            yield return result;
        }
    }

    /// <summary>Runs <paramref name="call"/> for every node and returns the results in the order of <paramref name="nodes"/>.</summary>
    public static async Task<IReadOnlyList<NodeResult<T>>> RunAllAsync<T>(IEnumerable<string?> nodes, Func<string?, CancellationToken, Task<T>> call,
        int throttleLimit = 16, CancellationToken cancellationToken = default)
    {
        var results = new List<NodeResult<T>>();
        await foreach (var result in RunInOrderAsync(nodes, (_, node, ct) => call(node, ct), throttleLimit, default, cancellationToken).ConfigureAwait(false))
        {
            results.Add(result);
        }

        return results;
    }

    private static async IAsyncEnumerable<(int Index, NodeResult<T> Result)> RunCoreAsync<T>(IReadOnlyList<string?> targets,
        Func<int, string?, CancellationToken, Task<T>> call, int throttleLimit, bool inOrder, CancellationToken stopStarting,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throttleLimit, 1);
        var results = Channel.CreateUnbounded<(int, NodeResult<T>)>();
        using var throttle = new SemaphoreSlim(throttleLimit);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var noMoreStarts = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, stopStarting);

        async Task RunOne(int index)
        {
            var node = targets[index];
            try
            {
                await throttle.WaitAsync(noMoreStarts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                results.Writer.TryWrite((index, new NodeResult<T>(node, default, null) { NotStarted = true }));
                return;
            }

            try
            {
                if (stopStarting.IsCancellationRequested && !stop.IsCancellationRequested)
                {
                    // Got the slot in the same instant the run was told to stop starting calls.
                    results.Writer.TryWrite((index, new NodeResult<T>(node, default, null) { NotStarted = true }));
                    return;
                }

                var value = await call(index, node, stop.Token).ConfigureAwait(false);
                results.Writer.TryWrite((index, new NodeResult<T>(node, value, null)));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                results.Writer.TryWrite((index, new NodeResult<T>(node, default, ex)));
            }
            finally
            {
                throttle.Release();
            }
        }

        // Started in order: the throttle queues waiters first come, first served, so a limit of 1 keeps node order.
        var all = Task.WhenAll(Enumerable.Range(0, targets.Count).Select(RunOne).ToList());
        _ = all.ContinueWith(_ => results.Writer.TryComplete(), TaskScheduler.Default);

        // In-order mode holds results that overtook an earlier node until that node is done.
        var held = new Dictionary<int, NodeResult<T>>();
        var next = 0;
        try
        {
            for (var received = 0; received < targets.Count; received++)
            {
                (int Index, NodeResult<T> Result) arrived;
                try
                {
                    arrived = await results.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    break;
                }

                if (!inOrder)
                {
                    yield return arrived;
                    continue;
                }

                held[arrived.Index] = arrived.Result;
                while (held.Remove(next, out var ready))
                {
                    yield return (next, ready);
                    next++;
                }
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
}
