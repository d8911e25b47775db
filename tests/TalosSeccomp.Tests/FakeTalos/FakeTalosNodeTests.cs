using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos.Wire.Config;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos.Wire.Cri;
using TalosSeccomp.Talos.Wire.Machine;
using Xunit;
using Mode = TalosSeccomp.Talos.Wire.Machine.ApplyConfigurationRequest.Types.Mode;

namespace TalosSeccomp.Tests.FakeTalos;

/// <summary>The fake node's machined behaviour: apply, derived resources and files, logs and streams.</summary>
public sealed class FakeTalosNodeTests : IAsyncLifetime
{
    private const string Node = "10.5.0.3";
    private FakeTalosServer server = null!;
    private FakeTalosTestClient client = null!;

    public async Task InitializeAsync()
    {
        server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 2 });
        client = new FakeTalosTestClient(server, server.Pki.Admin);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    private FakeNode TheNode => server.Nodes[Node];

    [Fact]
    public void StartsWithAMultiDocumentConfigHoldingOneProfileAndItsFile()
    {
        var config = TheNode.MachineConfig;

        Assert.Contains("version: v1alpha1", config);
        Assert.Contains("# ", config);
        Assert.Contains("kind: HostnameConfig", config);
        Assert.Contains("kind: KubeSpanConfig", config);
        Assert.Contains("kind: SideroLinkConfig", config);
        Assert.Equal("{\"defaultAction\":\"SCMP_ACT_LOG\"}", TheNode.ReadFile("/var/lib/kubelet/seccomp/profiles/audit.json"));
    }

    [Fact]
    public async Task ApplyBumpsVersionsOnlyForWhatChangedAndWritesGoJsonBytes()
    {
        var original = TheNode.MachineConfig;
        var withProfiles = original.Replace(
            "            defaultAction: SCMP_ACT_LOG\n",
            "            defaultAction: SCMP_ACT_LOG\n" +
            "        - name: strict.json\n" +
            "          value:\n" +
            "            syscalls:\n" +
            "              - {names: [\"<a>&b\"], action: SCMP_ACT_ERRNO, errnoRet: 1}\n" +
            "            defaultAction: SCMP_ACT_ERRNO\n" +
            "            big: 18446744073709551615\n" +
            "            hex: 0x1F\n" +
            "            ratio: 0.0000001\n" +
            "            quoted: \"0x1F\"\n",
            StringComparison.Ordinal);
        Assert.NotEqual(original, withProfiles);
        var configVersion = TheNode.MachineConfigVersion;
        var auditVersion = await ProfileVersion("audit.json");

        await ApplyAsync(withProfiles, Mode.NoReboot);
        var afterFirst = (Config: TheNode.MachineConfigVersion, Audit: await ProfileVersion("audit.json"), Strict: await ProfileVersion("strict.json"));
        await ApplyAsync(withProfiles, Mode.NoReboot);
        var afterSame = (Config: TheNode.MachineConfigVersion, Audit: await ProfileVersion("audit.json"), Strict: await ProfileVersion("strict.json"));
        await ApplyAsync(withProfiles.Replace("errnoRet: 1", "errnoRet: 38", StringComparison.Ordinal), Mode.NoReboot);
        var afterChange = (Config: TheNode.MachineConfigVersion, Audit: await ProfileVersion("audit.json"), Strict: await ProfileVersion("strict.json"));

        Assert.Equal((Next(configVersion), auditVersion, "1"), afterFirst);
        Assert.Equal(afterFirst, afterSame);
        Assert.Equal((Next(afterFirst.Config), auditVersion, "2"), afterChange);
        Assert.Equal(
            "{\"big\":18446744073709551615,\"defaultAction\":\"SCMP_ACT_ERRNO\",\"hex\":31,\"quoted\":\"0x1F\",\"ratio\":1e-7," +
            "\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"names\":[\"\\u003ca\\u003e\\u0026b\"]}]}",
            TheNode.ReadFile("/var/lib/kubelet/seccomp/profiles/strict.json"));
    }

    [Fact]
    public async Task RemovingAProfileDestroysItsResourceAndFile()
    {
        var withoutProfiles = Regex.Replace(TheNode.MachineConfig, @"    seccompProfiles:\n(?:        .*\n)+", string.Empty);

        await ApplyAsync(withoutProfiles, Mode.Auto);

        Assert.Null(TheNode.ReadFile("/var/lib/kubelet/seccomp/profiles/audit.json"));
        Assert.Empty(await ListProfiles());
    }

    [Fact]
    public async Task SeccompProfileResourceCarriesYamlAndStructSpecs()
    {
        var profile = (await ListProfiles()).Single();
        var spec = SeccompProfileSpec.Parser.ParseFrom(profile.Spec.ProtoSpec);

        Assert.Equal(("cri", "SeccompProfiles.cri.talos.dev", "audit.json"), (profile.Metadata.Namespace, profile.Metadata.Type, profile.Metadata.Id));
        Assert.Equal("SCMP_ACT_LOG", spec.Value.Fields["defaultAction"].StringValue);
        Assert.Contains("name: audit.json", profile.Spec.YamlSpec);
        Assert.Contains("defaultAction: SCMP_ACT_LOG", profile.Spec.YamlSpec);
    }

    [Fact]
    public async Task MachineConfigResourceHoldsTheTextInProtoAndAsAYamlString()
    {
        var reply = await client.State.GetAsync(new GetRequest { Namespace = "config", Type = "MachineConfigs.config.talos.dev", Id = "v1alpha1" }, FakeTalosTestClient.On(Node));
        var yamlSpec = new YamlDotNet.Serialization.Deserializer().Deserialize<string>(reply.Resource.Spec.YamlSpec);

        Assert.Equal(TheNode.MachineConfig, MachineConfigSpec.Parser.ParseFrom(reply.Resource.Spec.ProtoSpec).YamlMarshalled.ToStringUtf8());
        Assert.Equal(TheNode.MachineConfig, yamlSpec);
        Assert.Equal("1", reply.Resource.Metadata.Annotations["talos.dev/yaml-spec"]);
        Assert.Equal(TheNode.MachineConfigVersion, reply.Resource.Metadata.Version);
    }

    [Fact]
    public async Task RefusesRebootModeAndBadConfigsAndRecordsThem()
    {
        var config = TheNode.MachineConfig;
        var version = TheNode.MachineConfigVersion;

        var reboot = await Assert.ThrowsAsync<RpcException>(() => ApplyAsync(config.Replace("debug: false", "debug: true", StringComparison.Ordinal), Mode.Reboot));
        var unparsable = await Assert.ThrowsAsync<RpcException>(() => ApplyAsync("version: v1alpha1\nmachine: [\n", Mode.NoReboot));
        var noV1Alpha1 = await Assert.ThrowsAsync<RpcException>(() => ApplyAsync("apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: x\n", Mode.NoReboot));
        var badProfile = await Assert.ThrowsAsync<RpcException>(() => ApplyAsync(config.Replace("defaultAction: SCMP_ACT_LOG", "defaultAction: .inf", StringComparison.Ordinal), Mode.NoReboot));

        Assert.Equal(StatusCode.Unimplemented, reboot.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, unparsable.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, noV1Alpha1.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badProfile.StatusCode);
        Assert.Equal((config, version), (TheNode.MachineConfig, TheNode.MachineConfigVersion));
        Assert.Equal(["REBOOT", "NO_REBOOT", "NO_REBOOT", "NO_REBOOT"], TheNode.Applied.Select(a => a.Mode));
    }

    [Fact]
    public async Task DryRunSummarisesAndChangesNothingWhileAutoComesBackAsNoReboot()
    {
        var config = TheNode.MachineConfig;
        var changed = config.Replace("debug: false", "debug: true", StringComparison.Ordinal);

        var dryRun = await ApplyAsync(changed, Mode.Auto, dryRun: true);
        var unchanged = TheNode.MachineConfig;
        var applied = await ApplyAsync(changed, Mode.Auto);

        Assert.StartsWith("Dry run summary:", dryRun.ModeDetails);
        Assert.Contains("+debug: true", dryRun.ModeDetails);
        Assert.Equal(config, unchanged);
        Assert.Equal(Mode.NoReboot, applied.Mode);
        Assert.Equal(changed, TheNode.MachineConfig);
        Assert.Equal([true, false], TheNode.Applied.Select(a => a.DryRun));
    }

    [Fact]
    public async Task BeforeApplyHookRunsBeforeTheConfigTakesEffect()
    {
        string? seen = null;
        TheNode.BeforeApply = node => seen = node.MachineConfig;
        var original = TheNode.MachineConfig;

        await ApplyAsync(original.Replace("debug: false", "debug: true", StringComparison.Ordinal), Mode.NoReboot);

        Assert.Equal(original, seen);
    }

    [Fact]
    public async Task LogsComeInChunksOfAtMost1024BytesThatSplitLines()
    {
        var lines = Enumerable.Range(0, 60).Select(i => $"type=SECCOMP msg=audit(1700000000.{i:000}:{i}): pid={i} comm=\"test\" syscall=39 code=0x7ffc0000\n").ToArray();
        foreach (var line in lines)
        {
            TheNode.InjectAuditdLine(line);
        }

        var chunks = await ReadLogs(new LogsRequest { Namespace = "system", Id = "auditd", TailLines = -1 });
        var text = string.Concat(chunks);

        Assert.All(chunks, c => Assert.InRange(Encoding.UTF8.GetByteCount(c), 1, 1024));
        Assert.Contains(chunks, c => !c.EndsWith('\n'));
        Assert.EndsWith(string.Concat(lines), text);
        Assert.Equal(lines.Length + 3, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task LogsTailLinesSelectsTheLastLines()
    {
        TheNode.InjectAuditdLine("first");
        TheNode.InjectAuditdLine("second");

        var tail = string.Concat(await ReadLogs(new LogsRequest { Namespace = "system", Id = "auditd", TailLines = 2 }));
        var none = await ReadLogs(new LogsRequest { Namespace = "system", Id = "auditd", TailLines = 0 });

        Assert.Equal("first\nsecond\n", tail);
        Assert.Empty(none);
    }

    [Fact]
    public async Task FollowedLogsDeliverInjectedLinesSplitAcrossChunks()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = client.Machine.Logs(new LogsRequest { Namespace = "system", Id = "auditd", Follow = true, TailLines = 0 }, FakeTalosTestClient.On(Node, stop.Token));
        await WaitForSubscriber();
        const string Line = "type=SECCOMP msg=audit(1700000001.000:99): pid=7 comm=\"x\" syscall=1 code=0x7ffc0000\n";

        TheNode.InjectAuditdLine(Line);
        var received = new List<string>();
        while (string.Concat(received) != Line && await call.ResponseStream.MoveNext(stop.Token))
        {
            received.Add(call.ResponseStream.Current.Bytes.ToStringUtf8());
        }

        Assert.Equal(Line, string.Concat(received));
        Assert.True(received.Count >= 2);
    }

    [Fact]
    public async Task LogsOfADisabledAuditdFailAsUpstreamCircularGoDoes()
    {
        TheNode.HasAuditdService = false;

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadLogs(new LogsRequest { Namespace = "system", Id = "auditd", TailLines = -1 }));

        // A plain Go error from logging/circular.go: code Unknown; internal/integration/api/logs.go checks the text.
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Equal("log \"auditd\" was not registered", error.Status.Detail);
    }

    [Fact]
    public async Task LogsOfAnUnknownServiceAndOfContainerNamespacesFailAsUpstream()
    {
        var service = await Assert.ThrowsAsync<RpcException>(() => ReadLogs(new LogsRequest { Namespace = "system", Id = "nosuchservice", TailLines = -1 }));
        var empty = await Assert.ThrowsAsync<RpcException>(() => ReadLogs(new LogsRequest { Namespace = string.Empty, Id = "x" }));
        var cri = await Assert.ThrowsAsync<RpcException>(() => ReadLogs(new LogsRequest { Namespace = "system2", Id = "x", Driver = TalosSeccomp.Talos.Wire.Common.ContainerDriver.Cri }));

        Assert.Equal((StatusCode.Unknown, "log \"nosuchservice\" was not registered"), (service.StatusCode, service.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "namespace can't be empty"), (empty.StatusCode, empty.Status.Detail));
        Assert.Equal((StatusCode.Unknown, "CRI inspector is supported only for K8s namespace"), (cri.StatusCode, cri.Status.Detail));
    }

    [Fact]
    public async Task DmesgSendsOneRecordPerMessageInGoFormat()
    {
        TheNode.InjectKernelRecord("audit: type=1326 audit(1700000000.123:5): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=39 compat=0 ip=0x1 code=0x7ffc0000");

        var records = await client.Machine.Dmesg(new DmesgRequest(), FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync()
            .Select(d => d.Bytes.ToStringUtf8()).ToListAsync();

        Assert.All(records, r => Assert.Matches(@"^[a-z0-9]+: +[a-z]+: \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z\]: [^\n]*\n$", r));
        Assert.All(records, r => Assert.Equal(7, r.Split(": ")[1].Length));
        Assert.StartsWith("kern:  notice: [", records[^1]);
        Assert.EndsWith("code=0x7ffc0000\n", records[^1]);
    }

    [Fact]
    public async Task DmesgTailWithoutFollowIsEmptyAndWithFollowOnlyNewRecords()
    {
        var tailOnly = await client.Machine.Dmesg(new DmesgRequest { Tail = true }, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().ToListAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var follow = client.Machine.Dmesg(new DmesgRequest { Tail = true, Follow = true }, FakeTalosTestClient.On(Node, stop.Token));
        await WaitForSubscriber(kernel: true);

        TheNode.InjectKernelRecord("new record");
        Assert.True(await follow.ResponseStream.MoveNext(stop.Token));

        Assert.Empty(tailOnly);
        Assert.EndsWith("]: new record\n", follow.ResponseStream.Current.Bytes.ToStringUtf8());
    }

    [Fact]
    public async Task ReadServesProfileFilesAndRefusesMissingOnesAndDirectories()
    {
        var content = string.Concat(await client.Machine.Read(new ReadRequest { Path = "/var/lib/kubelet/seccomp/profiles/audit.json" }, FakeTalosTestClient.On(Node))
            .ResponseStream.ReadAllAsync().Select(d => d.Bytes.ToStringUtf8()).ToListAsync());
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.Machine.Read(new ReadRequest { Path = "/nope" }, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().ToListAsync());
        var directory = await Assert.ThrowsAsync<RpcException>(async () => await client.Machine.Read(new ReadRequest { Path = "/var/lib/kubelet/seccomp/profiles" }, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().ToListAsync());

        Assert.Equal("{\"defaultAction\":\"SCMP_ACT_LOG\"}", content);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Contains("regular file", directory.Status.Detail);
    }

    [Fact]
    public async Task WatchSendsReadyThenBootstrapThenChanges()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = client.State.Watch(
            new WatchRequest { Namespace = "cri", Type = "SeccompProfiles.cri.talos.dev", ApiVersion = 1, Options = new WatchOptions { BootstrapContents = true } },
            FakeTalosTestClient.On(Node, stop.Token));

        Assert.True(await watch.ResponseStream.MoveNext(stop.Token));
        var ready = watch.ResponseStream.Current;
        Assert.True(await watch.ResponseStream.MoveNext(stop.Token));
        var bootstrap = watch.ResponseStream.Current;
        await ApplyAsync(TheNode.MachineConfig.Replace("SCMP_ACT_LOG", "SCMP_ACT_ALLOW", StringComparison.Ordinal), Mode.NoReboot);
        Assert.True(await watch.ResponseStream.MoveNext(stop.Token));
        var update = watch.ResponseStream.Current.Event.Single();

        Assert.Empty(ready.Event);
        Assert.Equal([EventType.Created, EventType.Bootstrapped], bootstrap.Event.Select(e => e.EventType));
        Assert.Equal((EventType.Updated, "2", "1"), (update.EventType, update.Resource.Metadata.Version, update.Old.Metadata.Version));
    }

    [Fact]
    public async Task MembersListEveryNode()
    {
        var members = await client.State.List(new TalosSeccomp.Talos.Wire.Cosi.ListRequest { Namespace = "cluster", Type = "Members.cluster.talos.dev" }, FakeTalosTestClient.On(Node))
            .ResponseStream.ReadAllAsync().Select(r => r.Resource.Metadata.Id).ToListAsync();

        Assert.Equal(["talos-fake-cp-1", "talos-fake-worker-1"], members);
    }

    [Fact]
    public async Task ApplyAnswersWithUpstreamsTextsAndGoDurations()
    {
        var config = TheNode.MachineConfig;
        var reboot = await Assert.ThrowsAsync<RpcException>(() => ApplyAsync(config, Mode.Reboot));
        var noV1Alpha1 = await Assert.ThrowsAsync<RpcException>(() => ApplyAsync("apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: x\n", Mode.NoReboot));
        var tried = await ApplyAsync(config, Mode.Try);
        var staged = await ApplyAsync(config, Mode.Staged);

        // v1alpha1_server.go ApplyConfiguration.
        Assert.Equal("the REBOOT mode is not supported, please use AUTO or NO_REBOOT modes instead", reboot.Status.Detail);
        Assert.Equal("the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the machine config instead?", noV1Alpha1.Status.Detail);
        Assert.Equal("Applied configuration without a reboot\nThe config is applied in 'try' mode and will be automatically reverted back in 1m0s", tried.ModeDetails);
        Assert.Equal((Mode.Staged, "Staged configuration to be applied after the next reboot"), (staged.Mode, staged.ModeDetails));
    }

    [Theory]
    [InlineData(60, "1m0s")]
    [InlineData(90.5, "1m30.5s")]
    [InlineData(3600, "1h0m0s")]
    [InlineData(2.5, "2.5s")]
    [InlineData(0.5, "500ms")]
    [InlineData(0, "0s")]
    public void GoDurationsPrintAsGoDoes(double seconds, string expected) =>
        Assert.Equal(expected, FakeNode.GoDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task AMissingResourceIsTheCosiStatesNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.State.GetAsync(
            new GetRequest { Namespace = "cri", Type = "SeccompProfiles.cri.talos.dev", Id = "nope.json" }, FakeTalosTestClient.On(Node)));

        // cosi-project/runtime inmem ErrNotFound over the resource pointer's String(): type(namespace/id@version).
        Assert.Equal((StatusCode.NotFound, "resource SeccompProfiles.cri.talos.dev(cri/nope.json@undefined) doesn't exist"), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task RoutingFailsBeforeTheTargetNodeAuthorizesAndNodesMetadataIsRefusedAsApidDoes()
    {
        using var reader = new FakeTalosTestClient(server, server.Pki.Reader);
        TheNode.Unreachable = true;
        var unreachable = await Assert.ThrowsAsync<RpcException>(() =>
            reader.Machine.Read(new ReadRequest { Path = "/etc/os-release" }, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        TheNode.Unreachable = false;
        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            reader.Machine.Read(new ReadRequest { Path = "/etc/os-release" }, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var manyNodes = new Grpc.Core.Metadata { { "nodes", Node } };
        var cosiMany = await Assert.ThrowsAsync<RpcException>(async () => await client.State.GetAsync(
            new GetRequest { Namespace = "cri", Type = "SeccompProfiles.cri.talos.dev", Id = "audit.json" }, new CallOptions(manyNodes)));

        Assert.Equal(StatusCode.Unavailable, unreachable.StatusCode); // apid dials before machined's authorizer runs
        Assert.Equal((StatusCode.PermissionDenied, "not authorized"), (denied.StatusCode, denied.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "one-2-many proxying is not supported for method /cosi.resource.State/Get"), (cosiMany.StatusCode, cosiMany.Status.Detail));
    }

    private static string Next(string version) => (ulong.Parse(version) + 1).ToString();

    private async Task<ApplyConfiguration> ApplyAsync(string config, Mode mode, bool dryRun = false)
    {
        var reply = await client.Machine.ApplyConfigurationAsync(
            new ApplyConfigurationRequest { Data = ByteString.CopyFromUtf8(config), Mode = mode, DryRun = dryRun },
            FakeTalosTestClient.On(Node));
        return reply.Messages.Single();
    }

    private async Task<List<Resource>> ListProfiles() =>
        await client.State.List(new TalosSeccomp.Talos.Wire.Cosi.ListRequest { Namespace = "cri", Type = "SeccompProfiles.cri.talos.dev" }, FakeTalosTestClient.On(Node))
            .ResponseStream.ReadAllAsync().Select(r => r.Resource).ToListAsync();

    private async Task<string?> ProfileVersion(string name) =>
        (await ListProfiles()).SingleOrDefault(r => r.Metadata.Id == name)?.Metadata.Version;

    private async Task<List<string>> ReadLogs(LogsRequest request) =>
        await client.Machine.Logs(request, FakeTalosTestClient.On(Node)).ResponseStream.ReadAllAsync().Select(d => d.Bytes.ToStringUtf8()).ToListAsync();

    /// <summary>Waits until the streaming call has subscribed on the node (it has no other observable effect).</summary>
    private async Task WaitForSubscriber(bool kernel = false)
    {
        for (var i = 0; i < 300 && !((kernel ? TheNode.OpenKernelLogStreams : TheNode.OpenAuditdLogStreams) > 0); i++)
        {
            await Task.Delay(10);
        }
    }
}
