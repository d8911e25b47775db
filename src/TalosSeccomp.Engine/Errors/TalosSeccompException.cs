namespace TalosSeccomp.Errors;

/// <summary>
/// What kind of failure a <see cref="TalosSeccompException"/> reports. The names match PowerShell's
/// ErrorCategory values one to one, so the cmdlet layer maps them without a table; the engine itself
/// stays free of PowerShell.
/// </summary>
public enum ErrorKind
{
    /// <summary>Input that cannot be parsed or is not allowed (bad JSON, unknown action, unsafe name).</summary>
    InvalidArgument,
    /// <summary>Input with the wrong shape or type.</summary>
    InvalidType,
    /// <summary>Input whose content is inconsistent (a profile failing validation, a config with no v1alpha1 document).</summary>
    InvalidData,
    /// <summary>The operation cannot run in the current state (the node refused: FailedPrecondition).</summary>
    InvalidOperation,
    /// <summary>A file, context, node or resource that does not exist.</summary>
    ObjectNotFound,
    /// <summary>The node or endpoint could not be reached.</summary>
    ConnectionError,
    /// <summary>TLS or certificate failure on either side.</summary>
    SecurityError,
    /// <summary>The certificate's role does not allow the call.</summary>
    PermissionDenied,
    /// <summary>A deadline passed.</summary>
    OperationTimeout,
    /// <summary>Someone else changed the resource while we worked on it.</summary>
    ResourceBusy,
    /// <summary>The operation was cancelled.</summary>
    OperationStopped,
    /// <summary>The node or library failed in a way that fits no other kind.</summary>
    NotSpecified,
    /// <summary>Input larger than a limit allows (a config over the Talos API message size, a name over NAME_MAX).</summary>
    LimitsExceeded,
    /// <summary>A module or program the operation needs is not installed (SecretManagement for -SecretName).</summary>
    NotInstalled,
}

/// <summary>
/// What a failed Talos call means for the caller deciding what to do next: retry, fall back, or report. Set by
/// <c>TalosErrorMapper</c> from the gRPC status code (and, where upstream reports a condition only as text, from that
/// upstream text, in that one place), so callers test this instead of message text or ErrorId strings.
/// </summary>
public enum ErrorClass
{
    /// <summary>Not a classified Talos call failure (input errors, local files, ...).</summary>
    None,
    /// <summary>A retry may work: the node or endpoint is unreachable, the call timed out, the connection broke, or the node failed without a more specific code.</summary>
    Transient,
    /// <summary>A service log the node does not have, e.g. <c>auditd</c> on Talos before 1.9 or with <c>talos.auditd.disabled=1</c>.</summary>
    MissingServiceLog,
    /// <summary>The file or resource does not exist on the node.</summary>
    NotFound,
    /// <summary>The client certificate's roles or identity do not allow the call.</summary>
    PermissionDenied,
    /// <summary>TLS failed: a certificate or protocol was refused by either side.</summary>
    Tls,
    /// <summary>The node rejected the request itself (InvalidArgument, FailedPrecondition, Unimplemented).</summary>
    Rejected,
    /// <summary>A concurrent change on the node (AlreadyExists, Aborted).</summary>
    Conflict,
}

/// <summary>
/// The one exception type the engine throws for anticipated failures. It carries a stable
/// <see cref="ErrorId"/> (the FullyQualifiedErrorId users filter on), a <see cref="Kind"/> and the
/// <see cref="Target"/> it concerns (a node, a file, a parameter). Messages never contain key material.
/// </summary>
public sealed class TalosSeccompException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TalosSeccompException(string errorId, ErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>Stable identifier, e.g. <c>InvalidSeccompAction</c>.</summary>
    public string ErrorId { get; }

    /// <summary>The kind of failure.</summary>
    public ErrorKind Kind { get; }

    /// <summary>What the failure concerns: a node address, a path, a parameter name.</summary>
    public string? Target { get; }

    /// <summary>What a failed Talos call means (retry, fall back, report); <see cref="ErrorClass.None"/> for other failures.</summary>
    public ErrorClass Classification { get; init; }

    /// <summary>The gRPC status code the node answered with, when the failure was a gRPC status.</summary>
    public Grpc.Core.StatusCode? GrpcStatus { get; init; }

    /// <summary>
    /// For the error that stops a command working on several nodes (-ErrorAction Stop): the results the command wrote
    /// before it stopped, in node order, so a caller whose assignment the terminating error cut short still has them
    /// (<c>catch { $_.Exception.PartialResults }</c>). Empty for other errors.
    /// </summary>
    public IReadOnlyList<object> PartialResults { get; init; } = Array.Empty<object>();

    /// <summary>
    /// This failure told again with a fuller message (and the results written before it), for the error that stops a
    /// command: same ErrorId, kind and classification, this exception as the inner one.
    /// </summary>
    /// <param name="message">The new message.</param>
    /// <param name="target">The target when this exception has none.</param>
    /// <param name="partialResults">See <see cref="PartialResults"/>.</param>
    public TalosSeccompException Restate(string message, string? target, IReadOnlyList<object> partialResults) =>
        new(ErrorId, Kind, message, Target ?? target, this)
        {
            Classification = Classification,
            GrpcStatus = GrpcStatus,
            PartialResults = partialResults,
        };

    /// <summary>Whether a retry may work (<see cref="ErrorClass.Transient"/>).</summary>
    public bool IsTransient => Classification == ErrorClass.Transient;
}
