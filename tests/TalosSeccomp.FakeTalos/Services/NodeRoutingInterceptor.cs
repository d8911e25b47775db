using Grpc.Core;
using Grpc.Core.Interceptors;
using TalosSeccomp.FakeTalos.Tls;
using TalosSeccomp.Talos;

namespace TalosSeccomp.FakeTalos.Services;

/// <summary>
/// What apid and machined do before a call reaches its handler: routing by the <c>node</c> metadata key (apid's director,
/// upstream <c>internal/app/apid/pkg/director/director.go</c>), the failures of an unreachable node, and then, on the
/// target node, RBAC from the client certificate's Organization values (machined's authorizer,
/// <c>pkg/grpc/middleware/authz/authorizer.go</c>, with the rules of <see cref="TalosRpc"/>). Routing comes first, as
/// apid forwards before the target node authorizes. It also adds the node's injected latency.
/// </summary>
internal sealed class NodeRoutingInterceptor(FakeTalosServer server) : Interceptor
{
    private const string NodeKey = "fake-talos-node";

    /// <summary>The node a call was routed to (set by the interceptor before the service runs).</summary>
    public static FakeNode NodeOf(ServerCallContext context) => (FakeNode)context.UserState[NodeKey];

    /// <summary>The caller's roles.</summary>
    public static IReadOnlyList<string> RolesOf(ServerCallContext context) =>
        context.GetHttpContext().Features.Get<IClientIdentityFeature>()?.Organizations ?? [];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await RouteAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await RouteAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    private async Task RouteAsync(ServerCallContext context)
    {
        // director.go: "node" must be single-valued; then "nodes" (one-2-many) wins over "node".
        var nodeValues = context.RequestHeaders.Where(e => e.Key == "node").Select(e => e.Value).ToArray();
        if (nodeValues.Length > 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "node metadata must be single-valued"));
        }

        if (context.RequestHeaders.Get("nodes") is not null)
        {
            if (!context.Method.StartsWith("/machine.MachineService/", StringComparison.Ordinal))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"one-2-many proxying is not supported for method {context.Method}"));
            }

            // Upstream aggregates MachineService answers of many nodes; the module never asks for that and the fake does not do it.
            throw new RpcException(new Status(StatusCode.Unimplemented, "one-to-many proxying (the deprecated 'nodes' key) is not implemented by the fake node; send 'node' per call"));
        }

        FakeNode node;
        if (nodeValues.Length == 0)
        {
            node = server.EndpointNode;
        }
        else if (!server.Nodes.TryGetValue(nodeValues[0], out var target) || target.Unreachable)
        {
            // apid dials the node lazily; the dial failure comes back as grpc-go's Unavailable.
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"connection error: desc = \"transport: Error while dialing: dial tcp {nodeValues[0]}:50000: connect: no route to host\""));
        }
        else
        {
            node = target;
        }

        if (node.Unreachable)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"node {node.Address} is unreachable"));
        }

        // authorizer.go on the target node: ErrNotAuthorized.
        if (!TalosRpc.IsAllowed(context.Method, RolesOf(context)))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "not authorized"));
        }

        if (node.Latency > TimeSpan.Zero)
        {
            await Task.Delay(node.Latency, context.CancellationToken).ConfigureAwait(false);
        }

        context.UserState[NodeKey] = node;
    }
}
