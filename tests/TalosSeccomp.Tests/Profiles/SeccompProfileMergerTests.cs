using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompProfileMergerTests
{
    private static SeccompProfile P(string json, string name) { var p = SeccompProfile.Parse(json); p.Name = name; return p; }

    private static readonly SeccompProfile Web = P("""
        {"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[
          {"names":["read","write","ptrace"],"action":"SCMP_ACT_ALLOW"},
          {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}
        """, "web.json");

    private static readonly SeccompProfile Hardening = P("""
        {"defaultAction":"SCMP_ACT_KILL_PROCESS","architectures":["SCMP_ARCH_AARCH64"],"syscalls":[
          {"names":["ptrace"],"action":"SCMP_ACT_KILL_PROCESS"},
          {"names":["close","read"],"action":"SCMP_ACT_ALLOW"},
          {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}
        """, "hardening.json");

    [Fact]
    public void StrictTakesTheMoreRestrictiveActionAndReportsConflicts()
    {
        var result = SeccompProfileMerger.Merge([Web, Hardening], SeccompMergeStrategy.Strict);
        var merged = result.Profile;
        Assert.Equal(SeccompAction.KillProcess, merged.DefaultAction);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"], merged.Architectures);
        Assert.Equal([SeccompFilterFlag.Log], merged.Flags);
        // Under runc: write is KILL_PROCESS in hardening.json (its default), close EPERM in web.json (its default),
        // personality ENOSYS in web.json (above every syscall web.json names, runc's ENOSYS stub).
        Assert.Equal(
            "{\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_AARCH64\"],\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
            + "{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"read\"]},"
            + "{\"action\":\"SCMP_ACT_ERRNO\",\"names\":[\"close\"]},"
            + "{\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\",\"value\":0}],\"errnoRet\":38,\"names\":[\"personality\"]},"
            + "{\"action\":\"SCMP_ACT_KILL_PROCESS\",\"names\":[\"ptrace\"]}]}",
            merged.ToNodeJson());

        Assert.Null(result.Conflicts[0].Syscall);
        var ptrace = result.Conflicts.Single(c => c.Syscall == "ptrace");
        Assert.Equal(SeccompAction.KillProcess, ptrace.ChosenAction);
        Assert.Equal(["Allow", "KillProcess"], ptrace.Actions);
        Assert.Equal(["web.json", "hardening.json"], ptrace.Sources);
        Assert.Equal(["write", "ptrace", "mkdir", "close", "personality", "personality"], result.Conflicts.Skip(1).Select(c => c.Syscall));
    }

    [Fact]
    public void PermissiveTakesTheLessRestrictiveAction()
    {
        var result = SeccompProfileMerger.Merge([Web, Hardening], SeccompMergeStrategy.Permissive);
        Assert.Equal(SeccompAction.Errno, result.Profile.DefaultAction);
        var ptraceRule = Assert.Single(result.Profile.Syscalls, r => r.Names.Contains("ptrace"));
        Assert.Equal(SeccompAction.Allow, ptraceRule.Action);
        Assert.Equal(SeccompAction.Allow, result.Conflicts.Single(c => c.Syscall == "ptrace").ChosenAction);
    }

    [Theory]
    [InlineData(SeccompMergeStrategy.Strict, "SCMP_ACT_KILL_PROCESS")]
    [InlineData(SeccompMergeStrategy.Permissive, "SCMP_ACT_ALLOW")]
    public void OrderingCoversEveryAction(SeccompMergeStrategy strategy, string expected)
    {
        var profiles = SeccompAction.All.Reverse().Select((a, i) => P($$"""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"{{a}}"}]}""", $"p{i}")).ToList();
        var result = SeccompProfileMerger.Merge(profiles, strategy);
        Assert.Equal(expected, Assert.Single(result.Profile.Syscalls).Action);
    }

    [Fact]
    public void RanksFollowTheDocumentedOrder()
    {
        Assert.Equal(
            [0, 1, 2, 2, 3, 3, 4, 4, 5],
            new[] { SeccompAction.Allow, SeccompAction.Log, SeccompAction.Trace, SeccompAction.Notify, SeccompAction.Errno, SeccompAction.Trap, SeccompAction.Kill, SeccompAction.KillThread, SeccompAction.KillProcess }
                .Select(SeccompAction.Restrictiveness));
    }

    [Fact]
    public void IdenticalProfilesMergeWithoutConflicts()
    {
        var result = SeccompProfileMerger.Merge([Web, Web.Clone()], SeccompMergeStrategy.Strict);
        Assert.Empty(result.Conflicts);
        Assert.Empty(SeccompProfileComparer.Compare(Web, result.Profile));
    }

    [Fact]
    public void NothingToMergeIsAnError()
    {
        var ex = Assert.Throws<TalosSeccompException>(() => SeccompProfileMerger.Merge([], SeccompMergeStrategy.Strict));
        Assert.Equal("NoSeccompProfilesToMerge", ex.ErrorId);
    }
}
