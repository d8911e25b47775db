namespace TalosSeccomp.Audit;

/// <summary>
/// A per-source check the parser asks before it allocates an event: whether a record can be dropped already by its
/// pid and executable (a stream's pod filters, when the pid's container is already known).
/// </summary>
internal abstract class AuditRecordGate
{
    /// <summary>True when the record must be dropped (counted as filtered).</summary>
    /// <param name="pid">The record's pid.</param>
    /// <param name="executable">The decoded executable; empty when the record had none.</param>
    /// <param name="time">The record's time.</param>
    internal abstract bool Rejects(int pid, ReadOnlySpan<char> executable, DateTimeOffset time);
}
