using System.Text;
using CsCheck;
using TalosSeccomp.Audit;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

public class AuditLineAssemblerTests
{
    private static List<(string Line, bool Truncated)> Feed(AuditLineAssembler assembler, byte[] stream, IEnumerable<int> chunkSizes, bool complete = true)
    {
        var lines = new List<(string, bool)>();
        int offset = 0;
        foreach (int size in chunkSizes)
        {
            if (offset >= stream.Length)
            {
                break;
            }

            int take = Math.Min(size, stream.Length - offset);
            assembler.Append(stream.AsSpan(offset, take));
            offset += take;
            Drain();
        }

        if (offset < stream.Length)
        {
            assembler.Append(stream.AsSpan(offset));
            Drain();
        }

        if (complete)
        {
            assembler.Complete();
            Drain();
        }

        return lines;

        void Drain()
        {
            while (assembler.TryReadLine(out var line, out bool truncated))
            {
                lines.Add((line.ToString(), truncated));
            }
        }
    }

    // Printable ASCII plus 2-, 3- and 4-byte UTF-8 characters, so chunk boundaries split them.
    private static readonly Gen<string> LineText =
        Gen.OneOf(Gen.Char['\u0020', '\u007e'].Select(c => c.ToString()), Gen.OneOfConst("ï", "é", "€", "中", "\t", "😀"))
            .Array[0, 200]
            .Select(parts => string.Concat(parts));

    [Fact]
    public void RandomChunkBoundariesGiveTheOriginalLines()
    {
        Gen.Select(LineText.Array[0, 30], Gen.Int[1, 1024].Array[1, 200], Gen.Bool)
            .Sample((lines, chunks, crlf) =>
            {
                string separator = crlf ? "\r\n" : "\n";
                byte[] stream = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + separator)));
                var got = Feed(new AuditLineAssembler(), stream, chunks);
                Assert.Equal(lines, got.Select(g => g.Line));
                Assert.All(got, g => Assert.False(g.Truncated));
            }, iter: 2000);
    }

    [Fact]
    public void RealAuditdLogInOneKibChunksSplittingUtf8()
    {
        var lines = AuditTestData.Lines("auditd.log");
        byte[] stream = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        var got = Feed(new AuditLineAssembler(), stream, Enumerable.Repeat(1024, stream.Length / 1024 + 1));
        Assert.Equal(lines, got.Select(g => g.Line));
        Assert.All(got, g => Assert.Equal(AuditLineKind.Event, SeccompAuditParser.Parse(g.Line, null, null, out _, out _, out _)));
    }

    [Fact]
    public void MultiByteCharacterSplitAcrossChunks()
    {
        byte[] stream = Encoding.UTF8.GetBytes("naïve €😀\nnext\n");
        for (int split = 1; split < stream.Length; split++)
        {
            var got = Feed(new AuditLineAssembler(), stream, [split, stream.Length]);
            Assert.Equal(["naïve €😀", "next"], got.Select(g => g.Line));
        }
    }

    [Fact]
    public void LastLineWithoutLineEndingComesOnlyAfterComplete()
    {
        var assembler = new AuditLineAssembler();
        assembler.Append("first\nsecond"u8);
        Assert.True(assembler.TryReadLine(out var line, out _));
        Assert.Equal("first", line.ToString());
        Assert.False(assembler.TryReadLine(out _, out _));
        assembler.Complete();
        Assert.True(assembler.TryReadLine(out line, out bool truncated));
        Assert.Equal(("second", false), (line.ToString(), truncated));
        Assert.False(assembler.TryReadLine(out _, out _));
        Assert.Throws<InvalidOperationException>(() => assembler.Append("x"u8));
    }

    [Fact]
    public void EmptyLinesAreKept()
    {
        var got = Feed(new AuditLineAssembler(), "a\n\n\nb\n"u8.ToArray(), [1]);
        Assert.Equal(["a", "", "", "b"], got.Select(g => g.Line));
    }

    [Fact]
    public void OverlongLineIsCutReportedAndTheNextLineSurvives()
    {
        const int max = 64;
        string longLine = new string('x', 500);
        byte[] stream = Encoding.UTF8.GetBytes($"short\n{longLine}\nafter\n{longLine}");
        Gen.Int[1, 100].Array[1, 50].Sample(chunks =>
        {
            var assembler = new AuditLineAssembler(max);
            var got = Feed(assembler, stream, chunks);
            Assert.Equal(
                [("short", false), (new string('x', max), true), ("after", false), (new string('x', max), true)],
                got);
            Assert.Equal(2, assembler.TruncatedLines);
        }, iter: 500);
    }

    [Fact]
    public void CutLineIsReturnedBeforeItsEndArrivesAndMemoryStaysBounded()
    {
        var assembler = new AuditLineAssembler(maxLineLength: 1024);
        var chunk = Enumerable.Repeat((byte)'y', 1000).ToArray();
        int cutLines = 0;
        for (int i = 0; i < 10_000; i++)
        {
            assembler.Append(chunk); // 10 MB without a line ending
            while (assembler.TryReadLine(out var line, out bool truncated))
            {
                Assert.True(truncated);
                Assert.Equal(1024, line.Length);
                cutLines++;
            }
        }

        Assert.Equal(1, cutLines);
        assembler.Append("\nok\n"u8);
        Assert.True(assembler.TryReadLine(out var next, out bool cut));
        Assert.Equal(("ok", false), (next.ToString(), cut));
        Assert.Equal(1, assembler.TruncatedLines);
        Assert.True(assembler.BufferCapacity <= 8192, "buffer grew past the line limit");
    }

    [Fact]
    public void CutNeverSplitsAMultiByteCharacter()
    {
        // 10 bytes of '€' (3 bytes each) cut at 16: the sixth '€' would be split, so it is dropped.
        byte[] stream = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("€", 10)) + "\n");
        var got = Feed(new AuditLineAssembler(16), stream, [7]);
        Assert.Equal((new string('€', 5), true), Assert.Single(got));
    }
}
