using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using TalosSeccomp.Audit;

namespace TalosSeccomp.Benchmarks;

/// <summary>
/// Seccomp audit parsing throughput over 1 M realistic mixed lines (Talos Dmesg records with and without the
/// talosctl node prefix, auditd records, other kernel lines, a few loss notices), fed as 1 KiB chunks like the
/// Talos Logs stream. The baseline is a plain line split of the same bytes (StreamReader.ReadLine); the Ratio
/// column is the cost of assembling and parsing relative to it, and Op/s is lines per second.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(LinesPerSecondConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class AuditBenchmarks
{
    private const int LineCount = 1_000_000;
    private const int ChunkSize = 1024;

    private byte[] _stream = [];
    private readonly SeccompAuditFilter _filter = new(processName: ["sh"], action: ["Log"]);

    /// <summary>Builds the input: record shapes taken from real kernel output, serials and pids varied.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string[] comms = ["\"runc:[2:INIT]\"", "\"sh\"", "\"nginx\"", "\"coredns\"", "6D792070726F67", "\"http-echo\""];
        string[] exes = ["\"/\"", "\"/bin/busybox\"", "\"/usr/sbin/nginx\"", "\"/coredns\"", "\"/bin/busybox\"", "\"/http-echo\""];
        int[] syscalls = [0, 1, 3, 9, 12, 39, 59, 202, 257, 262, 273, 334];
        string[] kernel =
        [
            "kern:    info: [2026-11-27T20:34:02.224612Z]: cni0: port 1(veth32488a86) entered blocking state",
            "kern:    info: [2026-11-27T20:34:02.490852Z]: IPv6: ADDRCONF(NETDEV_CHANGE): veth32488a86: link becomes ready",
            "kern: warning: [2026-11-27T20:34:02.503105Z]: device veth32488a86 entered promiscuous mode",
            "kern:    info: [2026-11-27T20:34:02.505423Z]: EXT4-fs (sda6): mounted filesystem with ordered data mode",
        ];

        var random = new Random(1326);
        var text = new StringBuilder(LineCount * 200);
        for (int i = 0; i < LineCount; i++)
        {
            int shape = random.Next(100);
            int p = random.Next(comms.Length);
            string record = $"audit(1795811642.{i % 1000:D3}:{i}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid={7000 + p} comm={comms[p]} exe={exes[p]} sig=0 arch=c000003e syscall={syscalls[random.Next(syscalls.Length)]} compat=0 ip=0x40828e code=0x7ffc0000";
            text.Append(shape switch
            {
                < 35 => $"kern:  notice: [2026-11-27T20:34:02.{i % 1000000:D6}Z]: audit: type=1326 {record}",
                < 50 => $"10.5.0.3: kern:  notice: [2026-11-27T20:34:02.{i % 1000000:D6}Z]: audit: type=1326 {record}",
                < 75 => $"type=SECCOMP msg={record}",
                < 99 => kernel[random.Next(kernel.Length)],
                _ => "kern: warning: [2026-11-27T20:34:37.038569Z]: kauditd_printk_skb: 266 callbacks suppressed",
            }).Append('\n');
        }

        _stream = Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The baseline: decode and split the bytes into lines, nothing else.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = LineCount)]
    public int PlainLineSplit()
    {
        using var reader = new StreamReader(new MemoryStream(_stream, writable: false), Encoding.UTF8);
        int lines = 0;
        while (reader.ReadLine() is not null)
        {
            lines++;
        }

        return lines;
    }

    /// <summary>Reassembling lines from 1 KiB chunks.</summary>
    [Benchmark(OperationsPerInvoke = LineCount)]
    public int AssembleLines()
    {
        var assembler = new AuditLineAssembler();
        int lines = 0;
        for (int offset = 0; offset < _stream.Length; offset += ChunkSize)
        {
            assembler.Append(_stream.AsSpan(offset, Math.Min(ChunkSize, _stream.Length - offset)));
            while (assembler.TryReadLine(out _, out _))
            {
                lines++;
            }
        }

        return lines;
    }

    /// <summary>Reassembling and parsing every line into events (no filter).</summary>
    [Benchmark(OperationsPerInvoke = LineCount)]
    public int AssembleAndParse() => Run(null);

    /// <summary>Reassembling and parsing with a filter that keeps few records (no allocation for the rest).</summary>
    [Benchmark(OperationsPerInvoke = LineCount)]
    public int AssembleAndParseFiltered() => Run(_filter);

    private int Run(SeccompAuditFilter? filter)
    {
        var assembler = new AuditLineAssembler();
        int events = 0;
        for (int offset = 0; offset < _stream.Length; offset += ChunkSize)
        {
            assembler.Append(_stream.AsSpan(offset, Math.Min(ChunkSize, _stream.Length - offset)));
            while (assembler.TryReadLine(out var line, out _))
            {
                if (SeccompAuditParser.Parse(line, "node", filter, out _, out _, out _) == AuditLineKind.Event)
                {
                    events++;
                }
            }
        }

        return events;
    }

    private sealed class LinesPerSecondConfig : ManualConfig
    {
        public LinesPerSecondConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
