using System.Text;
using Google.Protobuf;
using Grpc.Core;
using TalosSeccomp.FakeTalos.State;
using TalosSeccomp.Talos.Wire.Machine;
using Empty = Google.Protobuf.WellKnownTypes.Empty;
using WireCommon = TalosSeccomp.Talos.Wire.Common;

namespace TalosSeccomp.FakeTalos.Services;

/// <summary>
/// machined's MachineService for the calls the module makes, each imitating upstream
/// <c>internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go</c> (siderolabs/talos).
/// </summary>
internal sealed class FakeMachineService : MachineService.MachineServiceBase
{
    /// <summary>Largest Data payload of Logs and Read (the node reads in 1 KiB pieces that ignore line ends).</summary>
    internal const int MaxChunk = 1024;

    // Chunk sizes cycle through this list so chunk ends fall mid-line on purpose.
    private static readonly int[] ChunkPattern = [1024, 333, 1000, 77, 1024, 5, 612, 900];

    // v1alpha1_server.go Version: version.NewVersion(), the platform's name and mode, and features.rbac on a configured node.
    public override Task<VersionResponse> Version(Empty request, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        var version = new TalosSeccomp.Talos.Wire.Machine.Version
        {
            Version_ = new TalosSeccomp.Talos.Wire.Machine.VersionInfo
            {
                Tag = node.TalosVersion,
                Sha = "fake0000",
                Built = string.Empty,
                GoVersion = "go1.24.9",
                Os = "linux",
                Arch = "amd64",
            },
            Platform = new PlatformInfo { Name = "metal", Mode = "metal" },
            Features = new FeaturesInfo { Rbac = true },
        };
        return Task.FromResult(new VersionResponse { Messages = { version } });
    }

    public override Task<HostnameResponse> Hostname(Empty request, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        return Task.FromResult(new HostnameResponse { Messages = { new Hostname { Hostname_ = node.Hostname } } });
    }

    public override async Task<ApplyConfigurationResponse> ApplyConfiguration(ApplyConfigurationRequest request, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        var result = await node.ApplyAsync(request).ConfigureAwait(false);
        return new ApplyConfigurationResponse { Messages = { result } };
    }

    // v1alpha1_server.go Containers over getContainerInspector: an empty namespace is InvalidArgument "namespace can't be
    // empty"; driver CRI outside k8s.io is a plain errors.New (so code Unknown) "CRI inspector is supported only for K8s
    // namespace"; an unknown driver is InvalidArgument "unsupported driver %q". CRI in k8s.io lists the pods
    // (internal/pkg/containers/cri/cri.go, see FakeNode.ListCriContainers), all in one reply item. The containerd
    // driver (internal/pkg/containers/containerd) would list containerd's own view; the fake has no system containers
    // and leaves that view out: it answers an empty list (a documented subset: the module only uses CRI).
    public override Task<ContainersResponse> Containers(ContainersRequest request, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        if (request.Namespace.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "namespace can't be empty"));
        }

        var item = new Container();
        switch (request.Driver)
        {
            case WireCommon.ContainerDriver.Cri:
                if (request.Namespace != FakeNode.K8sContainerdNamespace)
                {
                    throw new RpcException(new Status(StatusCode.Unknown, "CRI inspector is supported only for K8s namespace"));
                }

                item.Containers.AddRange(node.ListCriContainers());
                break;
            case WireCommon.ContainerDriver.Containerd:
                break;
            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"unsupported driver \"{(int)request.Driver}\""));
        }

        return Task.FromResult(new ContainersResponse { Messages = { item } });
    }

    // v1alpha1_server.go Processes: internal/pkg/miniprocfs reads every /proc/<pid> (host pids; processes whose exe link
    // cannot be read, such as kernel threads, are skipped), all in one reply item.
    public override Task<ProcessesResponse> Processes(Empty request, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        var item = new Process();
        item.Processes.AddRange(node.ListProcesses());
        return Task.FromResult(new ProcessesResponse { Messages = { item } });
    }

    // v1alpha1_server.go Read: os.Stat failing with ErrNotExist is codes.NotFound with Go's "stat <path>: no such file or
    // directory"; anything but a regular file is a plain error (Unknown) "path must be a regular file"; the content goes
    // out through pkg/chunker/stream (reads of up to 1024 bytes). machined runs as root, so permission errors (a plain
    // "open <path>: permission denied", Unknown) do not occur for the files the module reads, and the fake has none.
    public override async Task Read(ReadRequest request, IServerStreamWriter<WireCommon.Data> responseStream, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        var content = node.ReadFile(request.Path);
        if (content is null)
        {
            if (node.IsDirectory(request.Path))
            {
                throw new RpcException(new Status(StatusCode.Unknown, "path must be a regular file"));
            }

            throw new RpcException(new Status(StatusCode.NotFound, $"stat {request.Path}: no such file or directory"));
        }

        foreach (var chunk in Chunk(Encoding.UTF8.GetBytes(content), splitShortBatches: false))
        {
            await SendAsync(node, responseStream, new WireCommon.Data { Bytes = ByteString.CopyFrom(chunk.Span) }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    // v1alpha1_server.go Dmesg over pkg/kmsg (siderolabs/go-kmsg): one Data per /dev/kmsg record, formatted
    // "%s: %7s: [%s]: %s"; tail seeks to the end (FromTail), so tail without follow sends nothing.
    public override async Task Dmesg(DmesgRequest request, IServerStreamWriter<WireCommon.Data> responseStream, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        using var subscription = node.KernelLog.Subscribe();

        // tail seeks to the end: only records that arrive later.
        if (!request.Tail)
        {
            foreach (var record in subscription.Existing)
            {
                await SendAsync(node, responseStream, DataOf(record), context.CancellationToken).ConfigureAwait(false);
            }
        }

        if (!request.Follow)
        {
            return;
        }

        await foreach (var record in ReadUntilCancelled(subscription.Reader, context.CancellationToken).ConfigureAwait(false))
        {
            await SendAsync(node, responseStream, DataOf(record), context.CancellationToken).ConfigureAwait(false);
        }
    }

    // v1alpha1_server.go Logs: tail_lines >= 0 is WithTailLines(n) (0 = none), -1 the whole buffer; follow streams what
    // is written later; the bytes go out through pkg/chunker/stream in pieces of at most 1024 bytes that ignore line ends.
    public override async Task Logs(LogsRequest request, IServerStreamWriter<WireCommon.Data> responseStream, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        var log = SelectLog(node, request);
        using var subscription = log.Subscribe();
        var existing = request.TailLines switch
        {
            < 0 => subscription.Existing,
            0 => [],
            var n => subscription.Existing.Skip(Math.Max(0, subscription.Existing.Count - n)).ToArray(),
        };
        await WriteChunkedAsync(node, responseStream, string.Concat(existing), context.CancellationToken).ConfigureAwait(false);
        if (!request.Follow)
        {
            return;
        }

        var reader = subscription.Reader;
        while (await WaitUntilCancelled(reader, context.CancellationToken).ConfigureAwait(false))
        {
            // Take everything that is queued, so a burst goes out as chunks that straddle its lines.
            var batch = new StringBuilder();
            while (reader.TryRead(out var line))
            {
                batch.Append(line);
            }

            await WriteChunkedAsync(node, responseStream, batch.ToString(), context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Splits a batch into Data payloads of at most 1024 bytes whose boundaries ignore line ends. A batch that
    /// would fit one chunk is still cut in two, so even a single followed line arrives split.
    /// </summary>
    internal static IEnumerable<ReadOnlyMemory<byte>> Chunk(byte[] bytes, bool splitShortBatches = true)
    {
        var offset = 0;
        var index = 0;
        while (offset < bytes.Length)
        {
            var remaining = bytes.Length - offset;
            var size = Math.Min(ChunkPattern[index++ % ChunkPattern.Length], remaining);
            if (splitShortBatches && offset == 0 && size == remaining && remaining > 1)
            {
                size = remaining / 2;
            }

            yield return bytes.AsMemory(offset, size);
            offset += size;
        }
    }

    /// <summary>
    /// Which log a Logs call reads, failing as machined does (upstream <c>v1alpha1_server.go</c> Logs): namespace
    /// <c>system</c> (or id <c>kubelet</c>) names a service log, and one that was never written fails with a plain Go
    /// error, so code Unknown, <c>log "id" was not registered</c> (<c>internal/app/machined/pkg/runtime/logging/circular.go</c>).
    /// Other namespaces are containers (<c>k8slogs</c>/<c>getContainerInspector</c>), of which the fake node has none.
    /// </summary>
    private static LogBuffer SelectLog(FakeNode node, LogsRequest request)
    {
        if (request.Namespace == "system" || request.Id == "kubelet")
        {
            return request.Id switch
            {
                "auditd" when node.HasAuditdService => node.AuditdLog,
                "kernel" => node.KernelLog,
                _ => throw new RpcException(new Status(StatusCode.Unknown, $"log \"{request.Id}\" was not registered")),
            };
        }

        if (request.Namespace.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "namespace can't be empty"));
        }

        if (request.Driver == TalosSeccomp.Talos.Wire.Common.ContainerDriver.Cri && request.Namespace != "k8s.io")
        {
            throw new RpcException(new Status(StatusCode.Unknown, "CRI inspector is supported only for K8s namespace"));
        }

        throw new RpcException(new Status(StatusCode.Unknown, $"container \"{request.Id}\" not found"));
    }

    private static async Task WriteChunkedAsync(FakeNode node, IServerStreamWriter<WireCommon.Data> stream, string text, CancellationToken cancellationToken)
    {
        foreach (var chunk in Chunk(Encoding.UTF8.GetBytes(text)))
        {
            await SendAsync(node, stream, new WireCommon.Data { Bytes = ByteString.CopyFrom(chunk.Span) }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one Data; a write that cannot complete at once (the client is not reading) is reported to the node's held-back signal.</summary>
    private static async Task SendAsync(FakeNode node, IServerStreamWriter<WireCommon.Data> stream, WireCommon.Data data, CancellationToken cancellationToken)
    {
        var write = stream.WriteAsync(data, cancellationToken);
        if (!write.IsCompleted)
        {
            node.ReportHeldBack();
        }

        await write.ConfigureAwait(false);
    }

    private static WireCommon.Data DataOf(string record) => new() { Bytes = ByteString.CopyFromUtf8(record) };

    private static async IAsyncEnumerable<string> ReadUntilCancelled(System.Threading.Channels.ChannelReader<string> reader,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await WaitUntilCancelled(reader, cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// Waits for more items; false when the stream was cancelled (the client went away) or the log closed. A stream
    /// dropped on purpose (<see cref="FakeNode.DropLogStreams"/>) fails like a broken connection: Unavailable.
    /// </summary>
    private static async Task<bool> WaitUntilCancelled(System.Threading.Channels.ChannelReader<string> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (LogStreamDroppedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "connection reset by peer (the fake node dropped the stream)"));
        }
    }
}
