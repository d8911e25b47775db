using System.Globalization;
using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Wire.Machine;

namespace TalosSeccomp.Audit.Attribution;

/// <summary>
/// Ties one node's seccomp audit events to the Kubernetes pod and container whose process made them, with the Talos
/// API alone, and never by guessing: an event is either tied to one container or says why not.
/// </summary>
/// <remarks>
/// <para><b>Admin role.</b> Read <c>/proc/&lt;pid&gt;/cgroup</c> gives the container directly (the kubelet's cgroupfs
/// layout <c>/kubepods/…/pod&lt;UID&gt;/&lt;id&gt;</c>, see <see cref="KubepodsCgroup"/>), and the CRI list
/// (MachineService.Containers, refreshed when an unknown container id appears) names it. This also works under
/// Talos 1.14 workload isolation. <c>/proc/&lt;pid&gt;/stat</c>'s start time keys the cache: when a cached pid is
/// checked again (after <see cref="AuditAttributionOptions.RevalidateAfter"/>, or at once when a record's executable
/// differs), a different start time means the pid was reused and the process is looked up afresh; a record older than
/// the process's start belongs to an earlier holder of the pid and is ProcessExited.</para>
/// <para><b>Reader role.</b> MachineService.Processes gives host pids and parents; a process is in a container when it
/// is that container's init pid (CRI's ContainerInfo.pid) or descends from it. Under workload isolation those pids are
/// the sandbox's, not the host's (detected when most of them are missing from the process list): nothing can then be
/// attributed without the admin role, and events say RoleTooWeak. A process under a shim that descends from no
/// container init (exec'd into a container) needs its cgroup too: RoleTooWeak.</para>
/// <para><b>Short-lived processes.</b> A process that exited before its first record was looked up is found through
/// the process snapshots a followed watch takes (<see cref="AuditAttributionOptions.SnapshotInterval"/>): if a
/// snapshot saw it, its parent chain leads to a container (a child stays in its parent's cgroup). Otherwise it is
/// ProcessExited.</para>
/// <para>Lookups run concurrently (up to <see cref="AuditAttributionOptions.MaxConcurrentLookups"/>), one per pid at
/// a time however many records are waiting; the cache of pids is bounded by
/// <see cref="AuditAttributionOptions.CacheCapacity"/> and so is the snapshot history.</para>
/// </remarks>
internal sealed class NodeAttributor : AuditRecordGate
{
    private const int MaxParentHops = 64;
    private const int UserHz = 100;
    private static readonly TimeSpan StartSlack = TimeSpan.FromSeconds(2);

    private readonly TalosClient _client;
    private readonly string? _node;
    private readonly AuditAttributionOptions _options;
    private readonly SeccompAuditFilter? _workloadFilter;
    private readonly TimeProvider _clock;
    private readonly long _revalidateTicks;
    private readonly object _gate = new();
    private readonly Dictionary<int, PidEntry> _pids = new();
    private readonly Queue<int> _insertionOrder = new();
    private readonly Dictionary<int, SeenProcess> _seen = new();
    private readonly SemaphoreSlim _lookups;
    private readonly long[] _counts = new long[Enum.GetValues<AuditAttribution>().Length];
    private readonly bool _rolesAllowRead;
    private volatile bool _readDenied;
    private CriContainerTable _containers = CriContainerTable.Empty;
    private Task<CriContainerTable>? _containersRefresh;
    private long _containersRefreshStarted;
    private ProcessSnapshot? _snapshot;
    private Task<ProcessSnapshot>? _snapshotRefresh;
    private long _snapshotRefreshStarted;
    private Task<DateTimeOffset?>? _bootTime;
    private string? _lastFailure;

    /// <summary>Creates the attributor of one node.</summary>
    /// <param name="client">The node's client.</param>
    /// <param name="node">The node metadata (null: the endpoint's own node).</param>
    /// <param name="options">Cache, revalidation and snapshot settings.</param>
    /// <param name="workloadFilter">The stream's filter, when it has namespace, pod or container patterns.</param>
    public NodeAttributor(TalosClient client, string? node, AuditAttributionOptions options, SeccompAuditFilter? workloadFilter)
    {
        _client = client;
        _node = node;
        _options = options;
        _workloadFilter = workloadFilter is { FiltersWorkload: true } ? workloadFilter : null;
        _clock = options.Clock;
        _revalidateTicks = (long)(options.RevalidateAfter.TotalSeconds * _clock.TimestampFrequency);
        _lookups = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentLookups));
        _rolesAllowRead = client.Connection.Settings.Roles.Count == 0 || TalosRpc.IsAllowed(TalosRpc.Read.Method, client.Connection.Settings.Roles);
    }

    /// <summary>How many events were given each <see cref="AuditAttribution"/>.</summary>
    public long Count(AuditAttribution attribution) => Interlocked.Read(ref _counts[(int)attribution]);

    /// <summary>Why the last lookup failed (for the summary warning), or null.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>Processes in the cache now (bounded by the capacity).</summary>
    internal int CachedProcessCount
    {
        get { lock (_gate) { return _pids.Count; } }
    }

    /// <summary>Processes remembered from snapshots now (bounded).</summary>
    internal int SeenProcessCount
    {
        get { lock (_gate) { return _seen.Count; } }
    }

    /// <summary>
    /// Attributes <paramref name="evt"/> from the cache when its pid was looked up recently enough and its executable
    /// is the one seen then; false when a lookup is needed (<see cref="AttributeAsync"/>).
    /// </summary>
    public bool TryAttributeCached(SeccompAuditEvent evt)
    {
        if (!TryCached(evt.Pid, evt.Executable, evt.Time, out var result))
        {
            return false;
        }

        result.ApplyTo(evt);
        Interlocked.Increment(ref _counts[(int)evt.Attribution]);
        return true;
    }

    /// <summary>Looks up the process of <paramref name="evt"/> (sharing a lookup already running for its pid) and sets its fields.</summary>
    public async Task AttributeAsync(SeccompAuditEvent evt, CancellationToken cancellationToken)
    {
        AttributionResult result;
        try
        {
            result = await ResolveAsync(evt.Pid, evt.Executable, evt.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _lastFailure, ex.Message);
            result = AttributionResult.Of(AuditAttribution.LookupFailed);
        }

        result.ApplyTo(evt);
        Interlocked.Increment(ref _counts[(int)evt.Attribution]);
    }

    /// <summary>
    /// The parser's check before it allocates an event: a record whose pid is cached (fresh, same executable) as a
    /// container the pod filters reject, or as no container at all, is dropped here; it still counts as attributed or
    /// unattributed.
    /// </summary>
    internal override bool Rejects(int pid, ReadOnlySpan<char> executable, DateTimeOffset time)
    {
        if (_workloadFilter is null || !TryCached(pid, executable, time, out var result))
        {
            return false;
        }

        var c = result.Container;
        if (_workloadFilter.MatchesWorkload(result.Kind, c?.Namespace, c?.Pod, c?.Container))
        {
            return false;
        }

        Interlocked.Increment(ref _counts[(int)result.Kind]);
        return true;
    }

    /// <summary>
    /// Takes a snapshot of the node's processes every <see cref="AuditAttributionOptions.SnapshotInterval"/> until
    /// cancelled, so short-lived processes are remembered with their parents. Failures are retried at the next tick.
    /// </summary>
    public async Task RunSnapshotsAsync(CancellationToken cancellationToken)
    {
        if (_options.SnapshotInterval <= TimeSpan.Zero)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SnapshotAsync(_clock.GetTimestamp(), cancellationToken).ConfigureAwait(false);
                await Task.Delay(_options.SnapshotInterval, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _lastFailure, ex.Message);
                try
                {
                    await Task.Delay(_options.SnapshotInterval, _clock, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private bool TryCached(int pid, ReadOnlySpan<char> executable, DateTimeOffset time, out AttributionResult result)
    {
        result = default;
        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            if (!_pids.TryGetValue(pid, out var entry) || entry.Pending is not null || entry.VerifiedAt < now - _revalidateTicks
                || !executable.SequenceEqual(entry.Executable))
            {
                return false;
            }

            // Made before this process started: by an earlier process that had the pid.
            result = entry.StartedAt is { } started && time < started - StartSlack ? AttributionResult.Of(AuditAttribution.ProcessExited) : entry.Result;
            return true;
        }
    }

    private bool TryCached(int pid, string? executable, DateTimeOffset time, out AttributionResult result) =>
        TryCached(pid, (executable ?? string.Empty).AsSpan(), time, out result);

    private async Task<AttributionResult> ResolveAsync(int pid, string? executable, DateTimeOffset time, CancellationToken cancellationToken)
    {
        Task<Lookup> pending;
        PidEntry entry;
        var exe = executable ?? string.Empty;
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            if (!_pids.TryGetValue(pid, out entry!))
            {
                entry = new PidEntry(pid);
                _pids[pid] = entry;
                _insertionOrder.Enqueue(pid);
                Evict();
            }

            if (entry.Pending is null)
            {
                if (entry.VerifiedAt >= now - _revalidateTicks && exe == entry.Executable)
                {
                    return ForTime(entry, time);
                }

                var previous = entry.VerifiedAt == long.MinValue ? null : new Lookup(entry.Result, entry.StartTime, entry.StartedAt, entry.VerifiedAt);
                var sameExecutable = exe == entry.Executable;
                entry.Pending = Task.Run(() => LookupAsync(pid, previous, sameExecutable, now, cancellationToken), CancellationToken.None);
            }

            pending = entry.Pending;
        }

        Lookup found;
        try
        {
            found = await pending.ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(entry.Pending, pending))
                {
                    entry.Pending = null;
                    if (pending.IsCompletedSuccessfully)
                    {
                        var result = pending.Result;
                        entry.Result = result.Result;
                        entry.StartTime = result.StartTime;
                        entry.StartedAt = result.StartedAt;
                        entry.VerifiedAt = result.VerifiedAt;
                        entry.Executable = exe;
                    }
                }
            }
        }

        lock (_gate)
        {
            return ForTime(new PidEntry(pid) { Result = found.Result, StartedAt = found.StartedAt }, time);
        }
    }

    private static AttributionResult ForTime(PidEntry entry, DateTimeOffset time) =>
        entry.StartedAt is { } started && time < started - StartSlack ? AttributionResult.Of(AuditAttribution.ProcessExited) : entry.Result;

    /// <summary>Drops the oldest cached pids beyond the capacity (never one whose lookup is running).</summary>
    private void Evict()
    {
        while (_pids.Count > _options.CacheCapacity && _insertionOrder.TryDequeue(out var oldest))
        {
            if (_pids.TryGetValue(oldest, out var victim) && victim.Pending is null)
            {
                _pids.Remove(oldest);
            }
            else if (victim is not null)
            {
                _insertionOrder.Enqueue(oldest);
                if (_insertionOrder.Count > _pids.Count * 2)
                {
                    break;
                }
            }
        }
    }

    private async Task<Lookup> LookupAsync(int pid, Lookup? previous, bool sameExecutable, long started, CancellationToken cancellationToken)
    {
        await _lookups.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_rolesAllowRead && !_readDenied)
            {
                try
                {
                    return await LookupByCgroupAsync(pid, previous, sameExecutable, started, cancellationToken).ConfigureAwait(false);
                }
                catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.PermissionDenied)
                {
                    _readDenied = true; // the certificate cannot Read: the reader path from now on
                }
            }

            return await LookupByProcessTreeAsync(pid, previous, started, cancellationToken).ConfigureAwait(false);
        }
        catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.PermissionDenied)
        {
            Volatile.Write(ref _lastFailure, ex.Message);
            return new Lookup(AttributionResult.Of(AuditAttribution.RoleTooWeak), 0, null, _clock.GetTimestamp());
        }
        catch (TalosSeccompException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _lastFailure, ex.Message);
            return new Lookup(AttributionResult.Of(AuditAttribution.LookupFailed), 0, null, _clock.GetTimestamp());
        }
        finally
        {
            _lookups.Release();
        }
    }

    /// <summary>The admin path: the process's start time and cgroup, then the CRI list for the container's names.</summary>
    private async Task<Lookup> LookupByCgroupAsync(int pid, Lookup? previous, bool sameExecutable, long started, CancellationToken cancellationToken)
    {
        var statPath = string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat");
        var cgroupPath = string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/cgroup");
        var stat = ReadTextAsync(statPath, cancellationToken);

        // A known process checked again: only its start time, unless its last answer was no answer.
        if (previous is { StartTime: > 0 } known && known.Result.Kind is AuditAttribution.Container or AuditAttribution.NotAContainer)
        {
            var again = await stat.ConfigureAwait(false);
            if (again is not null && KubepodsCgroup.TryParseStartTime(again, out var startTime) && startTime == known.StartTime)
            {
                return known with { VerifiedAt = _clock.GetTimestamp() };
            }

            stat = Task.FromResult(again);
        }

        var cgroup = ReadTextAsync(cgroupPath, cancellationToken);
        var statText = await stat.ConfigureAwait(false);
        var cgroupText = await cgroup.ConfigureAwait(false);
        if (statText is null || cgroupText is null || !KubepodsCgroup.TryParseStartTime(statText, out var start))
        {
            // Gone since it was last verified as a container's process: the pid is free now, and Linux hands pids out
            // in increasing order (a freed pid comes back only after pid_max others), so a record with the same
            // executable is that process's, made before it exited. A watch that lags behind the kernel looks up a
            // process's last records (its exit_group among them) only after it has gone; without this they were all
            // ProcessExited, and a profile recorded from them did not let the container exit.
            if (sameExecutable && previous is { Result.Kind: AuditAttribution.Container } last)
            {
                return last with { VerifiedAt = _clock.GetTimestamp() };
            }

            // Gone before we asked: perhaps a snapshot saw it and its parent.
            return new Lookup(await AttributeExitedAsync(pid, started, byCgroup: true, cancellationToken).ConfigureAwait(false), 0, null, _clock.GetTimestamp());
        }

        var startedAt = await StartedAtAsync(start, cancellationToken).ConfigureAwait(false);
        if (!KubepodsCgroup.TryParse(cgroupText, out var podUid, out var containerId))
        {
            return new Lookup(AttributionResult.Of(AuditAttribution.NotAContainer), start, startedAt, _clock.GetTimestamp());
        }

        var container = await FindContainerAsync(containerId, started, cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            Volatile.Write(ref _lastFailure, $"container {containerId} of pod {podUid} is not in the node's CRI container list");
            return new Lookup(AttributionResult.Of(AuditAttribution.LookupFailed), start, startedAt, _clock.GetTimestamp());
        }

        return new Lookup(new AttributionResult(AuditAttribution.Container, container), start, startedAt, _clock.GetTimestamp());
    }

    /// <summary>The reader path: the process list's parent chain up to a container's init pid.</summary>
    private async Task<Lookup> LookupByProcessTreeAsync(int pid, Lookup? previous, long started, CancellationToken cancellationToken)
    {
        // A known process checked again may use any snapshot newer than its last check; a new one needs one taken now.
        var snapshot = await SnapshotAsync(previous?.VerifiedAt is { } verified && verified > long.MinValue ? verified + 1 : started, cancellationToken).ConfigureAwait(false);
        var table = await ContainersAsync(started - _revalidateTicks, cancellationToken).ConfigureAwait(false);
        if (!ArePidsHostPids(table, snapshot))
        {
            return new Lookup(AttributionResult.Of(AuditAttribution.RoleTooWeak), 0, null, _clock.GetTimestamp());
        }

        var result = Walk(pid, snapshot, table);
        if (result.Kind == AuditAttribution.RoleTooWeak && table.ListedAt < started)
        {
            // Under a shim but below no container init we know: the container may be newer than the list.
            table = await ContainersAsync(started, cancellationToken).ConfigureAwait(false);
            result = Walk(pid, snapshot, table);
        }

        return new Lookup(result, 0, null, _clock.GetTimestamp());
    }

    /// <summary>The reader path's answer from one snapshot (and the history of earlier ones).</summary>
    private AttributionResult Walk(int pid, ProcessSnapshot snapshot, CriContainerTable table)
    {
        var current = pid;
        for (int hop = 0; hop < MaxParentHops; hop++)
        {
            if (table.FindByPid(current) is { } container)
            {
                return new AttributionResult(AuditAttribution.Container, container);
            }

            if (current <= 1)
            {
                return AttributionResult.Of(AuditAttribution.NotAContainer);
            }

            SeenProcess? info = snapshot.Processes.TryGetValue(current, out var now) ? now : null;
            if (info is null)
            {
                lock (_gate)
                {
                    info = _seen.GetValueOrDefault(current);
                }
            }

            if (info is null)
            {
                return AttributionResult.Of(AuditAttribution.ProcessExited);
            }

            if (hop > 0 && info.Command.StartsWith("containerd-shim", StringComparison.Ordinal))
            {
                return AttributionResult.Of(AuditAttribution.RoleTooWeak); // exec'd into a container: only its cgroup says which
            }

            current = info.ParentPid;
        }

        return AttributionResult.Of(AuditAttribution.ProcessExited);
    }

    /// <summary>
    /// The admin path for a process that is gone: if a snapshot saw it, the nearest ancestor still alive (and the
    /// same process the snapshot saw) or cached as a container gives the container; a child stays in its parent's
    /// cgroup. Anything else is ProcessExited.
    /// </summary>
    private async Task<AttributionResult> AttributeExitedAsync(int pid, long started, bool byCgroup, CancellationToken cancellationToken)
    {
        SeenProcess? info;
        lock (_gate)
        {
            info = _seen.GetValueOrDefault(pid);
        }

        for (int hop = 0; info is not null && hop < MaxParentHops; hop++)
        {
            var parent = info.ParentPid;
            if (parent <= 1)
            {
                break;
            }

            lock (_gate)
            {
                if (_pids.TryGetValue(parent, out var cached) && cached.Pending is null && cached.Result.Kind == AuditAttribution.Container
                    && cached.Executable == (_seen.GetValueOrDefault(parent)?.Executable ?? cached.Executable))
                {
                    return cached.Result;
                }

                info = _seen.GetValueOrDefault(parent);
            }

            if (byCgroup && info is not null)
            {
                var cgroup = await ReadTextAsync(string.Create(CultureInfo.InvariantCulture, $"/proc/{parent}/cgroup"), cancellationToken).ConfigureAwait(false);
                if (cgroup is not null && KubepodsCgroup.TryParse(cgroup, out _, out var containerId)
                    && await FindContainerAsync(containerId, started, cancellationToken).ConfigureAwait(false) is { } container)
                {
                    return new AttributionResult(AuditAttribution.Container, container);
                }
            }
        }

        return AttributionResult.Of(AuditAttribution.ProcessExited);
    }

    /// <summary>Whether ContainerInfo.pid values are host pids: most running rows' pids are in the process list (not so under workload isolation).</summary>
    private static bool ArePidsHostPids(CriContainerTable table, ProcessSnapshot snapshot)
    {
        int total = 0, present = 0;
        foreach (var pid in table.Pids)
        {
            total++;
            if (pid > 1 && snapshot.Processes.ContainsKey(pid))
            {
                present++;
            }
        }

        return total == 0 || present * 2 > total;
    }

    private async Task<AttributedContainer?> FindContainerAsync(string containerId, long started, CancellationToken cancellationToken)
    {
        var table = Volatile.Read(ref _containers);
        if (table.FindById(containerId) is { } known)
        {
            return known;
        }

        // An id the list does not have: list again, unless a list taken after this lookup began already lacks it.
        if (table.ListedAt > started)
        {
            return null;
        }

        table = await ContainersAsync(started + 1, cancellationToken).ConfigureAwait(false);
        return table.FindById(containerId);
    }

    /// <summary>The CRI list, taken at or after <paramref name="notBefore"/> (a list already running since then is shared).</summary>
    private Task<CriContainerTable> ContainersAsync(long notBefore, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_containers.ListedAt >= notBefore && !ReferenceEquals(_containers, CriContainerTable.Empty))
            {
                return Task.FromResult(_containers);
            }

            if (_containersRefresh is { } running && _containersRefreshStarted >= notBefore)
            {
                return running;
            }

            var startedAt = _clock.GetTimestamp();
            _containersRefreshStarted = startedAt;
            return _containersRefresh = Task.Run(async () =>
            {
                var rows = await _client.ContainersAsync(_node, cancellationToken: cancellationToken).ConfigureAwait(false);
                var table = CriContainerTable.From(rows, startedAt);
                lock (_gate)
                {
                    if (table.ListedAt >= _containers.ListedAt)
                    {
                        _containers = table;
                    }
                }

                return table;
            }, CancellationToken.None);
        }
    }

    /// <summary>A process snapshot taken at or after <paramref name="notBefore"/> (one already running since then is shared); it also feeds the history.</summary>
    private Task<ProcessSnapshot> SnapshotAsync(long notBefore, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_snapshot is { } last && last.TakenAt >= notBefore)
            {
                return Task.FromResult(last);
            }

            if (_snapshotRefresh is { } running && _snapshotRefreshStarted >= notBefore)
            {
                return running;
            }

            var startedAt = _clock.GetTimestamp();
            _snapshotRefreshStarted = startedAt;
            return _snapshotRefresh = Task.Run(async () =>
            {
                var processes = await _client.ProcessesAsync(_node, cancellationToken).ConfigureAwait(false);
                var snapshot = new ProcessSnapshot(startedAt, processes);
                Remember(snapshot);
                return snapshot;
            }, CancellationToken.None);
        }
    }

    /// <summary>Adds a snapshot to the history (bounded: the processes seen longest ago go first) and marks cached pids it contradicts as stale.</summary>
    private void Remember(ProcessSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_snapshot is null || snapshot.TakenAt >= _snapshot.TakenAt)
            {
                _snapshot = snapshot;
            }

            foreach (var (pid, process) in snapshot.Processes)
            {
                _seen[pid] = process;
            }

            var limit = Math.Max(1024, _options.CacheCapacity * 4);
            if (_seen.Count > limit)
            {
                foreach (var pid in _seen.OrderBy(p => p.Value.SeenAt).Take(_seen.Count - limit).Select(p => p.Key).ToArray())
                {
                    _seen.Remove(pid);
                }
            }

            // Without start times (reader role) a pid that left the list, or changed its executable, must be looked up again.
            foreach (var (pid, entry) in _pids)
            {
                if (entry.StartTime == 0 && entry.Pending is null
                    && (!snapshot.Processes.TryGetValue(pid, out var process) || (entry.Executable.Length > 0 && process.Executable != entry.Executable)))
                {
                    entry.VerifiedAt = long.MinValue + 1;
                }
            }
        }
    }

    /// <summary>When a process with this start time (clock ticks after boot) started, from the node's boot time (/proc/stat btime).</summary>
    private async Task<DateTimeOffset?> StartedAtAsync(ulong startTicks, CancellationToken cancellationToken)
    {
        Task<DateTimeOffset?> boot;
        lock (_gate)
        {
            boot = _bootTime ??= Task.Run(async () =>
            {
                var text = await ReadTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false);
                foreach (var line in (text ?? string.Empty).Split('\n'))
                {
                    if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                    {
                        return (DateTimeOffset?)DateTimeOffset.FromUnixTimeSeconds(seconds);
                    }
                }

                return null;
            }, CancellationToken.None);
        }

        DateTimeOffset? bootTime;
        try
        {
            bootTime = await boot.ConfigureAwait(false);
        }
        catch (TalosSeccompException)
        {
            bootTime = null;
        }

        return bootTime?.AddSeconds(startTicks / (double)UserHz);
    }

    /// <summary>A file's text through Read; null when it does not exist (the process is gone).</summary>
    private async Task<string?> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return Encoding.UTF8.GetString(await _client.ReadFileAsync(_node, path, cancellationToken).ConfigureAwait(false));
        }
        catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.NotFound)
        {
            return null;
        }
    }

    /// <summary>What a lookup found, and when: the start time and its wall-clock time (admin path), and the clock timestamp of the check.</summary>
    private sealed record Lookup(AttributionResult Result, ulong StartTime, DateTimeOffset? StartedAt, long VerifiedAt);

    private sealed class PidEntry(int pid)
    {
        public int Pid { get; } = pid;

        public AttributionResult Result { get; set; }

        public ulong StartTime { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public long VerifiedAt { get; set; } = long.MinValue;

        public string Executable { get; set; } = string.Empty;

        public Task<Lookup>? Pending { get; set; }
    }
}

/// <summary>One process as a snapshot saw it.</summary>
internal sealed record SeenProcess(int ParentPid, string Command, string Executable, long SeenAt);

/// <summary>A node's process list at one moment.</summary>
internal sealed class ProcessSnapshot
{
    public ProcessSnapshot(long takenAt, IReadOnlyList<ProcessInfo> processes)
    {
        TakenAt = takenAt;
        var map = new Dictionary<int, SeenProcess>(processes.Count);
        foreach (var p in processes)
        {
            map[p.Pid] = new SeenProcess(p.Ppid, p.Command, p.Executable, takenAt);
        }

        Processes = map;
    }

    public long TakenAt { get; }

    public IReadOnlyDictionary<int, SeenProcess> Processes { get; }
}
