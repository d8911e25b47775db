namespace TalosSeccomp.FakeTalos;

/// <summary>Program mode: runs a fake Talos endpoint until stdin closes (see <see cref="RunAsync"/>).</summary>
public static class FakeTalosProgram
{
    /// <summary>Parses the command line, starts the server and waits.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        await using var server = await FakeTalosServer.StartAsync().ConfigureAwait(false);
        Console.WriteLine(server.Endpoint);
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        return 0;
    }
}
