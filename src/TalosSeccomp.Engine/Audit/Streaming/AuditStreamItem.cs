using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Audit.Streaming;

/// <summary>What an <see cref="AuditStreamItem"/> carries.</summary>
public enum AuditStreamItemKind
{
    /// <summary>A seccomp audit event (<see cref="AuditStreamItem.Event"/>).</summary>
    Event,

    /// <summary>Something the user must know, e.g. lost records, a malformed record, a reconnect (<see cref="AuditStreamItem.Message"/>).</summary>
    Warning,

    /// <summary>What the stream is doing, e.g. which log it reads (<see cref="AuditStreamItem.Message"/>).</summary>
    Verbose,

    /// <summary>A node's stream failed for good (<see cref="AuditStreamItem.Error"/>); the other nodes go on.</summary>
    Error,
}

/// <summary>One item of a merged seccomp audit stream: an event, a warning, a verbose message or a node's error.</summary>
public readonly struct AuditStreamItem
{
    private AuditStreamItem(AuditStreamItemKind kind, string node, SeccompAuditEvent? evt, string? message, TalosSeccompException? error)
    {
        Kind = kind;
        Node = node;
        Event = evt;
        Message = message;
        Error = error;
    }

    /// <summary>What the item carries.</summary>
    public AuditStreamItemKind Kind { get; }

    /// <summary>The node the item is about, as displayed.</summary>
    public string Node { get; }

    /// <summary>The event, for <see cref="AuditStreamItemKind.Event"/>.</summary>
    public SeccompAuditEvent? Event { get; }

    /// <summary>The text, for <see cref="AuditStreamItemKind.Warning"/> and <see cref="AuditStreamItemKind.Verbose"/>.</summary>
    public string? Message { get; }

    /// <summary>The failure, for <see cref="AuditStreamItemKind.Error"/>; its target is the node.</summary>
    public TalosSeccompException? Error { get; }

    internal static AuditStreamItem ForEvent(string node, SeccompAuditEvent evt) => new(AuditStreamItemKind.Event, node, evt, null, null);

    internal static AuditStreamItem ForWarning(string node, string message) => new(AuditStreamItemKind.Warning, node, null, message, null);

    internal static AuditStreamItem ForVerbose(string node, string message) => new(AuditStreamItemKind.Verbose, node, null, message, null);

    internal static AuditStreamItem ForError(string node, TalosSeccompException error) => new(AuditStreamItemKind.Error, node, null, null, error);
}

/// <summary>One node to stream from, and the client that reaches it.</summary>
/// <param name="Node">The node sent as <c>node</c> metadata; null for the endpoint's own node.</param>
/// <param name="DisplayNode">The node as named on events, warnings and errors.</param>
/// <param name="Client">The Talos client (follow streams run without a deadline; buffered reads use its timeout).</param>
public sealed record AuditStreamTarget(string? Node, string DisplayNode, TalosClient Client);
