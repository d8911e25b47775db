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

    /// <summary>The node as a sentence starts with it: a node's name keeps its spelling, the description is capitalised.</summary>
    public string NodeSubject => Node ?? $"The node behind {Endpoint}";

    /// <summary>The short method name, e.g. <c>Version</c>.</summary>
    public string ShortMethod => Method[(Method.LastIndexOf('/') + 1)..];
}

/// <summary>
/// The one mapping from transport and gRPC failures (RpcException, TLS failures, socket errors) to
/// <see cref="TalosSeccompException"/> with specific ErrorIds. Every client call goes through it.
/// </summary>
public static partial class TalosErrorMapper
{
    /// <summary>
    /// Translates <paramref name="exception"/> into a <see cref="TalosSeccompException"/> carrying the node's gRPC
    /// status (<see cref="TalosSeccompException.GrpcStatus"/>) and what it means (<see cref="TalosSeccompException.Classification"/>).
    /// Returns it unchanged when it is already translated, and as <see cref="OperationCanceledException"/> when the
    /// caller cancelled.
    /// </summary>
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
            return new TalosSeccompException(ErrorIds.TalosTlsFailure, ErrorKind.SecurityError,
                $"TLS with {tls.Endpoint} (for {context.NodeDisplay}) failed: {who}: {tls.Reason}.", target, exception) { Classification = ErrorClass.Tls };
        }

        if (Find<TalosEndpointsUnreachableException>(exception) is { } unreachable)
        {
            return new TalosSeccompException(ErrorIds.TalosNodeUnreachable, ErrorKind.ConnectionError,
                $"Cannot reach {context.NodeDisplay}: no endpoint answered ({unreachable.Reasons}).", target, exception) { Classification = ErrorClass.Transient };
        }

        if (exception is not RpcException rpc)
        {
            if (Find<SocketException>(exception) is { } socket)
            {
                return new TalosSeccompException(ErrorIds.TalosNodeUnreachable, ErrorKind.ConnectionError,
                    $"Cannot reach {context.NodeDisplay} through {context.Endpoint}: {socket.Message}.", target, exception) { Classification = ErrorClass.Transient };
            }

            // A broken connection below gRPC (reset, closed, HTTP/2 failure): a retry may work. Anything else is a failure
            // of this client, reported as the call's failure rather than escaping as a foreign exception type.
            var broken = exception is IOException or System.Net.Http.HttpRequestException or OperationCanceledException;
            return new TalosSeccompException(ErrorIds.TalosCallFailed, ErrorKind.NotSpecified,
                $"{context.ShortMethod} on {context.NodeDisplay} failed: {exception.Message}", target, exception)
            { Classification = broken ? ErrorClass.Transient : ErrorClass.None };
        }

        var said = Said(rpc);
        var (errorId, kind, classification, message) = rpc.StatusCode switch
        {
            StatusCode.Unavailable => (ErrorIds.TalosNodeUnreachable, ErrorKind.ConnectionError, ErrorClass.Transient,
                $"{context.NodeSubject} is unreachable through {context.Endpoint}: {said}"),
            StatusCode.PermissionDenied => (ErrorIds.TalosPermissionDenied, ErrorKind.PermissionDenied, ErrorClass.PermissionDenied, PermissionMessage(context, said)),
            StatusCode.Unauthenticated => (ErrorIds.TalosPermissionDenied, ErrorKind.PermissionDenied, ErrorClass.PermissionDenied,
                $"{context.NodeSubject} did not accept the client's identity for {context.ShortMethod}: {said}"),
            StatusCode.DeadlineExceeded => (ErrorIds.TalosTimeout, ErrorKind.OperationTimeout, ErrorClass.Transient,
                $"{context.NodeSubject} did not complete {context.ShortMethod}" +
                (context.Timeout is { } t ? $" within {t.TotalSeconds:0.###} s" : string.Empty) + " (raise -TimeoutSec if the node is slow)."),
            StatusCode.InvalidArgument => Refused(ErrorIds.TalosInvalidArgument, ErrorKind.InvalidArgument, ErrorClass.Rejected),
            StatusCode.FailedPrecondition => Refused(ErrorIds.TalosFailedPrecondition, ErrorKind.InvalidOperation, ErrorClass.Rejected),
            StatusCode.NotFound => Refused(ErrorIds.TalosNotFound, ErrorKind.ObjectNotFound, ErrorClass.NotFound),
            StatusCode.Unimplemented => Refused(ErrorIds.TalosUnimplemented, ErrorKind.InvalidOperation, ErrorClass.Rejected),
            StatusCode.AlreadyExists or StatusCode.Aborted => Refused(ErrorIds.TalosConflict, ErrorKind.ResourceBusy, ErrorClass.Conflict),
            StatusCode.Cancelled => (ErrorIds.TalosCallCancelled, ErrorKind.OperationStopped, ErrorClass.Transient,
                $"{context.ShortMethod} on {context.NodeDisplay} was cancelled: {said}"),
            StatusCode.Unknown when IsUnregisteredLog(rpc.Status.Detail) => Refused(ErrorIds.TalosNotFound, ErrorKind.ObjectNotFound, ErrorClass.MissingServiceLog),
            _ => Unclassified(rpc, context, said),
        };

        return new TalosSeccompException(errorId, kind, message, target, exception) { Classification = classification, GrpcStatus = rpc.StatusCode };

        (string, ErrorKind, ErrorClass, string) Refused(string id, ErrorKind errorKind, ErrorClass errorClass) =>
            (id, errorKind, errorClass, $"{context.NodeSubject} refused {context.ShortMethod}: {said}");
    }

    /// <summary>
    /// machined's Logs for a service log that was never written: a plain Go error, so gRPC code Unknown, with the text
    /// <c>log "&lt;id&gt;" was not registered</c> (upstream <c>internal/app/machined/pkg/runtime/logging/circular.go</c>,
    /// checked by <c>internal/integration/api/logs.go</c>). Upstream gives no code for it, so its text is the signal.
    /// </summary>
    private static bool IsUnregisteredLog(string? detail) => detail is not null && UnregisteredLog().IsMatch(detail);

    [System.Text.RegularExpressions.GeneratedRegex("log \"[^\"]*\" was not registered$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UnregisteredLog();

    /// <summary>
    /// The status codes a node answers with when it refuses or fails a call for a reason of its own (Go errors without a
    /// gRPC code arrive as Unknown), and the client-side failures Grpc.Net.Client reports with a status of its own.
    /// </summary>
    private static (string, ErrorKind, ErrorClass, string) Unclassified(RpcException rpc, TalosCallContext context, string said)
    {
        var node = context.NodeSubject;
        if (rpc.Status.DebugException is not null)
        {
            // Raised in this process (the HTTP/2 request failed), not an answer of the node.
            return (ErrorIds.TalosTransportFailed, ErrorKind.ConnectionError, ErrorClass.Transient,
                $"The {context.ShortMethod} call to {context.NodeDisplay} through {context.Endpoint} failed before the node answered: {said}. Check that the endpoint is a Talos API (port 50000) and reachable.");
        }

        return rpc.StatusCode switch
        {
            // Go's code for any error without one, a broken backend stream (EOF) among them: a retry may help.
            StatusCode.Unknown => (ErrorIds.TalosNodeRefused, ErrorKind.InvalidOperation, ErrorClass.Transient,
                $"{node} refused {context.ShortMethod}: {said}"),
            StatusCode.ResourceExhausted => (ErrorIds.TalosResourceExhausted, ErrorKind.LimitsExceeded, ErrorClass.Rejected,
                $"{node} refused {context.ShortMethod} for exceeding a limit: {said}"),
            StatusCode.OutOfRange => (ErrorIds.TalosInvalidArgument, ErrorKind.InvalidArgument, ErrorClass.Rejected,
                $"{node} refused {context.ShortMethod}: {said}"),
            _ => (ErrorIds.TalosNodeInternalError, ErrorKind.NotSpecified, ErrorClass.Transient,
                $"{node} failed {context.ShortMethod} with an internal error ({rpc.StatusCode}): {said}"),
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


    private static string PermissionMessage(TalosCallContext context, string said)
    {
        var allowed = TalosRpc.RolesFor(context.Method, context.ResourceType);
        var has = context.Roles.Count == 0 ? "no roles" : "roles " + string.Join(", ", context.Roles);
        var what = context.ResourceType is null ? context.ShortMethod : $"{context.ShortMethod} of {context.ResourceType}";
        var lacksRole = !context.Roles.Intersect(allowed, StringComparer.Ordinal).Any();
        return lacksRole
            ? $"{context.NodeSubject} refused {what}: the client certificate has {has}, and {what} needs {string.Join(" or ", allowed)} (node said: {said})."
            : $"{context.NodeSubject} refused {what}: {said} (the client certificate has {has}).";
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

}
