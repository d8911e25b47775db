using TalosSeccomp.Profiles;

namespace TalosSeccomp.Audit;

/// <summary>One workload container's part of a per-workload recording.</summary>
public sealed class RecordedWorkload
{
    private readonly SortedSet<string> _pods = new(StringComparer.Ordinal);

    internal RecordedWorkload(SeccompWorkload workload) => Workload = workload;

    /// <summary>The workload container.</summary>
    public SeccompWorkload Workload { get; }

    /// <summary>The recording of this workload container's events alone.</summary>
    public SeccompProfileRecorder Recorder { get; } = new();

    /// <summary>The pods (replicas) whose events were recorded, sorted.</summary>
    public IReadOnlyCollection<string> Pods => _pods;

    /// <summary>How many of the events were made by the container runtime's init before it executed the workload (<see cref="SeccompAuditEvent.IsContainerInit"/>).</summary>
    public long ContainerInitEventCount { get; private set; }

    internal void Add(SeccompAuditEvent auditEvent)
    {
        _pods.Add(auditEvent.Pod!);
        if (auditEvent.IsContainerInit)
        {
            ContainerInitEventCount++;
        }

        Recorder.Add(auditEvent);
    }
}

/// <summary>
/// Records one profile per workload container: events are grouped by namespace, workload
/// (<see cref="SeccompWorkloadOverride.Resolve"/>) and container, so replicas of one Deployment, StatefulSet or
/// DaemonSet share a profile. An event not attributed to a container is never guessed into a workload: it is
/// counted in <see cref="Unattributed"/> by reason and left out. The container runtime's init records stay in
/// (runc installs the filter before it executes the workload, so the profile must allow them).
/// </summary>
public sealed class SeccompWorkloadRecorder
{
    private readonly IReadOnlyList<SeccompWorkloadOverride> _overrides;
    private readonly Dictionary<(string Namespace, string Workload, string Container), RecordedWorkload> _workloads = new();
    private readonly Dictionary<string, long> _unattributed = new(StringComparer.Ordinal);

    /// <summary>Creates a recorder; <paramref name="overrides"/> name the workloads of the pods they match.</summary>
    public SeccompWorkloadRecorder(IEnumerable<SeccompWorkloadOverride>? overrides = null) =>
        _overrides = overrides?.ToList() ?? [];

    /// <summary>Events added so far, attributed or not.</summary>
    public long EventCount { get; private set; }

    /// <summary>
    /// Events left out because they are not tied to one container, by reason: the <see cref="AuditAttribution"/>
    /// value, or "Container without Namespace, Pod or Container" for an event that says Container but lacks a name.
    /// </summary>
    public IReadOnlyDictionary<string, long> Unattributed => _unattributed;

    /// <summary>How many events were left out (the sum of <see cref="Unattributed"/>).</summary>
    public long UnattributedCount => _unattributed.Values.Sum();

    /// <summary>The workload containers seen, ordered by profile name.</summary>
    public IReadOnlyList<RecordedWorkload> Workloads =>
        _workloads.Values.OrderBy(w => w.Workload.ProfileName, StringComparer.Ordinal).ToList();

    /// <summary>Adds one event. A pod matching overrides with different names is <c>AmbiguousWorkloadName</c>.</summary>
    public void Add(SeccompAuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        EventCount++;
        if (auditEvent.Attribution != AuditAttribution.Container)
        {
            Count(auditEvent.Attribution.ToString());
            return;
        }

        if (string.IsNullOrEmpty(auditEvent.Namespace) || string.IsNullOrEmpty(auditEvent.Pod) || string.IsNullOrEmpty(auditEvent.Container))
        {
            Count("Container without Namespace, Pod or Container");
            return;
        }

        var workload = SeccompWorkloadOverride.Resolve(_overrides, auditEvent.Namespace, auditEvent.Pod, auditEvent.Container);
        var key = (workload.Namespace, workload.Name, workload.Container);
        if (!_workloads.TryGetValue(key, out var recorded))
        {
            recorded = new RecordedWorkload(workload);
            _workloads.Add(key, recorded);
        }

        recorded.Add(auditEvent);
    }

    /// <summary>
    /// Builds each workload container's profile (<see cref="SeccompProfileRecorder.Build"/>), named
    /// <see cref="SeccompWorkload.ProfileName"/> and carrying <see cref="SeccompProfile.Workload"/>. A workload whose
    /// events name no known syscall gets no profile; its <c>NoAuditEventsRecorded</c> error is in the result.
    /// </summary>
    public IReadOnlyList<(RecordedWorkload Workload, SeccompProfile? Profile, Errors.TalosSeccompException? Error)> Build(
        string defaultAction, uint? defaultErrnoRet = null, SeccompProfile? baseProfile = null)
    {
        var built = new List<(RecordedWorkload, SeccompProfile?, Errors.TalosSeccompException?)>();
        foreach (var recorded in Workloads)
        {
            try
            {
                var profile = recorded.Recorder.Build(defaultAction, defaultErrnoRet, baseProfile);
                profile.Name = recorded.Workload.ProfileName;
                profile.Workload = recorded.Workload;
                built.Add((recorded, profile, null));
            }
            catch (Errors.TalosSeccompException ex) when (ex.ErrorId == Errors.ErrorIds.NoAuditEventsRecorded)
            {
                built.Add((recorded, null, new Errors.TalosSeccompException(ex.ErrorId, ex.Kind,
                    $"Workload container {recorded.Workload}: {ex.Message}", recorded.Workload.ToString())));
            }
        }

        return built;
    }

    private void Count(string reason) => _unattributed[reason] = _unattributed.GetValueOrDefault(reason) + 1;
}
