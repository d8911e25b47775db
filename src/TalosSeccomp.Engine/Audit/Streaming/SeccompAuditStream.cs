using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
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
/// cannot fix (permissions, TLS, a missing log) end that node's stream with an error; the other nodes go on.</para>
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
    private long _events;
    private long _filtered;
    private long _malformed;
    private long _lossNotices;
    private long _duplicates;
    private long _reconnects;
    private int _started;

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

        _targets = targets;
        _options = options;
        _deduplicator = new AuditEventDeduplicator(options.DeduplicationCapacity);
    }

    /// <summary>Events delivered.</summary>
    public long EventCount => Interlocked.Read(ref _events);

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
        var readers = _targets.Select(t => Task.Run(async () =>
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
                await ReadNodeAsync(t, watchStarted, buffer.Writer, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                throttle.Release();
            }
        }, CancellationToken.None)).ToArray();
        _ = Task.WhenAll(readers).ContinueWith(_ => buffer.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        long delivered = 0;
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
                    break; // -Duration elapsed: a normal end.
                }

                if (!more)
                {
                    break;
                }

                while (buffer.Reader.TryRead(out var item))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return item;
                    if (item.Kind == AuditStreamItemKind.Event && ++delivered == _options.MaxEvents)
                    {
                        yield break;
                    }
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

    private async Task ReadNodeAsync(AuditStreamTarget target, DateTimeOffset watchStarted, ChannelWriter<AuditStreamItem> output, CancellationToken cancellationToken)
    {
        var node = new NodeState(target, watchStarted);
        var source = _options.Source;
        var pending = new List<AuditStreamItem>();
        int failures = 0;
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
                        failures = 0;
                        if (source == AuditStreamSource.Auto)
                        {
                            source = AuditStreamSource.Auditd; // the node has the service: stay with it on reconnects
                        }
                    }

                    if (!_options.Follow)
                    {
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
                    await Emit(output, AuditStreamItem.ForVerbose(target.DisplayNode,
                        $"No auditd service log ({failure.Message}); reading the kernel log (Dmesg) instead."), cancellationToken).ConfigureAwait(false);
                    continue; // same position: a tail stays a tail
                }

                if (failure is not null && !IsTransient(failure))
                {
                    await Emit(output, AuditStreamItem.ForError(target.DisplayNode, AsEngineError(failure, target.DisplayNode)), cancellationToken).ConfigureAwait(false);
                    return;
                }

                failures++;
                var reason = failure is null ? "the node ended the stream" : failure.Message;
                if (!_options.Follow && failures > _options.MaxReconnectAttempts)
                {
                    await Emit(output, AuditStreamItem.ForError(target.DisplayNode, new TalosSeccompException("AuditStreamFailed", ErrorKind.ConnectionError,
                        $"Reading the seccomp audit records of node {target.DisplayNode} failed {failures} times; giving up: {reason}", target.DisplayNode, failure)), cancellationToken).ConfigureAwait(false);
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
    private async IAsyncEnumerable<bool> ReadAuditdAsync(NodeState node, bool tail, List<AuditStreamItem> pending, ChannelWriter<AuditStreamItem> output,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var assembler = new AuditLineAssembler();
        var stream = node.Target.Client.LogsAsync(node.Target.Node, AuditdServiceId, _options.Follow, tailLines: tail ? 0 : -1, cancellationToken: cancellationToken);
        await foreach (var chunk in stream.ConfigureAwait(false))
        {
            assembler.Append(chunk.Span);
            DrainLines(assembler, node, pending);
            await EmitAll(output, pending, cancellationToken).ConfigureAwait(false);
            yield return true;
        }

        assembler.Complete();
        DrainLines(assembler, node, pending);
        await EmitAll(output, pending, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads Dmesg (one kernel record per message); yields once per record, after its items were emitted.</summary>
    private async IAsyncEnumerable<bool> ReadDmesgAsync(NodeState node, bool tail, List<AuditStreamItem> pending, ChannelWriter<AuditStreamItem> output,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = node.Target.Client.DmesgAsync(node.Target.Node, _options.Follow, tail, cancellationToken);
        await foreach (var record in stream.ConfigureAwait(false))
        {
            ParseRecord(record.Span, node, pending);
            await EmitAll(output, pending, cancellationToken).ConfigureAwait(false);
            yield return true;
        }
    }

    private void DrainLines(AuditLineAssembler assembler, NodeState node, List<AuditStreamItem> pending)
    {
        while (assembler.TryReadLine(out var line, out _))
        {
            HandleLine(line, node, pending);
        }
    }

    private void ParseRecord(ReadOnlySpan<byte> record, NodeState node, List<AuditStreamItem> pending)
    {
        int needed = Encoding.UTF8.GetMaxCharCount(record.Length);
        if (node.Chars.Length < needed)
        {
            node.Chars = new char[Math.Max(needed, node.Chars.Length * 2)];
        }

        int count = Encoding.UTF8.GetChars(record, node.Chars);
        HandleLine(node.Chars.AsSpan(0, count), node, pending);
    }

    private void HandleLine(ReadOnlySpan<char> line, NodeState node, List<AuditStreamItem> pending)
    {
        var display = node.Target.DisplayNode;
        switch (SeccompAuditParser.Parse(line, display, _options.Filter, out var evt, out var problem, out var loss))
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

                Interlocked.Increment(ref _events);
                pending.Add(AuditStreamItem.ForEvent(display, evt));
                break;
            case AuditLineKind.Filtered:
                Interlocked.Increment(ref _filtered);
                break;
            case AuditLineKind.Malformed:
                Interlocked.Increment(ref _malformed);
                pending.Add(AuditStreamItem.ForWarning(display, problem!.ToString()));
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
                pending.Add(AuditStreamItem.ForWarning(display, loss!.ToString() + " A profile recorded from this stream may be incomplete."));
                break;
        }
    }

    private static async ValueTask EmitAll(ChannelWriter<AuditStreamItem> output, List<AuditStreamItem> pending, CancellationToken cancellationToken)
    {
        foreach (var item in pending)
        {
            await Emit(output, item, cancellationToken).ConfigureAwait(false);
        }

        pending.Clear();
    }

    private static ValueTask Emit(ChannelWriter<AuditStreamItem> output, AuditStreamItem item, CancellationToken cancellationToken) =>
        output.TryWrite(item) ? ValueTask.CompletedTask : output.WriteAsync(item, cancellationToken);

    /// <summary>The node has no auditd service (older Talos, or <c>talos.auditd.disabled=1</c>).</summary>
    private static bool IsMissingService(Exception failure) =>
        failure is TalosSeccompException { ErrorId: "TalosNotFound" }
        || (failure is TalosSeccompException && (failure.Message.Contains("not found", StringComparison.OrdinalIgnoreCase)
            || failure.Message.Contains("no such file", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Failures a reconnect may fix; permissions, TLS, bad arguments and missing logs are not among them.</summary>
    private static bool IsTransient(Exception failure) => failure switch
    {
        TalosSeccompException engine => engine.ErrorId is "TalosNodeUnreachable" or "TalosTimeout" or "TalosCallFailed" or "TalosCallCancelled" or "TalosTransportFailed" or "TalosNodeInternalError",
        IOException or System.Net.Http.HttpRequestException => true,
        _ => false,
    };

    private static TalosSeccompException AsEngineError(Exception failure, string node) =>
        failure as TalosSeccompException
        ?? new TalosSeccompException("AuditStreamFailed", ErrorKind.NotSpecified, $"Reading the seccomp audit records of node {node} failed: {failure.Message}", node, failure);

    /// <summary>What one node's reader remembers across reconnects.</summary>
    private sealed class NodeState(AuditStreamTarget target, DateTimeOffset watchStarted)
    {
        public AuditStreamTarget Target { get; } = target;

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
    }
}
