using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using TalosSeccomp.Talos.Wire.Cosi;

namespace TalosSeccomp.FakeTalos.State;

/// <summary>
/// A node's COSI resources with integer versions and watchers. <see cref="Put"/> bumps the version only
/// when the resource's comparison key changed (COSI's Modify skips equal resources).
/// </summary>
internal sealed class ResourceStore
{
    private readonly Dictionary<(string Namespace, string Type, string Id), Entry> entries = new();
    private readonly List<Watcher> watchers = new();
    private readonly object gate = new();

    public Resource? Get(string ns, string type, string id)
    {
        lock (gate)
        {
            return entries.TryGetValue((ns, type, id), out var entry) ? entry.Resource.Clone() : null;
        }
    }

    public IReadOnlyList<Resource> List(string ns, string type)
    {
        lock (gate)
        {
            return entries.Where(e => e.Key.Namespace == ns && e.Key.Type == type)
                .OrderBy(e => e.Key.Id, StringComparer.Ordinal)
                .Select(e => e.Value.Resource.Clone())
                .ToArray();
        }
    }

    /// <summary>Creates or updates a resource; returns false when nothing changed.</summary>
    public bool Put(string ns, string type, string id, string owner, IMessage protoSpec, string yamlSpec, string comparisonKey,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        lock (gate)
        {
            var now = Timestamp.FromDateTime(DateTime.UtcNow);
            entries.TryGetValue((ns, type, id), out var existing);
            if (existing is not null && existing.ComparisonKey == comparisonKey)
            {
                return false;
            }

            var metadata = new Metadata
            {
                Namespace = ns,
                Type = type,
                Id = id,
                Version = existing is null ? "1" : (ulong.Parse(existing.Resource.Metadata.Version) + 1).ToString(),
                Owner = owner,
                Phase = "running",
                Created = existing?.Resource.Metadata.Created ?? now,
                Updated = now,
            };
            if (annotations is not null)
            {
                foreach (var (key, value) in annotations)
                {
                    metadata.Annotations[key] = value;
                }
            }

            var resource = new Resource
            {
                Metadata = metadata,
                Spec = new Spec { ProtoSpec = protoSpec.ToByteString(), YamlSpec = yamlSpec },
            };
            entries[(ns, type, id)] = new Entry(resource, comparisonKey);
            Notify(new Event
            {
                EventType = existing is null ? EventType.Created : EventType.Updated,
                Resource = resource.Clone(),
                Old = existing?.Resource.Clone(),
            });
            return true;
        }
    }

    public bool Remove(string ns, string type, string id)
    {
        lock (gate)
        {
            if (!entries.Remove((ns, type, id), out var existing))
            {
                return false;
            }

            var destroyed = existing.Resource.Clone();
            destroyed.Metadata.Phase = "tearingDown";
            Notify(new Event { EventType = EventType.Destroyed, Resource = destroyed, Old = existing.Resource.Clone() });
            return true;
        }
    }

    /// <summary>Atomically takes the matching resources and subscribes to later events on them.</summary>
    public WatchSubscription Watch(string ns, string type, string? id)
    {
        var channel = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true });
        var watcher = new Watcher(ns, type, id, channel);
        lock (gate)
        {
            watchers.Add(watcher);
            var existing = entries.Where(e => watcher.Matches(e.Key.Namespace, e.Key.Type, e.Key.Id))
                .OrderBy(e => e.Key.Id, StringComparer.Ordinal)
                .Select(e => e.Value.Resource.Clone())
                .ToArray();
            return new WatchSubscription(this, watcher, existing);
        }
    }

    private void Notify(Event change)
    {
        var metadata = change.Resource.Metadata;
        foreach (var watcher in watchers)
        {
            if (watcher.Matches(metadata.Namespace, metadata.Type, metadata.Id))
            {
                watcher.Channel.Writer.TryWrite(change.Clone());
            }
        }
    }

    private void Unwatch(Watcher watcher)
    {
        lock (gate)
        {
            watchers.Remove(watcher);
        }

        watcher.Channel.Writer.TryComplete();
    }

    private sealed record Entry(Resource Resource, string ComparisonKey);

    internal sealed record Watcher(string Namespace, string Type, string? Id, Channel<Event> Channel)
    {
        public bool Matches(string ns, string type, string id) => ns == Namespace && type == Type && (Id is null || Id == id);
    }

    internal sealed class WatchSubscription(ResourceStore owner, Watcher watcher, IReadOnlyList<Resource> existing) : IDisposable
    {
        public IReadOnlyList<Resource> Existing { get; } = existing;

        public ChannelReader<Event> Events => watcher.Channel.Reader;

        public void Dispose() => owner.Unwatch(watcher);
    }
}
