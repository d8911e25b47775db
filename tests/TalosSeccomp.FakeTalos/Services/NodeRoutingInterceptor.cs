using Grpc.Core;
using Grpc.Core.Interceptors;
using TalosSeccomp.FakeTalos.Tls;

namespace TalosSeccomp.FakeTalos.Services;

/// <summary>
/// What apid does before a call reaches machined: RBAC from the client certificate's Organization values
/// (facts sheet §4), routing by the <c>node</c> metadata key (§5), and the failures of an unreachable node.
/// It also adds the node's injected latency.
/// </summary>
internal sealed class NodeRoutingInterceptor(FakeTalosServer server) : Interceptor
{
    private const string NodeKey = "fake-talos-node";

    private static readonly string[] AnyReader = ["os:admin", "os:operator", "os:reader"];
    private static readonly string[] AdminOnly = ["os:admin"];

    private static readonly Dictionary<string, string[]> Rules = new(StringComparer.Ordinal)
    {
        ["/machine.MachineService/ApplyConfiguration"] = AdminOnly,
        ["/machine.MachineService/Dmesg"] = AnyReader,
        ["/machine.MachineService/Logs"] = AnyReader,
        ["/machine.MachineService/Version"] = AnyReader,
        ["/machine.MachineService/Hostname"] = AnyReader,
        ["/machine.MachineService/List"] = AnyReader,
        ["/machine.MachineService/Read"] = AdminOnly,
        ["/cosi.resource.State/Get"] = AnyReader,
        ["/cosi.resource.State/List"] = AnyReader,
        ["/cosi.resource.State/Watch"] = AnyReader,
    };

    /// <summary>The node a call was routed to (set by the interceptor before the service runs).</summary>
    public static FakeNode NodeOf(ServerCallContext context) => (FakeNode)context.UserState[NodeKey];

    /// <summary>The caller's roles.</summary>
    public static IReadOnlyList<string> RolesOf(ServerCallContext context) =>
        context.GetHttpContext().Features.Get<IClientIdentityFeature>()?.Organizations ?? [];

    /// <summary>Whether the roles may call a method (a method with no rule needs admin).</summary>
    public static bool IsAllowed(string method, IReadOnlyList<string> roles)
    {
        var allowed = Rules.TryGetValue(method, out var rule) ? rule : AdminOnly;
        return roles.Any(allowed.Contains);
    }

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
        if (!IsAllowed(context.Method, RolesOf(context)))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "not authorized"));
        }

        var nodeValues = context.RequestHeaders.GetAll("node").Select(e => e.Value).ToArray();
        if (context.RequestHeaders.Get("nodes") is not null)
        {
            var message = context.Method.StartsWith("/cosi.", StringComparison.Ordinal)
                ? "one-2-many proxying is not supported for non-streaming methods"
                : "one-to-many proxying (the deprecated 'nodes' key) is not supported by the fake node; send 'node' per call";
            throw new RpcException(new Status(StatusCode.InvalidArgument, message));
        }

        if (nodeValues.Length > 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "node metadata must be single-valued"));
        }

        FakeNode node;
        if (nodeValues.Length == 0)
        {
            node = server.EndpointNode;
        }
        else if (!server.Nodes.TryGetValue(nodeValues[0], out var target) || target.Unreachable)
        {
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

        if (node.Latency > TimeSpan.Zero)
        {
            await Task.Delay(node.Latency, context.CancellationToken).ConfigureAwait(false);
        }

        context.UserState[NodeKey] = node;
    }
}
