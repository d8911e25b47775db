using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>The fan-out's ordering and its stop-starting rule (what -ErrorAction Stop builds on), without a node.</summary>
public sealed class TalosNodeFanOutTests
{
    private static readonly string?[] Nodes = ["n1", "n2", "n3"];

    [Fact]
    public async Task ResultsComeInNodeOrderEachOnceEveryEarlierNodeIsDone()
    {
        var gates = Nodes.ToDictionary(n => n!, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        var finished = new List<string>();
        var results = TalosNodeFanOut.RunInOrderAsync(Nodes, async (_, node, ct) =>
        {
            var value = await gates[node!].Task.WaitAsync(ct);
            lock (finished)
            {
                finished.Add(node!);
            }

            return value;
        }).GetAsyncEnumerator();

        var first = results.MoveNextAsync().AsTask();
        gates["n3"].SetResult("three");
        gates["n2"].SetResult("two");
        await WaitUntil(() => finished.Count == 2);
        await Task.Delay(100);
        Assert.False(first.IsCompleted, "n2 and n3 finished first, but n1 comes first");

        gates["n1"].SetResult("one");
        var order = new List<string?>();
        Assert.True(await first);
        order.Add(results.Current.Value);
        while (await results.MoveNextAsync())
        {
            order.Add(results.Current.Value);
        }

        Assert.Equal(["one", "two", "three"], order);
        Assert.Equal("n1", finished[^1]);
    }

    [Fact]
    public async Task StopStartingLetsCallsInFlightFinishAndStartsNoOther()
    {
        using var stopStarting = new CancellationTokenSource();
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new List<int>();
        var results = new List<NodeResult<int>>();
        await foreach (var result in TalosNodeFanOut.RunInOrderAsync(["n1", "n2", "n3", "n4", "n5"], async (index, _, ct) =>
        {
            lock (started)
            {
                started.Add(index);
            }

            if (index == 0)
            {
                // n1 fails while n2 is in flight: the caller stops starting calls, as under -ErrorAction Stop.
                await secondStarted.Task.WaitAsync(ct);
                stopStarting.Cancel();
                inFlight.SetResult();
                throw new InvalidOperationException("n1 failed");
            }

            secondStarted.TrySetResult();
            await inFlight.Task.WaitAsync(ct);
            await Task.Delay(50, ct);
            return index;
        }, throttleLimit: 2, stopStarting: stopStarting.Token))
        {
            results.Add(result);
        }

        Assert.Equal(["n1", "n2", "n3", "n4", "n5"], results.Select(r => r.Node));
        Assert.Equal([0, 1], started.Order());
        Assert.IsType<InvalidOperationException>(results[0].Error);
        Assert.True(results[1].Succeeded);
        Assert.Equal(1, results[1].Value);
        Assert.All(results.Skip(2), r => Assert.True(r.NotStarted && !r.Succeeded && r.Error is null));
    }

    [Fact]
    public async Task RunAllKeepsDuplicatedNodesApartInOrder()
    {
        var calls = 0;
        var results = await TalosNodeFanOut.RunAllAsync(["a", "b", "a"], async (node, _) =>
        {
            var call = Interlocked.Increment(ref calls);
            await Task.Delay(node == "a" && call == 1 ? 80 : 0);
            return call;
        });

        Assert.Equal(["a", "b", "a"], results.Select(r => r.Node));
        Assert.Equal(3, results.Select(r => r.Value).Distinct().Count());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
