using TalosSeccomp.Audit;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

public class AuditEventDeduplicatorTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1795811642290);

    [Fact]
    public void ReplayedStreamYieldsEachRecordOnce()
    {
        var lines = AuditTestData.Lines("auditd.log");
        var dedup = new AuditEventDeduplicator();
        var kept = new List<ulong>();
        // The stream reconnects twice and replays what it had sent.
        foreach (var line in lines.Concat(lines.Take(20)).Concat(lines))
        {
            if (SeccompAuditParser.TryParse(line, "10.5.0.3", null, out var evt, out _) && dedup.TryAdd(evt!))
            {
                kept.Add(evt!.Serial);
            }
        }

        Assert.Equal(lines.Length, kept.Count);
        Assert.Equal(kept.Distinct(), kept);
    }

    [Fact]
    public void KeyIsNodeSerialAndSecond()
    {
        var dedup = new AuditEventDeduplicator();
        Assert.True(dedup.TryAdd("a", 1, T));
        Assert.False(dedup.TryAdd("a", 1, T.AddMilliseconds(500)));  // same second (xx2.290 → xx2.790)
        Assert.True(dedup.TryAdd("b", 1, T));                        // other node
        Assert.True(dedup.TryAdd("a", 2, T));                        // other serial
        Assert.True(dedup.TryAdd("a", 1, T.AddDays(3)));             // same serial after a reboot
        Assert.True(dedup.TryAdd(null, 1, T));
        Assert.False(dedup.TryAdd(null, 1, T));
    }

    [Fact]
    public void MemoryIsBoundedAndTheOldestKeysAreForgotten()
    {
        var dedup = new AuditEventDeduplicator(capacity: 100);
        for (ulong serial = 0; serial < 1000; serial++)
        {
            Assert.True(dedup.TryAdd("n", serial, T));
        }

        Assert.Equal(100, dedup.Count);
        Assert.False(dedup.TryAdd("n", 999, T));
        Assert.True(dedup.TryAdd("n", 0, T)); // forgotten, so accepted again
    }
}
