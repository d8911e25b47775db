using TalosSeccomp.Errors;
using TalosSeccomp.Syscalls;
using Xunit;

namespace TalosSeccomp.Tests.Syscalls;

public class SyscallTablesTests
{
    // Numbers from the kernel's own tables (arch/*/syscall*.tbl, unistd.h), not from our data.
    [Theory]
    [InlineData("x86_64", "read", 0)]
    [InlineData("x86_64", "write", 1)]
    [InlineData("x86_64", "execve", 59)]
    [InlineData("x86_64", "openat", 257)]
    [InlineData("x32", "read", 0x40000000)]
    [InlineData("x32", "rt_sigaction", 0x40000000 + 512)]
    [InlineData("x86", "read", 3)]
    [InlineData("x86", "execve", 11)]
    [InlineData("aarch64", "openat", 56)]
    [InlineData("aarch64", "read", 63)]
    [InlineData("arm", "read", 3)]
    [InlineData("arm", "openat", 322)]
    [InlineData("arm", "cacheflush", 0x0f0002)]
    [InlineData("riscv64", "openat", 56)]
    [InlineData("riscv64", "read", 63)]
    [InlineData("s390x", "read", 3)]
    [InlineData("s390x", "execve", 11)]
    [InlineData("s390x", "openat", 288)]
    [InlineData("ppc", "openat", 286)]
    [InlineData("ppc64le", "execve", 11)]
    [InlineData("mips", "read", 4003)]
    [InlineData("mips64", "read", 5000)]
    [InlineData("mips64n32", "execve", 6057)]
    [InlineData("parisc", "read", 3)]
    // Newer than libseccomp 2.5.x (Linux 6.8 to 6.19), and the architectures it lacked.
    [InlineData("x86_64", "mseal", 462)]
    [InlineData("x86_64", "uretprobe", 335)]
    [InlineData("x86_64", "listmount", 458)]
    [InlineData("aarch64", "statmount", 457)]
    [InlineData("aarch64", "file_getattr", 468)]
    [InlineData("x86_64", "open_tree_attr", 467)]
    [InlineData("x86_64", "lsm_list_modules", 461)]
    [InlineData("x32", "setxattrat", 0x40000000 + 463)]
    [InlineData("mips", "removexattrat", 4000 + 466)]
    [InlineData("loongarch64", "openat", 56)]
    [InlineData("m68k", "execve", 11)]
    [InlineData("sh", "read", 3)]
    [InlineData("sheb", "read", 3)]
    public void KnownSyscallsHaveTheKernelsNumbers(string architecture, string syscall, long expected)
    {
        Assert.True(SyscallTables.TryGetNumber(architecture, syscall, out var number));
        Assert.Equal(expected, number);
        Assert.True(SyscallTables.TryGetName(architecture, expected, out var name));
        Assert.Equal(syscall, name);
    }

    [Fact]
    public void ScmpNamesAndAliasesFindTheSameTable()
    {
        Assert.True(SyscallTables.TryGetNumber("SCMP_ARCH_AARCH64", "openat", out var viaScmp));
        Assert.True(SyscallTables.TryGetNumber("arm64", "openat", out var viaAlias));
        Assert.Equal((56L, 56L), (viaScmp, viaAlias));
    }

    [Fact]
    public void SyscallsAnArchitectureLacksAreUnknownThere()
    {
        // aarch64 and riscv64 only have openat; open exists on x86_64.
        Assert.False(SyscallTables.TryGetNumber("aarch64", "open", out _));
        Assert.False(SyscallTables.TryGetNumber("riscv64", "open", out _));
        Assert.True(SyscallTables.TryGetNumber("x86_64", "open", out _));
        Assert.False(SyscallTables.TryGetName("x86_64", 100_000, out _));
        Assert.False(SyscallTables.TryGetName("x86_64", -1, out _));
        Assert.False(SyscallTables.TryGetNumber("x86_64", "READ", out _));
        Assert.False(SyscallTables.TryGetNumber("x86_64", "", out _));
    }

    [Fact]
    public void MultiplexedSyscallsKeepTheKernelsDirectNumber()
    {
        // libseccomp resolves the name "socket" on x86 to a socketcall pseudo-syscall; the kernel also has syscall 359.
        Assert.True(SyscallTables.TryGetNumber("x86", "socket", out var socket));
        Assert.Equal(359, socket);
        Assert.True(SyscallTables.TryGetNumber("x86", "socketcall", out var socketcall));
        Assert.Equal(102, socketcall);
    }

    [Fact]
    public void X32NumbersWithoutTheAbiBitAreReadAsX32()
    {
        Assert.True(SyscallTables.TryGetName("x32", 0, out var name));
        Assert.Equal("read", name);
        Assert.True(SyscallTables.TryGetName("x32", 512, out var rtSigaction));
        Assert.Equal("rt_sigaction", rtSigaction);
        Assert.False(SyscallTables.TryGetName("x86_64", 0x40000000, out _));
    }

    [Theory]
    [InlineData("x86_64", "x86_64")]
    [InlineData("X86_64", "x86_64")]
    [InlineData("amd64", "x86_64")]
    [InlineData("x86-64", "x86_64")]
    [InlineData("SCMP_ARCH_X86_64", "x86_64")]
    [InlineData("scmp_arch_x86_64", "x86_64")]
    [InlineData(" amd64 ", "x86_64")]
    [InlineData("arm64", "aarch64")]
    [InlineData("AArch64", "aarch64")]
    [InlineData("i386", "x86")]
    [InlineData("i686", "x86")]
    [InlineData("386", "x86")]
    [InlineData("armhf", "arm")]
    [InlineData("armv7l", "arm")]
    [InlineData("SCMP_ARCH_X32", "x32")]
    [InlineData("ppc64el", "ppc64le")]
    [InlineData("mips64le", "mipsel64")]
    [InlineData("mipsle", "mipsel")]
    [InlineData("hppa", "parisc")]
    [InlineData("SCMP_ARCH_RISCV64", "riscv64")]
    public void ArchitecturesAreFoundByNameScmpNameAndAlias(string spelling, string expected)
    {
        Assert.True(SyscallTables.TryGetArchitecture(spelling, out var architecture));
        Assert.Equal(expected, architecture.Name);
        Assert.Same(architecture, SyscallTables.GetArchitecture(spelling));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("sparc")]
    [InlineData("SCMP_ARCH_SPARC")]
    public void UnknownArchitecturesAreRejected(string spelling)
    {
        Assert.False(SyscallTables.TryGetArchitecture(spelling, out _));
        Assert.False(SyscallTables.TryGetNumber(spelling, "read", out _));
        Assert.False(SyscallTables.TryGetName(spelling, 0, out _));
        var error = Assert.Throws<TalosSeccompException>(() => SyscallTables.GetNames(spelling));
        Assert.Equal(("UnknownArchitecture", ErrorKind.InvalidArgument, spelling), (error.ErrorId, error.Kind, error.Target));
        Assert.Contains("x86_64", error.Message);
    }

    [Theory]
    [InlineData(0xc000003eu, 59L, "x86_64")]
    [InlineData(0xc000003eu, 0x40000000L, "x32")]
    [InlineData(0xc000003eu, 0x40000000L + 59, "x32")]
    [InlineData(0xc000003eu, -1L, "x86_64")]
    [InlineData(0x40000003u, 11L, "x86")]
    [InlineData(0xc00000b7u, 56L, "aarch64")]
    [InlineData(0x40000028u, 322L, "arm")]
    [InlineData(0xc00000f3u, 56L, "riscv64")]
    [InlineData(0xc0000015u, 11L, "ppc64le")]
    [InlineData(0x80000015u, 11L, "ppc64")]
    [InlineData(0x00000014u, 11L, "ppc")]
    [InlineData(0x80000016u, 11L, "s390x")]
    [InlineData(0x00000016u, 11L, "s390")]
    [InlineData(0x00000008u, 4011L, "mips")]
    [InlineData(0x40000008u, 4011L, "mipsel")]
    [InlineData(0x80000008u, 5057L, "mips64")]
    [InlineData(0xc0000008u, 5057L, "mipsel64")]
    [InlineData(0xa0000008u, 6057L, "mips64n32")]
    [InlineData(0xe0000008u, 6057L, "mipsel64n32")]
    [InlineData(0x0000000fu, 11L, "parisc")]
    [InlineData(0x8000000fu, 11L, "parisc64")]
    [InlineData(0xc0000102u, 56L, "loongarch64")]
    [InlineData(0x00000004u, 11L, "m68k")]
    [InlineData(0x4000002au, 11L, "sh")]
    [InlineData(0x0000002au, 11L, "sheb")]
    public void AuditArchValuesMapToArchitectures(uint auditArch, long syscall, string expected)
    {
        Assert.True(SyscallTables.TryGetArchitectureFromAudit(auditArch, syscall, out var architecture));
        Assert.Equal(expected, architecture.Name);
    }

    [Theory]
    [InlineData(0x0u)]
    [InlineData(0x4000003eu)] // x86_64's machine without the 64-bit flag
    [InlineData(0x40000102u)]
    public void UnknownAuditArchValuesAreRejected(uint auditArch) =>
        Assert.False(SyscallTables.TryGetArchitectureFromAudit(auditArch, 0, out _));

    [Fact]
    public void AuditArchHexIsHowAuditRecordsPrintIt()
    {
        Assert.Equal("c000003e", SyscallTables.GetArchitecture("x86_64").AuditArchHex);
        Assert.Equal("14", SyscallTables.GetArchitecture("ppc").AuditArchHex);
    }

    [Fact]
    public void EveryArchitectureIsReachableAndConsistent()
    {
        var architectures = SyscallTables.Architectures;
        Assert.Contains(architectures, a => a.Name == "x86_64");
        Assert.Contains(architectures, a => a.Name == "aarch64");
        Assert.Equal(architectures.Count, architectures.Select(a => a.Name).Distinct().Count());
        Assert.Equal(architectures.Count, architectures.Select(a => a.ScmpName).Distinct().Count());
        Assert.Equal(["x86_64", "aarch64"], SyscallTables.TalosArchitectures.Select(a => a.Name));
        foreach (var architecture in architectures)
        {
            Assert.StartsWith("SCMP_ARCH_", architecture.ScmpName);
            Assert.Same(architecture, SyscallTables.GetArchitecture(architecture.Name));
            Assert.Same(architecture, SyscallTables.GetArchitecture(architecture.ScmpName));
            Assert.True(SyscallTables.TryGetArchitectureFromAudit(architecture.AuditArch, architecture.Name == "x32" ? SyscallTables.X32SyscallBit : 0, out var fromAudit));
            Assert.Same(architecture, fromAudit);
            Assert.True(SyscallTables.GetNames(architecture.Name).Count > 250, $"{architecture.Name} has too few syscalls");
        }
    }

    [Fact]
    public void EveryEntryRoundTripsAndIsListedInNumberOrder()
    {
        foreach (var architecture in SyscallTables.Architectures)
        {
            var syscalls = SyscallTables.GetSyscalls(architecture.Name);
            Assert.Equal(SyscallTables.GetNames(architecture.Name).Count, syscalls.Count);
            Assert.Equal(syscalls.OrderBy(s => s.Number), syscalls);
            foreach (var syscall in syscalls)
            {
                Assert.Equal(architecture.Name, syscall.Architecture);
                Assert.True(SyscallTables.TryGetNumber(architecture.ScmpName, syscall.Name, out var number));
                Assert.Equal(syscall.Number, number);
                Assert.True(SyscallTables.TryGetName(architecture.Name, number, out var name));
                Assert.Equal(number, SyscallTables.TryGetNumber(architecture.Name, name, out var back) ? back : -1);
                Assert.True(SyscallTables.IsKnownOnAnyArchitecture(syscall.Name));
            }
        }
    }

    [Fact]
    public void KnownOnAnyArchitectureCoversArchitectureSpecificNames()
    {
        Assert.True(SyscallTables.IsKnownOnAnyArchitecture("read"));
        Assert.True(SyscallTables.IsKnownOnAnyArchitecture("arch_prctl"));   // x86_64 only
        Assert.True(SyscallTables.IsKnownOnAnyArchitecture("cacheflush"));   // arm private
        Assert.True(SyscallTables.IsKnownOnAnyArchitecture("socketcall"));   // 32-bit multiplexer
        Assert.False(SyscallTables.IsKnownOnAnyArchitecture("no_such_syscall"));
        Assert.False(SyscallTables.IsKnownOnAnyArchitecture("READ"));
        Assert.False(SyscallTables.IsKnownOnAnyArchitecture(""));
    }

    [Fact]
    public void GetSyscallResolvesNamesIgnoringCaseAndNumbersWithTheAbiOffset()
    {
        Assert.Equal(new SyscallInfo("aarch64", "openat", 56), SyscallTables.GetSyscall("arm64", "openat"));
        Assert.Equal(new SyscallInfo("x86_64", "execve", 59), SyscallTables.GetSyscall("SCMP_ARCH_X86_64", "EXECVE"));
        Assert.Equal(new SyscallInfo("x32", "read", 0x40000000), SyscallTables.GetSyscall("x32", 0));
        Assert.Equal(new SyscallInfo("mips", "read", 4003), SyscallTables.GetSyscall("mips", 4003));
    }

    [Fact]
    public void GetSyscallReportsWhatIsMissingWhere()
    {
        var byName = Assert.Throws<TalosSeccompException>(() => SyscallTables.GetSyscall("aarch64", "open"));
        Assert.Equal(("SyscallNotFound", ErrorKind.ObjectNotFound, "open"), (byName.ErrorId, byName.Kind, byName.Target));
        Assert.Contains("aarch64", byName.Message);

        var byNumber = Assert.Throws<TalosSeccompException>(() => SyscallTables.GetSyscall("x86_64", 4003));
        Assert.Equal(("SyscallNotFound", ErrorKind.ObjectNotFound, "4003"), (byNumber.ErrorId, byNumber.Kind, byNumber.Target));
        Assert.Contains("x86_64", byNumber.Message);

        var byArchitecture = Assert.Throws<TalosSeccompException>(() => SyscallTables.GetSyscall("sparc64", "read"));
        Assert.Equal("UnknownArchitecture", byArchitecture.ErrorId);
    }

    [Fact]
    public void AnArchitectureFromAnAuditRecordNamesItsSyscalls()
    {
        Assert.True(SyscallTables.TryGetArchitectureFromAudit(0xc000003e, 0x40000000 + 59, out var x32));
        Assert.False(SyscallTables.TryGetName(x32, 0x40000000 + 59, out _));   // x32 execve is 520, not 59
        Assert.True(SyscallTables.TryGetName(x32, 0x40000000 + 520, out var execve));
        Assert.Equal("execve", execve);
        Assert.True(SyscallTables.TryGetNumber(x32, "execve", out var number));
        Assert.Equal(0x40000000 + 520, number);
        Assert.False(SyscallTables.TryGetName(new SeccompArchitecture("sparc", "SCMP_ARCH_SPARC", 2), 0, out _));
    }

    [Fact]
    public void SourceNamesTheLibseccompTableAndItsKernel() =>
        Assert.Matches(@"^libseccomp syscalls\.csv \(v\d+\.\d+", SyscallTables.Source);

    [Fact]
    public void ResolvedSyscallsCarryTheTablesKernelVersion()
    {
        // The vendored csv records no kernel version yet (every _kver cell is SCMP_KV_UNDEF), so none is invented;
        // the entry returned by name, by number and in the listing is the same one.
        var byName = SyscallTables.GetSyscall("x86_64", "mseal");
        Assert.Equal(new SyscallInfo("x86_64", "mseal", 462, null), byName);
        Assert.Same(byName, SyscallTables.GetSyscall("x86_64", 462));
        Assert.Contains(byName, SyscallTables.GetSyscalls("x86_64"));
        Assert.All(SyscallTables.Architectures, a => Assert.All(SyscallTables.GetSyscalls(a.Name), s => Assert.Null(s.KernelVersion)));
    }

    [Fact]
    public void OnlyThe32BitParisc_llseekRemains()
    {
        // libseccomp followed the kernel (da3680f564bd): _llseek is 32-bit parisc only.
        Assert.True(SyscallTables.TryGetNumber("parisc", "_llseek", out _));
        Assert.False(SyscallTables.TryGetNumber("parisc64", "_llseek", out _));
    }
}
