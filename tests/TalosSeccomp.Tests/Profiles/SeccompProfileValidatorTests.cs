using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompProfileValidatorTests
{
    private const string StartSyscalls = "\"execve\",\"exit_group\",\"futex\",\"rt_sigreturn\",\"rt_sigprocmask\"";

    private static IReadOnlyList<SeccompDiagnostic> Check(string json, string? name = null) =>
        SeccompProfileValidator.Validate(SeccompProfile.ParseLenient(json), name);

    private static SeccompDiagnostic Single(IReadOnlyList<SeccompDiagnostic> diagnostics, string code) =>
        Assert.Single(diagnostics, d => d.Code == code);

    [Fact]
    public void AGoodAllowListHasNoFindings()
    {
        Assert.Empty(Check($$"""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":[{{StartSyscalls}},"read"],"action":"SCMP_ACT_ALLOW"}]}"""));
        Assert.Empty(Check("""{"defaultAction":"SCMP_ACT_LOG"}""", "audit.json"));
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
        Assert.All(unknown, d => Assert.Equal(SeccompDiagnosticSeverity.Warning, d.Severity));

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
    public void ConflictingDuplicatesAreErrorsButSameActionOrOtherConditionsAreNot()
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
        Assert.Equal("syscalls[1].names[0]", conflict.Location);
        Assert.Contains("syscalls[0].names[1]", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProfilesThatStopEveryContainerAreErrors()
    {
        var allowListTooShort = Check("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","execve"],"action":"SCMP_ACT_ALLOW"}]}""");
        var blocked = Single(allowListTooShort, SeccompDiagnosticCode.BlocksContainerStart);
        Assert.Equal(SeccompDiagnosticSeverity.Error, blocked.Severity);
        Assert.Contains("exit_group, futex, rt_sigreturn, rt_sigprocmask", blocked.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("execve,", blocked.Message, StringComparison.Ordinal);

        Assert.Contains(Check("""{"defaultAction":"SCMP_ACT_KILL_PROCESS"}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.Contains(Check("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve"],"action":"SCMP_ACT_KILL"}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        // Only conditionally allowed: not enough.
        Assert.Contains(Check($$"""{"defaultAction":"SCMP_ACT_TRAP","syscalls":[{"names":[{{StartSyscalls}}],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.DoesNotContain(Check($$"""{"defaultAction":"SCMP_ACT_TRAP","syscalls":[{"names":[{{StartSyscalls}}],"action":"SCMP_ACT_LOG"}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
        Assert.DoesNotContain(Check("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_KILL"}]}"""), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
    }

    [Fact]
    public void ListenerRulesAreChecked()
    {
        var found = Check("""{"defaultAction":"SCMP_ACT_NOTIFY","listenerMetadata":"m","syscalls":[{"names":["mount"],"action":"SCMP_ACT_NOTIFY"}]}""");
        Assert.Equal("listenerMetadata", Single(found, SeccompDiagnosticCode.ListenerMetadataWithoutPath).Location);
        Assert.Equal("syscalls[0].action", Single(found, SeccompDiagnosticCode.NotifyWithoutListener).Location);
        Assert.Equal("defaultAction", Single(found, SeccompDiagnosticCode.NotifyAsDefaultAction).Location);

        var withListener = Check("""{"defaultAction":"SCMP_ACT_LOG","listenerPath":"/run/l.sock","listenerMetadata":"m","syscalls":[{"names":["mount"],"action":"SCMP_ACT_NOTIFY"}]}""");
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
