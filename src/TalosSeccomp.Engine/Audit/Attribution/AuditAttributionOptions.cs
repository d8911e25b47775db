namespace TalosSeccomp.Audit.Attribution;

/// <summary>How a seccomp audit stream ties events to Kubernetes pods and containers (one attributor per node).</summary>
public sealed class AuditAttributionOptions
{
    /// <summary>The default bound of each node's cache of looked-up processes.</summary>
    public const int DefaultCacheCapacity = 8192;

    /// <summary>How many processes each node's cache holds; the oldest entries make way beyond this.</summary>
    public int CacheCapacity { get; init; } = DefaultCacheCapacity;

    /// <summary>
    /// How long a looked-up process is trusted before its next record checks again that the pid still belongs to the
    /// same process (its start time in /proc/&lt;pid&gt;/stat with the admin role, the process list with the reader role).
    /// A record whose process name or executable differs from the cached ones is checked at once.
    /// </summary>
    public TimeSpan RevalidateAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a followed watch takes a snapshot of each node's process list (MachineService.Processes), so that a
    /// short-lived process that exits before its first record is looked up can still be tied to its container through
    /// its parent. Zero turns snapshots off.
    /// </summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many lookups of one node run at the same time.</summary>
    public int MaxConcurrentLookups { get; init; } = 8;

    /// <summary>The clock (tests use a manual one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
