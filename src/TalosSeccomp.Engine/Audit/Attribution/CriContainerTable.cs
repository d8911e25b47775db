using TalosSeccomp.Talos.Wire.Machine;

namespace TalosSeccomp.Audit.Attribution;

/// <summary>
/// A node's pods and containers from one MachineService.Containers call (namespace k8s.io, driver CRI): by container
/// id, and by init pid when those pids are host pids.
/// </summary>
internal sealed class CriContainerTable
{
    private readonly Dictionary<string, AttributedContainer> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AttributedContainer> _byPid = new();

    private CriContainerTable()
    {
    }

    public static CriContainerTable Empty { get; } = new();

    /// <summary>When the list was taken (the clock's timestamp).</summary>
    public long ListedAt { get; private init; }

    /// <summary>The running rows' pids: the pid of each sandbox (pause) and container init.</summary>
    public IReadOnlyCollection<int> Pids => _byPid.Keys;

    /// <summary>
    /// Builds the table. Sandbox rows (id = pod_id = <c>ns/pod</c>, uid = pod UID) come before their containers
    /// (upstream <c>internal/pkg/containers/cri/cri.go</c>); a container row's pod UID is its sandbox row's.
    /// </summary>
    public static CriContainerTable From(IReadOnlyList<ContainerInfo> rows, long listedAt)
    {
        var table = new CriContainerTable { ListedAt = listedAt };
        var podUids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Status == "SANDBOX_READY" || (row.Id == row.PodId && row.Uid.Length > 0))
            {
                podUids[row.PodId] = row.Uid;
            }
        }

        foreach (var row in rows)
        {
            if (row.InternalId.Length == 0)
            {
                continue;
            }

            var slash = row.PodId.IndexOf('/');
            var ns = slash < 0 ? string.Empty : row.PodId[..slash];
            var pod = slash < 0 ? row.PodId : row.PodId[(slash + 1)..];
            bool isSandbox = row.Id == row.PodId;
            var container = new AttributedContainer(ns, pod, podUids.GetValueOrDefault(row.PodId, string.Empty),
                isSandbox ? null : row.Name, row.InternalId, row.Image);
            table._byId[row.InternalId] = container;
            if (row.Pid != 0 && (isSandbox || row.Status == "CONTAINER_RUNNING"))
            {
                table._byPid[(int)row.Pid] = container;
            }
        }

        return table;
    }

    public AttributedContainer? FindById(string containerId) => _byId.GetValueOrDefault(containerId);

    public AttributedContainer? FindByPid(int pid) => _byPid.GetValueOrDefault(pid);
}
