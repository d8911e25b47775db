namespace TalosSeccomp.Syscalls;

/// <summary>One architecture libseccomp knows, with its names in every spelling we meet.</summary>
/// <param name="Name">libseccomp's short name, as scmp_sys_resolver -a takes it (x86_64, aarch64, x32, ...).</param>
/// <param name="ScmpName">The OCI/libseccomp profile spelling (SCMP_ARCH_X86_64, ...).</param>
/// <param name="AuditArch">The kernel's AUDIT_ARCH value as printed in audit records (c000003e, ...).</param>
public sealed record SeccompArchitecture(string Name, string ScmpName, uint AuditArch);

/// <summary>
/// Syscall name/number tables for every architecture libseccomp knows. The data lives in Generated/
/// (see the generator named there); this class is the one way the rest of the engine looks syscalls up.
/// </summary>
public static partial class SyscallTables
{
    // Placeholder surface: the syscall-table work replaces the bodies with lookups over the generated data.

    /// <summary>Every architecture with a table.</summary>
    public static IReadOnlyList<SeccompArchitecture> Architectures => throw new NotImplementedException();

    /// <summary>Finds an architecture by short name (x86_64), SCMP_ARCH_* name, or common alias (amd64, arm64); case-insensitive.</summary>
    public static bool TryGetArchitecture(string name, out SeccompArchitecture architecture) => throw new NotImplementedException();

    /// <summary>
    /// Finds the architecture of an audit record from its AUDIT_ARCH value and syscall number: on x86_64 a
    /// syscall number with bit 0x40000000 set is the x32 ABI.
    /// </summary>
    public static bool TryGetArchitectureFromAudit(uint auditArch, long syscallNumber, out SeccompArchitecture architecture) => throw new NotImplementedException();

    /// <summary>The number of a syscall on an architecture (short or SCMP name), as libseccomp resolves it.</summary>
    public static bool TryGetNumber(string architecture, string syscall, out long number) => throw new NotImplementedException();

    /// <summary>The name of a syscall number on an architecture.</summary>
    public static bool TryGetName(string architecture, long number, out string name) => throw new NotImplementedException();

    /// <summary>All syscall names known on an architecture.</summary>
    public static IReadOnlyCollection<string> GetNames(string architecture) => throw new NotImplementedException();

    /// <summary>True when the name is a syscall on at least one architecture.</summary>
    public static bool IsKnownOnAnyArchitecture(string syscall) => throw new NotImplementedException();
}
