using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TalosSeccomp.FakeTalos.State;
using TalosSeccomp.Talos.Wire.Machine;

namespace TalosSeccomp.FakeTalos;

/// <summary>The node's processes and Kubernetes pods: what Processes, Containers and Read of /proc/&lt;pid&gt;/… answer.</summary>
public sealed partial class FakeNode
{
    /// <summary>Containerd namespace of Kubernetes (upstream constants.K8sContainerdNamespace).</summary>
    public const string K8sContainerdNamespace = "k8s.io";

    private readonly object workloadGate = new();
    private readonly Dictionary<int, FakeProcess> processes = new();
    private IReadOnlyList<FakeCriPod> criPods = [];
    private IReadOnlyList<FakeCriContainer> criContainers = [];

    // The last start time given out, in USER_HZ (100) ticks after boot.
    private ulong lastStartTime;
    private int nextSandboxPid = 2;

    /// <summary>Pods whose sandbox is ready, listed as sandbox rows even without containers (a pod's containers add theirs).</summary>
    public IReadOnlyList<FakeCriPod> CriPods
    {
        get { lock (workloadGate) { return criPods; } }
        set { lock (workloadGate) { criPods = [.. value ?? throw new ArgumentNullException(nameof(value))]; } }
    }

    /// <summary>The CRI containers (namespace k8s.io) MachineService.Containers lists; their pods get sandbox rows.</summary>
    public IReadOnlyList<FakeCriContainer> CriContainers
    {
        get { lock (workloadGate) { return criContainers; } }
        set { lock (workloadGate) { criContainers = [.. value ?? throw new ArgumentNullException(nameof(value))]; } }
    }

    /// <summary>
    /// Talos 1.14 <c>SecurityProfileConfig.workloadIsolation</c>: CRI and pods run in sandboxd's PID namespace, so
    /// Containers reports each sandbox's and container's pid as seen inside that namespace (the process's
    /// <see cref="FakeProcess.SandboxPid"/>), not the host pid that audit records and Processes carry.
    /// </summary>
    public bool WorkloadIsolation { get; set; }

    /// <summary>Processes and Read of /proc/… answer from this machine's real /proc (<see cref="FakeTalosOptions.ForwardHostProcesses"/>).</summary>
    public bool ForwardsHostProcesses { get; internal set; }

    /// <summary>Containers lists this machine's runc containers under this root (<see cref="FakeTalosOptions.ForwardHostRuncContainers"/>); null when not.</summary>
    public string? HostRuncRoot { get; internal set; }

    /// <summary>The in-memory process table, by pid.</summary>
    public IReadOnlyList<FakeProcess> Processes
    {
        get { lock (workloadGate) { return processes.Values.OrderBy(p => p.Pid).ToArray(); } }
    }

    /// <summary>
    /// The cgroup path the kubelet's cgroupfs driver gives a container (Talos runs the kubelet with cgroupfs):
    /// <c>/kubepods/pod&lt;uid&gt;/&lt;id&gt;</c> for Guaranteed pods, <c>/kubepods/burstable/…</c> or <c>/kubepods/besteffort/…</c>.
    /// </summary>
    public static string KubepodsCgroup(FakeCriPod pod, string containerId, string qosClass = "besteffort")
    {
        ArgumentNullException.ThrowIfNull(pod);
        var qos = qosClass.Equals("guaranteed", StringComparison.OrdinalIgnoreCase) ? string.Empty : "/" + qosClass.ToLowerInvariant();
        return $"/kubepods{qos}/pod{pod.Uid}/{containerId}";
    }

    /// <summary>
    /// Adds a process (a pid already in the table was reused: the old process is gone). A zero start time gets the
    /// time now (ticks after boot, later than any given before), so a reused pid always has a later start time; a container process (cgroup under /kubepods) without a
    /// sandbox pid gets the next pid of the sandbox's PID namespace. Returns the process as stored.
    /// </summary>
    public FakeProcess StartProcess(FakeProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        lock (workloadGate)
        {
            var stored = process;
            if (stored.StartTime == 0)
            {
                // Now, in ticks after boot; always later than the last one, as the kernel's clock is.
                var now = (ulong)((DateTime.UtcNow - bootTime).Ticks / (TimeSpan.TicksPerSecond / 100));
                stored = stored with { StartTime = lastStartTime = Math.Max(now, lastStartTime + 1) };
            }
            else
            {
                lastStartTime = Math.Max(lastStartTime, stored.StartTime);
            }

            if (stored.SandboxPid is null && stored.Cgroup.StartsWith("/kubepods", StringComparison.Ordinal))
            {
                stored = stored with { SandboxPid = nextSandboxPid++ };
            }

            processes[stored.Pid] = stored;
            return stored;
        }
    }

    /// <summary>Removes a process that exited; false when there was none with that pid.</summary>
    public bool ExitProcess(int pid)
    {
        lock (workloadGate)
        {
            return processes.Remove(pid);
        }
    }

    /// <summary>The process with this pid, or null.</summary>
    public FakeProcess? FindProcess(int pid)
    {
        lock (workloadGate)
        {
            return processes.GetValueOrDefault(pid);
        }
    }

    /// <summary>
    /// Processes' list: this machine's /proc when forwarding, else the table in pid order, each as upstream
    /// <c>internal/pkg/miniprocfs/processes.go</c> reads it (cpu_time = ticks / 100, resident_memory = pages × page size).
    /// </summary>
    internal IEnumerable<ProcessInfo> ListProcesses()
    {
        if (ForwardsHostProcesses)
        {
            return HostProcesses.List();
        }

        return Processes.Select(p => new ProcessInfo
        {
            Pid = p.Pid,
            Ppid = p.Ppid,
            State = p.State,
            Threads = p.Threads,
            CpuTime = p.CpuTicks / 100.0,
            VirtualMemory = p.VirtualMemory,
            ResidentMemory = p.ResidentPages * 4096,
            Command = p.Command,
            Executable = p.Executable,
            Args = p.Args,
            Label = p.Label,
        }).ToArray();
    }

    /// <summary>
    /// Containers' rows for driver CRI in namespace k8s.io, as upstream <c>internal/pkg/containers/cri/cri.go</c> Pods
    /// and <c>v1alpha1_server.go</c> Containers build them: per ready sandbox one row (id = pod_id = name =
    /// <c>ns/pod</c>, internal_id = sandbox id, uid = pod UID, pid = the pause pid, status SANDBOX_READY, the pause
    /// image, network_namespace the base name of the sandbox's netns path), then per container of a listed sandbox one
    /// row (id <c>ns/pod:name:&lt;first 12 of id&gt;</c>, pod_id <c>ns/pod</c>, internal_id the id, uid empty, the pid CRI's
    /// verbose info gives, status CONTAINER_RUNNING/…). A container whose sandbox is not listed is left out.
    /// </summary>
    internal IReadOnlyList<ContainerInfo> ListCriContainers()
    {
        IReadOnlyList<FakeCriPod> pods;
        IReadOnlyList<(FakeCriContainer Container, string Status)> containers;
        if (HostRuncRoot is { } root)
        {
            (pods, containers) = HostRuncContainers.List(root);
        }
        else
        {
            lock (workloadGate)
            {
                var listed = new List<FakeCriPod>(criPods);
                foreach (var container in criContainers)
                {
                    if (!listed.Any(p => p.SandboxId == container.Pod.SandboxId))
                    {
                        listed.Add(container.Pod);
                    }
                }

                pods = listed;
                containers = criContainers.Select(c => (c, c.Running ? "CONTAINER_RUNNING" : "CONTAINER_EXITED")).ToArray();
            }
        }

        var rows = new List<ContainerInfo>();
        var podRows = new Dictionary<string, ContainerInfo>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var podName = pod.Namespace + "/" + pod.Name;
            var row = new ContainerInfo
            {
                Namespace = K8sContainerdNamespace,
                Id = podName,
                Name = podName,
                PodId = podName,
                InternalId = pod.SandboxId,
                Uid = pod.Uid,
                Image = pod.Image,
                Pid = (uint)ReportedPid(pod.Pid),
                Status = "SANDBOX_READY",
                NetworkNamespace = NetworkNamespaceOf(pod.SandboxId),
            };
            rows.Add(row);
            podRows[pod.SandboxId] = row;
        }

        foreach (var (container, status) in containers)
        {
            if (!podRows.ContainsKey(container.Pod.SandboxId))
            {
                continue;
            }

            var podName = container.Pod.Namespace + "/" + container.Pod.Name;
            rows.Add(new ContainerInfo
            {
                Namespace = K8sContainerdNamespace,
                Id = podName + ":" + container.Name + ":" + container.Id[..Math.Min(12, container.Id.Length)],
                Name = container.Name,
                PodId = podName,
                InternalId = container.Id,
                Image = container.Image,
                Pid = (uint)ReportedPid(container.Pid),
                Status = status,
            });
        }

        return rows;
    }

    /// <summary>
    /// Read of a /proc path (upstream <c>v1alpha1_server.go</c> Read: os.Stat, then regular files only): from this
    /// machine's /proc when forwarding, else from the table: <c>/proc/&lt;pid&gt;/cgroup</c> (cgroup v2, <c>0::&lt;path&gt;</c>),
    /// <c>stat</c>, <c>status</c>, <c>comm</c>, <c>cmdline</c>, and <c>/proc/stat</c> (btime) and <c>/proc/uptime</c>; <c>/proc</c> and
    /// <c>/proc/&lt;pid&gt;</c> are directories. False when
    /// the path is not under /proc (the node's other files answer it).
    /// </summary>
    internal bool TryReadProc(string path, out string? content, out bool isDirectory)
    {
        content = null;
        isDirectory = false;
        var normalized = NormalizePath(path);
        if (normalized != "/proc" && !normalized.StartsWith("/proc/", StringComparison.Ordinal))
        {
            return false;
        }

        if (ForwardsHostProcesses)
        {
            content = HostProcesses.ReadFile(normalized, out isDirectory);
            return true;
        }

        var parts = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1)
        {
            isDirectory = true;
            return true;
        }

        // fs/proc/stat.c and uptime.c: btime is the boot time in whole seconds since the epoch.
        if (parts.Length == 2 && parts[1] is "stat" or "uptime")
        {
            var uptime = DateTime.UtcNow - bootTime;
            content = parts[1] == "stat"
                ? string.Create(CultureInfo.InvariantCulture, $"cpu  1000 0 500 30000 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime {new DateTimeOffset(bootTime).ToUnixTimeSeconds()}\nprocesses {processes.Count}\nprocs_running 1\nprocs_blocked 0\n")
                : string.Create(CultureInfo.InvariantCulture, $"{uptime.TotalSeconds:0.00} {uptime.TotalSeconds * 1.8:0.00}\n");
            return true;
        }

        var pid = parts[1] == "self" ? 1 : int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1;
        var process = FindProcess(pid);
        if (process is null)
        {
            return true;
        }

        if (parts.Length == 2)
        {
            isDirectory = true;
            return true;
        }

        if (parts.Length == 3)
        {
            content = parts[2] switch
            {
                "cgroup" => "0::" + process.Cgroup + "\n",
                "stat" => process.StatLine(),
                "status" => process.StatusText(WorkloadIsolation ? process.SandboxPid : null),
                "comm" => process.Command + "\n",
                "cmdline" => string.Join('\0', process.Args.Split(' ')) + "\0",
                _ => null,
            };
        }

        return true;
    }

    /// <summary>A host pid as Containers reports it: under workload isolation, the pid in the sandbox's PID namespace (0 when the process is not in the table).</summary>
    private int ReportedPid(int hostPid)
    {
        if (!WorkloadIsolation || hostPid == 0)
        {
            return hostPid;
        }

        return FindProcess(hostPid)?.SandboxPid ?? 0;
    }

    /// <summary>The base name of a sandbox's network namespace path (<c>/var/run/netns/cni-&lt;uuid&gt;</c>), stable per sandbox.</summary>
    private static string NetworkNamespaceOf(string sandboxId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sandboxId));
        return "cni-" + new Guid(hash.AsSpan(0, 16)).ToString("D");
    }

    private void SeedProcesses()
    {
        // Talos's own processes in their cgroups (pkg/machinery/constants: CgroupInit, CgroupSystemRuntime,
        // CgroupPodRuntime, CgroupPodRuntimeRoot/kubelet).
        StartProcess(new FakeProcess(1, 0, "machined", "/sbin/init", "/sbin/init", "/init") { StartTime = 1 });
        StartProcess(new FakeProcess(612, 1, "containerd", "/bin/containerd", "/bin/containerd --address /system/run/containerd/containerd.sock", "/system/runtime") { StartTime = 350 });
        StartProcess(new FakeProcess(1104, 1, "containerd", "/bin/containerd", "/bin/containerd --address /run/containerd/containerd.sock --config /etc/cri/containerd.toml", "/podruntime/runtime") { StartTime = 1200, Threads = 14 });
        StartProcess(new FakeProcess(1390, 1, "kubelet", "/usr/local/bin/kubelet", "/usr/local/bin/kubelet --config=/etc/kubernetes/kubelet.yaml", "/podruntime/kubelet") { StartTime = 1500, Threads = 18 });
    }
}
