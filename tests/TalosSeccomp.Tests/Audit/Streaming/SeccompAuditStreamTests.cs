using System.Globalization;
using TalosSeccomp.Audit;
using TalosSeccomp.Audit.Streaming;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using TalosSeccomp.Tests.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Audit.Streaming;

/// <summary>SeccompAuditStream against the in-process fake Talos endpoint (three nodes, Ed25519 mutual TLS).</summary>
public sealed class SeccompAuditStreamTests : IAsyncLifetime
{
    // A guard against hangs only: a test that needs it has already failed.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "talos-watch-tests-" + Guid.NewGuid().ToString("N"));
    private FakeTalosServer _server = null!;
    private TalosClient _client = null!;
    private long _serial = 1000;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 3 });
        var config = _server.WriteTalosConfig(Path.Combine(_directory, "admin"), "os:admin", _server.NodeAddresses);
        _client = FakeTalosFixture.NewClient(config, TimeSpan.FromSeconds(20));
    }

    public async Task DisposeAsync()
    {
        _client.Connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string Node(int index) => _server.NodeAddresses[index];

    private FakeNode FakeNode(int index) => _server.Nodes[Node(index)];

    private AuditStreamTarget Target(int index) => new(Node(index), Node(index), _client);

    /// <summary>A seccomp record body (after the audit(...) header) with a fresh serial; returns the serial.</summary>
    private (string Header, ulong Serial) Record(string comm = "nginx", int syscall = 257, string exe = "/usr/sbin/nginx")
    {
        var serial = (ulong)Interlocked.Increment(ref _serial);
        var milliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var header = string.Create(CultureInfo.InvariantCulture,
            $"audit({milliseconds / 1000}.{milliseconds % 1000:D3}:{serial}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4242 comm=\"{comm}\" exe=\"{exe}\" sig=0 arch=c000003e syscall={syscall} compat=0 ip=0x7f12 code=0x7ffc0000");
        return (header, serial);
    }

    private ulong InjectAuditd(FakeNode node, string comm = "nginx", int syscall = 257)
    {
        var (header, serial) = Record(comm, syscall);
        node.InjectAuditdLine("type=SECCOMP msg=" + header);
        return serial;
    }

    private ulong InjectKernel(FakeNode node, string comm = "nginx", int syscall = 257)
    {
        var (header, serial) = Record(comm, syscall);
        node.InjectKernelRecord("audit: type=1326 " + header);
        return serial;
    }

    private static async Task<List<AuditStreamItem>> ReadAllAsync(SeccompAuditStream stream, CancellationToken cancellationToken = default)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(Hang);
        var items = new List<AuditStreamItem>();
        await foreach (var item in stream.ReadAsync(guard.Token))
        {
            items.Add(item);
        }

        return items;
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Hang;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }

    private static IEnumerable<SeccompAuditEvent> Events(IEnumerable<AuditStreamItem> items) =>
        items.Where(i => i.Kind == AuditStreamItemKind.Event).Select(i => i.Event!);

    [Fact]
    public async Task NoFollowReadsTheAuditdBufferWithEveryFieldAndWarnsAboutMalformedRecords()
    {
        var node = FakeNode(0);
        var serial = InjectAuditd(node, "nginx", 257);
        node.InjectAuditdLine("type=SECCOMP msg=audit(1700000000.001:77): auid=0 uid=0 gid=0 ses=1 pid=oops comm=\"x\" exe=\"/x\" sig=0 arch=c000003e syscall=1 compat=0 ip=0x1 code=0x7ffc0000");
        node.InjectAuditdLine("type=SERVICE_STOP msg=audit(1700000000.002:78): pid=1 uid=0 msg='unit=x'");

        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions { Follow = false });
        var items = await ReadAllAsync(stream);

        var evt = Assert.Single(Events(items));
        Assert.Equal(Node(0), evt.Node);
        Assert.Equal(AuditSource.Auditd, evt.Source);
        Assert.Equal(serial, evt.Serial);
        Assert.Equal(4242, evt.Pid);
        Assert.Equal("nginx", evt.ProcessName);
        Assert.Equal("/usr/sbin/nginx", evt.Executable);
        Assert.Null(evt.Auid);
        Assert.Equal("x86_64", evt.Architecture);
        Assert.Equal("openat", evt.Syscall);
        Assert.Equal(SeccompAuditAction.Log, evt.Action);
        Assert.StartsWith("type=SECCOMP msg=audit(", evt.Raw);
        var warning = Assert.Single(items, i => i.Kind == AuditStreamItemKind.Warning);
        Assert.Contains("field 'pid'", warning.Message);
        Assert.Equal(1, stream.MalformedCount);
        Assert.Equal(1, stream.EventCount);
    }

    [Fact]
    public async Task AutoFallsBackToDmesgOnANodeWithoutTheAuditdService()
    {
        var node = FakeNode(1);
        node.HasAuditdService = false;
        var serial = InjectKernel(node, "runc:[2:INIT]", 59);
        node.InjectKernelRecord("kern", "warning", "kauditd_printk_skb: 14 callbacks suppressed", DateTime.UtcNow);

        var stream = new SeccompAuditStream([Target(1)], new AuditStreamOptions { Follow = false });
        var items = await ReadAllAsync(stream);

        var evt = Assert.Single(Events(items));
        Assert.Equal(AuditSource.Dmesg, evt.Source);
        Assert.Equal(serial, evt.Serial);
        Assert.Equal("execve", evt.Syscall);
        Assert.Contains(items, i => i.Kind == AuditStreamItemKind.Verbose && i.Message!.Contains("Dmesg", StringComparison.Ordinal) && i.Message.Contains("No auditd service", StringComparison.Ordinal));
        var loss = Assert.Single(items, i => i.Kind == AuditStreamItemKind.Warning);
        Assert.Contains("14", loss.Message);
        Assert.Contains(Node(1), loss.Message);
        Assert.Equal(1, stream.LossNoticeCount);
    }

    [Fact]
    public async Task AnExplicitAuditdSourceOnANodeWithoutTheServiceIsThatNodesErrorOnly()
    {
        FakeNode(1).HasAuditdService = false;
        var serial = InjectAuditd(FakeNode(0));

        var stream = new SeccompAuditStream([Target(0), Target(1)], new AuditStreamOptions { Follow = false, Source = AuditStreamSource.Auditd });
        var items = await ReadAllAsync(stream);

        Assert.Equal(serial, Assert.Single(Events(items)).Serial);
        var error = Assert.Single(items, i => i.Kind == AuditStreamItemKind.Error);
        Assert.Equal(Node(1), error.Node);
        Assert.Equal("TalosNotFound", error.Error!.ErrorId);
        Assert.Equal(0, stream.ReconnectCount);
    }

    [Fact]
    public async Task FollowStartsAtTheEndAndMergesNewRecordsOfEveryNode()
    {
        var old = InjectAuditd(FakeNode(0));
        FakeNode(2).HasAuditdService = false;
        InjectKernel(FakeNode(2));

        var stream = new SeccompAuditStream([Target(0), Target(1), Target(2)], new AuditStreamOptions { MaxEvents = 6 });
        var reading = ReadAllAsync(stream);
        await WaitUntil(() => FakeNode(0).OpenAuditdLogStreams == 1 && FakeNode(1).OpenAuditdLogStreams == 1 && FakeNode(2).OpenKernelLogStreams == 1, "every node streams");

        var expected = new HashSet<(string, ulong)>();
        for (int round = 0; round < 2; round++)
        {
            expected.Add((Node(0), InjectAuditd(FakeNode(0))));
            expected.Add((Node(1), InjectAuditd(FakeNode(1))));
            expected.Add((Node(2), InjectKernel(FakeNode(2))));
        }

        var events = Events(await reading).ToList();
        Assert.Equal(expected, events.Select(e => (e.Node!, e.Serial)).ToHashSet());
        Assert.DoesNotContain(events, e => e.Serial == old);
        Assert.All(events.Where(e => e.Node == Node(2)), e => Assert.Equal(AuditSource.Dmesg, e.Source));
        Assert.All(events.Where(e => e.Node != Node(2)), e => Assert.Equal(AuditSource.Auditd, e.Source));
    }

    [Fact]
    public async Task FiltersApplyBeforeEventsAreMade()
    {
        var node = FakeNode(0);
        InjectAuditd(node, "nginx", 0);
        var kept = InjectAuditd(node, "coredns", 0);
        InjectAuditd(node, "coredns", 1);

        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions
        {
            Follow = false,
            Filter = new SeccompAuditFilter(processName: ["core*"], syscall: ["read"]),
        });
        var items = await ReadAllAsync(stream);

        Assert.Equal(kept, Assert.Single(Events(items)).Serial);
        Assert.Equal(2, stream.FilteredCount);
    }

    [Fact]
    public async Task ADroppedStreamReconnectsWithAWarningAndRepeatsNothing()
    {
        var node = FakeNode(0);
        InjectAuditd(node); // before the watch: never delivered
        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions
        {
            MaxEvents = 3,
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
        });
        var items = new List<AuditStreamItem>();
        using var guard = new CancellationTokenSource(Hang);
        var enumerator = stream.ReadAsync(guard.Token).GetAsyncEnumerator(guard.Token);

        async Task<SeccompAuditEvent> NextEvent()
        {
            while (await enumerator.MoveNextAsync())
            {
                items.Add(enumerator.Current);
                if (enumerator.Current.Kind == AuditStreamItemKind.Event)
                {
                    return enumerator.Current.Event!;
                }
            }

            throw new InvalidOperationException("The stream ended early.");
        }

        var firstEvent = NextEvent(); // starts the stream
        await WaitUntil(() => node.OpenAuditdLogStreams == 1, "the stream is open");
        var first = InjectAuditd(node);
        Assert.Equal(first, (await firstEvent).Serial);

        // Drop the stream and make the node unreachable, so at least one reconnect fails; then add a record while
        // no stream is open: the reconnect replays the buffer and only the new record may come out.
        node.Unreachable = true;
        Assert.Equal(1, node.DropLogStreams());
        var missed = InjectAuditd(node);
        var nextEvent = NextEvent();
        await WaitUntil(() => stream.ReconnectCount >= 2, "a reconnect attempt failed");
        node.Unreachable = false;
        Assert.Equal(missed, (await nextEvent).Serial);

        var lastEvent = NextEvent();
        await WaitUntil(() => node.OpenAuditdLogStreams == 1, "the stream is open again");
        var last = InjectAuditd(node);
        Assert.Equal(last, (await lastEvent).Serial);
        Assert.False(await enumerator.MoveNextAsync()); // MaxEvents reached
        await enumerator.DisposeAsync();

        var warnings = items.Where(i => i.Kind == AuditStreamItemKind.Warning).Select(i => i.Message!).ToList();
        Assert.True(warnings.Count >= 2);
        Assert.All(warnings, w => Assert.Contains($"Node {Node(0)}: the seccomp audit stream was interrupted", w));
        Assert.Contains(warnings, w => w.Contains("attempt 2", StringComparison.Ordinal));
        Assert.True(stream.DuplicateCount >= 2); // the record from before the watch and the first one, replayed
        Assert.Equal(3, stream.EventCount);
    }

    [Fact]
    public async Task LossNoticesOfTheAuditdLogBecomeWarnings()
    {
        var node = FakeNode(0);
        node.InjectAuditdLine("audit backlog limit reached, some audit events may have been lost");
        node.InjectAuditdLine("type=DAEMON_ABORT msg=audit(1700000000.001:5): audit_lost=12 reason=x");

        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions { Follow = false });
        var warnings = (await ReadAllAsync(stream)).Where(i => i.Kind == AuditStreamItemKind.Warning).Select(i => i.Message!).ToList();

        Assert.Equal(2, warnings.Count);
        Assert.Contains("backlog limit", warnings[0]);
        Assert.Contains("12", warnings[1]);
        Assert.All(warnings, w => Assert.Contains("incomplete", w));
    }

    [Fact]
    public async Task DurationEndsAFollowedStreamNormally()
    {
        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions { Duration = TimeSpan.FromMilliseconds(300) });
        var items = await ReadAllAsync(stream);

        Assert.Empty(Events(items));
        await WaitUntil(() => FakeNode(0).OpenAuditdLogStreams == 0, "the node's stream is closed");
    }

    [Fact]
    public async Task CancellationEndsAFollowedStreamAndLeavesNoCallOpen()
    {
        using var stop = new CancellationTokenSource();
        var stream = new SeccompAuditStream([Target(0), Target(1)], new AuditStreamOptions());
        var reading = ReadAllAsync(stream, stop.Token);
        await WaitUntil(() => FakeNode(0).OpenAuditdLogStreams == 1 && FakeNode(1).OpenAuditdLogStreams == 1, "both nodes stream");

        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        await WaitUntil(() => FakeNode(0).OpenAuditdLogStreams == 0 && FakeNode(1).OpenAuditdLogStreams == 0, "the node streams are closed");
    }

    [Fact]
    public async Task ASlowConsumerHoldsTheNodeBackInsteadOfBuffering()
    {
        var node = FakeNode(0);
        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions { BufferCapacity = 16, MaxEvents = 5000 });
        using var guard = new CancellationTokenSource(Hang);
        var enumerator = stream.ReadAsync(guard.Token).GetAsyncEnumerator(guard.Token);
        var heldBack = node.WhenAStreamIsHeldBack();
        var first = enumerator.MoveNextAsync(); // starts the readers
        await WaitUntil(() => node.OpenAuditdLogStreams == 1, "the stream is open");
        await node.GenerateAuditdRecordsAsync(5000, firstSerial: 1, guard.Token);

        // Nobody reads: once the node has to wait to send (the engine stopped taking from the transport), the engine holds
        // at most its buffer plus the chunk it was parsing. An engine that buffered without bound would never hold the
        // node back (the signal would not come), or would have parsed everything the node sent by then.
        await heldBack.WaitAsync(Hang);
        Assert.True(stream.ParsedEventCount <= 16 + 16, $"{stream.ParsedEventCount} events were parsed without a reader");

        int events = 0;
        if (await first && enumerator.Current.Kind == AuditStreamItemKind.Event)
        {
            events++;
        }

        while (await enumerator.MoveNextAsync())
        {
            events += enumerator.Current.Kind == AuditStreamItemKind.Event ? 1 : 0;
        }

        await enumerator.DisposeAsync();
        Assert.Equal(5000, events);
    }

    [Fact]
    public async Task WithoutFollowAtMostMaxConcurrentNodesAreReadAtOnce()
    {
        // Enough records per node that an unread stream cannot finish into the transport's buffers.
        const int PerNode = 3000;
        for (int i = 0; i < 3; i++)
        {
            for (int r = 0; r < PerNode; r++)
            {
                InjectAuditd(FakeNode(i));
            }
        }

        var stream = new SeccompAuditStream([Target(0), Target(1), Target(2)],
            new AuditStreamOptions { Follow = false, MaxConcurrentNodes = 1, BufferCapacity = 16 });
        var heldBack = Task.WhenAny(Enumerable.Range(0, 3).Select(i => FakeNode(i).WhenAStreamIsHeldBack()));
        using var guard = new CancellationTokenSource(Hang);
        var enumerator = stream.ReadAsync(guard.Token).GetAsyncEnumerator(guard.Token);
        Assert.True(await enumerator.MoveNextAsync());

        // Nobody reads now: the streaming node is held back and cannot finish, so its turn cannot pass; every node's
        // reader started with the first one, so a node beyond the limit would have its stream open by then.
        await (await heldBack).WaitAsync(Hang);
        Assert.Equal(1, Enumerable.Range(0, 3).Sum(i => FakeNode(i).OpenAuditdLogStreams));

        int events = enumerator.Current.Kind == AuditStreamItemKind.Event ? 1 : 0;
        while (await enumerator.MoveNextAsync())
        {
            events += enumerator.Current.Kind == AuditStreamItemKind.Event ? 1 : 0;
        }

        await enumerator.DisposeAsync();
        Assert.Equal(3 * PerNode, events);
    }

    [Fact]
    public async Task AStreamIsReadOnce()
    {
        var stream = new SeccompAuditStream([Target(0)], new AuditStreamOptions { Follow = false });
        await ReadAllAsync(stream);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReadAllAsync(stream));
    }

    [Fact]
    public async Task AFollowedNodeThatNeverAnswersEndsWithAnErrorNamingItOnceTheBudgetIsSpent()
    {
        FakeNode(1).Unreachable = true;
        var stream = new SeccompAuditStream([Target(0), Target(1)], new AuditStreamOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(10),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectAttempts = 3,
        });
        var items = new List<AuditStreamItem>();
        using var guard = new CancellationTokenSource(Hang);
        await foreach (var item in stream.ReadAsync(guard.Token))
        {
            items.Add(item);
            if (item.Kind == AuditStreamItemKind.Error)
            {
                break; // the healthy node would stream on
            }
        }

        var error = Assert.Single(items, i => i.Kind == AuditStreamItemKind.Error);
        Assert.Equal(Node(1), error.Node);
        Assert.Equal("AuditStreamFailed", error.Error!.ErrorId);
        Assert.Contains($"Node {Node(1)} never answered", error.Error.Message, StringComparison.Ordinal);
        Assert.Contains("4 attempts failed", error.Error.Message, StringComparison.Ordinal);
        Assert.Equal(3, items.Count(i => i.Kind == AuditStreamItemKind.Warning && i.Node == Node(1)));
        Assert.Equal(3, stream.ReconnectCount);
    }

    [Fact]
    public async Task WithDurationANodeThatNeverConnectedIsAnErrorNotAnEmptySuccess()
    {
        FakeNode(0).Unreachable = true;
        var stream = new SeccompAuditStream([Target(0), Target(1)], new AuditStreamOptions
        {
            Duration = TimeSpan.FromMilliseconds(500),
            ReconnectDelay = TimeSpan.FromSeconds(20), // the budget is not spent before the watch ends
        });

        var items = await ReadAllAsync(stream);

        var error = Assert.Single(items, i => i.Kind == AuditStreamItemKind.Error);
        Assert.Equal(Node(0), error.Node);
        Assert.Equal("AuditStreamFailed", error.Error!.ErrorId);
        Assert.Contains($"Node {Node(0)} never answered", error.Error.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", error.Error.Message, StringComparison.Ordinal);
        Assert.Empty(Events(items));
    }

    [Fact]
    public async Task EventCountIsWhatWasDeliveredNotWhatWasBuffered()
    {
        var node = FakeNode(2);
        for (int i = 0; i < 4; i++)
        {
            InjectAuditd(node);
        }

        var stream = new SeccompAuditStream([Target(2)], new AuditStreamOptions { Follow = false, MaxEvents = 1 });
        var items = await ReadAllAsync(stream);

        Assert.Single(Events(items));
        Assert.Equal(1, stream.EventCount);
    }
}
