using System.Net;
using System.Net.Sockets;
using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>TLS verification in both directions, key types, failover, fan-out, deadlines and cancellation against fake nodes.</summary>
public sealed class TalosTransportTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("talos-transport-").FullName;
    private FakeTalosServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 3 });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string Config(string name, FakeClientIdentity? identity = null, IEnumerable<string>? endpoints = null, string? caPem = null)
    {
        var path = Path.Combine(_directory, name);
        identity ??= _server.Pki.Admin;
        var ca = caPem ?? _server.Pki.CaCertificatePem;
        var endpointList = string.Join(", ", endpoints ?? new[] { _server.Endpoint });
        File.WriteAllText(path, $"""
            context: t
            contexts:
              t:
                endpoints: [{endpointList}]
                nodes: [{string.Join(", ", _server.Nodes.Keys)}]
                ca: {B64(ca)}
                crt: {B64(identity.CertificatePem)}
                key: {B64(identity.KeyPem)}

            """);
        return path;
    }

    [Theory]
    [InlineData("EcdsaP256")]
    [InlineData("Rsa2048")]
    public async Task EcdsaAndRsaClientKeysWork(string algorithm)
    {
        var identity = _server.IssueClientIdentity(new FakeClientIdentityOptions { KeyAlgorithm = algorithm });
        var client = FakeTalosFixture.NewClient(Config(algorithm, identity));

        var version = await client.VersionAsync(_server.Nodes.Keys.First());

        Assert.Equal("v1.11.5", version.Version_.Tag);
    }

    [Theory]
    [InlineData("EcdsaP256")]
    [InlineData("Rsa2048")]
    public async Task EcdsaAndRsaClusterPkiWorks(string algorithm)
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { KeyAlgorithm = algorithm });
        var client = FakeTalosFixture.NewClient(server.WriteTalosConfig(Path.Combine(_directory, "pki-" + algorithm)));

        Assert.Equal(server.Nodes.Values.First().Hostname, await client.HostnameAsync(null));
    }

    [Fact]
    public async Task NodeFromAnotherCaIsRefusedByTheClient()
    {
        await using var stranger = await FakeTalosServer.StartAsync();
        var client = FakeTalosFixture.NewClient(Config("other-ca", caPem: stranger.Pki.CaCertificatePem));

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync(null));

        Assert.Equal(("TalosTlsFailure", ErrorKind.SecurityError), (error.ErrorId, error.Kind));
        Assert.Contains("this client refused", error.Message);
        Assert.Contains("not signed by the talosconfig CA", error.Message);
        Assert.Equal(0, _server.CompletedHandshakes);
    }

    [Fact]
    public async Task ClientFromAnotherCaIsRefusedByTheNode()
    {
        var stranger = _server.IssueClientIdentity(new FakeClientIdentityOptions { SignedByOtherCa = true });
        var client = FakeTalosFixture.NewClient(Config("other-client-ca", stranger));

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync(null));

        Assert.Equal(("TalosTlsFailure", ErrorKind.SecurityError), (error.ErrorId, error.Kind));
        Assert.Contains("the node refused this client", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredClientCertificateIsRefusedByTheNode()
    {
        var expired = _server.IssueClientIdentity(new FakeClientIdentityOptions
        {
            NotBefore = DateTimeOffset.UtcNow.AddYears(-2),
            NotAfter = DateTimeOffset.UtcNow.AddDays(-1),
        });
        var client = FakeTalosFixture.NewClient(Config("expired", expired));

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync(null));

        Assert.Equal("TalosTlsFailure", error.ErrorId);
        Assert.Contains("the node refused this client", error.Message);
    }

    [Fact]
    public async Task EndpointMissingFromTheSansIsRefused()
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { ServerSans = ["10.20.30.40", "talos.example"] });
        var client = FakeTalosFixture.NewClient(server.WriteTalosConfig(Path.Combine(_directory, "sans")));

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync(null));

        Assert.Equal("TalosTlsFailure", error.ErrorId);
        Assert.Contains("not valid for '127.0.0.1'", error.Message);
        Assert.Contains("10.20.30.40", error.Message);
    }

    [Fact]
    public async Task DnsEndpointIsCheckedAgainstDnsSans()
    {
        var client = FakeTalosFixture.NewClient(Config("dns", endpoints: [$"localhost:{_server.Port}"]));
        Assert.NotNull(await client.VersionAsync(null)); // the default fake SANs include 'localhost'
    }

    [Fact]
    public async Task UnreachableEndpointFailsOverAndIsRemembered()
    {
        var closed = ClosedPort();
        var connection = new TalosConnection(TalosConnectionSettings.Resolve(Config("failover", endpoints: [$"127.0.0.1:{closed}", _server.Endpoint])));
        using (connection)
        {
            var client = new TalosClient(connection);
            await client.VersionAsync(null);

            Assert.Equal(new TalosEndpoint("127.0.0.1", _server.Port), connection.CurrentEndpoint);
            Assert.Equal(1, connection.HandshakeCount);
        }
    }

    [Fact]
    public async Task NoReachableEndpointIsNodeUnreachable()
    {
        var client = FakeTalosFixture.NewClient(Config("down", endpoints: [$"127.0.0.1:{ClosedPort()}", $"127.0.0.1:{ClosedPort()}"]));

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync("10.5.0.2"));

        Assert.Equal(("TalosNodeUnreachable", ErrorKind.ConnectionError, "10.5.0.2"), (error.ErrorId, error.Kind, error.Target));
        Assert.Contains("no endpoint answered", error.Message);
    }

    [Fact]
    public async Task OneFailingNodeAmongThreeGivesTwoResultsAndOneError()
    {
        var nodes = _server.Nodes.Keys.ToList();
        _server.Nodes[nodes[1]].Unreachable = true;
        var client = FakeTalosFixture.NewClient(Config("fanout"));

        var results = await TalosNodeFanOut.RunAllAsync(nodes, (node, ct) => client.VersionAsync(node, ct));

        Assert.Equal(nodes, results.Select(r => r.Node));
        Assert.True(results[0].Succeeded && results[2].Succeeded);
        var error = Assert.IsType<TalosSeccompException>(results[1].Error);
        Assert.Equal(("TalosNodeUnreachable", nodes[1]), (error.ErrorId, error.Target));
    }

    [Fact]
    public async Task SlowNodeHitsTheDeadline()
    {
        var node = _server.Nodes.Keys.Last();
        _server.Nodes[node].Latency = TimeSpan.FromSeconds(5);
        var client = FakeTalosFixture.NewClient(Config("slow"), timeout: TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync(node));

        Assert.Equal(("TalosTimeout", ErrorKind.OperationTimeout, node), (error.ErrorId, error.Kind, error.Target));
    }

    [Fact]
    public async Task CancellationStopsACallInFlight()
    {
        var node = _server.Nodes.Keys.Last();
        _server.Nodes[node].Latency = TimeSpan.FromSeconds(30);
        var client = FakeTalosFixture.NewClient(Config("cancel"));
        using var cancel = new CancellationTokenSource();

        var call = client.VersionAsync(node, cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task FanOutHonoursTheThrottle()
    {
        var inFlight = 0;
        var peak = 0;
        var gate = new SemaphoreSlim(0);
        var nodes = Enumerable.Range(0, 12).Select(i => (string?)$"10.0.0.{i}").ToList();
        var run = TalosNodeFanOut.RunAllAsync(nodes, async (node, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await gate.WaitAsync(ct);
            Interlocked.Decrement(ref inFlight);
            return node!.Length;
        }, throttleLimit: 4);

        while (Volatile.Read(ref inFlight) < 4)
        {
            await Task.Yield();
        }

        gate.Release(12);
        var results = await run;

        Assert.Equal(4, peak);
        Assert.Equal(nodes, results.Select(r => r.Node));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
