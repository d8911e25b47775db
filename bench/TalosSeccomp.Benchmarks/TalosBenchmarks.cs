using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Benchmarks;

/// <summary>Shared fake endpoint and talosconfig for the Talos client benchmarks.</summary>
public abstract class TalosBenchmarkBase
{
    private string _directory = string.Empty;

    protected FakeTalosServer Server { get; private set; } = null!;

    protected TalosConnectionSettings Settings { get; private set; } = null!;

    protected async Task StartAsync(int nodeCount)
    {
        _directory = Directory.CreateTempSubdirectory("talos-bench-").FullName;
        Server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = nodeCount });
        Settings = TalosConnectionSettings.Resolve(Server.WriteTalosConfig(Path.Combine(_directory, "talosconfig"), nodes: Server.Nodes.Keys));
    }

    protected async Task StopAsync()
    {
        TalosConnectionPool.CloseAll();
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>The first Version call of a fresh process: JIT, TLS handshake (Ed25519) and HTTP/2 setup included.</summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 5, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class TalosFirstCallBenchmarks : TalosBenchmarkBase
{
    [GlobalSetup]
    public Task Setup() => StartAsync(1);

    [GlobalCleanup]
    public Task Cleanup() => StopAsync();

    [Benchmark(Description = "first Get-TalosVersion call in a fresh process")]
    public async Task<string> FirstVersionCall()
    {
        var version = await TalosConnectionPool.GetClient(Settings).VersionAsync(null);
        return version.Version_.Tag;
    }
}

/// <summary>Steady-state latency of sequential Version calls over the session's pooled connection.</summary>
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class TalosSequentialCallBenchmarks : TalosBenchmarkBase
{
    private TalosClient _client = null!;
    private string _node = string.Empty;

    [GlobalSetup]
    public async Task Setup()
    {
        await StartAsync(1);
        _client = TalosConnectionPool.GetClient(Settings);
        _node = Server.Nodes.Keys.First();
        await _client.VersionAsync(_node);
    }

    [GlobalCleanup]
    public Task Cleanup() => StopAsync();

    [Benchmark(OperationsPerInvoke = 1000, Description = "1000 sequential Version calls, one session (per call)")]
    public async Task ThousandSequentialCalls()
    {
        for (var i = 0; i < 1000; i++)
        {
            await _client.VersionAsync(_node);
        }
    }
}

/// <summary>One Version call fanned out to 50 virtual nodes that each take 100 ms.</summary>
[SimpleJob(warmupCount: 1, iterationCount: 5)]
public class TalosFanOutBenchmarks : TalosBenchmarkBase
{
    private TalosClient _client = null!;
    private List<string?> _nodes = new();

    [Params(16, 50)]
    public int ThrottleLimit { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        await StartAsync(50);
        foreach (var node in Server.Nodes.Values)
        {
            node.Latency = TimeSpan.FromMilliseconds(100);
        }

        _nodes = Server.Nodes.Keys.Cast<string?>().ToList();
        _client = TalosConnectionPool.GetClient(Settings);
        await _client.VersionAsync(null);
    }

    [GlobalCleanup]
    public Task Cleanup() => StopAsync();

    [Benchmark(Description = "Version on 50 nodes × 100 ms latency")]
    public async Task<int> FanOutToFiftyNodes()
    {
        var results = await TalosNodeFanOut.RunAllAsync(_nodes, (node, ct) => _client.VersionAsync(node, ct), ThrottleLimit);
        return results.Count(r => r.Succeeded);
    }
}
