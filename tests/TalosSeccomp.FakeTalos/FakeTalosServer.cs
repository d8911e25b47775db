using System.Collections.ObjectModel;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TalosSeccomp.FakeTalos.Services;
using TalosSeccomp.FakeTalos.Tls;
using YamlDotNet.Serialization;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// A fake Talos endpoint (apid + machined) on loopback: gRPC over HTTP/2 over BouncyCastle TLS with an
/// Ed25519 PKI, serving virtual nodes 10.5.0.2, 10.5.0.3, ... selected by the <c>node</c> metadata key.
/// </summary>
public sealed class FakeTalosServer : IAsyncDisposable
{
    private readonly object nodesGate = new();

    // Copy-on-write, in the order nodes were added, so readers (every call) never lock.
    private volatile NodeTable nodes = NodeTable.Empty;
    private readonly FakeTalosOptions options;
    private WebApplication? app;
    private HostKernelLogForwarder? kernelLogForwarder;
    private int completedHandshakes;

    private FakeTalosServer(FakeTalosOptions options)
    {
        this.options = options;
        Pki = new FakePki(options.KeyAlgorithm, options.ServerSans);
    }

    /// <summary>"127.0.0.1:&lt;port&gt;".</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The TCP port the endpoint listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The PKI: CA, server certificate and client identities.</summary>
    public FakePki Pki { get; }

    /// <summary>The virtual nodes by address, enumerated in the order they were added; the first is the endpoint's own node.</summary>
    public IReadOnlyDictionary<string, FakeNode> Nodes => nodes;

    /// <summary>Addresses in the order the nodes were added.</summary>
    public IReadOnlyList<string> NodeAddresses => nodes.Keys.ToArray();

    /// <summary>TLS handshakes completed (with h2 agreed) since start.</summary>
    public int CompletedHandshakes => Volatile.Read(ref completedHandshakes);

    /// <summary>Whether this machine's kernel log is being forwarded to the nodes' Dmesg and auditd streams.</summary>
    public bool IsForwardingHostKernelLog => kernelLogForwarder is not null;

    internal FakeNode EndpointNode => nodes.Values.First();

    internal ILoggerFactory LoggerFactory => app?.Services.GetRequiredService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>Generates the PKI, creates the nodes and starts listening.</summary>
    public static async Task<FakeTalosServer> StartAsync(FakeTalosOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeTalosOptions();
        if (options.NodeCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "NodeCount must be at least 1.");
        }

        var server = new FakeTalosServer(options);
        for (var i = 0; i < options.NodeCount; i++)
        {
            server.AddNode($"10.5.0.{i + 2}");
        }

        await server.StartHostAsync(cancellationToken).ConfigureAwait(false);
        if (options.ForwardHostKernelLog)
        {
            server.kernelLogForwarder = HostKernelLogForwarder.TryStart(server, server.LoggerFactory.CreateLogger<HostKernelLogForwarder>());
        }

        return server;
    }

    /// <summary>Adds a virtual node behind the endpoint (every node's Members view includes it).</summary>
    public FakeNode AddNode(string address, string? hostname = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        lock (nodesGate)
        {
            if (nodes.ContainsKey(address))
            {
                throw new ArgumentException($"Node {address} already exists.", nameof(address));
            }

            var isFirst = nodes.Count == 0;
            var name = hostname ?? (isFirst ? "talos-fake-cp-1" : $"talos-fake-worker-{nodes.Count}");
            var node = new FakeNode(address, name, Pki, options.TalosVersion, isFirst)
            {
                ForwardsHostProcesses = options.ForwardHostProcesses,
                HostRuncRoot = options.ForwardHostRuncContainers ? options.RuncRoot : null,
                WorkloadIsolation = options.WorkloadIsolation,
            };
            var updated = nodes.With(node);
            foreach (var member in updated.Values)
            {
                member.PutMember(node);
                node.PutMember(member);
            }

            nodes = updated;
            return node;
        }
    }

    /// <summary>Writes a talosconfig (context <paramref name="context"/>) for a client certificate with the given role.</summary>
    public string WriteTalosConfig(string path, string role = "os:admin", IEnumerable<string>? nodes = null, string context = "fake")
    {
        var identity = role switch
        {
            "os:admin" => Pki.Admin,
            "os:reader" => Pki.Reader,
            "os:operator" => Pki.Operator,
            _ => Pki.Issue(new FakeClientIdentityOptions { Organizations = [role] }),
        };
        return WriteTalosConfig(path, identity, nodes, context);
    }

    /// <summary>Writes a talosconfig for an identity from <see cref="IssueClientIdentity"/>.</summary>
    public string WriteTalosConfig(string path, FakeClientIdentity identity, IEnumerable<string>? nodes = null, string context = "fake")
    {
        ArgumentNullException.ThrowIfNull(identity);
        static string B64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
        var document = new Dictionary<string, object>
        {
            ["context"] = context,
            ["contexts"] = new Dictionary<string, object>
            {
                [context] = new Dictionary<string, object>
                {
                    ["endpoints"] = new[] { Endpoint },
                    ["nodes"] = (nodes ?? NodeAddresses).ToArray(),
                    ["ca"] = B64(Pki.CaCertificatePem),
                    ["crt"] = B64(identity.CertificatePem),
                    ["key"] = B64(identity.KeyPem),
                },
            },
        };
        var yaml = new SerializerBuilder().Build().Serialize(document);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Issues a client certificate/key with custom properties (other CA, expired, wrong EKU, other key type).</summary>
    public FakeClientIdentity IssueClientIdentity(FakeClientIdentityOptions options) => Pki.Issue(options);

    /// <summary>Stops listening and ends every open stream.</summary>
    public async ValueTask DisposeAsync()
    {
        kernelLogForwarder?.Dispose();
        if (app is not null)
        {
            await app.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StartHostAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("FAKETALOS_LOG") is { Length: > 0 })
        {
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Information);
        }

        builder.Services.AddSingleton(this);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 32 * 1024 * 1024;
            grpc.MaxSendMessageSize = 32 * 1024 * 1024;
            grpc.Interceptors.Add<NodeRoutingInterceptor>();
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // TLS is ours (below), so Kestrel sees http; clients say https.
            kestrel.AllowAlternateSchemes = true;
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(next =>
                {
                    var middleware = new TlsConnectionMiddleware(Pki, listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger<TlsConnectionMiddleware>(),
                        () => Interlocked.Increment(ref completedHandshakes));
                    return connection => middleware.OnConnectionAsync(connection, next);
                });
            });
        });

        app = builder.Build();

        // machined's filter refuses every COSI write before it reaches the state (our proto has no write methods,
        // so without this they would be Unimplemented).
        app.Use(async (http, next) =>
        {
            const string Prefix = "/cosi.resource.State/";
            var path = http.Request.Path.Value ?? string.Empty;
            if (path.StartsWith(Prefix, StringComparison.Ordinal) && path[Prefix.Length..] is "Create" or "Update" or "Destroy" or "Teardown" or "TeardownAndDestroy")
            {
                http.Response.ContentType = "application/grpc";
                http.Response.AppendTrailer("grpc-status", "7");
                http.Response.AppendTrailer("grpc-message", "write access is not allowed");
                return;
            }

            await next(http).ConfigureAwait(false);
        });
        app.MapGrpcService<FakeMachineService>();
        app.MapGrpcService<FakeStateService>();

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }
}

/// <summary>
/// An immutable address-to-node table that enumerates in the order nodes were added. (OrderedDictionary&lt;,&gt; is
/// .NET 9+; the xunit suite also runs on .NET 8.)
/// </summary>
internal sealed class NodeTable : IReadOnlyDictionary<string, FakeNode>
{
    private readonly FakeNode[] inOrder;
    private readonly Dictionary<string, FakeNode> byAddress;

    private NodeTable(FakeNode[] inOrder)
    {
        this.inOrder = inOrder;
        byAddress = inOrder.ToDictionary(node => node.Address, StringComparer.Ordinal);
    }

    public static NodeTable Empty { get; } = new([]);

    /// <summary>A copy with <paramref name="node"/> added last.</summary>
    public NodeTable With(FakeNode node) => new([.. inOrder, node]);

    public FakeNode this[string key] => byAddress[key];

    public IEnumerable<string> Keys => inOrder.Select(node => node.Address);

    public IEnumerable<FakeNode> Values => inOrder;

    public int Count => inOrder.Length;

    public bool ContainsKey(string key) => byAddress.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out FakeNode value) => byAddress.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, FakeNode>> GetEnumerator() =>
        inOrder.Select(node => KeyValuePair.Create(node.Address, node)).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
