using TalosSeccomp.Audit;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

public class SeccompAuditFilterTests
{
    [Theory]
    [InlineData("Kill", SeccompAuditAction.KillThread)]
    [InlineData("SCMP_ACT_KILL", SeccompAuditAction.KillThread)]
    [InlineData("killprocess", SeccompAuditAction.KillProcess)]
    [InlineData("Notify", SeccompAuditAction.Notify)]
    [InlineData("SCMP_ACT_NOTIFY", SeccompAuditAction.Notify)]
    [InlineData("SCMP_ACT_ERRNO", SeccompAuditAction.Errno)]
    [InlineData("Log", SeccompAuditAction.Log)]
    public void ProfileActionNamesSelectTheActionTheKernelLogs(string name, SeccompAuditAction expected)
    {
        var filter = new SeccompAuditFilter(action: [name]);
        foreach (var action in Enum.GetValues<SeccompAuditAction>())
        {
            Assert.Equal(action == expected, filter.MatchesAction(action));
        }
    }

    [Fact]
    public void WildcardsStillMatchTheAuditActionNames()
    {
        var filter = new SeccompAuditFilter(action: ["Kill*"]);
        Assert.True(filter.MatchesAction(SeccompAuditAction.KillThread));
        Assert.True(filter.MatchesAction(SeccompAuditAction.KillProcess));
        Assert.False(filter.MatchesAction(SeccompAuditAction.Errno));
    }

    [Fact]
    public void ANameThatIsNoProfileActionIsNotMapped() => Assert.Null(SeccompAuditFilter.FromProfileAction("Unknown"));
}
