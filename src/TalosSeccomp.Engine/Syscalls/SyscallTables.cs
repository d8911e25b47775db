using System.Globalization;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Syscalls;

/// <summary>One architecture libseccomp knows, with its names in every spelling we meet.</summary>
/// <param name="Name">libseccomp's short name, as scmp_sys_resolver -a takes it (x86_64, aarch64, x32, ...).</param>
/// <param name="ScmpName">The OCI/libseccomp profile spelling (SCMP_ARCH_X86_64, ...).</param>
/// <param name="AuditArch">The kernel's AUDIT_ARCH value as printed in audit records (c000003e, ...).</param>
public sealed record SeccompArchitecture(string Name, string ScmpName, uint AuditArch)
{
    /// <summary>The AUDIT_ARCH value the way audit records print it: lowercase hex without 0x.</summary>
    public string AuditArchHex => AuditArch.ToString("x", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>One syscall of one architecture: what Resolve-SeccompSyscall writes.</summary>
/// <param name="Architecture">libseccomp's short architecture name (x86_64, aarch64, ...).</param>
/// <param name="Name">The syscall name as libseccomp spells it.</param>
/// <param name="Number">The syscall number on that architecture, ABI offset included (x32 read = 0x40000000).</param>
/// <param name="KernelVersion">
/// The Linux version that added the syscall on this architecture (e.g. "6.10"), as libseccomp's syscalls.csv records
/// it; null where it records none (as of the vendored csv it records none yet, see build/generators/data/README.md).
/// </param>
public sealed record SyscallInfo(string Architecture, string Name, long Number, string? KernelVersion = null);

/// <summary>
/// Syscall name/number tables for every architecture libseccomp knows. The data lives in Generated/
/// (see the generator named there); this class is the one way the rest of the engine looks syscalls up.
/// Syscall names are matched exactly (ordinal), as libseccomp and the kernel do; architecture names
/// ignore case and accept common aliases.
/// </summary>
public static partial class SyscallTables
{
    /// <summary>The bit that marks an x32-ABI syscall number on x86_64 (__X32_SYSCALL_BIT).</summary>
    public const long X32SyscallBit = 0x40000000;

    /// <summary>The libseccomp syscall table the generated tables were taken from, with the kernel version it covers.</summary>
    public static string Source => GeneratedFrom;

    // AUDIT_ARCH = EM | 64-bit 0x80000000 | little-endian 0x40000000 (Linux include/uapi/linux/audit.h). An entry without a
    // generated table (libseccomp too old for it) is not offered.
    private static readonly SeccompArchitecture[] ArchitectureFacts =
    [
        new("x86_64", "SCMP_ARCH_X86_64", 0xc000003e),
        new("x86", "SCMP_ARCH_X86", 0x40000003),
        new("x32", "SCMP_ARCH_X32", 0xc000003e),
        new("aarch64", "SCMP_ARCH_AARCH64", 0xc00000b7),
        new("arm", "SCMP_ARCH_ARM", 0x40000028),
        new("riscv64", "SCMP_ARCH_RISCV64", 0xc00000f3),
        new("ppc", "SCMP_ARCH_PPC", 0x00000014),
        new("ppc64", "SCMP_ARCH_PPC64", 0x80000015),
        new("ppc64le", "SCMP_ARCH_PPC64LE", 0xc0000015),
        new("s390", "SCMP_ARCH_S390", 0x00000016),
        new("s390x", "SCMP_ARCH_S390X", 0x80000016),
        new("mips", "SCMP_ARCH_MIPS", 0x00000008),
        new("mipsel", "SCMP_ARCH_MIPSEL", 0x40000008),
        new("mips64", "SCMP_ARCH_MIPS64", 0x80000008),
        new("mipsel64", "SCMP_ARCH_MIPSEL64", 0xc0000008),
        new("mips64n32", "SCMP_ARCH_MIPS64N32", 0xa0000008),
        new("mipsel64n32", "SCMP_ARCH_MIPSEL64N32", 0xe0000008),
        new("parisc", "SCMP_ARCH_PARISC", 0x0000000f),
        new("parisc64", "SCMP_ARCH_PARISC64", 0x8000000f),
        new("loongarch64", "SCMP_ARCH_LOONGARCH64", 0xc0000102),
        new("m68k", "SCMP_ARCH_M68K", 0x00000004),
        // libseccomp: SCMP_ARCH_SH is little-endian (AUDIT_ARCH_SHEL), SCMP_ARCH_SHEB big-endian (AUDIT_ARCH_SH).
        new("sh", "SCMP_ARCH_SH", 0x4000002a),
        new("sheb", "SCMP_ARCH_SHEB", 0x0000002a),
    ];

    // Spellings from Go/Kubernetes (GOARCH, kubernetes.io/arch), Debian, uname -m and the kernel.
    private static readonly (string Alias, string Name)[] ArchitectureAliases =
    [
        ("amd64", "x86_64"), ("x64", "x86_64"), ("x86-64", "x86_64"),
        ("arm64", "aarch64"),
        ("i386", "x86"), ("i486", "x86"), ("i586", "x86"), ("i686", "x86"), ("386", "x86"), ("ia32", "x86"),
        ("armhf", "arm"), ("armel", "arm"), ("armv7", "arm"), ("armv7l", "arm"), ("armv6l", "arm"), ("arm32", "arm"),
        ("powerpc", "ppc"), ("powerpc64", "ppc64"), ("powerpc64le", "ppc64le"), ("ppc64el", "ppc64le"),
        ("mipsle", "mipsel"), ("mips64le", "mipsel64"), ("mips64el", "mipsel64"),
        ("mipsn32", "mips64n32"), ("mipsn32el", "mipsel64n32"), ("mips64n32el", "mipsel64n32"),
        ("hppa", "parisc"), ("hppa64", "parisc64"),
        ("loong64", "loongarch64"),
        ("sh4", "sh"), ("sh4eb", "sheb"), ("sh4a", "sh"), ("sh4aeb", "sheb"),
    ];

    private static readonly Lazy<Catalog> Catalogue = new(Catalog.Build);

    /// <summary>Every architecture with a table, in libseccomp's order of the generated data.</summary>
    public static IReadOnlyList<SeccompArchitecture> Architectures => Catalogue.Value.Architectures;

    /// <summary>The architectures Talos Linux ships for (x86_64 and aarch64): the default where a user names none.</summary>
    public static IReadOnlyList<SeccompArchitecture> TalosArchitectures => Catalogue.Value.Talos;

    /// <summary>Finds an architecture by short name (x86_64), SCMP_ARCH_* name, or common alias (amd64, arm64); case-insensitive.</summary>
    public static bool TryGetArchitecture(string name, out SeccompArchitecture architecture)
    {
        architecture = null!;
        return !string.IsNullOrWhiteSpace(name) && Catalogue.Value.ByName.TryGetValue(name.Trim(), out architecture!);
    }

    /// <summary>Like <see cref="TryGetArchitecture"/>, but throws <c>UnknownArchitecture</c> (InvalidArgument) naming the value.</summary>
    /// <exception cref="TalosSeccompException">The name is no architecture with a table.</exception>
    public static SeccompArchitecture GetArchitecture(string name) =>
        TryGetArchitecture(name, out var architecture) ? architecture : throw UnknownArchitecture(name);

    /// <summary>
    /// Finds the architecture of an audit record from its AUDIT_ARCH value and syscall number: on x86_64 a
    /// syscall number with bit 0x40000000 set is the x32 ABI.
    /// </summary>
    public static bool TryGetArchitectureFromAudit(uint auditArch, long syscallNumber, out SeccompArchitecture architecture)
    {
        var catalog = Catalogue.Value;
        if (!catalog.ByAudit.TryGetValue(auditArch, out architecture!))
        {
            return false;
        }

        if (syscallNumber >= 0 && (syscallNumber & X32SyscallBit) != 0 && catalog.X32 is { } x32 && x32.AuditArch == auditArch)
        {
            architecture = x32;
        }

        return true;
    }

    /// <summary>The number of a syscall on an architecture (short or SCMP name), as libseccomp resolves it.</summary>
    /// <remarks>
    /// Where libseccomp resolves a name to a pseudo-syscall but the kernel also has a direct syscall (socket on
    /// x86 is multiplexed through socketcall and also syscall 359), this returns the kernel's direct number.
    /// </remarks>
    public static bool TryGetNumber(string architecture, string syscall, out long number)
    {
        number = -1;
        return TryGetArchitecture(architecture, out var arch) && TryGetNumber(arch, syscall, out number);
    }

    /// <summary>The number of a syscall on an architecture already looked up (saves the name lookup in hot loops).</summary>
    public static bool TryGetNumber(SeccompArchitecture architecture, string syscall, out long number)
    {
        number = -1;
        return syscall is not null && TryGetTable(architecture, out var table) && table.ByName.TryGetValue(syscall, out number);
    }

    /// <summary>The name of a syscall number on an architecture.</summary>
    /// <remarks>On x32 a number without bit 0x40000000 is read as if it had it, as libseccomp does.</remarks>
    public static bool TryGetName(string architecture, long number, out string name)
    {
        name = null!;
        return TryGetArchitecture(architecture, out var arch) && TryGetName(arch, number, out name);
    }

    /// <summary>The name of a syscall number on an architecture already looked up, e.g. by <see cref="TryGetArchitectureFromAudit"/>.</summary>
    /// <remarks>On x32 a number without bit 0x40000000 is read as if it had it, as libseccomp does.</remarks>
    public static bool TryGetName(SeccompArchitecture architecture, long number, out string name)
    {
        name = null!;
        if (!TryGetTable(architecture, out var table))
        {
            return false;
        }

        if (table.Architecture.ScmpName == "SCMP_ARCH_X32" && number is >= 0 and < X32SyscallBit)
        {
            number |= X32SyscallBit;
        }

        return table.ByNumber.TryGetValue(number, out name!);
    }

    /// <summary>All syscall names known on an architecture.</summary>
    /// <exception cref="TalosSeccompException"><c>UnknownArchitecture</c> when the architecture has no table.</exception>
    public static IReadOnlyCollection<string> GetNames(string architecture) =>
        TryGetTable(architecture, out var table) ? table.ByName.Keys : throw UnknownArchitecture(architecture);

    /// <summary>Every syscall of an architecture, ordered by number.</summary>
    /// <exception cref="TalosSeccompException"><c>UnknownArchitecture</c> when the architecture has no table.</exception>
    public static IReadOnlyList<SyscallInfo> GetSyscalls(string architecture) =>
        TryGetTable(architecture, out var table) ? table.Syscalls : throw UnknownArchitecture(architecture);

    /// <summary>
    /// The syscall named <paramref name="syscall"/> on an architecture. The exact (ordinal) name wins; otherwise a
    /// name differing only in case is accepted, since users type names, the kernel does not.
    /// </summary>
    /// <exception cref="TalosSeccompException">
    /// <c>UnknownArchitecture</c> (InvalidArgument), or <c>SyscallNotFound</c> (ObjectNotFound) naming architecture and syscall.
    /// </exception>
    public static SyscallInfo GetSyscall(string architecture, string syscall)
    {
        var arch = GetArchitecture(architecture);
        if (syscall is not null && TryGetTable(arch, out var table) && table.Info.TryGetValue(syscall, out var info))
        {
            return info;
        }

        return GetSyscalls(arch.Name).FirstOrDefault(s => string.Equals(s.Name, syscall, StringComparison.OrdinalIgnoreCase))
            ?? throw new TalosSeccompException(ErrorIds.SyscallNotFound, ErrorKind.ObjectNotFound,
                $"'{syscall}' is not a syscall on {arch.Name}.", syscall);
    }

    /// <summary>The syscall with number <paramref name="number"/> on an architecture.</summary>
    /// <exception cref="TalosSeccompException">
    /// <c>UnknownArchitecture</c> (InvalidArgument), or <c>SyscallNotFound</c> (ObjectNotFound) naming architecture and number.
    /// </exception>
    public static SyscallInfo GetSyscall(string architecture, long number)
    {
        var arch = GetArchitecture(architecture);
        if (TryGetName(arch, number, out var name) && TryGetTable(arch, out var table))
        {
            return table.Info[name];
        }

        var text = number.ToString(CultureInfo.InvariantCulture);
        throw new TalosSeccompException(ErrorIds.SyscallNotFound, ErrorKind.ObjectNotFound,
            $"No syscall has number {text} (0x{number:x}) on {arch.Name}.", text);
    }

    /// <summary>True when the name is a syscall on at least one architecture.</summary>
    public static bool IsKnownOnAnyArchitecture(string syscall) =>
        syscall is not null && Catalogue.Value.AllNames.Value.Contains(syscall);

    private static bool TryGetTable(string architecture, out Table table)
    {
        table = null!;
        return TryGetArchitecture(architecture, out var arch) && TryGetTable(arch, out table);
    }

    private static bool TryGetTable(SeccompArchitecture? architecture, out Table table)
    {
        if (architecture is not null && Catalogue.Value.Tables.TryGetValue(architecture.Name, out var lazy))
        {
            table = lazy.Value;
            return true;
        }

        table = null!;
        return false;
    }

    private static TalosSeccompException UnknownArchitecture(string? name) =>
        new(ErrorIds.UnknownArchitecture, ErrorKind.InvalidArgument,
            $"'{name}' is not an architecture with a syscall table. Known: {string.Join(", ", Architectures.Select(a => a.Name))}.",
            name);

    /// <summary>
    /// One architecture's data as the generator writes it: space-separated names, their numbers, and space-separated
    /// kernel versions ("-" for none), or null when the table records no kernel version at all.
    /// </summary>
    private sealed record GeneratedTable(string Architecture, string Names, long[] Numbers, string? KernelVersions);

    private sealed class Table
    {
        public Table(SeccompArchitecture architecture, GeneratedTable data)
        {
            Architecture = architecture;
            var names = data.Names.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var kernels = data.KernelVersions?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length != data.Numbers.Length || (kernels is not null && kernels.Length != names.Length))
            {
                throw new InvalidOperationException($"Generated syscall table for {data.Architecture} is corrupt: {names.Length} names, {data.Numbers.Length} numbers, {kernels?.Length} kernel versions.");
            }

            ByName = new Dictionary<string, long>(names.Length, StringComparer.Ordinal);
            ByNumber = new Dictionary<long, string>(names.Length);
            Info = new Dictionary<string, SyscallInfo>(names.Length, StringComparer.Ordinal);
            var syscalls = new SyscallInfo[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                ByName.Add(names[i], data.Numbers[i]);
                // The generator puts the name libseccomp gives a shared number first.
                ByNumber.TryAdd(data.Numbers[i], names[i]);
                var kernel = kernels is null || kernels[i] == "-" ? null : kernels[i];
                syscalls[i] = new SyscallInfo(architecture.Name, names[i], data.Numbers[i], kernel);
                Info.Add(names[i], syscalls[i]);
            }

            Syscalls = syscalls;
        }

        public SeccompArchitecture Architecture { get; }

        public Dictionary<string, long> ByName { get; }

        public Dictionary<long, string> ByNumber { get; }

        public Dictionary<string, SyscallInfo> Info { get; }

        public IReadOnlyList<SyscallInfo> Syscalls { get; }
    }

    private sealed class Catalog
    {
        public required IReadOnlyList<SeccompArchitecture> Architectures { get; init; }

        public required IReadOnlyList<SeccompArchitecture> Talos { get; init; }

        public required Dictionary<string, SeccompArchitecture> ByName { get; init; }

        public required Dictionary<uint, SeccompArchitecture> ByAudit { get; init; }

        public required SeccompArchitecture? X32 { get; init; }

        public required Dictionary<string, Lazy<Table>> Tables { get; init; }

        public required Lazy<HashSet<string>> AllNames { get; init; }

        public static Catalog Build()
        {
            var facts = ArchitectureFacts.ToDictionary(a => a.Name, StringComparer.Ordinal);
            var architectures = new List<SeccompArchitecture>();
            var tables = new Dictionary<string, Lazy<Table>>(StringComparer.Ordinal);
            foreach (var data in GeneratedTables)
            {
                var arch = facts.TryGetValue(data.Architecture, out var known)
                    ? known
                    : throw new InvalidOperationException($"Generated syscall table for '{data.Architecture}', which the engine has no AUDIT_ARCH for.");
                architectures.Add(arch);
                tables.Add(arch.Name, new Lazy<Table>(() => new Table(arch, data)));
            }

            var byName = new Dictionary<string, SeccompArchitecture>(StringComparer.OrdinalIgnoreCase);
            var byAudit = new Dictionary<uint, SeccompArchitecture>();
            foreach (var arch in architectures)
            {
                byName[arch.Name] = arch;
                byName[arch.ScmpName] = arch;
                // x32 shares x86_64's AUDIT_ARCH; the syscall number tells them apart.
                if (arch.ScmpName != "SCMP_ARCH_X32")
                {
                    byAudit.TryAdd(arch.AuditArch, arch);
                }
            }

            foreach (var (alias, name) in ArchitectureAliases)
            {
                if (byName.TryGetValue(name, out var arch))
                {
                    byName.TryAdd(alias, arch);
                }
            }

            return new Catalog
            {
                Architectures = architectures,
                Talos = architectures.Where(a => a.Name is "x86_64" or "aarch64").ToArray(),
                ByName = byName,
                ByAudit = byAudit,
                X32 = architectures.FirstOrDefault(a => a.ScmpName == "SCMP_ARCH_X32"),
                Tables = tables,
                AllNames = new Lazy<HashSet<string>>(() =>
                    tables.Values.SelectMany(t => t.Value.ByName.Keys).ToHashSet(StringComparer.Ordinal)),
            };
        }
    }
}
