using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>One fake Talos endpoint (Ed25519 PKI, three virtual nodes) shared by the read-only client tests.</summary>
public sealed class FakeTalosFixture : IAsyncLifetime
{
    public FakeTalosServer Server { get; private set; } = null!;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "talos-tests-" + Guid.NewGuid().ToString("N"));

    public string AdminConfig { get; private set; } = null!;

    public string ReaderConfig { get; private set; } = null!;

    public IReadOnlyList<string> NodeAddresses => Server.Nodes.Keys.ToList();

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 3 });
        AdminConfig = Server.WriteTalosConfig(Path.Combine(Directory, "admin"), "os:admin", NodeAddresses);
        ReaderConfig = Server.WriteTalosConfig(Path.Combine(Directory, "reader"), "os:reader", NodeAddresses);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A client over a fresh (unpooled) connection, so tests do not share connection state.</summary>
    public static TalosClient NewClient(string talosConfig, TimeSpan? timeout = null, IReadOnlyList<string>? endpoints = null) =>
        new(new TalosConnection(TalosConnectionSettings.Resolve(talosConfig, endpoints: endpoints)), timeout);
}
