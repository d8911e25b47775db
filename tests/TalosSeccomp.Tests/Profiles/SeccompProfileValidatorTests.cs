using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompProfileValidatorTests
{
    private static readonly string StartSyscalls = string.Join(",", SeccompProfileValidator.ContainerStartSyscalls.Select(n => $"\"{n}\""));
    private const string AllX86 = "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"";

    private static SeccompProfile TestData(string file) =>
        SeccompProfile.ParseLenient(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)), file);

    private static IReadOnlyList<SeccompDiagnostic> Check(string json, string? name = null) =>
        SeccompProfileValidator.Validate(SeccompProfile.ParseLenient(json), name);

    private static SeccompDiagnostic Single(IReadOnlyList<SeccompDiagnostic> diagnostics, string code) =>
        Assert.Single(diagnostics, d => d.Code == code);

    [Fact]
    public void AGoodAllowListHasNoFindings()
    {
        Assert.Empty(Check($$"""{"defaultAction":"SCMP_ACT_ERRNO","architectures":[{{AllX86}}],"syscalls":[{"names":[{{StartSyscalls}},"read"],"action":"SCMP_ACT_ALLOW"}]}"""));
        Assert.Empty(Check($$"""{"defaultAction":"SCMP_ACT_LOG","architectures":[{{AllX86}},"SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"]}""", "audit.json"));
    }

    [Fact]
    public void UnknownVocabularyIsReportedWithLocations()
    {
        var found = Check("""
            {"defaultAction":"SCMP_ACT_SOMETIMES","architectures":["SCMP_ARCH_Z80"],"flags":["FAST"],
             "syscalls":[{"names":["read"],"action":"Never","args":[{"index":0,"value":1,"op":"ABOUT"}]}]}
            """);
        Assert.Equal("defaultAction", Assert.Single(found, d => d.Code == SeccompDiagnosticCode.UnknownAction && d.Location == "defaultAction").Location);
        Assert.Contains(found, d => d.Code == SeccompDiagnosticCode.UnknownAction && d.Location == "syscalls[0].action");
        Assert.Equal("architectures[0]", Single(found, SeccompDiagnosticCode.UnknownArchitecture).Location);
        Assert.Equal("flags[0]", Single(found, SeccompDiagnosticCode.UnknownFlag).Location);
        Assert.Equal("syscalls[0].args[0].op", Single(found, SeccompDiagnosticCode.UnknownOperator).Location);
        Assert.All(found.Where(d => d.Code.StartsWith("Unknown", StringComparison.Ordinal)), d => Assert.Equal(SeccompDiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void SyscallsAreCheckedAgainstTheTargetedArchitectures()
    {
        // 'open' exists on x86_64 but not aarch64; 'readz' nowhere; 'socketcall' only on 32-bit ABIs.
        var defaultArches = Check("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["open","readz","socketcall"],"action":"SCMP_ACT_ERRNO"}]}""");
        var unknown = defaultArches.Where(d => d.Code == SeccompDiagnosticCode.UnknownSyscall).ToList();
        Assert.Equal(["syscalls[0].names[1]", "syscalls[0].names[2]"], unknown.Select(d => d.Location));
        Assert.Equal(SeccompDiagnosticSeverity.Warning, unknown[0].Severity);
        Assert.Contains("Check the spelling", unknown[0].Message, StringComparison.Ordinal);
        // A name of another ABI is no typo: say where it exists instead.
        Assert.Equal(SeccompDiagnosticSeverity.Information, unknown[1].Severity);
        Assert.Contains("exists on x86", unknown[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("spelling", unknown[1].Message, StringComparison.Ordinal);
        var otherAbis = Check("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["chown32","mmap2","s390_pci_mmio_read"],"action":"SCMP_ACT_ERRNO"}]}""")
            .Where(d => d.Code == SeccompDiagnosticCode.UnknownSyscall).ToList();
        Assert.Equal(3, otherAbis.Count);
        Assert.All(otherAbis, d => Assert.Equal(SeccompDiagnosticSeverity.Information, d.Severity));
        Assert.Contains("s390x", otherAbis[2].Message, StringComparison.Ordinal);

        var aarch64Only = Check("""{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_AARCH64"],"syscalls":[{"names":["open"],"action":"SCMP_ACT_ERRNO"}]}""");
        Assert.Equal("syscalls[0].names[0]", Single(aarch64Only, SeccompDiagnosticCode.UnknownSyscall).Location);

        var withX86 = Check("""{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["socketcall"],"action":"SCMP_ACT_ERRNO"}]}""");
        Assert.DoesNotContain(withX86, d => d.Code == SeccompDiagnosticCode.UnknownSyscall);
    }

    [Fact]
    public void ErrnoRetOnActionsThatIgnoreItWarns()
    {
        var found = Check("""{"defaultAction":"SCMP_ACT_LOG","defaultErrnoRet":1,"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","errnoRet":5},{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":5},{"names":["close"],"action":"SCMP_ACT_TRACE","errnoRet":5}]}""");
        Assert.Equal(["defaultErrnoRet", "syscalls[0].errnoRet"], found.Where(d => d.Code == SeccompDiagnosticCode.ErrnoRetIgnored).Select(d => d.Location));
    }

    [Fact]
    public void DockerOnlyKeysAreReportedWithTheirConsequence()
    {
        var found = Check("""
            {"defaultAction":"SCMP_ACT_LOG","archMap":[],"comment":"c","vendorKey":1,"defaultaction":"x",
             "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]},"comment":"c"}]}
            """);
        var docker = found.Where(d => d.Code == SeccompDiagnosticCode.DockerOnlyKey).ToList();
        Assert.Equal(["archMap", "comment", "syscalls[0].includes", "syscalls[0].comment"], docker.Select(d => d.Location));
        Assert.Equal(SeccompDiagnosticSeverity.Warning, docker[2].Severity);
        Assert.Contains("unconditionally", docker[2].Message, StringComparison.Ordinal);
        Assert.Equal(SeccompDiagnosticSeverity.Information, docker[1].Severity);
        var unknownKeys = found.Where(d => d.Code == SeccompDiagnosticCode.UnknownKey).ToList();
        Assert.Equal(["vendorKey", "defaultaction"], unknownKeys.Select(d => d.Location));
        Assert.Contains("'defaultAction'", unknownKeys[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConflictingDuplicatesAreWarningsNamingTheRuleThatTakesEffect()
    {
        var found = Check("""
            {"defaultAction":"SCMP_ACT_LOG","syscalls":[
              {"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
              {"names":["write"],"action":"SCMP_ACT_ERRNO"},
              {"names":["read"],"action":"SCMP_ACT_ALLOW"},
              {"names":["close"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},
              {"names":["close"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}
            """);
        var conflict = Single(found, SeccompDiagnosticCode.ConflictingDuplicateRule);
        Assert.Equal(SeccompDiagnosticSeverity.Warning, conflict.Severity);
        Assert.Equal("syscalls[1].names[0]", conflict.Location);
        // runc 1.1.5 / libseccomp 2.5.4 keep the first rule (measured: ALLOW then ERRNO lets mkdir run).
        Assert.Contains("SCMP_ACT_ALLOW from syscalls[0].names[1] takes effect", conflict.Message, StringComparison.Ordinal);

        // A rule equal to the default action is never added by runc, so the later one wins.
        var skipped = Single(Check("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"},{"names":["mkdir"],"action":"SCMP_ACT_ALLOW"}]}"""), SeccompDiagnosticCode.ConflictingDuplicateRule);
        Assert.Contains("this one, SCMP_ACT_ALLOW, takes effect", skipped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DockersAndPodmansDefaultsHaveNoErrorsAndTheirCapabilityPairsAreExplained()
    {
        foreach (var file in new[] { "docker-default.json", "podman-default.json" })
        {
            var found = SeccompProfileValidator.Validate(TestData(file));
            // Until the syscall tables know mseal & co. (issue 9, regenerated tables), those names are unknown
            // syscalls: Warnings, not Errors. Nothing else may be an Error: runc loads both profiles.
            Assert.DoesNotContain(found, d => d.Severity == SeccompDiagnosticSeverity.Error);
            Assert.Contains(found, d => d.Code == SeccompDiagnosticCode.ConflictingDuplicateRule);
        }

        // Docker: clone3 ALLOW (includes CAP_SYS_ADMIN) before ERRNO(38) (excludes CAP_SYS_ADMIN): ALLOW for every container.
        var clone3 = Assert.Single(SeccompProfileValidator.Validate(TestData("docker-default.json")), d => d.Code == SeccompDiagnosticCode.ConflictingDuplicateRule);
        Assert.Contains("'clone3'", clone3.Message, StringComparison.Ordinal);
        Assert.Contains("SCMP_ACT_ALLOW from syscalls[", clone3.Message, StringComparison.Ordinal);
        Assert.Contains("CAP_SYS_ADMIN", clone3.Message, StringComparison.Ordinal);
        Assert.Contains("every container", clone3.Message, StringComparison.Ordinal);

        // Podman: perf_event_open's ERRNO (excludes CAP_SYS_ADMIN) comes first, so it is denied even with CAP_PERFMON.
        var perf = Assert.Single(SeccompProfileValidator.Validate(TestData("podman-default.json")), d => d.Code == SeccompDiagnosticCode.ConflictingDuplicateRule && d.Message.Contains("'perf_event_open'", StringComparison.Ordinal));
        Assert.Contains("SCMP_ACT_ERRNO(1) from syscalls[16]", perf.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOldFormatDockerProfileGetsOneFinding()
    {
        var found = Check($$"""{"defaultAction":"SCMP_ACT_ALLOW","architectures":[{{AllX86}}],"syscalls":[{"name":"ptrace","action":"SCMP_ACT_ERRNO"},{"name":"acct","action":"SCMP_ACT_ERRNO"},{"name":"kexec_load","action":"SCMP_ACT_ERRNO"}]}""");
        var finding = Assert.Single(found);
        Assert.Equal(SeccompDiagnosticCode.DockerOnlyKey, finding.Code);
        Assert.Contains("3 rules", finding.Message, StringComparison.Ordinal);
        Assert.Contains("ConvertFrom-DockerSeccompProfile", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AProfileWithoutArchitecturesSaysItKillsThe32BitAbis()
    {
        // Measured with runc 1.1.5 on x86_64: under {"defaultAction":"SCMP_ACT_LOG"} an int 0x80 (x86) and an
        // x32 syscall are killed with SIGSYS (rc 159); with the three x86 ABIs listed they run.
        var audit = Single(Check(SeccompProfile.AuditProfileJson), SeccompDiagnosticCode.UncoveredAbi);
        Assert.Equal(SeccompDiagnosticSeverity.Warning, audit.Severity);
        Assert.Contains("kills 32-bit (x86) and x32 processes", audit.Message, StringComparison.Ordinal);
        Assert.Contains("instead of logging them", audit.Message, StringComparison.Ordinal);
        Assert.Contains("SCMP_ARCH_X32", audit.Message, StringComparison.Ordinal);
        Assert.Equal(SeccompProfile.AuditProfileJson, SeccompProfile.CreateAuditProfile().ToNodeJson());

        var x8664Only = Single(Check("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}"""), SeccompDiagnosticCode.UncoveredAbi);
        Assert.Contains("SCMP_ARCH_X86, SCMP_ARCH_X32", x8664Only.Message, StringComparison.Ordinal);
        // An allow-list denies those ABIs anyway: worth knowing, no more.
        Assert.Equal(SeccompDiagnosticSeverity.Information, Single(Check("""{"defaultAction":"SCMP_ACT_KILL"}"""), SeccompDiagnosticCode.UncoveredAbi).Severity);
    }

    [Fact]
    public void ProfilesThatStopEveryContainerAreErrors()
    {
        var allowListTooShort = Check("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","execve"],"action":"SCMP_ACT_ALLOW"}]}""");
        var blocked = Single(allowListTooShort, SeccompDiagnosticCode.BlocksContainerStart);
        Assert.Equal(SeccompDiagnosticSeverity.Error, blocked.Severity);
        Assert.Contains("capget, capset, chdir, close, fstat, fstatfs, futex, getcwd", blocked.Message, StringComparison.Ordinal);
        Assert.Contains("runc 1.1.5", blocked.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("execve,", blocked.Message, StringComparison.Ordinal);

        Assert.Contains(Check("""{"defaultAction":"SCMP_ACT_KILL_PROCESS"}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.Contains(Check("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve"],"action":"SCMP_ACT_KILL"}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        // Only conditionally allowed: not enough.
        Assert.Contains(Check($$"""{"defaultAction":"SCMP_ACT_TRAP","syscalls":[{"names":[{{StartSyscalls}}],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.DoesNotContain(Check($$"""{"defaultAction":"SCMP_ACT_TRAP","syscalls":[{"names":[{{StartSyscalls}}],"action":"SCMP_ACT_LOG"}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.DoesNotContain(Check("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_KILL"}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
    }

    [Fact]
    public void TheStartCheckDependsOnNoNewPrivileges()
    {
        static IReadOnlyList<SeccompDiagnostic> Start(string json, bool noNewPrivileges) =>
            SeccompProfileValidator.Validate(SeccompProfile.ParseLenient(json), noNewPrivileges: noNewPrivileges).Where(d => d.Code == SeccompDiagnosticCode.BlocksContainerStart).ToList();

        // Missing only rt_sigprocmask (and exit_group): runs in both modes (measured with runc 1.1.5).
        var withoutSigprocmask = $$"""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[{{StartSyscalls}}],"action":"SCMP_ACT_ALLOW"}]}""";
        Assert.Empty(Start(withoutSigprocmask, noNewPrivileges: false));
        Assert.Empty(Start(withoutSigprocmask, noNewPrivileges: true));

        // With NoNewPrivileges runc needs fewer: not capget, setuid & co.
        var nnpOnly = """{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["close","execve","fstatfs","futex","getdents64","openat","rt_sigreturn","write"],"action":"SCMP_ACT_ALLOW"}]}""";
        Assert.Empty(Start(nnpOnly, noNewPrivileges: true));
        var without = Assert.Single(Start(nnpOnly, noNewPrivileges: false)).Message;
        Assert.Contains("without NoNewPrivileges", without, StringComparison.Ordinal);
        Assert.Contains("runc needs capget, capset, chdir, fstat, getcwd, geteuid, getppid, newfstatat, prctl, read, setgid, setgroups, setuid after", without, StringComparison.Ordinal);
        var noFutex = """{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["close","execve","fstatfs","getdents64","openat","rt_sigreturn","write"],"action":"SCMP_ACT_ALLOW"}]}""";
        Assert.Contains("runc needs futex after", Assert.Single(Start(noFutex, noNewPrivileges: true)).Message, StringComparison.Ordinal);

        // Kubernetes' fine-grained.json lacks capget, setuid & co.: it only runs with allowPrivilegeEscalation: false.
        var fineGrained = TestData("kubernetes-fine-grained.json");
        var finding = Assert.Single(SeccompProfileValidator.Validate(fineGrained), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.Contains("capget, capset, chdir, fstat, getcwd, geteuid, getppid, newfstatat, prctl, setgid, setgroups, setuid", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SeccompProfileValidator.Validate(fineGrained, noNewPrivileges: true), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
    }

    [Fact]
    public void ListenerRulesAreChecked()
    {
        var found = Check("""{"defaultAction":"SCMP_ACT_NOTIFY","listenerMetadata":"m","syscalls":[{"names":["mount"],"action":"SCMP_ACT_NOTIFY"}]}""");
        Assert.Equal("listenerMetadata", Single(found, SeccompDiagnosticCode.ListenerMetadataWithoutPath).Location);
        Assert.Equal("syscalls[0].action", Single(found, SeccompDiagnosticCode.NotifyWithoutListener).Location);
        Assert.Equal("defaultAction", Single(found, SeccompDiagnosticCode.NotifyAsDefaultAction).Location);

        var withListener = Check("""{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"],"listenerPath":"/run/l.sock","listenerMetadata":"m","syscalls":[{"names":["mount"],"action":"SCMP_ACT_NOTIFY"}]}""");
        Assert.Empty(withListener);
    }

    [Fact]
    public void ArgumentIndexAndEmptyNamesAreErrors()
    {
        var found = Check("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"},{"names":["read",""],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":0,"op":"SCMP_CMP_EQ"}]}]}""");
        Assert.Equal(["syscalls[0].names", "syscalls[1].names[1]"], found.Where(d => d.Code == SeccompDiagnosticCode.EmptySyscallName).Select(d => d.Location));
        Assert.Equal("syscalls[1].args[0].index", Single(found, SeccompDiagnosticCode.ArgumentIndexOutOfRange).Location);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/b.json")]
    [InlineData("..")]
    [InlineData("audit.json\n")]
    [InlineData("a b.json")]
    public void UnsafeNamesAreErrors(string name)
    {
        var diagnostic = Single(Check("""{"defaultAction":"SCMP_ACT_LOG"}""", name), SeccompDiagnosticCode.UnsafeProfileName);
        Assert.Equal(SeccompDiagnosticSeverity.Error, diagnostic.Severity);
    }

    [Fact]
    public void DiagnosticsNameTheirSource()
    {
        var profile = SeccompProfile.ParseLenient("""{"defaultAction":"SCMP_ACT_KILL"}""", "/tmp/p.json");
        Assert.All(SeccompProfileValidator.Validate(profile), d => Assert.Equal("/tmp/p.json", d.Source));
    }
}
