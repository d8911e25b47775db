using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompProfileComparerTests
{
    private static IReadOnlyList<SeccompProfileDifference> Compare(string reference, string difference) =>
        SeccompProfileComparer.Compare(SeccompProfile.Parse(reference), SeccompProfile.Parse(difference));

    [Fact]
    public void EqualProfilesInAnyLayoutHaveNoDifferences()
    {
        Assert.Empty(Compare(
            """{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}""",
            """{"syscalls":[{"action":"Allow","names":["write"]},{"names":["read"],"action":"SCMP_ACT_ALLOW"}],"defaultAction":"errno"}"""));
    }

    [Fact]
    public void RuleDifferencesNameOnlyTheArchitecturesTheRuleAppliesTo()
    {
        // The reference also covers x86; a Talos node architecture is covered by every filter on its own nodes.
        var differences = Compare(
            """{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ALLOW"}]}""",
            """{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["close"],"action":"SCMP_ACT_ALLOW"}]}""");

        Assert.Equal(["x86_64", "aarch64"], differences.Single(d => d.Kind == SeccompDifferenceKind.SyscallAdded).Architecture);
        Assert.Equal(["x86_64", "aarch64"], differences.Single(d => d.Kind == SeccompDifferenceKind.SyscallRemoved).Architecture);
        Assert.Equal(["x86"], differences.Single(d => d.Kind == SeccompDifferenceKind.ArchitectureRemoved).Architecture);
    }

    [Fact]
    public void ProfileWideChangesAreReported()
    {
        var found = Compare(
            """{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"flags":["SECCOMP_FILTER_FLAG_LOG"]}""",
            """{"defaultAction":"SCMP_ACT_KILL_PROCESS","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],"flags":["SECCOMP_FILTER_FLAG_TSYNC"],"listenerPath":"/l"}""");
        var kinds = found.Select(d => d.Kind).ToList();
        Assert.Equal(
            [SeccompDifferenceKind.DefaultActionChanged, SeccompDifferenceKind.DefaultErrnoRetChanged, SeccompDifferenceKind.ArchitectureAdded,
             SeccompDifferenceKind.ArchitectureRemoved, SeccompDifferenceKind.FlagAdded, SeccompDifferenceKind.FlagRemoved, SeccompDifferenceKind.ListenerChanged],
            kinds);
        Assert.Equal((SeccompAction.Errno, SeccompAction.KillProcess), (found[0].ReferenceAction, found[0].DifferenceAction));
        Assert.Equal(["aarch64"], found[2].Architecture);
        Assert.Equal(["x86"], found[3].Architecture);
    }

    [Fact]
    public void SyscallChangesAreReportedPerSyscallWithArchitectures()
    {
        var found = Compare(
            """
            {"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
              {"names":["read","open","mkdir"],"action":"SCMP_ACT_ALLOW"},
              {"names":["chmod"],"action":"SCMP_ACT_ERRNO","errnoRet":5},
              {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}
            """,
            """
            {"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
              {"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
              {"names":["mkdir"],"action":"SCMP_ACT_LOG"},
              {"names":["chmod"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
              {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}
            """);
        var bySyscall = found.ToDictionary(d => d.Syscall!);
        Assert.Equal(["chmod", "mkdir", "open", "personality", "write"], found.Select(d => d.Syscall));

        Assert.Equal(SeccompDifferenceKind.SyscallAdded, bySyscall["write"].Kind);
        Assert.Equal((SeccompAction.Errno, SeccompAction.Allow), (bySyscall["write"].ReferenceAction, bySyscall["write"].DifferenceAction));
        Assert.Equal(["x86_64", "aarch64"], bySyscall["write"].Architecture);

        Assert.Equal(SeccompDifferenceKind.SyscallRemoved, bySyscall["open"].Kind);
        Assert.Equal(["x86_64"], bySyscall["open"].Architecture); // aarch64 has no open(2)
        Assert.Equal(SeccompAction.Errno, bySyscall["open"].DifferenceAction);

        Assert.Equal(SeccompDifferenceKind.ActionChanged, bySyscall["mkdir"].Kind);
        Assert.Equal((SeccompAction.Allow, SeccompAction.Log), (bySyscall["mkdir"].ReferenceAction, bySyscall["mkdir"].DifferenceAction));

        Assert.Equal(SeccompDifferenceKind.ErrnoRetChanged, bySyscall["chmod"].Kind);
        Assert.Equal(SeccompDifferenceKind.ArgumentsChanged, bySyscall["personality"].Kind);
        Assert.Contains("arg0 == 0x8", bySyscall["personality"].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CompareIsNotSymmetricInDirection()
    {
        var a = """{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}""";
        var b = """{"defaultAction":"SCMP_ACT_ERRNO"}""";
        Assert.Equal(SeccompDifferenceKind.SyscallRemoved, Assert.Single(Compare(a, b)).Kind);
        Assert.Equal(SeccompDifferenceKind.SyscallAdded, Assert.Single(Compare(b, a)).Kind);
    }
}
