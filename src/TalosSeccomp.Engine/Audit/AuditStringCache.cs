namespace TalosSeccomp.Audit;

/// <summary>
/// A small direct-mapped cache of short strings (node names, process names, executables) so a stream of
/// records from the same few processes does not allocate the same strings again and again. Races between
/// threads are harmless: the worst case is an extra allocation.
/// </summary>
internal static class AuditStringCache
{
    private const int Slots = 1024;
    private const int MaxCachedLength = 128;
    private static readonly string?[] Entries = new string?[Slots];

    public static string Get(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (value.Length > MaxCachedLength)
        {
            return new string(value);
        }

        int slot = string.GetHashCode(value) & (Slots - 1);
        string? cached = Volatile.Read(ref Entries[slot]);
        if (cached is not null && value.SequenceEqual(cached))
        {
            return cached;
        }

        string created = new(value);
        Volatile.Write(ref Entries[slot], created);
        return created;
    }
}
