using TalosSeccomp.FakeTalos;
using TalosSeccomp.FakeTalos.State;

namespace TalosSeccomp.Tests.Audit.Attribution;

/// <summary>Pods on a fake node laid out as on a Talos worker: a shim per pod, its pause and container inits as children, in their cgroups.</summary>
internal static class WorkloadFixture
{
    public static string Hex(int seed) => seed.ToString("x8", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, 'a');

    /// <summary>One pod with one container; pids from <paramref name="basePid"/>: shim, pause (+1), container init (+2).</summary>
    public static FakeCriContainer AddPod(FakeNode node, string ns, string pod, string container, int basePid, string image = "docker.io/library/nginx:1.27", string exe = "/usr/sbin/nginx")
    {
        var uid = $"{basePid:x8}-0000-4000-8000-{basePid:x12}";
        var criPod = new FakeCriPod(ns, pod, uid, Hex(basePid), basePid + 1);
        var criContainer = new FakeCriContainer(criPod, container, Hex(basePid + 2), image, basePid + 2, true);
        node.CriContainers = [.. node.CriContainers, criContainer];
        node.StartProcess(new FakeProcess(basePid, 1, "containerd-shim", "/bin/containerd-shim-runc-v2", "/bin/containerd-shim-runc-v2 -namespace k8s.io -id " + criPod.SandboxId, "/podruntime/runtime"));
        node.StartProcess(new FakeProcess(basePid + 1, basePid, "pause", "/pause", "/pause", FakeNode.KubepodsCgroup(criPod, criPod.SandboxId)));
        node.StartProcess(new FakeProcess(basePid + 2, basePid, Path.GetFileName(exe), exe, exe, FakeNode.KubepodsCgroup(criPod, criContainer.Id)));
        return criContainer;
    }

    /// <summary>A child process of <paramref name="parentPid"/> in the same cgroup.</summary>
    public static FakeProcess AddChild(FakeNode node, int pid, int parentPid, string command, string exe)
    {
        var parent = node.FindProcess(parentPid) ?? throw new InvalidOperationException($"no process {parentPid}");
        return node.StartProcess(new FakeProcess(pid, parentPid, command, exe, exe, parent.Cgroup));
    }
}

/// <summary>A clock tests move by hand; each reading is one tick later, as a real clock's are (timers still run on the system clock).</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Increment(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
