using TalosSeccomp.Audit;
using TalosSeccomp.Audit.Attribution;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.FakeTalos.State;
using TalosSeccomp.Talos;
using TalosSeccomp.Tests.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Audit.Attribution;

/// <summary>The per-node attributor against the in-process fake node (admin and reader roles, workload isolation).</summary>
public sealed class NodeAttributorTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "talos-attrib-tests-" + Guid.NewGuid().ToString("N"));
    private FakeTalosServer _server = null!;
    private TalosClient _admin = null!;
    private TalosClient _reader = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 2 });
        _admin = FakeTalosFixture.NewClient(_server.WriteTalosConfig(Path.Combine(_directory, "admin"), "os:admin", _server.NodeAddresses), TimeSpan.FromSeconds(20));
        _reader = FakeTalosFixture.NewClient(_server.WriteTalosConfig(Path.Combine(_directory, "reader"), "os:reader", _server.NodeAddresses), TimeSpan.FromSeconds(20));
    }

    public async Task DisposeAsync()
    {
        _admin.Connection.Dispose();
        _reader.Connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string NodeAddress => _server.NodeAddresses[1];

    private FakeNode Node => _server.Nodes[NodeAddress];

    private NodeAttributor Attributor(TalosClient client, ManualClock? clock = null, int capacity = AuditAttributionOptions.DefaultCacheCapacity, SeccompAuditFilter? filter = null) =>
        new(client, NodeAddress, new AuditAttributionOptions { Clock = clock ?? new ManualClock(), CacheCapacity = capacity, SnapshotInterval = TimeSpan.Zero }, filter);

    private static SeccompAuditEvent Event(int pid, string comm, string exe, DateTimeOffset? time = null) =>
        new() { Pid = pid, ProcessName = comm, Executable = exe, Time = time ?? DateTimeOffset.UtcNow, Node = "n" };

    private static async Task<SeccompAuditEvent> Attribute(NodeAttributor attributor, SeccompAuditEvent evt)
    {
        if (!attributor.TryAttributeCached(evt))
        {
            await attributor.AttributeAsync(evt, CancellationToken.None);
        }

        return evt;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AContainerProcessGetsItsPodAndContainerWithEitherRole(bool admin)
    {
        var web = WorkloadFixture.AddPod(Node, "shop", "web-5d8f", "nginx", 2000);
        WorkloadFixture.AddChild(Node, 2050, 2002, "nginx", "/usr/sbin/nginx");

        var attributor = Attributor(admin ? _admin : _reader);
        var init = await Attribute(attributor, Event(2002, "runc:[2:INIT]", "/"));
        var worker = await Attribute(attributor, Event(2050, "nginx", "/usr/sbin/nginx"));

        foreach (var evt in new[] { init, worker })
        {
            Assert.Equal(AuditAttribution.Container, evt.Attribution);
            Assert.Equal("shop", evt.Namespace);
            Assert.Equal("web-5d8f", evt.Pod);
            Assert.Equal(web.Pod.Uid, evt.PodUid);
            Assert.Equal("nginx", evt.Container);
            Assert.Equal(web.Id, evt.ContainerId);
            Assert.Equal("docker.io/library/nginx:1.27", evt.Image);
        }

        Assert.True(init.IsContainerInit);
        Assert.False(worker.IsContainerInit);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TalosServicesAreNotContainersAndAGonePidIsProcessExited(bool admin)
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        var attributor = Attributor(admin ? _admin : _reader);

        var kubelet = await Attribute(attributor, Event(1390, "kubelet", "/usr/local/bin/kubelet"));
        var shim = await Attribute(attributor, Event(2000, "containerd-shim", "/bin/containerd-shim-runc-v2"));
        var gone = await Attribute(attributor, Event(31337, "ls", "/bin/ls"));

        Assert.Equal(AuditAttribution.NotAContainer, kubelet.Attribution);
        Assert.Equal(AuditAttribution.NotAContainer, shim.Attribution);
        Assert.Null(shim.Pod);
        Assert.Equal(AuditAttribution.ProcessExited, gone.Attribution);
        Assert.Null(gone.Namespace);
        Assert.Equal(1, attributor.Count(AuditAttribution.ProcessExited));
        Assert.Equal(2, attributor.Count(AuditAttribution.NotAContainer));
    }

    [Fact]
    public async Task UnderWorkloadIsolationTheReaderSaysRoleTooWeakAndTheAdminStillAttributes()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        Node.WorkloadIsolation = true;

        var byReader = await Attribute(Attributor(_reader), Event(2002, "nginx", "/usr/sbin/nginx"));
        var byAdmin = await Attribute(Attributor(_admin), Event(2002, "nginx", "/usr/sbin/nginx"));

        Assert.Equal(AuditAttribution.RoleTooWeak, byReader.Attribution);
        Assert.Null(byReader.Pod);
        Assert.Equal(AuditAttribution.Container, byAdmin.Attribution);
        Assert.Equal("web", byAdmin.Pod);
    }

    [Fact]
    public async Task TheReaderCannotTellWhichContainerAProcessExecdIntoIs()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        WorkloadFixture.AddChild(Node, 2080, 2000, "sh", "/bin/sh"); // kubectl exec: a child of the shim, not of the init

        var byReader = await Attribute(Attributor(_reader), Event(2080, "sh", "/bin/sh"));

        Assert.Equal(AuditAttribution.RoleTooWeak, byReader.Attribution);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AReusedPidIsNeverTakenForTheOldProcess(bool admin)
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        WorkloadFixture.AddPod(Node, "bank", "api", "app", 3000);
        WorkloadFixture.AddChild(Node, 4000, 2002, "sh", "/bin/sh");
        var clock = new ManualClock();
        var attributor = Attributor(admin ? _admin : _reader, clock);
        var first = await Attribute(attributor, Event(4000, "sh", "/bin/sh"));

        // The shell exits; a shell in another pod gets the same pid (same name and executable).
        Node.ExitProcess(4000);
        WorkloadFixture.AddChild(Node, 4000, 3002, "sh", "/bin/sh");
        clock.Advance(TimeSpan.FromSeconds(1.5));
        var second = await Attribute(attributor, Event(4000, "sh", "/bin/sh"));

        Assert.Equal("web", first.Pod);
        Assert.Equal(AuditAttribution.Container, second.Attribution);
        Assert.Equal("api", second.Pod);
        Assert.Equal("bank", second.Namespace);
    }

    [Fact]
    public async Task TheLastRecordsOfAProcessLookedUpAfterItExitedStayWithItsContainer()
    {
        // A watch that lags behind the kernel checks a known pid again only after the process has gone (its exit_group
        // is its last record): the pid is free, so a record with the same executable is still that process's.
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        WorkloadFixture.AddChild(Node, 4000, 2002, "sh", "/bin/sh");
        var clock = new ManualClock();
        var attributor = Attributor(_admin, clock);
        var first = await Attribute(attributor, Event(4000, "sh", "/bin/sh"));

        Node.ExitProcess(4000);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        var last = await Attribute(attributor, Event(4000, "sh", "/bin/sh"));
        var otherProgram = await Attribute(attributor, Event(4000, "ls", "/bin/ls"));

        Assert.Equal("web", first.Pod);
        Assert.Equal(AuditAttribution.Container, last.Attribution);
        Assert.Equal("web", last.Pod);
        Assert.Equal("nginx", last.Container);
        Assert.Equal(AuditAttribution.ProcessExited, otherProgram.Attribution);
    }

    [Fact]
    public async Task AnAdminRecordOlderThanTheProcessWithItsPidBelongsToAnEarlierProcess()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        var attributor = Attributor(_admin);

        // The fake node booted 300 s ago and its processes started since; a record from an hour ago predates them all.
        var old = await Attribute(attributor, Event(2002, "nginx", "/usr/sbin/nginx", DateTimeOffset.UtcNow.AddHours(-1)));
        var now = await Attribute(attributor, Event(2002, "nginx", "/usr/sbin/nginx"));

        Assert.Equal(AuditAttribution.ProcessExited, old.Attribution);
        Assert.Equal(AuditAttribution.Container, now.Attribution);
    }

    [Fact]
    public async Task AnExecChecksThePidAgainAtOnce()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        var attributor = Attributor(_admin);
        await Attribute(attributor, Event(2002, "nginx", "/usr/sbin/nginx"));

        var cached = Event(2002, "nginx", "/usr/sbin/nginx");
        var execd = Event(2002, "ls", "/bin/ls");

        Assert.True(attributor.TryAttributeCached(cached));
        Assert.False(attributor.TryAttributeCached(execd));
        await attributor.AttributeAsync(execd, CancellationToken.None);
        Assert.Equal("web", execd.Pod);
    }

    [Fact]
    public async Task AnExitedChildThatASnapshotSawIsFoundThroughItsParent()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        WorkloadFixture.AddChild(Node, 2060, 2002, "sh", "/bin/sh");
        WorkloadFixture.AddChild(Node, 2061, 2060, "ls", "/bin/ls");
        var attributor = new NodeAttributor(_admin, NodeAddress, new AuditAttributionOptions { SnapshotInterval = TimeSpan.FromMilliseconds(20) }, null);
        using var stop = new CancellationTokenSource();
        var snapshots = attributor.RunSnapshotsAsync(stop.Token);
        await WaitUntil(() => attributor.SeenProcessCount > 5);
        Node.ExitProcess(2061);

        var ls = await Attribute(attributor, Event(2061, "ls", "/bin/ls"));
        var unseen = await Attribute(attributor, Event(2099, "ls", "/bin/ls"));
        await stop.CancelAsync();
        await snapshots;

        Assert.Equal(AuditAttribution.Container, ls.Attribution);
        Assert.Equal("web", ls.Pod);
        Assert.Equal(AuditAttribution.ProcessExited, unseen.Attribution);
    }

    [Fact]
    public async Task ANewContainerIsFoundByListingTheContainersAgain()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        var attributor = Attributor(_admin);
        await Attribute(attributor, Event(2002, "nginx", "/usr/sbin/nginx"));

        WorkloadFixture.AddPod(Node, "shop", "cache", "redis", 5000, "docker.io/library/redis:7", "/usr/local/bin/redis-server");
        var redis = await Attribute(attributor, Event(5002, "redis-server", "/usr/local/bin/redis-server"));

        Assert.Equal(AuditAttribution.Container, redis.Attribution);
        Assert.Equal("redis", redis.Container);
        Assert.Equal("docker.io/library/redis:7", redis.Image);
    }

    [Fact]
    public async Task AContainerTheCriListDoesNotHaveIsALookupFailureNotAGuess()
    {
        var pod = new FakeCriPod("shop", "ghost", "11111111-2222-4333-8444-555555555555", WorkloadFixture.Hex(7000), 7001);
        Node.StartProcess(new FakeProcess(7002, 1, "app", "/app", "/app", FakeNode.KubepodsCgroup(pod, WorkloadFixture.Hex(7002))));
        var attributor = Attributor(_admin);

        var evt = await Attribute(attributor, Event(7002, "app", "/app"));

        Assert.Equal(AuditAttribution.LookupFailed, evt.Attribution);
        Assert.Null(evt.Pod);
        Assert.Contains(WorkloadFixture.Hex(7002), attributor.LastFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCacheStaysWithinItsCapacity()
    {
        for (int i = 0; i < 40; i++)
        {
            Node.StartProcess(new FakeProcess(9000 + i, 1, "svc", "/svc", "/svc", "/system/runtime"));
        }

        var attributor = Attributor(_admin, capacity: 16);
        for (int i = 0; i < 40; i++)
        {
            var evt = await Attribute(attributor, Event(9000 + i, "svc", "/svc"));
            Assert.Equal(AuditAttribution.NotAContainer, evt.Attribution);
        }

        Assert.InRange(attributor.CachedProcessCount, 1, 16);
    }

    [Fact]
    public async Task ManyRecordsOfANewPidShareOneLookup()
    {
        WorkloadFixture.AddPod(Node, "shop", "web", "nginx", 2000);
        var attributor = Attributor(_admin);

        var events = Enumerable.Range(0, 50).Select(_ => Event(2002, "nginx", "/usr/sbin/nginx")).ToArray();
        await Task.WhenAll(events.Select(e => attributor.AttributeAsync(e, CancellationToken.None)));

        Assert.All(events, e => Assert.Equal("web", e.Pod));
        Assert.Equal(50, attributor.Count(AuditAttribution.Container));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30); // a hang guard, not a timing assertion
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }
}
