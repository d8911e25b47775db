namespace TalosSeccomp.Tests.Audit;

/// <summary>Reads the captured audit lines under TestData/Audit (comment lines start with '#').</summary>
internal static class AuditTestData
{
    public static string[] Lines(string file) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "Audit", file))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToArray();

    /// <summary>The message part of a /dev/kmsg record ("prio,seq,usec,flags;message").</summary>
    public static string KmsgMessage(string record) => record[(record.IndexOf(';') + 1)..];

    /// <summary>The kmsg capture's message whose text contains <paramref name="marker"/>.</summary>
    public static string Kmsg(string marker) =>
        Lines("kmsg-capture.txt").Select(KmsgMessage).First(m => m.Contains(marker, StringComparison.Ordinal));
}
