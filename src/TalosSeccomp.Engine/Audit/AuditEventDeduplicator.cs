namespace TalosSeccomp.Audit;

/// <summary>
/// Drops seccomp events already seen, so a stream that reconnects and replays its buffer produces no
/// duplicates. Audit serials are unique per node and boot; keying on (node, serial, second of the record's
/// time) also keeps two boots that reuse a serial apart. Memory is bounded: the oldest keys are forgotten
/// once <see cref="Capacity"/> is reached.
/// </summary>
/// <remarks>Thread-safe, so concurrent node streams may share one instance.</remarks>
public sealed class AuditEventDeduplicator
{
    /// <summary>The default number of keys remembered.</summary>
    public const int DefaultCapacity = 65536;

    private readonly HashSet<(string Node, ulong Serial, long Second)> _seen;
    private readonly Queue<(string Node, ulong Serial, long Second)> _order;
    private readonly object _lock = new();

    /// <summary>Creates a deduplicator remembering at most <paramref name="capacity"/> events.</summary>
    public AuditEventDeduplicator(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _seen = new HashSet<(string, ulong, long)>(Math.Min(capacity, 4096));
        _order = new Queue<(string, ulong, long)>(Math.Min(capacity, 4096));
    }

    /// <summary>How many events are remembered at most.</summary>
    public int Capacity { get; }

    /// <summary>How many events are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Returns true the first time an event is seen, false for a repeat.</summary>
    public bool TryAdd(SeccompAuditEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return TryAdd(evt.Node, evt.Serial, evt.Time);
    }

    /// <summary>Returns true the first time (node, serial, second of time) is seen, false for a repeat.</summary>
    public bool TryAdd(string? node, ulong serial, DateTimeOffset time)
    {
        var key = (node ?? string.Empty, serial, time.ToUnixTimeSeconds());
        lock (_lock)
        {
            if (!_seen.Add(key))
            {
                return false;
            }

            _order.Enqueue(key);
            if (_order.Count > Capacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }
}
