using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>The node listing behind Get-TalosNode, against the in-process fake node.</summary>
public sealed class TalosNodesTests : IClassFixture<FakeTalosFixture>
{
    private readonly FakeTalosFixture _fake;

    public TalosNodesTests(FakeTalosFixture fake) => _fake = fake;

    [Fact]
    public async Task ClusterMembersComeOrderedByHostnameAndCarryTheConnection()
    {
        var settings = TalosConnectionSettings.Resolve(_fake.AdminConfig);
        var client = FakeTalosFixture.NewClient(_fake.AdminConfig);

        var members = await TalosNodes.ListClusterMembersAsync(client, settings, _fake.NodeAddresses[1]);

        var expected = _fake.Server.Nodes.Values.Select(n => n.Hostname).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, members.Select(m => m.Hostname!).ToList());
        Assert.Equal(_fake.NodeAddresses.Order(), members.Select(m => m.Node).Order());
        Assert.All(members, m =>
        {
            Assert.Equal(m.Node, m.Addresses![0]);
            Assert.Equal(settings.Endpoints.Select(e => e.ToString()), m.Endpoint);
            Assert.Equal(settings.ContextName, m.Context);
            Assert.Equal(settings.ConfigPath, m.TalosConfig);
            Assert.Contains(m.MachineType, new[] { "controlplane", "worker", "init" });
            Assert.StartsWith("Talos", m.OperatingSystem);
        });
    }

    [Fact]
    public void AConfiguredNodeCarriesTheConnectionAndNoMemberDetails()
    {
        var settings = TalosConnectionSettings.Resolve(_fake.AdminConfig);

        var node = TalosNodes.Configured(settings, "10.5.0.9");

        Assert.Equal("10.5.0.9", node.Node);
        Assert.Equal(settings.Endpoints.Select(e => e.ToString()), node.Endpoint);
        Assert.Equal(settings.ContextName, node.Context);
        Assert.Equal(settings.ConfigPath, node.TalosConfig);
        Assert.Null(node.Hostname);
        Assert.Null(node.MachineType);
    }
}
