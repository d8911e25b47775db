namespace TalosSeccomp.Talos;

/// <summary>How a Talos RPC answers.</summary>
public enum TalosRpcKind
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,
}

/// <summary>The Talos roles (client certificate Subject Organization values), as upstream <c>pkg/machinery/role/role.go</c> names them.</summary>
public static class TalosRoles
{
    /// <summary>Every API.</summary>
    public const string Admin = "os:admin";

    /// <summary>Reader plus management APIs that expose no secrets.</summary>
    public const string Operator = "os:operator";

    /// <summary>Read-only APIs that expose no secrets.</summary>
    public const string Reader = "os:reader";

    /// <summary>The roles of read-only methods: admin, operator, reader.</summary>
    public static IReadOnlyList<string> Readers { get; } = [Admin, Operator, Reader];

    /// <summary>Admin only.</summary>
    public static IReadOnlyList<string> AdminOnly { get; } = [Admin];
}

/// <summary>
/// One Talos RPC the module calls: its full gRPC method path, whether it streams, and the roles machined's
/// authorizer lets call it. <see cref="All"/> is the one table of them: <see cref="TalosClient"/> calls through it,
/// <see cref="TalosErrorMapper"/> names its roles in permission errors, and the fake node's RBAC enforces it.
/// </summary>
/// <remarks>
/// Roles are upstream's rules in <c>internal/app/machined/pkg/system/services/machined.go</c> (siderolabs/talos),
/// enforced by <c>pkg/grpc/middleware/authz/authorizer.go</c> (a method without a rule needs
/// <see cref="TalosRoles.Admin"/>, the authorizer's FallbackRoles). COSI Sensitive resource types need admin on top
/// (<c>internal/app/resources/access.go</c>): see <see cref="RolesFor"/>.
/// </remarks>
/// <param name="Method">Full method path, e.g. <c>/machine.MachineService/Version</c>.</param>
/// <param name="Kind">Unary or server-streaming.</param>
/// <param name="Roles">Roles any one of which allows the call.</param>
public sealed record TalosRpc(string Method, TalosRpcKind Kind, IReadOnlyList<string> Roles)
{
    private const string Machine = "/machine.MachineService/";
    private const string State = "/cosi.resource.State/";

    /// <summary>MachineService.Version.</summary>
    public static TalosRpc Version { get; } = new(Machine + "Version", TalosRpcKind.Unary, TalosRoles.Readers);

    /// <summary>MachineService.Hostname.</summary>
    public static TalosRpc Hostname { get; } = new(Machine + "Hostname", TalosRpcKind.Unary, TalosRoles.Readers);

    /// <summary>
    /// MachineService.ApplyConfiguration. Upstream's rule also lets os:reader in, for maintenance mode only: the handler
    /// (<c>v1alpha1_server.go</c> ApplyConfiguration) refuses anyone but admin on a configured node, which is the only
    /// kind of node this module changes.
    /// </summary>
    public static TalosRpc ApplyConfiguration { get; } = new(Machine + "ApplyConfiguration", TalosRpcKind.Unary, TalosRoles.AdminOnly);

    /// <summary>MachineService.Read (admin only: it reads any file).</summary>
    public static TalosRpc Read { get; } = new(Machine + "Read", TalosRpcKind.ServerStreaming, TalosRoles.AdminOnly);

    /// <summary>MachineService.Dmesg.</summary>
    public static TalosRpc Dmesg { get; } = new(Machine + "Dmesg", TalosRpcKind.ServerStreaming, TalosRoles.Readers);

    /// <summary>MachineService.Logs.</summary>
    public static TalosRpc Logs { get; } = new(Machine + "Logs", TalosRpcKind.ServerStreaming, TalosRoles.Readers);

    /// <summary>MachineService.Containers (pods and containers as CRI or containerd lists them).</summary>
    public static TalosRpc Containers { get; } = new(Machine + "Containers", TalosRpcKind.Unary, TalosRoles.Readers);

    /// <summary>MachineService.Processes (the node's process table, host pids, from /proc).</summary>
    public static TalosRpc Processes { get; } = new(Machine + "Processes", TalosRpcKind.Unary, TalosRoles.Readers);

    /// <summary>COSI State.Get.</summary>
    public static TalosRpc StateGet { get; } = new(State + "Get", TalosRpcKind.Unary, TalosRoles.Readers);

    /// <summary>COSI State.List.</summary>
    public static TalosRpc StateList { get; } = new(State + "List", TalosRpcKind.ServerStreaming, TalosRoles.Readers);

    /// <summary>COSI State.Watch.</summary>
    public static TalosRpc StateWatch { get; } = new(State + "Watch", TalosRpcKind.ServerStreaming, TalosRoles.Readers);

    /// <summary>Every RPC the module calls.</summary>
    public static IReadOnlyList<TalosRpc> All { get; } = [Version, Hostname, ApplyConfiguration, Read, Dmesg, Logs, Containers, Processes, StateGet, StateList, StateWatch];

    /// <summary>The short method name, e.g. <c>Version</c>.</summary>
    public string Name => Method[(Method.LastIndexOf('/') + 1)..];

    /// <summary>Whether this is a COSI State method (its roles depend on the resource type).</summary>
    public bool IsState => Method.StartsWith(State, StringComparison.Ordinal);

    /// <summary>The RPC with this method path, or null when the module does not call it.</summary>
    public static TalosRpc? Find(string method) => All.FirstOrDefault(r => string.Equals(r.Method, method, StringComparison.Ordinal));

    /// <summary>
    /// The roles that may call <paramref name="method"/>: the table's, admin for a method outside it (the authorizer's
    /// fallback), and admin for a State call on a Sensitive resource type.
    /// </summary>
    /// <param name="method">Full method path.</param>
    /// <param name="resourceType">The COSI resource type of a State call, if any.</param>
    public static IReadOnlyList<string> RolesFor(string method, string? resourceType = null)
    {
        var rpc = Find(method);
        if (rpc is null)
        {
            return TalosRoles.AdminOnly;
        }

        return rpc.IsState && resourceType is not null && TalosResources.IsSensitive(resourceType) ? TalosRoles.AdminOnly : rpc.Roles;
    }

    /// <summary>Whether any of <paramref name="roles"/> may call <paramref name="method"/>.</summary>
    public static bool IsAllowed(string method, IReadOnlyList<string> roles, string? resourceType = null)
    {
        var allowed = RolesFor(method, resourceType);
        return roles.Any(r => allowed.Contains(r, StringComparer.Ordinal));
    }
}
