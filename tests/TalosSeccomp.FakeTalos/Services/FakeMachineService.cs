using System.Text;
using Google.Protobuf;
using Grpc.Core;
using TalosSeccomp.FakeTalos.State;
using TalosSeccomp.Talos.Wire.Machine;
using Empty = Google.Protobuf.WellKnownTypes.Empty;
using WireCommon = TalosSeccomp.Talos.Wire.Common;

namespace TalosSeccomp.FakeTalos.Services;

/// <summary>machined's MachineService for the calls the module makes.</summary>
internal sealed class FakeMachineService : MachineService.MachineServiceBase
{
    /// <summary>Largest Data payload of Logs and Read (the node reads in 1 KiB pieces that ignore line ends).</summary>
    internal const int MaxChunk = 1024;

    // Chunk sizes cycle through this list so chunk ends fall mid-line on purpose.
    private static readonly int[] ChunkPattern = [1024, 333, 1000, 77, 1024, 5, 612, 900];

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
            await responseStream.WriteAsync(new WireCommon.Data { Bytes = ByteString.CopyFrom(chunk.Span) }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task Dmesg(DmesgRequest request, IServerStreamWriter<WireCommon.Data> responseStream, ServerCallContext context)
    {
        var node = NodeRoutingInterceptor.NodeOf(context);
        using var subscription = node.KernelLog.Subscribe();

        // tail seeks to the end: only records that arrive later.
        if (!request.Tail)
        {
            foreach (var record in subscription.Existing)
            {
                await responseStream.WriteAsync(DataOf(record), context.CancellationToken).ConfigureAwait(false);
            }
        }

        if (!request.Follow)
        {
            return;
        }

        await foreach (var record in ReadUntilCancelled(subscription.Reader, context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(DataOf(record), context.CancellationToken).ConfigureAwait(false);
        }
    }

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
        await WriteChunkedAsync(responseStream, string.Concat(existing), context.CancellationToken).ConfigureAwait(false);
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

            await WriteChunkedAsync(responseStream, batch.ToString(), context.CancellationToken).ConfigureAwait(false);
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

    private static LogBuffer SelectLog(FakeNode node, LogsRequest request)
    {
        if (request.Namespace != "system")
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"log namespace \"{request.Namespace}\" is not supported by the fake node"));
        }

        return request.Id switch
        {
            "auditd" when node.HasAuditdService => node.AuditdLog,
            "kernel" => node.KernelLog,
            _ => throw new RpcException(new Status(StatusCode.NotFound, $"service \"{request.Id}\" not found: no log for this service")),
        };
    }

    private static async Task WriteChunkedAsync(IServerStreamWriter<WireCommon.Data> stream, string text, CancellationToken cancellationToken)
    {
        foreach (var chunk in Chunk(Encoding.UTF8.GetBytes(text)))
        {
            await stream.WriteAsync(new WireCommon.Data { Bytes = ByteString.CopyFrom(chunk.Span) }, cancellationToken).ConfigureAwait(false);
        }
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
