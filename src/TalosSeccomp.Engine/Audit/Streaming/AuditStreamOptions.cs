namespace TalosSeccomp.Audit.Streaming;

/// <summary>Which node log a seccomp audit stream reads.</summary>
public enum AuditStreamSource
{
    /// <summary>The <c>auditd</c> service log when the node has that service (Talos 1.9+), the kernel log (Dmesg) otherwise.</summary>
    Auto,

    /// <summary>The <c>auditd</c> service log (MachineService.Logs, namespace <c>system</c>, id <c>auditd</c>): Talos 1.9+ with its audit daemon on.</summary>
    Auditd,

    /// <summary>The kernel log (MachineService.Dmesg): Talos before 1.9, or with <c>talos.auditd.disabled=1</c>.</summary>
    Dmesg,
}

/// <summary>How a <see cref="SeccompAuditStream"/> reads its nodes.</summary>
public sealed class AuditStreamOptions
{
    /// <summary>The default bound of the merged stream's buffer, in items.</summary>
    public const int DefaultBufferCapacity = 4096;

    /// <summary>Which log to read; <see cref="AuditStreamSource.Auto"/> by default.</summary>
    public AuditStreamSource Source { get; init; } = AuditStreamSource.Auto;

    /// <summary>
    /// True (the default): start at the end of each log and stream new records until stopped, like
    /// <c>talosctl dmesg --follow --tail</c>. False: read what each node has buffered, then end.
    /// </summary>
    public bool Follow { get; init; } = true;

    /// <summary>Ends the stream (normally, not as a cancellation) after this long; null for no limit.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Ends the stream after this many events (over all nodes); null for no limit.</summary>
    public long? MaxEvents { get; init; }

    /// <summary>Which records become events; null keeps all. Applied by the parser before an event is allocated.</summary>
    public SeccompAuditFilter? Filter { get; init; }

    /// <summary>The first reconnect delay; each further consecutive failure doubles it (with jitter) up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay between reconnect attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Consecutive failed attempts to read a node before giving up on it with an error: without <see cref="Follow"/>
    /// always; when following, while the node has not answered once in this watch. A followed node that has answered
    /// reconnects until the watch is stopped.
    /// </summary>
    public int MaxReconnectAttempts { get; init; } = 3;

    /// <summary>How many items the merged stream buffers before the node readers wait (backpressure, bounded memory).</summary>
    public int BufferCapacity { get; init; } = DefaultBufferCapacity;

    /// <summary>
    /// Without <see cref="Follow"/>: how many nodes are read at the same time (each read ends by itself). When
    /// following, every node needs its own open stream for the whole watch, so all nodes are read at once.
    /// </summary>
    public int MaxConcurrentNodes { get; init; } = int.MaxValue;

    /// <summary>
    /// Ties each event to the Kubernetes pod and container of its process (one attributor per node, see
    /// <see cref="Attribution.NodeAttributor"/>) before the pod filters and the reader see it; null leaves every
    /// event <see cref="AuditAttribution.NotAttempted"/>. A filter with namespace, pod or container patterns needs it.
    /// </summary>
    public Attribution.AuditAttributionOptions? Attribution { get; init; }

    /// <summary>How many events the duplicate check remembers (a reconnect replays at most about this many).</summary>
    public int DeduplicationCapacity { get; init; } = AuditEventDeduplicator.DefaultCapacity;
}
