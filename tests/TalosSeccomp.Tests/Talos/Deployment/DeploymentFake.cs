using TalosSeccomp.FakeTalos;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Deployment;
using Xunit;

namespace TalosSeccomp.Tests.Talos.Deployment;

/// <summary>A fresh fake endpoint with three nodes per test (the deployment tests change node state).</summary>
public abstract class DeploymentTestBase : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "talos-deploy-tests-" + Guid.NewGuid().ToString("N"));

    protected FakeTalosServer Server { get; private set; } = null!;

    protected string AdminConfig { get; private set; } = null!;

    protected string ReaderConfig { get; private set; } = null!;

    protected IReadOnlyList<string> Nodes => Server.NodeAddresses;

    protected FakeNode FakeNode(int index) => Server.Nodes[Nodes[index]];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 3 });
        AdminConfig = Server.WriteTalosConfig(Path.Combine(_directory, "admin"), "os:admin", Nodes);
        ReaderConfig = Server.WriteTalosConfig(Path.Combine(_directory, "reader"), "os:reader", Nodes);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A client over its own connection.</summary>
    protected TalosClient Client(string? config = null) =>
        new(new TalosConnection(TalosConnectionSettings.Resolve(config ?? AdminConfig)), TimeSpan.FromSeconds(20));

    protected SeccompProfileDeployer Deployer(string? config = null) => new(Client(config));

    /// <summary>Plans and applies edits on one node, as the cmdlets do.</summary>
    protected async Task<IReadOnlyList<SeccompProfileChange>> DeployAsync(string node, SeccompApplyOptions? options, params SeccompProfileEdit[] edits)
    {
        var deployer = Deployer();
        var plan = await deployer.PlanAsync(node, node, edits);
        return await deployer.ApplyAsync(plan, options ?? new SeccompApplyOptions());
    }

    protected static SeccompProfileEdit Set(string name, string json, bool force = false) =>
        SeccompProfileEdit.Set(name, SeccompProfile.ParseLenient(json), force);

    /// <summary>Clears a node's profiles directly (the starting point of the Talos guide).</summary>
    protected void ClearProfiles(FakeNode node) =>
        node.MachineConfig = MachineConfigSeccompEditor.Remove(node.MachineConfig, ["*"]).NewText;

    /// <summary>
    /// Asserts that <paramref name="after"/> differs from <paramref name="before"/> in one contiguous stretch of lines
    /// and returns the old and new lines of that stretch (everything else, other documents included, is byte-identical).
    /// </summary>
    protected static (string Removed, string Added) SingleHunk(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
        {
            head++;
        }

        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)])
        {
            tail++;
        }

        Assert.Equal(string.Join('\n', a[..head]), string.Join('\n', b[..head]));
        Assert.Equal(string.Join('\n', a[(a.Length - tail)..]), string.Join('\n', b[(b.Length - tail)..]));
        return (string.Join('\n', a[head..(a.Length - tail)]), string.Join('\n', b[head..(b.Length - tail)]));
    }
}
