using System.Net.Sockets;
using Grpc.Core;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos.Transport;

namespace TalosSeccomp.Talos;

/// <summary>What a failed call was, so its error can name the node, endpoint, method and roles.</summary>
/// <param name="Method">Full gRPC method, e.g. <c>/machine.MachineService/Version</c>.</param>
/// <param name="Node">The target node; null for the endpoint's own node.</param>
/// <param name="Endpoint">The endpoint the call went through.</param>
/// <param name="Roles">Roles of the client certificate.</param>
/// <param name="Timeout">The call's deadline, if any.</param>
/// <param name="ResourceType">The COSI resource type for State calls.</param>
public sealed record TalosCallContext(string Method, string? Node, string Endpoint, IReadOnlyList<string> Roles, TimeSpan? Timeout = null, string? ResourceType = null)
{
    /// <summary>The node as named in messages: the address, or "the endpoint's node (host:port)".</summary>
    public string NodeDisplay => Node ?? $"the node behind {Endpoint}";

    /// <summary>The short method name, e.g. <c>Version</c>.</summary>
    public string ShortMethod => Method[(Method.LastIndexOf('/') + 1)..];
}

/// <summary>
/// The one mapping from transport and gRPC failures (RpcException, TLS failures, socket errors) to
/// <see cref="TalosSeccompException"/> with specific ErrorIds. Every client call goes through it.
/// </summary>
public static partial class TalosErrorMapper
{
    /// <summary>Translates <paramref name="exception"/>; returns it unchanged when it is cancellation by the caller or already translated.</summary>
    /// <param name="exception">What the call threw.</param>
    /// <param name="context">The call.</param>
    /// <param name="cancellationToken">The caller's token: an RPC cancelled by it becomes <see cref="OperationCanceledException"/>.</param>
    public static Exception Map(Exception exception, TalosCallContext context, CancellationToken cancellationToken = default)
    {
        if (exception is TalosSeccompException)
        {
            return exception;
        }

        if (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            return new OperationCanceledException("The call was cancelled.", exception, cancellationToken);
        }

        var target = context.Node ?? context.Endpoint;
        if (Find<TalosTlsException>(exception) is { } tls)
        {
            var who = tls.Side == TlsFailureSide.Client ? "this client refused the node's certificate or protocol" : "the node refused this client";
            return new TalosSeccompException("TalosTlsFailure", ErrorKind.SecurityError,
                $"TLS with {tls.Endpoint} (for {context.NodeDisplay}) failed: {who}: {tls.Reason}.", target, exception);
        }

        if (Find<TalosEndpointsUnreachableException>(exception) is { } unreachable)
        {
            return new TalosSeccompException("TalosNodeUnreachable", ErrorKind.ConnectionError,
                $"Cannot reach {context.NodeDisplay}: no endpoint answered ({unreachable.Reasons}).", target, exception);
        }

        if (exception is not RpcException rpc)
        {
            return Find<SocketException>(exception) is { } socket
                ? new TalosSeccompException("TalosNodeUnreachable", ErrorKind.ConnectionError,
                    $"Cannot reach {context.NodeDisplay} through {context.Endpoint}: {socket.Message}.", target, exception)
                : exception;
        }

        var said = Said(rpc);
        return rpc.StatusCode switch
        {
            StatusCode.Unavailable => new TalosSeccompException("TalosNodeUnreachable", ErrorKind.ConnectionError,
                $"{Capitalize(context.NodeDisplay)} is unreachable through {context.Endpoint}: {said}", target, exception),
            StatusCode.PermissionDenied => new TalosSeccompException("TalosPermissionDenied", ErrorKind.PermissionDenied,
                PermissionMessage(context, said), target, exception),
            StatusCode.Unauthenticated => new TalosSeccompException("TalosPermissionDenied", ErrorKind.PermissionDenied,
                $"{Capitalize(context.NodeDisplay)} did not accept the client's identity for {context.ShortMethod}: {said}", target, exception),
            StatusCode.DeadlineExceeded => new TalosSeccompException("TalosTimeout", ErrorKind.OperationTimeout,
                $"{Capitalize(context.NodeDisplay)} did not complete {context.ShortMethod}" +
                (context.Timeout is { } t ? $" within {t.TotalSeconds:0.###} s" : string.Empty) + " (raise -TimeoutSec if the node is slow).", target, exception),
            StatusCode.InvalidArgument => Node("TalosInvalidArgument", ErrorKind.InvalidArgument),
            StatusCode.FailedPrecondition => Node("TalosFailedPrecondition", ErrorKind.InvalidOperation),
            StatusCode.NotFound => Node("TalosNotFound", ErrorKind.ObjectNotFound),
            StatusCode.Unimplemented => Node("TalosUnimplemented", ErrorKind.InvalidOperation),
            StatusCode.AlreadyExists or StatusCode.Aborted => Node("TalosConflict", ErrorKind.ResourceBusy),
            StatusCode.Cancelled => new TalosSeccompException("TalosCallCancelled", ErrorKind.OperationStopped,
                $"{context.ShortMethod} on {context.NodeDisplay} was cancelled: {said}", target, exception),
            _ => Unclassified(rpc, context, said, target),
        };

        TalosSeccompException Node(string errorId, ErrorKind kind) =>
            new(errorId, kind, $"{Capitalize(context.NodeDisplay)} refused {context.ShortMethod}: {said}", target, exception);
    }

    /// <summary>
    /// The status codes a node answers with when it refuses or fails a call for a reason of its own (Go errors without a
    /// gRPC code arrive as Unknown), and the client-side failures Grpc.Net.Client reports with a status of its own.
    /// </summary>
    private static TalosSeccompException Unclassified(RpcException rpc, TalosCallContext context, string said, string target)
    {
        var node = Capitalize(context.NodeDisplay);
        if (rpc.Status.DebugException is not null)
        {
            // Raised in this process (the HTTP/2 request failed), not an answer of the node.
            return new TalosSeccompException("TalosTransportFailed", ErrorKind.ConnectionError,
                $"The {context.ShortMethod} call to {context.NodeDisplay} through {context.Endpoint} failed before the node answered: {said}. Check that the endpoint is a Talos API (port 50000) and reachable.",
                target, rpc);
        }

        return rpc.StatusCode switch
        {
            StatusCode.Unknown => new TalosSeccompException("TalosNodeRefused", ErrorKind.InvalidOperation,
                $"{node} refused {context.ShortMethod}: {said}", target, rpc),
            StatusCode.ResourceExhausted => new TalosSeccompException("TalosResourceExhausted", ErrorKind.LimitsExceeded,
                $"{node} refused {context.ShortMethod} for exceeding a limit: {said}", target, rpc),
            StatusCode.OutOfRange => new TalosSeccompException("TalosInvalidArgument", ErrorKind.InvalidArgument,
                $"{node} refused {context.ShortMethod}: {said}", target, rpc),
            _ => new TalosSeccompException("TalosNodeInternalError", ErrorKind.NotSpecified,
                $"{node} failed {context.ShortMethod} with an internal error ({rpc.StatusCode}): {said}", target, rpc),
        };
    }

    /// <summary>
    /// The status detail without .NET exception type names: Grpc.Net.Client writes client-side failures as
    /// "Error starting gRPC call. HttpRequestException: … (IOException: …)", which names our runtime's types, not the problem.
    /// </summary>
    private static string Said(RpcException rpc)
    {
        var detail = rpc.Status.Detail;
        if (string.IsNullOrWhiteSpace(detail))
        {
            return rpc.StatusCode.ToString();
        }

        return rpc.Status.DebugException is null ? detail : DotNetTypeName().Replace(detail, string.Empty).Trim();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:\b[A-Z][A-Za-z0-9]*\.)*\b[A-Z][A-Za-z0-9]*Exception: ")]
    private static partial System.Text.RegularExpressions.Regex DotNetTypeName();

    /// <summary>The roles that may call <paramref name="method"/> (facts sheet §4); MachineConfig and other Sensitive COSI types need admin.</summary>
    public static IReadOnlyList<string> RolesAllowed(string method, string? resourceType = null)
    {
        string[] readers = ["os:admin", "os:operator", "os:reader"];
        return method switch
        {
            "/machine.MachineService/Dmesg" or "/machine.MachineService/Logs" or "/machine.MachineService/Version"
                or "/machine.MachineService/Hostname" or "/machine.MachineService/List" => readers,
            "/cosi.resource.State/Get" or "/cosi.resource.State/List" or "/cosi.resource.State/Watch" =>
                resourceType is not null && TalosResources.IsSensitive(resourceType) ? ["os:admin"] : readers,
            _ => ["os:admin"],
        };
    }

    private static string PermissionMessage(TalosCallContext context, string said)
    {
        var allowed = RolesAllowed(context.Method, context.ResourceType);
        var has = context.Roles.Count == 0 ? "no roles" : "roles " + string.Join(", ", context.Roles);
        var what = context.ResourceType is null ? context.ShortMethod : $"{context.ShortMethod} of {context.ResourceType}";
        var lacksRole = !context.Roles.Intersect(allowed, StringComparer.Ordinal).Any();
        return lacksRole
            ? $"{Capitalize(context.NodeDisplay)} refused {what}: the client certificate has {has}, and {what} needs {string.Join(" or ", allowed)} (node said: {said})."
            : $"{Capitalize(context.NodeDisplay)} refused {what}: {said} (the client certificate has {has}).";
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var depth = 0; exception is not null && depth < 16; depth++)
        {
            if (exception is T found)
            {
                return found;
            }

            if (exception is RpcException rpc && rpc.Status.DebugException is { } debug)
            {
                exception = debug;
                continue;
            }

            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                exception = aggregate.InnerExceptions[0];
                continue;
            }

            exception = exception.InnerException;
        }

        return null;
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
