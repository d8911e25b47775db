using System.Text;
using Grpc.Core;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.FakeTalos.State;
using TalosSeccomp.Talos.Wire.Machine;
using Xunit;
using Empty = Google.Protobuf.WellKnownTypes.Empty;
using WireCommon = TalosSeccomp.Talos.Wire.Common;

namespace TalosSeccomp.Tests.FakeTalos;

/// <summary>
/// The fake node's Containers, Processes and Read of /proc as upstream answers them (v1alpha1_server.go,
/// internal/pkg/containers/cri/cri.go, internal/pkg/miniprocfs), for pod attribution of audit records.
/// </summary>
public sealed class FakeTalosWorkloadTests : IAsyncLifetime
{
    private const string Node = "10.5.0.3";
    private const string SandboxId = "5f0c1a7d3b2e4f6a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
    private const string ContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string PodUid = "3b9f6c1e-8a2d-4f5b-9c7e-1d2a3b4c5d6e";
    private FakeTalosServer server = null!;
    private FakeTalosTestClient admin = null!;
    private FakeTalosTestClient reader = null!;

    public async Task InitializeAsync()
    {
        server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 2 });
        admin = new FakeTalosTestClient(server, server.Pki.Admin);
        reader = new FakeTalosTestClient(server, server.Pki.Reader);
    }

    public async Task DisposeAsync()
    {
        admin.Dispose();
        reader.Dispose();
        await server.DisposeAsync();
    }

    private FakeNode TheNode => server.Nodes[Node];

    private static FakeCriPod Pod => new("default", "web", PodUid, SandboxId, 2000);

    private void AddWebPod(bool running = true)
    {
        var container = new FakeCriContainer(Pod, "nginx", ContainerId, "docker.io/library/nginx:1.27", 2010, running);
        TheNode.CriContainers = [container];
        TheNode.StartProcess(new FakeProcess(2000, 1104, "pause", "/pause", "/pause", $"/kubepods/besteffort/pod{PodUid}/{SandboxId}"));
        TheNode.StartProcess(new FakeProcess(2010, 1104, "nginx", "/usr/sbin/nginx", "nginx -g daemon off;", FakeNode.KubepodsCgroup(Pod, ContainerId)));
    }

    [Fact]
    public async Task ContainersListsTheSandboxRowThenTheContainerRowAsCriDoes()
    {
        AddWebPod();

        var reply = await reader.Machine.ContainersAsync(new ContainersRequest { Namespace = "k8s.io", Driver = WireCommon.ContainerDriver.Cri }, FakeTalosTestClient.On(Node));

        var rows = Assert.Single(reply.Messages).Containers;
        Assert.Equal(2, rows.Count);
        var sandbox = rows[0];
        Assert.Equal("k8s.io", sandbox.Namespace);
        Assert.Equal("default/web", sandbox.Id);
        Assert.Equal("default/web", sandbox.PodId);
        Assert.Equal("default/web", sandbox.Name);
        Assert.Equal(SandboxId, sandbox.InternalId);
        Assert.Equal(PodUid, sandbox.Uid);
        Assert.Equal(2000u, sandbox.Pid);
        Assert.Equal("SANDBOX_READY", sandbox.Status);
        Assert.Equal(FakeCriPod.DefaultPauseImage, sandbox.Image);
        Assert.StartsWith("cni-", sandbox.NetworkNamespace, StringComparison.Ordinal);
        var container = rows[1];
        Assert.Equal("default/web:nginx:0123456789ab", container.Id);
        Assert.Equal("default/web", container.PodId);
        Assert.Equal("nginx", container.Name);
        Assert.Equal(ContainerId, container.InternalId);
        Assert.Equal(string.Empty, container.Uid);
        Assert.Equal(2010u, container.Pid);
        Assert.Equal("CONTAINER_RUNNING", container.Status);
        Assert.Equal("docker.io/library/nginx:1.27", container.Image);
    }

    [Fact]
    public async Task AnExitedContainerIsListedAsExited()
    {
        AddWebPod(running: false);

        var reply = await reader.Machine.ContainersAsync(new ContainersRequest { Namespace = "k8s.io", Driver = WireCommon.ContainerDriver.Cri }, FakeTalosTestClient.On(Node));

        Assert.Equal("CONTAINER_EXITED", reply.Messages[0].Containers[1].Status);
    }

    [Fact]
    public async Task ContainersRefusesCriOutsideK8sAndAnEmptyNamespaceWithUpstreamsCodesAndTexts()
    {
        var outside = await Assert.ThrowsAsync<RpcException>(() => reader.Machine.ContainersAsync(new ContainersRequest { Namespace = "system", Driver = WireCommon.ContainerDriver.Cri }, FakeTalosTestClient.On(Node)).ResponseAsync);
        var empty = await Assert.ThrowsAsync<RpcException>(() => reader.Machine.ContainersAsync(new ContainersRequest { Driver = WireCommon.ContainerDriver.Cri }, FakeTalosTestClient.On(Node)).ResponseAsync);
        var driver = await Assert.ThrowsAsync<RpcException>(() => reader.Machine.ContainersAsync(new ContainersRequest { Namespace = "k8s.io", Driver = (WireCommon.ContainerDriver)5 }, FakeTalosTestClient.On(Node)).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, outside.StatusCode);
        Assert.Equal("CRI inspector is supported only for K8s namespace", outside.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Equal("namespace can't be empty", empty.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, driver.StatusCode);
        Assert.Equal("unsupported driver \"5\"", driver.Status.Detail);
    }

    [Fact]
    public async Task WorkloadIsolationReportsPidsOfTheSandboxNamespace()
    {
        AddWebPod();
        TheNode.WorkloadIsolation = true;

        var reply = await reader.Machine.ContainersAsync(new ContainersRequest { Namespace = "k8s.io", Driver = WireCommon.ContainerDriver.Cri }, FakeTalosTestClient.On(Node));
        var processes = await reader.Machine.ProcessesAsync(new Empty(), FakeTalosTestClient.On(Node));

        var rows = reply.Messages[0].Containers;
        var hostPids = processes.Messages[0].Processes.Select(p => (uint)p.Pid).ToHashSet();
        Assert.Equal((uint)TheNode.FindProcess(2000)!.SandboxPid!.Value, rows[0].Pid);
        Assert.Equal((uint)TheNode.FindProcess(2010)!.SandboxPid!.Value, rows[1].Pid);
        Assert.DoesNotContain(rows[1].Pid, hostPids);
        var status = await ReadAsync(admin, "/proc/2010/status");
        Assert.Contains($"NSpid:\t2010\t{rows[1].Pid}\n", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessesListsTheTableWithMiniprocfsFieldsForAReader()
    {
        AddWebPod();

        var reply = await reader.Machine.ProcessesAsync(new Empty(), FakeTalosTestClient.On(Node));

        var processes = Assert.Single(reply.Messages).Processes;
        Assert.Equal(processes.Select(p => p.Pid).Order(), processes.Select(p => p.Pid));
        var nginx = Assert.Single(processes, p => p.Pid == 2010);
        Assert.Equal(1104, nginx.Ppid);
        Assert.Equal("nginx", nginx.Command);
        Assert.Equal("/usr/sbin/nginx", nginx.Executable);
        Assert.Equal("nginx -g daemon off;", nginx.Args);
        Assert.Equal("S", nginx.State);
        Assert.Equal(256UL * 4096, nginx.ResidentMemory);
        Assert.Contains(processes, p => p.Pid == 1 && p.Command == "machined");
    }

    [Fact]
    public async Task ReadServesProcCgroupAndStatToAdminAndNotToAReader()
    {
        AddWebPod();

        var cgroup = await ReadAsync(admin, "/proc/2010/cgroup");
        var stat = await ReadAsync(admin, "/proc/2010/stat");
        var denied = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(reader, "/proc/2010/cgroup"));

        Assert.Equal($"0::/kubepods/besteffort/pod{PodUid}/{ContainerId}\n", cgroup);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.StartsWith("2010 (nginx) S 1104 ", stat, StringComparison.Ordinal);
        Assert.Equal(TheNode.FindProcess(2010)!.StartTime.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[19]);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal("not authorized", denied.Status.Detail);
    }

    [Fact]
    public async Task ReadOfAnExitedProcessIsNotFoundAndAProcDirectoryIsNotARegularFile()
    {
        AddWebPod();
        Assert.True(TheNode.ExitProcess(2010));

        var gone = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(admin, "/proc/2010/cgroup"));
        var directory = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(admin, "/proc/2000"));

        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal("stat /proc/2010/cgroup: no such file or directory", gone.Status.Detail);
        Assert.Equal(StatusCode.Unknown, directory.StatusCode);
        Assert.Equal("path must be a regular file", directory.Status.Detail);
    }

    [Fact]
    public async Task AReusedPidHasALaterStartTimeAndItsNewCgroup()
    {
        AddWebPod();
        var before = TheNode.FindProcess(2010)!;
        TheNode.ExitProcess(2010);

        var after = TheNode.StartProcess(new FakeProcess(2010, 1, "sh", "/bin/sh", "sh", "/system/runtime"));

        Assert.True(after.StartTime > before.StartTime);
        Assert.Equal("0::/system/runtime\n", await ReadAsync(admin, "/proc/2010/cgroup"));
    }

    [Fact]
    public async Task HostProcessesForwardThisMachinesProc()
    {
        await using var host = await FakeTalosServer.StartAsync(new FakeTalosOptions { ForwardHostProcesses = true });
        using var client = new FakeTalosTestClient(host, host.Pki.Admin);

        var reply = await client.Machine.ProcessesAsync(new Empty(), FakeTalosTestClient.On(null));
        var own = string.Concat(await client.Machine.Read(new ReadRequest { Path = $"/proc/{Environment.ProcessId}/stat" }, FakeTalosTestClient.On(null))
            .ResponseStream.ReadAllAsync().Select(d => d.Bytes.ToStringUtf8()).ToListAsync());

        var self = Assert.Single(reply.Messages[0].Processes, p => p.Pid == Environment.ProcessId);
        Assert.Equal(Environment.ProcessPath, self.Executable);
        Assert.StartsWith($"{Environment.ProcessId} (", own, StringComparison.Ordinal);
    }

    [Fact]
    public void RuncListJsonBecomesCriPodsAndContainers()
    {
        var json = $$"""
            [{"ociVersion":"1.0.2","id":"{{SandboxId}}","pid":3000,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"2026-01-01T00:00:00Z",
              "annotations":{"io.kubernetes.cri.container-type":"sandbox","io.kubernetes.cri.sandbox-id":"{{SandboxId}}","io.kubernetes.cri.sandbox-name":"web","io.kubernetes.cri.sandbox-namespace":"default","io.kubernetes.cri.sandbox-uid":"{{PodUid}}"},"owner":""},
             {"ociVersion":"1.0.2","id":"{{ContainerId}}","pid":3010,"status":"running","bundle":"/c","rootfs":"/c/rootfs","created":"2026-01-01T00:00:01Z",
              "annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-id":"{{SandboxId}}","io.kubernetes.cri.container-name":"nginx","io.kubernetes.cri.image-name":"docker.io/library/nginx:1.27"},"owner":""},
             {"ociVersion":"1.0.2","id":"orphan","pid":3030,"status":"running","bundle":"/e","rootfs":"/e/rootfs","created":"2026-01-01T00:00:03Z",
              "annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-id":"notlisted","io.kubernetes.cri.container-name":"x"},"owner":""},
             {"ociVersion":"1.0.2","id":"plain","pid":3020,"status":"running","bundle":"/d","rootfs":"/d/rootfs","created":"2026-01-01T00:00:02Z","owner":""}]
            """;

        var (pods, containers) = HostRuncContainers.Build(HostRuncContainers.Parse(json));

        var pod = Assert.Single(pods);
        Assert.Equal(("default", "web", PodUid, SandboxId, 3000), (pod.Namespace, pod.Name, pod.Uid, pod.SandboxId, pod.Pid));
        var (container, status) = Assert.Single(containers);
        Assert.Equal(("nginx", ContainerId, "docker.io/library/nginx:1.27", 3010, "CONTAINER_RUNNING"), (container.Name, container.Id, container.Image, container.Pid, status));
        Assert.Same(pod, container.Pod);
        Assert.Empty(HostRuncContainers.Parse("null"));
    }

    private static async Task<string> ReadAsync(FakeTalosTestClient client, string path)
    {
        var chunks = await client.Machine.Read(new ReadRequest { Path = path }, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().ToListAsync();
        return Encoding.UTF8.GetString(chunks.SelectMany(c => c.Bytes.ToByteArray()).ToArray());
    }
}
