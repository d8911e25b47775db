using System.Threading.Channels;

namespace TalosSeccomp.FakeTalos.State;

/// <summary>
/// A node's log as records (each a full line ending in a newline), with live subscribers: every appended
/// record goes to every open stream. Bounded like the node's ring buffers.
/// </summary>
internal sealed class LogBuffer
{
    private readonly int capacity;
    private readonly LinkedList<string> records = new();
    private readonly List<Channel<string>> subscribers = new();
    private readonly object gate = new();

    public LogBuffer(int capacity = 10_000)
    {
        this.capacity = capacity;
    }

    public void Append(string record)
    {
        lock (gate)
        {
            records.AddLast(record);
            if (records.Count > capacity)
            {
                records.RemoveFirst();
            }

            foreach (var subscriber in subscribers)
            {
                subscriber.Writer.TryWrite(record);
            }
        }
    }

    public int SubscriberCount
    {
        get { lock (gate) { return subscribers.Count; } }
    }

    /// <summary>Records appended but not yet sent, on the slowest open stream (benchmarks pace themselves on it).</summary>
    public int MaxBacklog
    {
        get
        {
            lock (gate)
            {
                return subscribers.Count == 0 ? 0 : subscribers.Max(s => s.Reader.Count);
            }
        }
    }

    /// <summary>Ends every open stream with <see cref="LogStreamDroppedException"/>, as a broken connection would.</summary>
    public int DropSubscribers()
    {
        Channel<string>[] dropped;
        lock (gate)
        {
            dropped = subscribers.ToArray();
            subscribers.Clear();
        }

        foreach (var channel in dropped)
        {
            channel.Writer.TryComplete(new LogStreamDroppedException());
        }

        return dropped.Length;
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (gate)
        {
            return records.ToArray();
        }
    }

    /// <summary>Atomically takes the current records and subscribes to later ones (none lost, none twice).</summary>
    public Subscription Subscribe()
    {
        // Not SingleReader: that channel kind cannot count its backlog (MaxBacklog).
        var channel = Channel.CreateUnbounded<string>();
        lock (gate)
        {
            subscribers.Add(channel);
            return new Subscription(this, records.ToArray(), channel);
        }
    }

    private void Unsubscribe(Channel<string> channel)
    {
        lock (gate)
        {
            subscribers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    internal sealed class Subscription(LogBuffer owner, IReadOnlyList<string> existing, Channel<string> channel) : IDisposable
    {
        public IReadOnlyList<string> Existing { get; } = existing;

        public ChannelReader<string> Reader => channel.Reader;

        public void Dispose() => owner.Unsubscribe(channel);
    }
}

/// <summary>A log stream was dropped on purpose (tests of reconnection).</summary>
internal sealed class LogStreamDroppedException : Exception
{
    public LogStreamDroppedException()
        : base("the log stream was dropped")
    {
    }
}
