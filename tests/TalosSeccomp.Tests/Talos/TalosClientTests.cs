using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Wire.Machine;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>Every RPC the client makes, against the in-process fake node over Ed25519 mutual TLS.</summary>
public sealed class TalosClientTests : IClassFixture<FakeTalosFixture>
{
    private readonly FakeTalosFixture _fake;

    public TalosClientTests(FakeTalosFixture fake) => _fake = fake;

    private string Node(int index) => _fake.NodeAddresses[index];

    [Fact]
    public async Task VersionAndHostnameComeFromTheTargetNode()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var version = await client.VersionAsync(Node(1));
        var hostname = await client.HostnameAsync(Node(2));
        var endpointsOwn = await client.HostnameAsync(null);

        Assert.Equal("v1.11.5", version.Version_.Tag);
        Assert.Equal(_fake.Server.Nodes[Node(2)].Hostname, hostname);
        Assert.Equal(_fake.Server.Nodes[Node(0)].Hostname, endpointsOwn);
        Assert.Equal("TLS 1.3", client.Connection.TlsVersion);
    }

    [Fact]
    public async Task MachineConfigIsReadThroughCosiGet()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var resource = await client.GetResourceAsync(Node(0), TalosResources.ConfigNamespace, TalosResources.MachineConfigType, TalosResources.ActiveMachineConfigId);

        Assert.Equal(_fake.Server.Nodes[Node(0)].MachineConfig, TalosSeccomp.Talos.MachineConfigBody.FromResource(resource, Node(0)));
        Assert.Equal(_fake.Server.Nodes[Node(0)].MachineConfigVersion, resource.Metadata.Version);
    }

    [Fact]
    public async Task SeccompProfilesListWithTheirYamlValue()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var profiles = new List<CosiSeccompProfile>();
        await foreach (var resource in client.ListResourcesAsync(Node(1), TalosResources.CriNamespace, TalosResources.SeccompProfileType))
        {
            profiles.Add(TalosResources.DecodeSeccompProfile(resource, Node(1)));
        }

        var profile = Assert.Single(profiles);
        Assert.False(profile.FromStruct);
        Assert.Equal("SCMP_ACT_LOG", profile.Value["defaultAction"]!.GetValue<string>());
        var file = await client.ReadFileAsync(Node(1), "/var/lib/kubelet/seccomp/profiles/" + profile.Name);
        Assert.Equal(_fake.Server.Nodes[Node(1)].ReadFile("/var/lib/kubelet/seccomp/profiles/" + profile.Name), Encoding.UTF8.GetString(file));
    }

    [Fact]
    public async Task MembersDecode()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var members = new List<TalosClusterMember>();
        await foreach (var resource in client.ListResourcesAsync(null, TalosResources.ClusterNamespace, TalosResources.MemberType))
        {
            members.Add(TalosResources.DecodeMember(resource));
        }

        Assert.Equal(_fake.NodeAddresses.Order(), members.Select(m => m.Addresses[0]).Order());
        Assert.All(members, m => Assert.Contains(m.MachineType, new[] { "controlplane", "worker", "init" }));
        Assert.Contains(members, m => m.Hostname == _fake.Server.Nodes[Node(2)].Hostname);
    }

    [Fact]
    public async Task WatchDeliversTheBootstrapEventThenStopsOnCancel()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);
        using var stop = new CancellationTokenSource();

        TalosSeccomp.Talos.Wire.Cosi.Event? first = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in client.WatchResourcesAsync(Node(0), TalosResources.ConfigNamespace, TalosResources.MachineConfigType, TalosResources.ActiveMachineConfigId, cancellationToken: stop.Token))
            {
                first ??= item;
                stop.Cancel();
            }
        });

        Assert.NotNull(first);
        Assert.Equal(TalosResources.ActiveMachineConfigId, first!.Resource.Metadata.Id);
    }

    [Fact]
    public async Task DmesgAndAuditdLogsStreamInjectedRecords()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);
        var node = _fake.Server.Nodes[Node(2)];
        var marker = "talos-client-test-" + Guid.NewGuid().ToString("N");
        node.InjectKernelRecord("audit: type=1326 audit(1.000:1): " + marker);
        node.InjectAuditdLine("type=SECCOMP msg=audit(1.000:2): " + marker);

        var records = new List<string>();
        await foreach (var record in client.DmesgAsync(Node(2), follow: false))
        {
            records.Add(Encoding.UTF8.GetString(record.Span));
        }

        var log = new StringBuilder();
        await foreach (var chunk in client.LogsAsync(Node(2), "auditd", follow: false, tailLines: -1))
        {
            Assert.True(chunk.Length <= 1024);
            log.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        Assert.Contains(records, r => r.Contains(marker, StringComparison.Ordinal) && r.StartsWith("kern:  notice: [", StringComparison.Ordinal));
        Assert.Contains("type=SECCOMP msg=audit(1.000:2): " + marker + "\n", log.ToString());
    }

    [Fact]
    public async Task ApplyConfigurationDryRunChangesNothing()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);
        var node = _fake.Server.Nodes[Node(1)];
        var before = node.MachineConfigVersion;

        var reply = await client.ApplyConfigurationAsync(Node(1), new ApplyConfigurationRequest
        {
            Data = Google.Protobuf.ByteString.CopyFromUtf8(node.MachineConfig),
            Mode = ApplyConfigurationRequest.Types.Mode.NoReboot,
            DryRun = true,
        });

        Assert.StartsWith("Dry run summary", reply.ModeDetails);
        Assert.Equal(before, node.MachineConfigVersion);
        Assert.True(node.Applied[^1].DryRun);
    }

    [Fact]
    public async Task ApplyWithoutAModeIsNeverSent()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);
        var count = _fake.Server.Nodes[Node(0)].Applied.Count;

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.ApplyConfigurationAsync(Node(0), new ApplyConfigurationRequest { Data = Google.Protobuf.ByteString.CopyFromUtf8("x") }));

        Assert.Equal("TalosApplyModeRequired", error.ErrorId);
        Assert.Equal(count, _fake.Server.Nodes[Node(0)].Applied.Count);
    }

    [Fact]
    public async Task InvalidConfigurationIsInvalidArgumentNamingTheNode()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.ApplyConfigurationAsync(Node(2), new ApplyConfigurationRequest
        {
            Data = Google.Protobuf.ByteString.CopyFromUtf8("this: is\n  not: [a config"),
            Mode = ApplyConfigurationRequest.Types.Mode.NoReboot,
        }));

        Assert.Equal(("TalosInvalidArgument", ErrorKind.InvalidArgument, Node(2)), (error.ErrorId, error.Kind, error.Target));
        Assert.Contains(Node(2), error.Message);
    }

    [Fact]
    public async Task MissingFileIsObjectNotFound()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);
        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.ReadFileAsync(Node(0), "/var/lib/kubelet/seccomp/profiles/none.json"));
        Assert.Equal(("TalosNotFound", ErrorKind.ObjectNotFound), (error.ErrorId, error.Kind));
    }

    [Fact]
    public async Task ReaderIsRefusedReadAndMachineConfigWithRolesNamed()
    {
        var client = FakeTalosFixture.NewClient(_fake.ReaderConfig);

        var read = await Assert.ThrowsAsync<TalosSeccompException>(() => client.ReadFileAsync(Node(0), "/etc/os-release"));
        var config = await Assert.ThrowsAsync<TalosSeccompException>(() =>
            client.GetResourceAsync(Node(0), TalosResources.ConfigNamespace, TalosResources.MachineConfigType, TalosResources.ActiveMachineConfigId));
        var version = await client.VersionAsync(Node(0)); // readers may call Version

        foreach (var error in new[] { read, config })
        {
            Assert.Equal(("TalosPermissionDenied", ErrorKind.PermissionDenied, Node(0)), (error.ErrorId, error.Kind, error.Target));
            Assert.Contains("roles os:reader", error.Message);
            Assert.Contains("needs os:admin", error.Message);
        }

        Assert.Contains("MachineConfigs.config.talos.dev", config.Message);
        Assert.NotNull(version.Version_);
    }

    [Fact]
    public async Task UnknownNodeIsUnreachableNamingIt()
    {
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => client.VersionAsync("10.99.0.1"));

        Assert.Equal(("TalosNodeUnreachable", ErrorKind.ConnectionError, "10.99.0.1"), (error.ErrorId, error.Kind, error.Target));
        Assert.Contains("10.99.0.1", error.Message);
        Assert.Contains(_fake.Server.Endpoint, error.Message);
    }

    [Fact]
    public async Task ManyCallsShareOneHandshake()
    {
        var handshakesBefore = _fake.Server.CompletedHandshakes; // tests of one class run one at a time
        var connection = new TalosConnection(TalosConnectionSettings.Resolve(_fake.AdminConfig));
        using (connection)
        {
            for (var i = 0; i < 40; i++)
            {
                var client = new TalosClient(connection); // clients are cheap; the connection is what is shared
                await client.VersionAsync(Node(i % 3));
            }

            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => new TalosClient(connection).HostnameAsync(Node(i % 3))));
            Assert.Equal(1, connection.HandshakeCount);
            Assert.Equal(1, _fake.Server.CompletedHandshakes - handshakesBefore);
        }
    }

    [Fact]
    public void PoolReturnsOneConnectionPerIdentity()
    {
        var settings = TalosConnectionSettings.Resolve(_fake.AdminConfig);
        var same = TalosConnectionSettings.Resolve(_fake.AdminConfig, nodes: ["10.5.0.9"]);
        var reader = TalosConnectionSettings.Resolve(_fake.ReaderConfig);

        Assert.Same(TalosConnectionPool.Get(settings), TalosConnectionPool.Get(same));
        Assert.NotSame(TalosConnectionPool.Get(settings), TalosConnectionPool.Get(reader));
    }
}
