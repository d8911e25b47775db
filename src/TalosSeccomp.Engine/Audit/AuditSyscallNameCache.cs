using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Audit;

/// <summary>
/// Per-thread memo of <see cref="SyscallTables"/> answers for the few architectures a stream carries, so
/// naming the syscall of each record is an array index rather than several dictionary lookups. The tables
/// stay the one source of the data.
/// </summary>
internal static class AuditSyscallNameCache
{
    private const int CachedNumbers = 512;
    private const int Slots = 4;
    private static readonly string Unknown = new('?', 1);

    [ThreadStatic]
    private static Entry?[]? t_entries;

    /// <summary>Names the architecture and syscall of a record; either may be null when unknown.</summary>
    public static void Resolve(uint auditArch, long syscallNumber, out string? architecture, out string? syscall)
    {
        bool x32 = (syscallNumber & SyscallTables.X32SyscallBit) != 0;
        var entry = Find(auditArch, x32, syscallNumber);
        architecture = entry.Architecture;
        syscall = null;
        if (architecture is null)
        {
            return;
        }

        long index = x32 ? syscallNumber & ~SyscallTables.X32SyscallBit : syscallNumber;
        if (index is < 0 or >= CachedNumbers)
        {
            syscall = SyscallTables.TryGetName(architecture, syscallNumber, out var name) ? name : null;
            return;
        }

        string? cached = entry.Names[index];
        if (cached is null)
        {
            cached = SyscallTables.TryGetName(architecture, syscallNumber, out var name) ? name : Unknown;
            entry.Names[index] = cached;
        }

        syscall = ReferenceEquals(cached, Unknown) ? null : cached;
    }

    private static Entry Find(uint auditArch, bool x32, long syscallNumber)
    {
        var entries = t_entries ??= new Entry?[Slots];
        for (int i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (entry is null)
            {
                break;
            }

            if (entry.AuditArch == auditArch && entry.X32 == x32)
            {
                return entry;
            }
        }

        string? name = SyscallTables.TryGetArchitectureFromAudit(auditArch, syscallNumber, out var arch) ? arch.Name : null;
        var created = new Entry(auditArch, x32, name);
        // Most recent first; the oldest falls off.
        Array.Copy(entries, 0, entries, 1, entries.Length - 1);
        entries[0] = created;
        return created;
    }

    private sealed class Entry(uint auditArch, bool x32, string? architecture)
    {
        public uint AuditArch { get; } = auditArch;
        public bool X32 { get; } = x32;
        public string? Architecture { get; } = architecture;
        public string?[] Names { get; } = new string?[CachedNumbers];
    }
}
