using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using TalosSeccomp.Audit.Attribution;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Audit.Streaming;

/// <summary>
/// Live seccomp audit events from many Talos nodes: one stream per node (the <c>auditd</c> service log or Dmesg),
/// read concurrently, parsed and filtered on the reader, and merged in arrival order into one bounded buffer.
/// </summary>
/// <remarks>
/// <para>A stream that fails for a transient reason (unreachable node, reset connection, a followed stream the
/// node ended) reconnects with <see cref="ReconnectBackoff"/> and a warning. The reconnect re-reads the node's
/// buffer; records from before the watch and records already delivered are dropped (audit serials are unique per
/// node and boot, see <see cref="AuditEventDeduplicator"/>), so no event is delivered twice. Failures that retrying
/// cannot fix (permissions, TLS, a missing log) end that node's stream with an error; the other nodes go on. A node
/// that fails <see cref="AuditStreamOptions.MaxReconnectAttempts"/> consecutive attempts without answering once ends with
/// an error too (a followed node that has answered goes on reconnecting: it may be rebooting), and when
/// <see cref="AuditStreamOptions.Duration"/> ends the watch, every node that failed each of its attempts gets an error.</para>
/// <para>Loss notices (<c>callbacks suppressed</c>, <c>audit_lost</c>, backlog limit) and malformed seccomp lines
/// become warnings. The buffer is bounded: when the consumer is slow, node readers wait, and gRPC flow control
/// slows the nodes, so memory stays flat however long the stream runs.</para>
/// <para>One instance serves one <see cref="ReadAsync"/> call; the counters are safe to read meanwhile.</para>
/// </remarks>
public sealed class SeccompAuditStream
{
    private const string AuditdServiceId = "auditd";

    private readonly IReadOnlyList<AuditStreamTarget> _targets;
    private readonly AuditStreamOptions _options;
    private readonly AuditEventDeduplicator _deduplicator;
    private long _parsed;
    private long _delivered;
    private long _filtered;
    private long _malformed;
    private long _lossNotices;
    private long _duplicates;
    private long _reconnects;
    private int _started;
    private readonly Dictionary<string, NodeAttributor> _attributors = new(StringComparer.Ordinal);

    /// <summary>Prepares a stream over <paramref name="targets"/>.</summary>
    /// <param name="targets">The nodes, each with its client.</param>
    /// <param name="options">Source, follow, limits, filter, reconnect and buffer settings.</param>
    public SeccompAuditStream(IReadOnlyList<AuditStreamTarget> targets, AuditStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferCapacity, 1);
        if (options.MaxEvents is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxEvents must be at least 1.");
        }

        if (options.Filter is { FiltersWorkload: true } && options.Attribution is null)
        {
            throw new ArgumentException("Namespace, pod and container filters need attribution (AuditStreamOptions.Attribution).", nameof(options));
        }

        _targets = targets;
        _options = options;
        _deduplicator = new AuditEventDeduplicator(options.DeduplicationCapacity);
        if (options.Attribution is { } attribution)
        {
            foreach (var target in targets)
            {
                _attributors.TryAdd(target.DisplayNode, new NodeAttributor(target.Client, target.Node, attribution, options.Filter));
            }
        }
    }

    /// <summary>Events delivered to the reader of <see cref="ReadAsync"/> (not those still buffered when the stream ended).</summary>
    public long EventCount => Interlocked.Read(ref _delivered);

    /// <summary>Events parsed from the nodes' logs, delivered or still buffered (tests check the buffer's bound with it).</summary>
    internal long ParsedEventCount => Interlocked.Read(ref _parsed);

    /// <summary>Seccomp records the filter dropped.</summary>
    public long FilteredCount => Interlocked.Read(ref _filtered);

    /// <summary>Malformed seccomp records (each was a warning).</summary>
    public long MalformedCount => Interlocked.Read(ref _malformed);

    /// <summary>Loss notices seen (each was a warning).</summary>
    public long LossNoticeCount => Interlocked.Read(ref _lossNotices);

    /// <summary>Records dropped because they were delivered before or predate the watch (after reconnects).</summary>
    public long DuplicateCount => Interlocked.Read(ref _duplicates);

    /// <summary>Reconnects made.</summary>
    public long ReconnectCount => Interlocked.Read(ref _reconnects);

    /// <summary>
    /// How many events (over all nodes) were given <paramref name="attribution"/>, including records the pod filters
    /// dropped; 0 for all but NotAttempted-free counts when attribution is off.
    /// </summary>
    public long AttributionCount(AuditAttribution attribution) => _attributors.Values.Sum(a => a.Count(attribution));

    /// <summary>
    /// One warning per node whose events could not all be tied to a pod (process exited before the lookup, a role
    /// too weak, a failed lookup), with the counts, why, and what makes a recording complete; empty when none.
    /// </summary>
    public IReadOnlyList<string> AttributionWarnings()
    {
        var warnings = new List<string>();
        foreach (var target in _targets)
        {
            if (!_attributors.TryGetValue(target.DisplayNode, out var a))
            {
                continue;
            }

            long exited = a.Count(AuditAttribution.ProcessExited), weak = a.Count(AuditAttribution.RoleTooWeak), failed = a.Count(AuditAttribution.LookupFailed);
            long unattributed = exited + weak + failed;
            if (unattributed == 0)
            {
                continue;
            }

            long total = unattributed + a.Count(AuditAttribution.Container) + a.Count(AuditAttribution.NotAContainer);
            var parts = new List<string>();
            if (exited > 0)
            {
                parts.Add($"{exited} from processes that exited before they could be looked up");
            }

            if (weak > 0)
            {
                parts.Add($"{weak} that need the os:admin role (Read of /proc/<pid>/cgroup; the reader role cannot attribute under workload isolation or processes exec'd into a container)");
            }

            if (failed > 0)
            {
                parts.Add($"{failed} whose lookup failed ({a.LastFailure ?? "no reason given"})");
            }

            warnings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Node {target.DisplayNode}: {unattributed} of {total} seccomp events could not be tied to a pod: {string.Join("; ", parts)}. They carry Attribution, not guessed names, and no -Namespace, -Pod or -Container filter keeps them. See Get-Help Watch-TalosAudit -Full for how to make a recording complete."));
        }

        return warnings;
    }

    /// <summary>
    /// Streams the items of every node, merged in arrival order. Ends when every node's stream ended (without
    /// follow), after <see cref="AuditStreamOptions.Duration"/> or <see cref="AuditStreamOptions.MaxEvents"/>;
    /// throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled. Every
    /// node call has ended by the time the enumeration finishes or is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">When called a second time.</exception>
    public async IAsyncEnumerable<AuditStreamItem> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A SeccompAuditStream can be read once.");
        }

        var buffer = Channel.CreateBounded<AuditStreamItem>(new BoundedChannelOptions(_options.BufferCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }

        var watchStarted = DateTimeOffset.UtcNow;
        // Following needs every node's stream open at once; buffered reads end by themselves, so they are throttled.
        using var throttle = new SemaphoreSlim(_options.Follow ? _targets.Count : Math.Max(1, Math.Min(_options.MaxConcurrentNodes, _targets.Count)));
        var nodes = _targets.Select(t => new NodeState(t, watchStarted) { Attributor = _attributors.GetValueOrDefault(t.DisplayNode) }).ToArray();
        var readers = nodes.Select(node => Task.Run(async () =>
        {
            try
            {
                await throttle.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // stopped before this node's turn came
            }

            try
            {
                await ReadNodeAsync(node, buffer.Writer, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                throttle.Release();
            }
        }, CancellationToken.None)).ToArray();
        _ = Task.WhenAll(readers).ContinueWith(_ => buffer.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        long delivered = 0;
        bool durationElapsed = false;
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await buffer.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    durationElapsed = true; // -Duration elapsed: a normal end.
                    break;
                }

                if (!more)
                {
                    break;
                }

                while (buffer.Reader.TryRead(out var item))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (item.Kind == AuditStreamItemKind.Event)
                    {
                        Interlocked.Increment(ref _delivered);
                    }

                    yield return item;
                    if (item.Kind == AuditStreamItemKind.Event && ++delivered == _options.MaxEvents)
                    {
                        yield break;
                    }
                }
            }

            if (durationElapsed)
            {
                // A node that failed every attempt of the watch is an error, not an empty success.
                stop.Cancel();
                await Task.WhenAll(readers).ConfigureAwait(false);
                foreach (var node in nodes.Where(n => n.NeverAnswered))
                {
                    yield return AuditStreamItem.ForError(node.Target.DisplayNode, NeverAnsweredError(node));
                }
            }
        }
        finally
        {
            // Stops every node call and waits for them, so nothing keeps running after the stream.
            stop.Cancel();
            await Task.WhenAll(readers).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ReadNodeAsync(NodeState node, ChannelWriter<AuditStreamItem> output, CancellationToken cancellationToken)
    {
        var pending = new List<PendingItem>();
        using var attributionStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task emitter = Task.CompletedTask, snapshots = Task.CompletedTask;
        if (node.Attributor is { } attributor)
        {
            node.Stage = Channel.CreateBounded<PendingItem>(new BoundedChannelOptions(Math.Max(16, _options.BufferCapacity)) { SingleReader = true, SingleWriter = true });
            node.AttributionToken = attributionStop.Token;
            emitter = Task.Run(() => RunStageAsync(node, output, attributionStop.Token), CancellationToken.None);
            if (_options.Follow)
            {
                snapshots = Task.Run(() => attributor.RunSnapshotsAsync(attributionStop.Token), CancellationToken.None);
            }
        }

        try
        {
            await ReadNodeConnectionsAsync(node, output, pending, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // What was read still goes out (in order) unless the watch was stopped; then lookups and snapshots end.
            node.Stage?.Writer.TryComplete();
            try
            {
                await emitter.ConfigureAwait(false);
            }
            finally
            {
                attributionStop.Cancel();
                await snapshots.ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Writes a node's staged items to the merged buffer in their order, each event once its lookup finished; events
    /// the pod filters reject are counted as filtered instead.
    /// </summary>
    private async Task RunStageAsync(NodeState node, ChannelWriter<AuditStreamItem> output, CancellationToken cancellationToken)
    {
        var reader = node.Stage!.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var staged))
                {
                    if (staged.Attribution is { } lookup)
                    {
                        await lookup.ConfigureAwait(false);
                    }

                    if (PassesWorkloadFilter(staged.Item))
                    {
                        await Emit(output, staged.Item, cancellationToken).ConfigureAwait(false);
                    }

                    Interlocked.Decrement(ref node.StageDepth);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    private bool PassesWorkloadFilter(AuditStreamItem item)
    {
        if (item.Kind != AuditStreamItemKind.Event || _options.Filter is not { FiltersWorkload: true } filter || filter.MatchesWorkload(item.Event!))
        {
            return true;
        }

        Interlocked.Increment(ref _filtered);
        return false;
    }

    private async Task ReadNodeConnectionsAsync(NodeState node, ChannelWriter<AuditStreamItem> output, List<PendingItem> pending, CancellationToken cancellationToken)
    {
        var target = node.Target;
        var source = _options.Source;
        bool firstConnection = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                bool tryingAuditd = source is AuditStreamSource.Auto or AuditStreamSource.Auditd;
                bool tail = _options.Follow && firstConnection;
                node.Replaying = !firstConnection;
                Exception? failure = null;
                try
                {
                    await Emit(output, AuditStreamItem.ForVerbose(target.DisplayNode, Describe(tryingAuditd, tail)), cancellationToken).ConfigureAwait(false);
                    var received = tryingAuditd
                        ? ReadAuditdAsync(node, tail, pending, output, cancellationToken)
                        : ReadDmesgAsync(node, tail, pending, output, cancellationToken);
                    await foreach (var _ in received.ConfigureAwait(false))
                    {
                        node.Failures = 0;
                        node.Answered = true;
                        if (source == AuditStreamSource.Auto)
                        {
                            source = AuditStreamSource.Auditd; // the node has the service: stay with it on reconnects
                        }
                    }

                    if (!_options.Follow)
                    {
                        node.Answered = true;
                        return;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                if (failure is not null && source == AuditStreamSource.Auto && IsMissingService(failure))
                {
                    source = AuditStreamSource.Dmesg;
                    node.Answered = true; // it answered: it has no such log
                    await Emit(output, AuditStreamItem.ForVerbose(target.DisplayNode,
                        $"No auditd service log ({failure.Message}); reading the kernel log (Dmesg) instead."), cancellationToken).ConfigureAwait(false);
                    continue; // same position: a tail stays a tail
                }

                if (failure is not null && !IsTransient(failure))
                {
                    node.Reported = true;
                    await Emit(output, AuditStreamItem.ForError(target.DisplayNode, AsEngineError(failure, target.DisplayNode)), cancellationToken).ConfigureAwait(false);
                    return;
                }

                var failures = ++node.Failures;
                var reason = failure is null ? "the node ended the stream" : failure.Message;
                node.LastFailure = reason;
                node.LastException = failure;

                // The budget bounds buffered reads, and a followed watch of a node that has not answered once: a node that
                // did answer goes on reconnecting (it may be rebooting) until the watch is stopped.
                if (failures > _options.MaxReconnectAttempts && (!_options.Follow || !node.Answered))
                {
                    node.Reported = true;
                    var what = _options.Follow ? "never answered the seccomp audit stream" : "could not be read";
                    await Emit(output, AuditStreamItem.ForError(target.DisplayNode, new TalosSeccompException(ErrorIds.AuditStreamFailed, ErrorKind.ConnectionError,
                        $"Node {target.DisplayNode} {what}: {failures} attempts failed; giving up: {reason}", target.DisplayNode, failure)), cancellationToken).ConfigureAwait(false);
                    return;
                }

                var delay = ReconnectBackoff.Delay(failures, _options.ReconnectDelay, _options.MaxReconnectDelay, Random.Shared.NextDouble());
                Interlocked.Increment(ref _reconnects);
                await Emit(output, AuditStreamItem.ForWarning(target.DisplayNode, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Node {target.DisplayNode}: the seccomp audit stream was interrupted ({reason}); reconnecting in {delay.TotalSeconds:0.0} s (attempt {failures}). Records already delivered are not repeated.")), cancellationToken).ConfigureAwait(false);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                firstConnection = false;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    private string Describe(bool auditd, bool tail)
    {
        var what = auditd ? "the auditd service log (Logs system/auditd)" : "the kernel log (Dmesg)";
        var how = !_options.Follow ? "what the node has buffered" : tail ? "new records as they arrive" : "after a reconnect, its whole buffer without repeats";
        return $"Reading {what}: {how}.";
    }

    /// <summary>Reads the auditd service log (≤1 KiB chunks, not line-aligned); yields once per chunk, after its items were emitted.</summary>
    private async IAsyncEnumerable<bool> ReadAuditdAsync(NodeState node, bool tail, List<PendingItem> pending, ChannelWriter<AuditStreamItem> output,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var assembler = new AuditLineAssembler();
        var stream = node.Target.Client.LogsAsync(node.Target.Node, AuditdServiceId, _options.Follow, tailLines: tail ? 0 : -1, cancellationToken: cancellationToken);
        await foreach (var chunk in stream.ConfigureAwait(false))
        {
            assembler.Append(chunk.Span);
            DrainLines(assembler, node, pending);
            await EmitAll(node, output, pending, cancellationToken).ConfigureAwait(false);
            yield return true;
        }

        assembler.Complete();
        DrainLines(assembler, node, pending);
        await EmitAll(node, output, pending, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads Dmesg (one kernel record per message); yields once per record, after its items were emitted.</summary>
    private async IAsyncEnumerable<bool> ReadDmesgAsync(NodeState node, bool tail, List<PendingItem> pending, ChannelWriter<AuditStreamItem> output,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = node.Target.Client.DmesgAsync(node.Target.Node, _options.Follow, tail, cancellationToken);
        await foreach (var record in stream.ConfigureAwait(false))
        {
            ParseRecord(record.Span, node, pending);
            await EmitAll(node, output, pending, cancellationToken).ConfigureAwait(false);
            yield return true;
        }
    }

    private void DrainLines(AuditLineAssembler assembler, NodeState node, List<PendingItem> pending)
    {
        while (assembler.TryReadLine(out var line, out _))
        {
            HandleLine(line, node, pending);
        }
    }

    private void ParseRecord(ReadOnlySpan<byte> record, NodeState node, List<PendingItem> pending)
    {
        int needed = Encoding.UTF8.GetMaxCharCount(record.Length);
        if (node.Chars.Length < needed)
        {
            node.Chars = new char[Math.Max(needed, node.Chars.Length * 2)];
        }

        int count = Encoding.UTF8.GetChars(record, node.Chars);
        HandleLine(node.Chars.AsSpan(0, count), node, pending);
    }

    private void HandleLine(ReadOnlySpan<char> line, NodeState node, List<PendingItem> pending)
    {
        var display = node.Target.DisplayNode;
        switch (SeccompAuditParser.ParseGated(line, display, _options.Filter, node.Attributor, out var evt, out var problem, out var loss))
        {
            case AuditLineKind.Event:
                if (node.Replaying && _options.Follow && node.PredatesWhatWasDelivered(evt!))
                {
                    Interlocked.Increment(ref _duplicates); // buffered before the watch started, or long delivered
                    return;
                }

                if (!_deduplicator.TryAdd(display, evt!.Serial, evt.Time))
                {
                    Interlocked.Increment(ref _duplicates);
                    return;
                }

                if (node.LastDelivered is not { } last || evt.Time > last.Time || (evt.Time == last.Time && evt.Serial > last.Serial))
                {
                    node.LastDelivered = (evt.Time, evt.Serial);
                    node.Replaying = false;
                }

                Interlocked.Increment(ref _parsed);

                // Looked up now, on first sight, while the next records are read; the stage keeps the order.
                Task? lookup = node.Attributor is { } attributor && !attributor.TryAttributeCached(evt)
                    ? attributor.AttributeAsync(evt, node.AttributionToken)
                    : null;
                pending.Add(new PendingItem(AuditStreamItem.ForEvent(display, evt), lookup));
                break;
            case AuditLineKind.Filtered:
                Interlocked.Increment(ref _filtered);
                break;
            case AuditLineKind.Malformed:
                Interlocked.Increment(ref _malformed);
                pending.Add(new PendingItem(AuditStreamItem.ForWarning(display, problem!.ToString()), null));
                break;
            case AuditLineKind.Loss:
                // A reconnect replays the buffer: report each notice once.
                if (node.Replaying && node.ReportedLosses.Contains(loss!.Raw))
                {
                    return;
                }

                if (node.ReportedLosses.Count < 1024)
                {
                    node.ReportedLosses.Add(loss!.Raw);
                }

                Interlocked.Increment(ref _lossNotices);
                pending.Add(new PendingItem(AuditStreamItem.ForWarning(display, loss!.ToString() + " A profile recorded from this stream may be incomplete."), null));
                break;
        }
    }

    /// <summary>
    /// Sends a chunk's items on: straight to the merged buffer, or, with attribution, through the node's stage when an
    /// earlier item is still waiting there or this one waits for its lookup (so the node's order holds).
    /// </summary>
    private async ValueTask EmitAll(NodeState node, ChannelWriter<AuditStreamItem> output, List<PendingItem> pending, CancellationToken cancellationToken)
    {
        foreach (var staged in pending)
        {
            if (node.Stage is { } stage && (staged.Attribution is not null || Volatile.Read(ref node.StageDepth) > 0))
            {
                Interlocked.Increment(ref node.StageDepth);
                await stage.Writer.WriteAsync(staged, cancellationToken).ConfigureAwait(false);
            }
            else if (PassesWorkloadFilter(staged.Item))
            {
                await Emit(output, staged.Item, cancellationToken).ConfigureAwait(false);
            }
        }

        pending.Clear();
    }

    /// <summary>An item read from a node, and the lookup its event waits for (null: ready).</summary>
    private readonly record struct PendingItem(AuditStreamItem Item, Task? Attribution);

    private static ValueTask Emit(ChannelWriter<AuditStreamItem> output, AuditStreamItem item, CancellationToken cancellationToken) =>
        output.TryWrite(item) ? ValueTask.CompletedTask : output.WriteAsync(item, cancellationToken);

    /// <summary>The node has no auditd service log (older Talos, or <c>talos.auditd.disabled=1</c>), as the error mapper classified the node's answer.</summary>
    private static bool IsMissingService(Exception failure) => failure is TalosSeccompException { Classification: ErrorClass.MissingServiceLog };

    /// <summary>Failures a reconnect may fix, as the error mapper classified them; permissions, TLS, bad arguments and missing logs are not among them.</summary>
    private static bool IsTransient(Exception failure) => failure is TalosSeccompException { IsTransient: true };

    private TalosSeccompException NeverAnsweredError(NodeState node) =>
        new(ErrorIds.AuditStreamFailed, ErrorKind.ConnectionError, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Node {node.Target.DisplayNode} never answered the seccomp audit stream during the {_options.Duration!.Value.TotalSeconds:0.###} s watch ({node.Failures} failed attempts): {node.LastFailure}"),
            node.Target.DisplayNode, node.LastException);

    private static TalosSeccompException AsEngineError(Exception failure, string node) =>
        failure as TalosSeccompException
        ?? new TalosSeccompException(ErrorIds.AuditStreamFailed, ErrorKind.NotSpecified, $"Reading the seccomp audit records of node {node} failed: {failure.Message}", node, failure);

    /// <summary>What one node's reader remembers across reconnects.</summary>
    private sealed class NodeState(AuditStreamTarget target, DateTimeOffset watchStarted)
    {
        public AuditStreamTarget Target { get; } = target;

        /// <summary>The node sent something (a chunk or record), or a buffered read of it ended normally.</summary>
        public bool Answered { get; set; }

        /// <summary>Consecutive failed attempts since the node last sent something.</summary>
        public int Failures { get; set; }

        /// <summary>Why the last attempt failed.</summary>
        public string? LastFailure { get; set; }

        /// <summary>What the last attempt threw, if anything.</summary>
        public Exception? LastException { get; set; }

        /// <summary>The node's stream already ended with an error item.</summary>
        public bool Reported { get; set; }

        /// <summary>Every attempt of the watch failed and no error said so yet.</summary>
        public bool NeverAnswered => !Answered && Failures > 0 && !Reported;

        public char[] Chars { get; set; } = new char[1024];

        /// <summary>The newest record delivered, by the node's clock and serial; null before the first event.</summary>
        public (DateTimeOffset Time, ulong Serial)? LastDelivered { get; set; }

        /// <summary>True after a reconnect until a record newer than <see cref="LastDelivered"/> arrives.</summary>
        public bool Replaying { get; set; }

        /// <summary>
        /// Whether a replayed record comes before the newest one delivered (so it was delivered, or it predates the
        /// watch). Records are ordered by time, then serial (serials only grow within a boot; a reboot restarts them
        /// but moves time on). Until an event arrived, the watch's start by this machine's clock stands in.
        /// </summary>
        public bool PredatesWhatWasDelivered(SeccompAuditEvent evt) => LastDelivered is { } last
            ? evt.Time < last.Time || (evt.Time == last.Time && evt.Serial <= last.Serial)
            : evt.Time < watchStarted;

        public HashSet<string> ReportedLosses { get; } = new(StringComparer.Ordinal);

        /// <summary>The node's attributor, when the stream attributes events.</summary>
        public NodeAttributor? Attributor { get; init; }

        /// <summary>Items waiting for their lookups (or behind one that does), in the node's order; null without attribution.</summary>
        public Channel<PendingItem>? Stage { get; set; }

        /// <summary>Items written to <see cref="Stage"/> and not yet passed on.</summary>
        public int StageDepth;

        /// <summary>Stops lookups when the node's reader ends.</summary>
        public CancellationToken AttributionToken { get; set; }
    }
}
