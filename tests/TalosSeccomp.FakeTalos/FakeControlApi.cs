using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TalosSeccomp.FakeTalos.Config;
using TalosSeccomp.FakeTalos.State;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// Plain HTTP/1.1 control API on loopback, so scripts (Pester, the demo) can do what in-process tests do:
/// inject kernel records and auditd lines (or generate many), set pods, processes and workload isolation, set latency or reachability, drop or count open log
/// streams, read the apply history, read or replace a node's config, and read the handshake count.
/// </summary>
public sealed class FakeControlApi : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeControlApi(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    /// <summary>Starts the control API for a server on a free loopback port (or the given one).</summary>
    public static async Task<FakeControlApi> StartAsync(FakeTalosServer server, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        Map(app, server);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeControlApi(app, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Stops the control API.</summary>
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private static void Map(WebApplication app, FakeTalosServer server)
    {
        app.MapGet("/stats", () => Results.Json(new { handshakes = server.CompletedHandshakes, nodes = server.NodeAddresses }));
        app.MapGet("/nodes", () => Results.Json(server.NodeAddresses));

        app.MapPost("/nodes/{address}/kernel-records", async (string address, HttpRequest request) =>
            await WithNode(server, address, async node =>
            {
                foreach (var line in Lines(await ReadBody(request).ConfigureAwait(false)))
                {
                    node.InjectKernelRecord(line);
                }

                return Results.NoContent();
            }).ConfigureAwait(false));

        app.MapPost("/nodes/{address}/auditd-lines", async (string address, HttpRequest request) =>
            await WithNode(server, address, async node =>
            {
                foreach (var line in Lines(await ReadBody(request).ConfigureAwait(false)))
                {
                    node.InjectAuditdLine(line);
                }

                return Results.NoContent();
            }).ConfigureAwait(false));

        app.MapGet("/nodes/{address}/streams", (string address) =>
            WithNode(server, address, node => Task.FromResult(Results.Json(new { kernel = node.OpenKernelLogStreams, auditd = node.OpenAuditdLogStreams }))));

        app.MapPost("/nodes/{address}/drop-streams", (string address) =>
            WithNode(server, address, node => Task.FromResult(Results.Json(new { dropped = node.DropLogStreams() }))));

        app.MapPost("/nodes/{address}/auditd-lines/generate", (string address, long? count, long? firstSerial, int? firstPid, int? pidCount) =>
            WithNode(server, address, node =>
            {
                if (count is null or < 1)
                {
                    return Task.FromResult(Results.BadRequest("query parameter count (>= 1) is required"));
                }

                // In the background: the call returns at once and the records follow at the reader's pace.
                if (pidCount is < 1 || firstPid is < 1)
                {
                    return Task.FromResult(Results.BadRequest("query parameters firstPid and pidCount must be >= 1"));
                }

                _ = Task.Run(() => node.GenerateAuditdRecordsAsync(count.Value, firstSerial ?? 1, firstPid ?? 1000, pidCount ?? 50));
                return Task.FromResult(Results.Accepted());
            }));

        app.MapPut("/nodes/{address}/latency", (string address, int? ms) =>
            WithNode(server, address, node =>
            {
                if (ms is null or < 0)
                {
                    return Task.FromResult(Results.BadRequest("query parameter ms (milliseconds, >= 0) is required"));
                }

                node.Latency = TimeSpan.FromMilliseconds(ms.Value);
                return Task.FromResult(Results.NoContent());
            }));

        app.MapPut("/nodes/{address}/unreachable", (string address, bool? value) =>
            WithNode(server, address, node =>
            {
                node.Unreachable = value ?? true;
                return Task.FromResult(Results.NoContent());
            }));

        app.MapPut("/nodes/{address}/auditd", (string address, bool? enabled) =>
            WithNode(server, address, node =>
            {
                node.HasAuditdService = enabled ?? true;
                return Task.FromResult(Results.NoContent());
            }));

        app.MapGet("/nodes/{address}/applied", (string address) =>
            WithNode(server, address, node => Task.FromResult(Results.Json(node.Applied.Select(a => new
            {
                data = a.Data,
                mode = a.Mode,
                dryRun = a.DryRun,
                tryModeTimeoutSeconds = a.TryModeTimeout?.TotalSeconds,
                outcome = a.Outcome,
            })))));

        app.MapGet("/nodes/{address}/config", (string address) =>
            WithNode(server, address, node => Task.FromResult(Results.Text(node.MachineConfig, "application/yaml", Encoding.UTF8))));

        app.MapPut("/nodes/{address}/config", async (string address, HttpRequest request) =>
            await WithNode(server, address, async node =>
            {
                var text = await ReadBody(request).ConfigureAwait(false);
                try
                {
                    node.MachineConfig = text;
                }
                catch (FakeConfigException e)
                {
                    return Results.BadRequest(e.Message);
                }

                return Results.Text(node.MachineConfigVersion);
            }).ConfigureAwait(false));

        // The node's pods and processes (FakeNode.CriPods/CriContainers, the process table, workload isolation).
        app.MapPut("/nodes/{address}/cri", async (string address, HttpRequest request) =>
            await WithNode(server, address, async node =>
            {
                CriBody? body;
                try
                {
                    body = JsonSerializer.Deserialize<CriBody>(await ReadBody(request).ConfigureAwait(false), JsonOptions);
                }
                catch (JsonException e)
                {
                    return Results.BadRequest(e.Message);
                }

                var pods = (body?.Pods ?? []).Select(p => new FakeCriPod(p.Namespace, p.Name, p.Uid, p.SandboxId, p.Pid) { Image = p.Image ?? FakeCriPod.DefaultPauseImage }).ToArray();
                var containers = new List<FakeCriContainer>();
                foreach (var c in body?.Containers ?? [])
                {
                    var pod = pods.FirstOrDefault(p => p.SandboxId == c.SandboxId);
                    if (pod is null)
                    {
                        return Results.BadRequest($"container {c.Id}: no pod with sandboxId {c.SandboxId}");
                    }

                    containers.Add(new FakeCriContainer(pod, c.Name, c.Id, c.Image, c.Pid, c.Running ?? true));
                }

                node.CriPods = pods;
                node.CriContainers = containers;
                return Results.NoContent();
            }).ConfigureAwait(false));

        app.MapGet("/nodes/{address}/processes", (string address) =>
            WithNode(server, address, node => Task.FromResult(Results.Json(node.Processes, JsonOptions))));

        app.MapPost("/nodes/{address}/processes", async (string address, HttpRequest request) =>
            await WithNode(server, address, async node =>
            {
                ProcessBody? body;
                try
                {
                    body = JsonSerializer.Deserialize<ProcessBody>(await ReadBody(request).ConfigureAwait(false), JsonOptions);
                }
                catch (JsonException e)
                {
                    return Results.BadRequest(e.Message);
                }

                if (body is null || body.Pid < 1)
                {
                    return Results.BadRequest("a JSON process with pid (>= 1) is required");
                }

                var stored = node.StartProcess(new FakeProcess(body.Pid, body.Ppid, body.Command ?? "sh", body.Executable ?? "/bin/sh", body.Args ?? body.Command ?? "sh", body.Cgroup ?? "/")
                {
                    StartTime = body.StartTime ?? 0,
                    SandboxPid = body.SandboxPid,
                    State = body.State ?? "S",
                });
                return Results.Json(stored, JsonOptions);
            }).ConfigureAwait(false));

        app.MapDelete("/nodes/{address}/processes/{pid:int}", (string address, int pid) =>
            WithNode(server, address, node => Task.FromResult(node.ExitProcess(pid) ? Results.NoContent() : Results.NotFound($"no process {pid}"))));

        app.MapPut("/nodes/{address}/workload-isolation", (string address, bool? enabled) =>
            WithNode(server, address, node =>
            {
                node.WorkloadIsolation = enabled ?? true;
                return Task.FromResult(Results.NoContent());
            }));

        app.MapGet("/nodes/{address}/files", (string address, string path) =>
            WithNode(server, address, node => Task.FromResult(node.ReadFile(path) is { } content
                ? Results.Text(content, "application/octet-stream", Encoding.UTF8)
                : Results.NotFound($"{path}: no such file"))));
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record CriBody(IReadOnlyList<PodBody>? Pods, IReadOnlyList<ContainerBody>? Containers);

    private sealed record PodBody(string Namespace, string Name, string Uid, string SandboxId, int Pid, string? Image);

    private sealed record ContainerBody(string SandboxId, string Name, string Id, string Image, int Pid, bool? Running);

    private sealed record ProcessBody(int Pid, int Ppid, string? Command, string? Executable, string? Args, string? Cgroup, ulong? StartTime, int? SandboxPid, string? State);

    private static async Task<IResult> WithNode(FakeTalosServer server, string address, Func<FakeNode, Task<IResult>> action)
    {
        if (!server.Nodes.TryGetValue(address, out var node))
        {
            return Results.NotFound($"node {address} does not exist; nodes: {string.Join(", ", server.NodeAddresses)}");
        }

        return await action(node).ConfigureAwait(false);
    }

    private static async Task<string> ReadBody(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync().ConfigureAwait(false);
    }

    private static IEnumerable<string> Lines(string body) =>
        body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Where(line => line.Length > 0);
}
