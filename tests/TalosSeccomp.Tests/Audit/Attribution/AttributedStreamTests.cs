using System.Globalization;
using TalosSeccomp.Audit;
using TalosSeccomp.Audit.Attribution;
using TalosSeccomp.Audit.Streaming;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using TalosSeccomp.Tests.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Audit.Attribution;

/// <summary>SeccompAuditStream with attribution: events carry their pods, pod filters, order, counts and the summary warning.</summary>
public sealed class AttributedStreamTests : IAsyncLifetime
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "talos-attrib-stream-" + Guid.NewGuid().ToString("N"));
    private FakeTalosServer _server = null!;
    private TalosClient _admin = null!;
    private TalosClient _reader = null!;
    private long _serial = 7000;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 2 });
        _admin = FakeTalosFixture.NewClient(_server.WriteTalosConfig(Path.Combine(_directory, "admin"), "os:admin", _server.NodeAddresses), TimeSpan.FromSeconds(20));
        _reader = FakeTalosFixture.NewClient(_server.WriteTalosConfig(Path.Combine(_directory, "reader"), "os:reader", _server.NodeAddresses), TimeSpan.FromSeconds(20));
        WorkloadFixture.AddPod(Node, "shop", "web-1", "nginx", 2000);
        WorkloadFixture.AddPod(Node, "shop", "cache-1", "redis", 3000, "docker.io/library/redis:7", "/usr/local/bin/redis-server");
    }

    public async Task DisposeAsync()
    {
        _admin.Connection.Dispose();
        _reader.Connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string Address => _server.NodeAddresses[1];

    private FakeNode Node => _server.Nodes[Address];

    private ulong Inject(int pid, string comm, string exe, int syscall = 257)
    {
        var serial = (ulong)Interlocked.Increment(ref _serial);
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Node.InjectAuditdLine(string.Create(CultureInfo.InvariantCulture,
            $"type=SECCOMP msg=audit({ms / 1000}.{ms % 1000:D3}:{serial}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid={pid} comm=\"{comm}\" exe=\"{exe}\" sig=0 arch=c000003e syscall={syscall} compat=0 ip=0x7f12 code=0x7ffc0000"));
        return serial;
    }

    private SeccompAuditStream Stream(TalosClient client, SeccompAuditFilter? filter = null, bool follow = false, long? maxEvents = null) =>
        new([new AuditStreamTarget(Address, Address, client)], new AuditStreamOptions
        {
            Follow = follow,
            Filter = filter,
            MaxEvents = maxEvents,
            Attribution = new AuditAttributionOptions { SnapshotInterval = TimeSpan.FromMilliseconds(100) },
        });

    private static async Task<List<SeccompAuditEvent>> EventsAsync(SeccompAuditStream stream)
    {
        using var guard = new CancellationTokenSource(Hang);
        var events = new List<SeccompAuditEvent>();
        await foreach (var item in stream.ReadAsync(guard.Token))
        {
            if (item.Kind == AuditStreamItemKind.Event)
            {
                events.Add(item.Event!);
            }
        }

        return events;
    }

    [Fact]
    public async Task EveryEventCarriesItsPodOrWhyNotInTheNodesOrder()
    {
        var serials = new List<ulong>();
        for (int i = 0; i < 20; i++)
        {
            serials.Add(Inject(2002, "nginx", "/usr/sbin/nginx"));
            serials.Add(Inject(3002, "redis-server", "/usr/local/bin/redis-server"));
            serials.Add(Inject(1390, "kubelet", "/usr/local/bin/kubelet"));
            serials.Add(Inject(40000 + i, "ls", "/bin/ls"));
        }

        var stream = Stream(_admin);
        var events = (await EventsAsync(stream)).Where(e => e.Serial > 7000).ToList();

        Assert.Equal(serials, events.Select(e => e.Serial));
        Assert.All(events.Where(e => e.Pid == 2002), e => Assert.Equal(("shop", "web-1", "nginx"), (e.Namespace!, e.Pod!, e.Container!)));
        Assert.All(events.Where(e => e.Pid == 3002), e => Assert.Equal(("cache-1", "redis", "docker.io/library/redis:7"), (e.Pod!, e.Container!, e.Image!)));
        Assert.All(events.Where(e => e.Pid == 1390), e => Assert.Equal(AuditAttribution.NotAContainer, e.Attribution));
        Assert.All(events.Where(e => e.Pid >= 40000), e => Assert.Equal(AuditAttribution.ProcessExited, e.Attribution));
        Assert.Equal(40, stream.AttributionCount(AuditAttribution.Container));
        Assert.Equal(20, stream.AttributionCount(AuditAttribution.ProcessExited));
        var warning = Assert.Single(stream.AttributionWarnings());
        Assert.Contains($"Node {Address}: 20 of 80 seccomp events could not be tied to a pod", warning, StringComparison.Ordinal);
        Assert.Contains("20 from processes that exited before they could be looked up", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodFiltersKeepOnlyMatchingContainersAndDropUnattributedEvents()
    {
        for (int i = 0; i < 10; i++)
        {
            Inject(2002, "nginx", "/usr/sbin/nginx");
            Inject(3002, "redis-server", "/usr/local/bin/redis-server");
            Inject(40000 + i, "nginx", "/usr/sbin/nginx");
        }

        var stream = Stream(_admin, new SeccompAuditFilter(kubernetesNamespace: ["SHOP"], pod: ["web-*"], container: ["ngin?"]));
        var events = await EventsAsync(stream);

        Assert.Equal(10, events.Count);
        Assert.All(events, e => Assert.Equal("web-1", e.Pod));
        Assert.Equal(20, stream.FilteredCount);
        Assert.Equal(10, stream.AttributionCount(AuditAttribution.ProcessExited));
        Assert.Contains("no -Namespace, -Pod or -Container filter keeps them", Assert.Single(stream.AttributionWarnings()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFollowedStreamAttributesRecordsAsTheyArriveAndTheReaderIsRefusedUnderWorkloadIsolation()
    {
        var stream = Stream(_admin, follow: true, maxEvents: 2);
        var reading = EventsAsync(stream);
        await WaitUntil(() => Node.OpenAuditdLogStreams > 0);
        Inject(2002, "nginx", "/usr/sbin/nginx");
        Inject(3002, "redis-server", "/usr/local/bin/redis-server");
        var followed = await reading;

        Node.WorkloadIsolation = true;
        Inject(2002, "nginx", "/usr/sbin/nginx");
        var byReader = Stream(_reader);
        var refused = (await EventsAsync(byReader)).Last();

        Assert.Equal(["web-1", "cache-1"], followed.Select(e => e.Pod));
        Assert.Equal(AuditAttribution.RoleTooWeak, refused.Attribution);
        Assert.Contains("need the os:admin role", Assert.Single(byReader.AttributionWarnings()), StringComparison.Ordinal);
    }

    [Fact]
    public void PodFiltersWithoutAttributionAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new SeccompAuditStream([new AuditStreamTarget(Address, Address, _admin)],
            new AuditStreamOptions { Filter = new SeccompAuditFilter(pod: ["web"]) }));
    }

    [Fact]
    public async Task WithoutAttributionEventsSayNotAttemptedAndNoLookupIsMade()
    {
        Inject(2002, "nginx", "/usr/sbin/nginx");
        var stream = new SeccompAuditStream([new AuditStreamTarget(Address, Address, _admin)], new AuditStreamOptions { Follow = false });

        var events = await EventsAsync(stream);

        Assert.All(events, e => Assert.Equal(AuditAttribution.NotAttempted, e.Attribution));
        Assert.Empty(stream.AttributionWarnings());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Hang; // a hang guard, not a timing assertion
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }
}
