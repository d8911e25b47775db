namespace TalosSeccomp.Audit.Streaming;

/// <summary>
/// Exponential backoff with jitter for reconnecting streams: attempt n waits between half and all of
/// <c>min(initial · 2^(n-1), max)</c>, so nodes that failed together do not reconnect in lockstep.
/// </summary>
internal static class ReconnectBackoff
{
    /// <summary>The delay before reconnect attempt <paramref name="attempt"/> (1 for the first retry).</summary>
    /// <param name="attempt">How many consecutive failures there were (at least 1).</param>
    /// <param name="initial">The delay ceiling of the first attempt.</param>
    /// <param name="max">The largest delay.</param>
    /// <param name="jitter">A value in [0, 1) (e.g. <see cref="Random.NextDouble"/>): 0 gives half the ceiling, near 1 all of it.</param>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, 0d);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(jitter, 1d);

        // 2^30 times any sane initial delay is past any cap; stop doubling there to avoid overflow.
        double ceiling = Math.Min(initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (jitter / 2)));
    }
}
