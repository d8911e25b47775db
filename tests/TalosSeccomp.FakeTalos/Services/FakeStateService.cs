using System.Text.RegularExpressions;
using Grpc.Core;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Wire.Cosi;

namespace TalosSeccomp.FakeTalos.Services;

/// <summary>
/// COSI <c>cosi.resource.State</c> as machined exposes it through apid: read-only, a fixed set of resource
/// types (each in its own namespace), Sensitive types for admins only. The access checks and their order imitate
/// upstream <c>internal/app/resources/access.go</c> (type known, then sensitivity, then namespace registered); a missing
/// resource is the COSI state's NotFound (cosi-project/runtime <c>pkg/state/impl/inmem/errors.go</c>, passed on as
/// codes.NotFound by <c>pkg/state/protobuf/server/server.go</c>).
/// </summary>
internal sealed class FakeStateService : TalosSeccomp.Talos.Wire.Cosi.State.StateBase
{
    // The resource types the fake node has, and their ResourceDefinition sensitivity (upstream
    // pkg/machinery/resources/config/machine_config.go marks MachineConfig Sensitive). Kept apart from the engine's
    // own list, so the fake stays an independent check of it.
    private static readonly Dictionary<string, bool> Types = new(StringComparer.Ordinal)
    {
        [FakeNode.MachineConfigType] = true,
        [FakeNode.SeccompProfileType] = false,
        [FakeNode.MemberType] = false,
    };

    // Namespaces machined registers (pkg/machinery/resources/*/: NamespaceName constants); a type asked for in another
    // registered namespace simply has no resources there.
    private static readonly HashSet<string> Namespaces = new(StringComparer.Ordinal)
    {
        "cluster", "cluster-raw", "config", "containers", "controlplane", "cri", "etcd", "files", "hardware", "k8s", "kubespan",
        "network", "network-config", "perf", "runtime", "secrets", "security", "storage", "meta",
    };

    public override Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        var node = Authorize(request.Namespace, request.Type, context);
        var resource = node.Resources.Get(request.Namespace, request.Type, request.Id)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"resource {request.Type}({request.Namespace}/{request.Id}@undefined) doesn't exist"));
        if (request.Type == FakeNode.MachineConfigType && request.Id == "v1alpha1")
        {
            // The hook runs after the answer is built, like a writer that slips in between Get and Apply.
            context.GetHttpContext().Response.OnCompleted(() =>
            {
                node.AfterConfigRead?.Invoke(node);
                return Task.CompletedTask;
            });
        }

        return Task.FromResult(new GetResponse { Resource = resource });
    }

    public override async Task List(ListRequest request, IServerStreamWriter<ListResponse> responseStream, ServerCallContext context)
    {
        var node = Authorize(request.Namespace, request.Type, context);
        var idFilter = string.IsNullOrEmpty(request.Options?.IdQuery?.Regexp) ? null : new Regex(request.Options.IdQuery.Regexp);
        foreach (var resource in node.Resources.List(request.Namespace, request.Type))
        {
            if (idFilter is null || idFilter.IsMatch(resource.Metadata.Id))
            {
                await responseStream.WriteAsync(new ListResponse { Resource = resource }, context.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        var node = Authorize(request.Namespace, request.Type, context);
        using var subscription = node.Resources.Watch(request.Namespace, request.Type, request.HasId ? request.Id : null);

        // The first message is empty: the watch is established.
        await responseStream.WriteAsync(new WatchResponse(), context.CancellationToken).ConfigureAwait(false);
        var options = request.Options ?? new WatchOptions();
        if (request.HasId || options.BootstrapContents)
        {
            var bootstrap = new WatchResponse();
            foreach (var resource in subscription.Existing)
            {
                bootstrap.Event.Add(new Event { EventType = EventType.Created, Resource = resource });
            }

            if (!request.HasId && request.ApiVersion >= 1)
            {
                bootstrap.Event.Add(new Event { EventType = EventType.Bootstrapped, Resource = new Resource() });
            }

            if (bootstrap.Event.Count > 0)
            {
                await responseStream.WriteAsync(bootstrap, context.CancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            await foreach (var change in subscription.Events.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(new WatchResponse { Event = { change } }, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client ended the watch.
        }
    }

    public static FakeNode Authorize(string ns, string type, ServerCallContext context)
    {
        if (!Types.TryGetValue(type, out var sensitive))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"resource type \"{type}\" is not supported"));
        }

        if (sensitive && !NodeRoutingInterceptor.RolesOf(context).Contains(TalosRoles.Admin))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "not authorized"));
        }

        if (!Namespaces.Contains(ns))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"namespace \"{ns}\" is not supported"));
        }

        return NodeRoutingInterceptor.NodeOf(context);
    }
}
