using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.FakeTalos;

/// <summary>The fake node's control API, program mode and host kernel log forwarding.</summary>
public sealed class FakeTalosControlTests
{
    [Fact]
    public async Task ControlApiInjectsRecordsSetsKnobsAndReplacesTheConfig()
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { NodeCount = 2 });
        await using var control = await FakeControlApi.StartAsync(server);
        using var http = new HttpClient { BaseAddress = new Uri(control.Url) };
        var node = server.Nodes["10.5.0.3"];
        var newConfig = node.MachineConfig.Replace("debug: false", "debug: true", StringComparison.Ordinal);
        var version = node.MachineConfigVersion;

        var kernel = await http.PostAsync("/nodes/10.5.0.3/kernel-records", new StringContent("first record\nsecond record\n"));
        var auditd = await http.PostAsync("/nodes/10.5.0.3/auditd-lines", new StringContent("type=SECCOMP msg=audit(1.000:1): x=1\n"));
        var latency = await http.PutAsync("/nodes/10.5.0.3/latency?ms=250", null);
        var unreachable = await http.PutAsync("/nodes/10.5.0.2/unreachable?value=true", null);
        var put = await http.PutAsync("/nodes/10.5.0.3/config", new StringContent(newConfig));
        var badPut = await http.PutAsync("/nodes/10.5.0.3/config", new StringContent("kind: Nothing\n"));
        var config = await http.GetStringAsync("/nodes/10.5.0.3/config");
        var applied = JsonDocument.Parse(await http.GetStringAsync("/nodes/10.5.0.3/applied"));
        var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
        var unknown = await http.GetAsync("/nodes/10.9.9.9/config");

        Assert.All(new[] { kernel, auditd, latency, unreachable, put }, r => Assert.True(r.IsSuccessStatusCode, r.RequestMessage?.RequestUri?.ToString()));
        Assert.EndsWith("]: second record\n", node.KernelLog.Snapshot()[^1]);
        Assert.EndsWith("]: first record\n", node.KernelLog.Snapshot()[^2]);
        Assert.Equal("type=SECCOMP msg=audit(1.000:1): x=1\n", node.AuditdLog.Snapshot()[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(250), node.Latency);
        Assert.True(server.Nodes["10.5.0.2"].Unreachable);
        Assert.Equal(newConfig, config);
        Assert.Equal((ulong.Parse(version) + 1).ToString(), await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badPut.StatusCode);
        Assert.Equal(0, applied.RootElement.GetArrayLength());
        Assert.Equal(0, stats.RootElement.GetProperty("handshakes").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ProgramModeWritesTalosconfigsAndEndpointFileAndStopsWhenStdinCloses()
    {
        var stateDirectory = Path.Combine(Path.GetTempPath(), "fake-talos-program-" + Guid.NewGuid().ToString("N"));
        var fakeDll = typeof(FakeTalosServer).Assembly.Location;
        using var process = Process.Start(new ProcessStartInfo("dotnet", [fakeDll, "--state-dir", stateDirectory, "--nodes", "2"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var endpointFile = Path.Combine(stateDirectory, "endpoint.json");
            for (var i = 0; i < 600 && !File.Exists(endpointFile) && !process.HasExited; i++)
            {
                await Task.Delay(100);
            }

            if (!File.Exists(endpointFile))
            {
                process.StandardInput.Close();
                Assert.Fail("no endpoint.json: " + await process.StandardError.ReadToEndAsync());
            }

            var endpoint = JsonDocument.Parse(await File.ReadAllTextAsync(endpointFile)).RootElement;
            var settings = TalosConnectionSettings.Resolve(Path.Combine(stateDirectory, "talosconfig"));
            var readerSettings = TalosConnectionSettings.Resolve(Path.Combine(stateDirectory, "talosconfig-reader"));
            using var connection = new TalosConnection(settings);
            var client = new TalosClient(connection);
            using var http = new HttpClient { BaseAddress = new Uri(endpoint.GetProperty("controlUrl").GetString()!) };

            var version = await client.VersionAsync("10.5.0.3");
            var stats = JsonDocument.Parse(await http.GetStringAsync("/stats")).RootElement;

            Assert.Equal(["10.5.0.2", "10.5.0.3"], endpoint.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));
            Assert.Equal(endpoint.GetProperty("endpoint").GetString(), settings.Endpoints.Single().ToString());
            Assert.Equal(["10.5.0.2", "10.5.0.3"], settings.Nodes);
            Assert.Equal(["os:admin"], settings.Roles);
            Assert.Equal(["os:reader"], readerSettings.Roles);
            Assert.Equal("Ed25519", settings.KeyAlgorithm);
            Assert.Equal("v1.11.5", version.Version_.Tag);
            Assert.Equal(1, stats.GetProperty("handshakes").GetInt32());
        }
        finally
        {
            process.StandardInput.Close();
            var exited = process.WaitForExit(TimeSpan.FromSeconds(20));
            if (!exited)
            {
                process.Kill();
            }

            Directory.Delete(stateDirectory, recursive: true);
            Assert.True(exited, "the fake node did not stop when its stdin closed");
        }
    }

    [Fact]
    public async Task ForwardsRecordsWrittenToTheHostKernelLog()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/dev/kmsg"))
        {
            return; // Needs root on Linux; the forwarding is then covered here, elsewhere it cannot run.
        }

        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { ForwardHostKernelLog = true });
        Assert.True(server.IsForwardingHostKernelLog);
        var marker = "talosseccomp-fake-" + Guid.NewGuid().ToString("N");
        var node = server.Nodes["10.5.0.2"];

        await File.WriteAllTextAsync("/dev/kmsg", marker + "\n");
        for (var i = 0; i < 100 && !node.KernelLog.Snapshot().Any(r => r.Contains(marker, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50);
        }

        var record = node.KernelLog.Snapshot().Single(r => r.Contains(marker, StringComparison.Ordinal));
        Assert.Matches(@"^user: +[a-z]+: \[[0-9T:.\-]+Z\]: " + marker + "\n$", record);
    }
}
