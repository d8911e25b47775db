using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

/// <summary>Docker's and Podman's official default profiles (TestData/README.md names their upstream commits).</summary>
public class UpstreamDefaultProfilesTests
{
    public static TheoryData<string> Profiles => new() { "docker-default.json", "podman-default.json" };

    private static SeccompProfile Load(string file) =>
        SeccompProfile.ParseLenient(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)), file);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void EveryNameTheyListIsASyscallTheTablesKnow(string file)
    {
        var profile = Load(file);
        var names = profile.Syscalls.SelectMany(r => r.Names).Distinct(StringComparer.Ordinal).ToList();

        Assert.True(names.Count > 400, $"{file}: only {names.Count} names read");
        // With libseccomp 2.5.4's tables Docker's profile had 12 names no table knew (mseal, listmount, ...).
        Assert.DoesNotContain(names, n => !SyscallTables.IsKnownOnAnyArchitecture(n));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void TestSeccompProfileCallsNoneOfTheirNamesNotASyscall(string file)
    {
        var diagnostics = SeccompProfileValidator.Validate(Load(file), file);

        // A name absent on the targeted architectures may be reported (it exists elsewhere, e.g. chown32), but never
        // one that is no syscall anywhere: those were the false "not a syscall" findings.
        var unknown = diagnostics.Where(d => d.Code == SeccompDiagnosticCode.UnknownSyscall).ToList();
        Assert.DoesNotContain(unknown, d => d.Severity == SeccompDiagnosticSeverity.Error);
        Assert.All(unknown, d => Assert.True(
            SyscallTables.IsKnownOnAnyArchitecture(NameAt(Load(file), d.Location!)),
            $"{file}: {d.Location}: {d.Message}"));
    }

    [Theory]
    [InlineData("mseal")]
    [InlineData("listmount")]
    [InlineData("statmount")]
    [InlineData("lsm_get_self_attr")]
    [InlineData("setxattrat")]
    [InlineData("uretprobe")]
    public void DockersNewestSyscallsGetNoFindingOnX86_64(string syscall)
    {
        var profile = Load("docker-default.json");
        var diagnostics = SeccompProfileValidator.Validate(profile, "docker-default.json");

        Assert.DoesNotContain(diagnostics, d => d.Code == SeccompDiagnosticCode.UnknownSyscall && NameAt(profile, d.Location!) == syscall);
    }

    /// <summary>The syscall name a diagnostic location such as <c>syscalls[3].names[7]</c> points at.</summary>
    private static string NameAt(SeccompProfile profile, string location)
    {
        var match = System.Text.RegularExpressions.Regex.Match(location, @"^syscalls\[(\d+)\]\.names\[(\d+)\]$");
        Assert.True(match.Success, $"unexpected location {location}");
        return profile.Syscalls[int.Parse(match.Groups[1].Value)].Names[int.Parse(match.Groups[2].Value)];
    }
}
