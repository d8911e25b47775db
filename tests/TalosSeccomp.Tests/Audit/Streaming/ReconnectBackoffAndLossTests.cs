using TalosSeccomp.Audit;
using TalosSeccomp.Audit.Streaming;
using Xunit;

namespace TalosSeccomp.Tests.Audit.Streaming;

public sealed class ReconnectBackoffAndLossTests
{
    [Theory]
    [InlineData(1, 0.0, 250)]
    [InlineData(1, 0.999999, 500)]
    [InlineData(2, 0.0, 500)]
    [InlineData(3, 0.5, 1500)]
    [InlineData(10, 0.0, 15000)]
    [InlineData(int.MaxValue, 0.999999, 30000)]
    public void BackoffDoublesWithJitterUpToTheCap(int attempt, double jitter, double expectedMilliseconds)
    {
        var delay = ReconnectBackoff.Delay(attempt, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), jitter);
        Assert.Equal(expectedMilliseconds, delay.TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void BackoffRejectsAttemptZeroAndJitterOutsideTheUnitInterval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconnectBackoff.Delay(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconnectBackoff.Delay(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 1));
    }

    [Theory]
    [InlineData("audit backlog limit reached, some audit events may have been lost")]
    [InlineData("10.5.0.3: audit backlog limit reached, some audit events may have been lost")]
    public void TalosAuditdBacklogLineIsALossNotice(string line)
    {
        var kind = SeccompAuditParser.Parse(line, "10.5.0.3", null, out var evt, out var problem, out var loss);

        Assert.Equal(AuditLineKind.Loss, kind);
        Assert.Null(evt);
        Assert.Null(problem);
        Assert.Equal(AuditLossKind.BacklogLimitExceeded, loss!.Kind);
        Assert.Null(loss.Count);
        Assert.Equal("10.5.0.3", loss.Node);
        Assert.Contains("backlog limit", loss.ToString());
    }

    [Fact]
    public void AnOrdinaryAuditdLineMentioningTheBacklogIsNotALossNotice()
    {
        var kind = SeccompAuditParser.Parse("type=CONFIG_CHANGE msg=audit(1700000000.001:3): op=set audit_backlog_limit=8192 old=64 res=1", null, null, out _, out _, out var loss);

        Assert.Equal(AuditLineKind.Other, kind);
        Assert.Null(loss);
    }
}
