namespace TalosSeccomp.Audit;

/// <summary>What <see cref="SeccompAuditParser.Parse"/> found on a line.</summary>
public enum AuditLineKind
{
    /// <summary>Not a seccomp audit record and not a loss notice (other kernel or audit output): skip it.</summary>
    Other,

    /// <summary>A seccomp record that passed the filter; the event is returned.</summary>
    Event,

    /// <summary>A well-formed seccomp record that the filter rejected; nothing was allocated for it.</summary>
    Filtered,

    /// <summary>A line marked as a seccomp record that could not be parsed; a problem is returned.</summary>
    Malformed,

    /// <summary>A notice that audit records were dropped; a loss notice is returned.</summary>
    Loss,
}

/// <summary>Why audit records went missing.</summary>
public enum AuditLossKind
{
    /// <summary><c>kauditd_printk_skb: N callbacks suppressed</c>: printk rate limiting dropped N records from the kernel log.</summary>
    PrintkSuppressed,

    /// <summary><c>audit_lost=N</c>: the kernel's running total of records lost since boot (not a per-notice count).</summary>
    LostTotal,

    /// <summary><c>audit: backlog limit exceeded</c> (kernel) or <c>audit backlog limit reached, some audit events may have been lost</c> (Talos auditd): the audit queue was full (count not reported).</summary>
    BacklogLimitExceeded,

    /// <summary><c>audit: rate limit exceeded</c>: the audit rate limit dropped records (count not reported).</summary>
    RateLimitExceeded,

    /// <summary><c>audit: kauditd hold queue overflow</c>: records held for a missing daemon were dropped (count not reported).</summary>
    HoldQueueOverflow,
}

/// <summary>
/// A notice that the kernel or audit daemon dropped audit records, so a recording built from the stream is
/// incomplete. Callers warn about it.
/// </summary>
public sealed class AuditLossNotice
{
    /// <summary>The node the notice came from; null when unknown.</summary>
    public string? Node { get; init; }

    /// <summary>What kind of loss the notice reports.</summary>
    public AuditLossKind Kind { get; init; }

    /// <summary>How many records were dropped, when the notice says (for <see cref="AuditLossKind.LostTotal"/> the total since boot); null when it does not.</summary>
    public long? Count { get; init; }

    /// <summary>The notice text as read, without the line ending.</summary>
    public string Raw { get; init; } = string.Empty;

    /// <summary>A sentence for a warning, naming the node and the count.</summary>
    public override string ToString()
    {
        string where = Node is null ? "The kernel" : $"Node {Node}";
        string what = Kind switch
        {
            AuditLossKind.PrintkSuppressed => $"suppressed {Count} audit log messages (printk rate limit)",
            AuditLossKind.LostTotal => $"reports {Count} audit records lost since boot",
            AuditLossKind.BacklogLimitExceeded => "dropped audit records: backlog limit exceeded",
            AuditLossKind.RateLimitExceeded => "dropped audit records: rate limit exceeded",
            _ => "dropped audit records: hold queue overflow",
        };
        return $"{where} {what}; seccomp records may be missing.";
    }
}

/// <summary>A line that is marked as a seccomp audit record but could not be parsed.</summary>
public sealed class AuditParseProblem
{
    /// <summary>The node the line came from; null when unknown.</summary>
    public string? Node { get; init; }

    /// <summary>Why the line was rejected, naming the field.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>The line as read, without the line ending.</summary>
    public string Raw { get; init; } = string.Empty;

    /// <summary>A sentence for a warning.</summary>
    public override string ToString() =>
        $"Malformed seccomp audit record{(Node is null ? "" : " from node " + Node)}: {Reason}: {Raw}";
}
