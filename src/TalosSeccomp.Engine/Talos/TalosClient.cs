using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos.Wire.Machine;
using CosiResource = TalosSeccomp.Talos.Wire.Cosi.Resource;
using MachineVersion = TalosSeccomp.Talos.Wire.Machine.Version;

namespace TalosSeccomp.Talos;

/// <summary>
/// The Talos API calls the module makes, one method per RPC, over a pooled <see cref="TalosConnection"/>.
/// Each call takes the target node (sent as the single <c>node</c> metadata entry; null = the endpoint's own
/// node), runs under the client's deadline and the caller's cancellation token, and throws
/// <see cref="TalosSeccompException"/> mapped by <see cref="TalosErrorMapper"/>.
/// </summary>
public sealed class TalosClient
{
    /// <summary>Deadline of a call when none is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly MachineService.MachineServiceClient _machine;
    private readonly State.StateClient _state;

    /// <summary>Creates a client over <paramref name="connection"/>.</summary>
    /// <param name="connection">Usually from <see cref="TalosConnectionPool.Get"/>.</param>
    /// <param name="timeout">Deadline of unary calls and finite streams; null for <see cref="DefaultTimeout"/>.</param>
    public TalosClient(TalosConnection connection, TimeSpan? timeout = null)
    {
        Connection = connection;
        Timeout = timeout ?? DefaultTimeout;
        _machine = new MachineService.MachineServiceClient(connection.Channel);
        _state = new State.StateClient(connection.Channel);
    }

    /// <summary>The connection calls go through.</summary>
    public TalosConnection Connection { get; }

    /// <summary>Deadline of unary calls and finite streams.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>MachineService.Version of <paramref name="node"/>.</summary>
    public Task<MachineVersion> VersionAsync(string? node, CancellationToken cancellationToken = default) =>
        UnaryAsync(TalosRpc.Version, node, null, o => _machine.VersionAsync(new Empty(), o), r => r.Messages, m => m.Metadata, cancellationToken);

    /// <summary>MachineService.Hostname of <paramref name="node"/>.</summary>
    public async Task<string> HostnameAsync(string? node, CancellationToken cancellationToken = default) =>
        (await UnaryAsync(TalosRpc.Hostname, node, null, o => _machine.HostnameAsync(new Empty(), o), r => r.Messages, m => m.Metadata, cancellationToken).ConfigureAwait(false)).Hostname_;

    /// <summary>
    /// MachineService.ApplyConfiguration. The request must carry the whole config and an explicit mode
    /// (proto3's default 0 is REBOOT, which this method refuses to send).
    /// </summary>
    /// <exception cref="TalosSeccompException">TalosApplyModeRequired when the mode is REBOOT.</exception>
    public Task<ApplyConfiguration> ApplyConfigurationAsync(string? node, ApplyConfigurationRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Mode == ApplyConfigurationRequest.Types.Mode.Reboot)
        {
            throw new TalosSeccompException(ErrorIds.TalosApplyModeRequired, ErrorKind.InvalidArgument,
                "ApplyConfiguration needs an explicit mode other than REBOOT (seccomp profiles never need a reboot).", node);
        }

        return UnaryAsync(TalosRpc.ApplyConfiguration, node, null, o => _machine.ApplyConfigurationAsync(request, o), r => r.Messages, m => m.Metadata, cancellationToken);
    }

    /// <summary>MachineService.Read: the whole file at <paramref name="path"/> on <paramref name="node"/>.</summary>
    public async Task<byte[]> ReadFileAsync(string? node, string path, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await foreach (var chunk in DataStreamAsync(TalosRpc.Read, node, finite: true, o => _machine.Read(new ReadRequest { Path = path }, o), cancellationToken).ConfigureAwait(false))
        {
            buffer.Write(chunk.Span);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// MachineService.Containers: the pods and containers of a containerd namespace. With the defaults (namespace
    /// <c>k8s.io</c>, driver CRI, as <c>talosctl containers -k</c>) one sandbox row per ready pod, then its containers
    /// (facts sheet §7).
    /// </summary>
    /// <param name="node">Target node.</param>
    /// <param name="containerNamespace">The containerd namespace: <c>k8s.io</c> for pods, <c>system</c> for Talos's own.</param>
    /// <param name="cri">True: the CRI driver (only in <c>k8s.io</c>); false: the containerd driver.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<ContainerInfo>> ContainersAsync(string? node, string containerNamespace = "k8s.io", bool cri = true, CancellationToken cancellationToken = default)
    {
        var request = new ContainersRequest { Namespace = containerNamespace, Driver = cri ? Wire.Common.ContainerDriver.Cri : Wire.Common.ContainerDriver.Containerd };
        var reply = await UnaryAsync(TalosRpc.Containers, node, null, o => _machine.ContainersAsync(request, o), r => r.Messages, m => m.Metadata, cancellationToken).ConfigureAwait(false);
        return reply.Containers;
    }

    /// <summary>MachineService.Processes: the node's processes (host pids) as machined reads them from /proc.</summary>
    /// <param name="node">Target node.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<ProcessInfo>> ProcessesAsync(string? node, CancellationToken cancellationToken = default)
    {
        var reply = await UnaryAsync(TalosRpc.Processes, node, null, o => _machine.ProcessesAsync(new Empty(), o), r => r.Messages, m => m.Metadata, cancellationToken).ConfigureAwait(false);
        return reply.Processes;
    }

    /// <summary>MachineService.Dmesg: one kernel record per item (facts sheet §8.1).</summary>
    /// <param name="node">Target node.</param>
    /// <param name="follow">Keep streaming new records (no deadline then).</param>
    /// <param name="tail">Start at the end of the buffer (only new records).</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> DmesgAsync(string? node, bool follow, bool tail = false, CancellationToken cancellationToken = default) =>
        DataStreamAsync(TalosRpc.Dmesg, node, finite: !follow, o => _machine.Dmesg(new DmesgRequest { Follow = follow, Tail = tail }, o), cancellationToken);

    /// <summary>MachineService.Logs of a service: chunks of at most 1 KiB, not line-aligned.</summary>
    /// <param name="node">Target node.</param>
    /// <param name="id">Service id, e.g. <c>auditd</c> or <c>kernel</c>.</param>
    /// <param name="follow">Keep streaming (no deadline then).</param>
    /// <param name="tailLines">Lines from the end to start with; -1 = the whole buffer.</param>
    /// <param name="logNamespace">Log namespace; <c>system</c> for Talos services.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> LogsAsync(string? node, string id, bool follow, int tailLines = -1, string logNamespace = "system", CancellationToken cancellationToken = default) =>
        DataStreamAsync(TalosRpc.Logs, node, finite: !follow,
            o => _machine.Logs(new LogsRequest { Namespace = logNamespace, Id = id, Follow = follow, TailLines = tailLines }, o), cancellationToken);

    /// <summary>COSI State.Get of one resource.</summary>
    public async Task<CosiResource> GetResourceAsync(string? node, string resourceNamespace, string type, string id, CancellationToken cancellationToken = default)
    {
        var context = Context(TalosRpc.StateGet, node, type);
        try
        {
            var response = await _state.GetAsync(new GetRequest { Namespace = resourceNamespace, Type = type, Id = id, Options = new GetOptions() }, Options(node, finite: true, cancellationToken)).ConfigureAwait(false);
            return response.Resource ?? throw new TalosSeccompException(ErrorIds.TalosNotFound, ErrorKind.ObjectNotFound,
                $"{context.NodeDisplay} returned no {type} '{id}'.", node ?? context.Endpoint) { Classification = ErrorClass.NotFound };
        }
        catch (Exception ex) when (ex is not TalosSeccompException)
        {
            throw TalosErrorMapper.Map(ex, context, cancellationToken);
        }
    }

    /// <summary>COSI State.List: every resource of <paramref name="type"/> in <paramref name="resourceNamespace"/>.</summary>
    public async IAsyncEnumerable<CosiResource> ListResourcesAsync(string? node, string resourceNamespace, string type, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in StreamAsync(TalosRpc.StateList, node, type, finite: true,
            o => _state.List(new ListRequest { Namespace = resourceNamespace, Type = type, Options = new ListOptions() }, o), cancellationToken).ConfigureAwait(false))
        {
            if (item.Resource is not null)
            {
                yield return item.Resource;
            }
        }
    }

    /// <summary>
    /// COSI State.Watch (api_version 1): the events of one resource (<paramref name="id"/>) or a whole kind.
    /// The initial empty "ready" message is skipped. Runs until cancelled.
    /// </summary>
    public async IAsyncEnumerable<Event> WatchResourcesAsync(string? node, string resourceNamespace, string type, string? id = null, WatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new WatchRequest { Namespace = resourceNamespace, Type = type, ApiVersion = 1, Options = options ?? new WatchOptions { BootstrapContents = true } };
        if (id is not null)
        {
            request.Id = id;
        }

        await foreach (var response in StreamAsync(TalosRpc.StateWatch, node, type, finite: false, o => _state.Watch(request, o), cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in response.Event)
            {
                yield return item;
            }
        }
    }

    private TalosCallContext Context(TalosRpc rpc, string? node, string? resourceType = null) =>
        new(rpc.Method, node, Connection.CurrentEndpoint.ToString(), Connection.Settings.Roles, Timeout, resourceType);

    private CallOptions Options(string? node, bool finite, CancellationToken cancellationToken)
    {
        Grpc.Core.Metadata? headers = null;
        if (!string.IsNullOrWhiteSpace(node))
        {
            headers = new Grpc.Core.Metadata { { "node", node.Trim() } };
        }

        return new CallOptions(headers, finite ? DateTime.UtcNow + Timeout : null, cancellationToken);
    }

    private async Task<TItem> UnaryAsync<TResponse, TItem>(TalosRpc rpc, string? node, string? resourceType, Func<CallOptions, AsyncUnaryCall<TResponse>> start,
        Func<TResponse, IList<TItem>> items, Func<TItem, Wire.Common.Metadata?> metadata, CancellationToken cancellationToken)
    {
        var context = Context(rpc, node, resourceType);
        TResponse response;
        try
        {
            response = await start(Options(node, finite: true, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw TalosErrorMapper.Map(ex, context, cancellationToken);
        }

        var list = items(response);
        if (list.Count == 0)
        {
            throw new TalosSeccompException(ErrorIds.TalosCallFailed, ErrorKind.NotSpecified, $"{context.NodeDisplay} answered {context.ShortMethod} with no message.", node ?? context.Endpoint);
        }

        ThrowIfInBandError(metadata(list[0]), context);
        return list[0];
    }

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> DataStreamAsync(TalosRpc rpc, string? node, bool finite,
        Func<CallOptions, AsyncServerStreamingCall<Wire.Common.Data>> start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var context = Context(rpc, node);
        await foreach (var data in StreamAsync(rpc, node, null, finite, start, cancellationToken).ConfigureAwait(false))
        {
            // Talos ≤ v1.13 reports stream failures in-band (one Data with metadata.error).
            ThrowIfInBandError(data.Metadata, context);
            if (!data.Bytes.IsEmpty)
            {
                yield return data.Bytes.Memory;
            }
        }
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(TalosRpc rpc, string? node, string? resourceType, bool finite,
        Func<CallOptions, AsyncServerStreamingCall<T>> start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var context = Context(rpc, node, resourceType);
        AsyncServerStreamingCall<T> call;
        try
        {
            call = start(Options(node, finite, cancellationToken));
        }
        catch (Exception ex)
        {
            throw TalosErrorMapper.Map(ex, context, cancellationToken);
        }

        using (call)
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    throw TalosErrorMapper.Map(ex, context, cancellationToken);
                }

                if (!more)
                {
                    yield break;
                }

                yield return call.ResponseStream.Current;
            }
        }
    }

    private static void ThrowIfInBandError(Wire.Common.Metadata? metadata, TalosCallContext context)
    {
        if (metadata is null || string.IsNullOrEmpty(metadata.Error))
        {
            return;
        }

        var code = (StatusCode)(metadata.Status?.Code ?? (int)StatusCode.Unknown);
        throw TalosErrorMapper.Map(new RpcException(new Status(code == StatusCode.OK ? StatusCode.Unknown : code, metadata.Error)), context);
    }
}
