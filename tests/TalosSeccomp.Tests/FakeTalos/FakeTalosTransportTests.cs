using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos.Wire.Machine;
using Xunit;

namespace TalosSeccomp.Tests.FakeTalos;

/// <summary>The fake endpoint's TLS, RBAC and routing, seen through the module's transport.</summary>
public sealed class FakeTalosTransportTests
{
    [Theory]
    [InlineData("Ed25519")]
    [InlineData("EcdsaP256")]
    [InlineData("Rsa2048")]
    public async Task HandshakesWithEachKeyAlgorithmAndAnswersVersion(string keyAlgorithm)
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { KeyAlgorithm = keyAlgorithm, TalosVersion = "v1.11.9" });
        using var client = new FakeTalosTestClient(server, server.Pki.Admin);

        var reply = await client.Machine.VersionAsync(new Empty(), FakeTalosTestClient.On(null));

        Assert.Equal("v1.11.9", reply.Messages.Single().Version_.Tag);
        Assert.Equal(1, server.CompletedHandshakes);
    }

    public static TheoryData<string, FakeClientIdentityOptions> RefusedIdentities => new()
    {
        { "server and client EKU", new FakeClientIdentityOptions { ExtendedKeyUsages = ["serverAuth", "clientAuth"] } },
        { "no EKU", new FakeClientIdentityOptions { ExtendedKeyUsages = [] } },
        { "expired", new FakeClientIdentityOptions { NotBefore = DateTimeOffset.UtcNow.AddYears(-2), NotAfter = DateTimeOffset.UtcNow.AddDays(-1) } },
        { "other CA", new FakeClientIdentityOptions { SignedByOtherCa = true } },
    };

    [Theory]
    [MemberData(nameof(RefusedIdentities))]
    public async Task RefusesClientCertificatesApidRefuses(string why, FakeClientIdentityOptions options)
    {
        await using var server = await FakeTalosServer.StartAsync();
        using var client = new FakeTalosTestClient(server, server.IssueClientIdentity(options));

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await client.Machine.VersionAsync(new Empty(), FakeTalosTestClient.On(null)));

        Assert.True(server.CompletedHandshakes == 0, $"{why}: handshake completed; error was {error.Message}");
    }

    [Fact]
    public async Task AcceptsClientKeysOfOtherAlgorithmsSignedByTheEd25519Ca()
    {
        await using var server = await FakeTalosServer.StartAsync();
        using var client = new FakeTalosTestClient(server, server.IssueClientIdentity(new FakeClientIdentityOptions { KeyAlgorithm = "EcdsaP256" }));

        var reply = await client.Machine.HostnameAsync(new Empty(), FakeTalosTestClient.On(null));

        Assert.Equal("talos-fake-cp-1", reply.Messages.Single().Hostname_);
    }

    [Fact]
    public async Task RoutesByNodeMetadataAndNamesAnUnknownOrUnreachableNode()
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 3 });
        using var client = new FakeTalosTestClient(server, server.Pki.Admin);
        server.Nodes["10.5.0.4"].Hostname = "renamed";

        var routed = await client.Machine.HostnameAsync(new Empty(), FakeTalosTestClient.On("10.5.0.4"));
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.Machine.HostnameAsync(new Empty(), FakeTalosTestClient.On("10.5.0.99")));
        server.Nodes["10.5.0.3"].Unreachable = true;
        var unreachable = await Assert.ThrowsAsync<RpcException>(async () => await client.Machine.HostnameAsync(new Empty(), FakeTalosTestClient.On("10.5.0.3")));

        Assert.Equal(["10.5.0.2", "10.5.0.3", "10.5.0.4"], server.Nodes.Keys);
        Assert.Equal("renamed", routed.Messages.Single().Hostname_);
        Assert.Equal(StatusCode.Unavailable, unknown.StatusCode);
        Assert.Contains("10.5.0.99", unknown.Status.Detail);
        Assert.Equal(StatusCode.Unavailable, unreachable.StatusCode);
        Assert.Contains("10.5.0.3", unreachable.Status.Detail);
    }

    [Fact]
    public async Task ReaderMayReadButNotReadFilesApplyOrSeeTheMachineConfig()
    {
        await using var server = await FakeTalosServer.StartAsync();
        using var reader = new FakeTalosTestClient(server, server.Pki.Reader);
        using var admin = new FakeTalosTestClient(server, server.Pki.Admin);
        var configGet = new GetRequest { Namespace = "config", Type = "MachineConfigs.config.talos.dev", Id = "v1alpha1" };
        var apply = new ApplyConfigurationRequest { Data = Google.Protobuf.ByteString.CopyFromUtf8(server.Nodes["10.5.0.2"].MachineConfig), Mode = ApplyConfigurationRequest.Types.Mode.NoReboot };

        await reader.Machine.VersionAsync(new Empty(), FakeTalosTestClient.On(null));
        var profiles = await reader.State.List(new TalosSeccomp.Talos.Wire.Cosi.ListRequest { Namespace = "cri", Type = "SeccompProfiles.cri.talos.dev" }, FakeTalosTestClient.On(null))
            .ResponseStream.ReadAllAsync().ToListAsync();
        var denied = new List<RpcException>
        {
            await Assert.ThrowsAsync<RpcException>(async () => await reader.State.GetAsync(configGet, FakeTalosTestClient.On(null))),
            await Assert.ThrowsAsync<RpcException>(async () => await reader.Machine.ApplyConfigurationAsync(apply, FakeTalosTestClient.On(null))),
            await Assert.ThrowsAsync<RpcException>(async () => await reader.Machine.Read(new ReadRequest { Path = "/etc/os-release" }, FakeTalosTestClient.On(null)).ResponseStream.ReadAllAsync().ToListAsync()),
        };
        var adminConfig = await admin.State.GetAsync(configGet, FakeTalosTestClient.On(null));

        Assert.Single(profiles);
        Assert.All(denied, e => Assert.Equal((StatusCode.PermissionDenied, "not authorized"), (e.StatusCode, e.Status.Detail)));
        Assert.Equal("v1alpha1", adminConfig.Resource.Metadata.Id);
    }

    [Fact]
    public async Task RefusesCosiWritesUnknownTypesAndWrongNamespaces()
    {
        await using var server = await FakeTalosServer.StartAsync();
        using var admin = new FakeTalosTestClient(server, server.Pki.Admin);
        var create = new Method<Empty, Empty>(MethodType.Unary, "cosi.resource.State", "Create",
            Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom));

        var write = await Assert.ThrowsAsync<RpcException>(async () =>
            await admin.Invoker.AsyncUnaryCall(create, null, FakeTalosTestClient.On(null), new Empty()));
        var unknownType = await Assert.ThrowsAsync<RpcException>(async () =>
            await admin.State.GetAsync(new GetRequest { Namespace = "secrets", Type = "OSRootSecrets.secrets.talos.dev", Id = "os" }, FakeTalosTestClient.On(null)));
        var wrongNamespace = await Assert.ThrowsAsync<RpcException>(async () =>
            await admin.State.GetAsync(new GetRequest { Namespace = "default", Type = "SeccompProfiles.cri.talos.dev", Id = "audit.json" }, FakeTalosTestClient.On(null)));

        Assert.Equal((StatusCode.PermissionDenied, "write access is not allowed"), (write.StatusCode, write.Status.Detail));
        Assert.Equal((StatusCode.PermissionDenied, "resource type \"OSRootSecrets.secrets.talos.dev\" is not supported"), (unknownType.StatusCode, unknownType.Status.Detail));
        Assert.Equal((StatusCode.PermissionDenied, "namespace \"default\" is not supported"), (wrongNamespace.StatusCode, wrongNamespace.Status.Detail));
    }

    [Fact]
    public async Task ReusesOneConnectionForManyCalls()
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 2 });
        using var client = new FakeTalosTestClient(server, server.Pki.Admin);

        var calls = Enumerable.Range(0, 20).Select(i => client.Machine.VersionAsync(new Empty(), FakeTalosTestClient.On(i % 2 == 0 ? "10.5.0.2" : "10.5.0.3")).ResponseAsync);
        var replies = await Task.WhenAll(calls);

        Assert.Equal(20, replies.Length);
        Assert.Equal(1, server.CompletedHandshakes);
    }
}
