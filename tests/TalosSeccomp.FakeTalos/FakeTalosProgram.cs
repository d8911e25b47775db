using System.Globalization;
using System.Text.Json;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// Program mode, for Pester and the demo:
/// <c>dotnet TalosSeccomp.FakeTalos.dll --state-dir &lt;dir&gt; [--nodes N] [--port 0] [--key-algorithm Ed25519] [--forward-host-kernel-log] [--forward-host-processes] [--forward-host-runc-containers] [--runc-root R] [--workload-isolation]</c>.
/// Writes <c>talosconfig</c> (admin), <c>talosconfig-reader</c> and, once listening, <c>endpoint.json</c>
/// into the state directory, then runs until stdin closes or the process is killed.
/// </summary>
public static class FakeTalosProgram
{
    private const string Usage =
        "usage: TalosSeccomp.FakeTalos --state-dir <dir> [--nodes N] [--port P] [--key-algorithm Ed25519|EcdsaP256|Rsa2048] [--forward-host-kernel-log]" +
        " [--forward-host-processes] [--forward-host-runc-containers] [--runc-root R] [--workload-isolation]";

    /// <summary>Parses the command line, starts the server and the control API, and waits for stdin to close.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? stateDirectory = null;
        var options = new FakeTalosOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--state-dir":
                        stateDirectory = Value(args, ref i);
                        break;
                    case "--nodes":
                        options = options with { NodeCount = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture) };
                        break;
                    case "--port":
                        options = options with { Port = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture) };
                        break;
                    case "--key-algorithm":
                        options = options with { KeyAlgorithm = Value(args, ref i) };
                        break;
                    case "--talos-version":
                        options = options with { TalosVersion = Value(args, ref i) };
                        break;
                    case "--forward-host-kernel-log":
                        options = options with { ForwardHostKernelLog = true };
                        break;
                    case "--forward-host-processes":
                        options = options with { ForwardHostProcesses = true };
                        break;
                    case "--forward-host-runc-containers":
                        options = options with { ForwardHostRuncContainers = true };
                        break;
                    case "--runc-root":
                        options = options with { RuncRoot = Value(args, ref i) };
                        break;
                    case "--workload-isolation":
                        options = options with { WorkloadIsolation = true };
                        break;
                    case "--help" or "-h":
                        Console.WriteLine(Usage);
                        return 0;
                    default:
                        throw new FormatException($"unknown argument '{args[i]}'");
                }
            }
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (stateDirectory is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Directory.CreateDirectory(stateDirectory);
        var endpointFile = Path.Combine(stateDirectory, "endpoint.json");
        File.Delete(endpointFile);

        await using var server = await FakeTalosServer.StartAsync(options).ConfigureAwait(false);
        await using var control = await FakeControlApi.StartAsync(server).ConfigureAwait(false);
        server.WriteTalosConfig(Path.Combine(stateDirectory, "talosconfig"), "os:admin");
        server.WriteTalosConfig(Path.Combine(stateDirectory, "talosconfig-reader"), "os:reader");
        if (options.ForwardHostKernelLog && !server.IsForwardingHostKernelLog)
        {
            Console.Error.WriteLine("warning: --forward-host-kernel-log needs root on Linux and a readable /dev/kmsg; not forwarding.");
        }

        // Written last and atomically: its appearance means "ready".
        var json = JsonSerializer.Serialize(new
        {
            endpoint = server.Endpoint,
            controlUrl = control.Url,
            nodes = server.NodeAddresses,
            forwardingHostKernelLog = server.IsForwardingHostKernelLog,
            forwardingHostProcesses = options.ForwardHostProcesses,
            forwardingHostRuncContainers = options.ForwardHostRuncContainers,
            pid = Environment.ProcessId,
        });
        var temporary = endpointFile + ".tmp";
        await File.WriteAllTextAsync(temporary, json).ConfigureAwait(false);
        File.Move(temporary, endpointFile, overwrite: true);
        Console.WriteLine($"fake Talos endpoint {server.Endpoint}, control {control.Url}, nodes {string.Join(", ", server.NodeAddresses)}");

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
        var stdinClosed = Task.Run(async () =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (await stdin.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        });
        await Task.WhenAny(stdinClosed, stop.Task).ConfigureAwait(false);
        return 0;
    }

    private static string Value(string[] args, ref int index)
    {
        if (index + 1 >= args.Length)
        {
            throw new FormatException($"{args[index]} needs a value");
        }

        return args[++index];
    }
}
