using System.Text;
using CsCheck;
using TalosSeccomp.Audit;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

/// <summary>Random and mutated lines: the parser and assembler never throw, and what they return is consistent.</summary>
public class SeccompAuditFuzzTests
{
    private static readonly string[] Seeds =
        AuditTestData.Lines("talos-dmesg.txt")
            .Concat(AuditTestData.Lines("auditd.log"))
            .Concat(AuditTestData.Lines("talosctl-dmesg-guide.txt"))
            .Concat(
            [
                "type=SECCOMP msg=audit(1795811666.446:102): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=cri-containerd.apparmor.d (enforce) pid=8700 comm=6D792070726F67 exe=(null) sig=0 arch=c00000b7 syscall=56 compat=0 ip=0x7f799f71f829 code=0x50026",
                "kern: warning: [2026-01-01T10:00:00Z]: audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64",
                // log_format=ENRICHED and ausearch -i (audit-userspace src/auditd-event.c, src/ausearch-report.c).
                "type=SECCOMP msg=audit(1795811642.290:16): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7632 comm=\"sh\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall=83 compat=0 ip=0x49641b code=0x7ffc0000\u001dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=mkdir",
                "node=web1 type=SECCOMP msg=audit(12/02/2026 10:11:12.123:456) : auid=unset uid=unknown(1000) gid=root ses=3 pid=7632 comm=my prog exe=/bin/busybox sig=SIGSYS arch=i386 syscall=socketcall(socket) compat=1 ip=0x49641b code=kill-process ",
                "type=SECCOMP msg=audit(12/02/26 10:11:12.123:457) : auid=unset uid=root gid=root ses=unset pid=1 comm=x exe=/x sig=unknown-signal(40) arch=unknown-elf-type(c0000102) syscall=unknown-syscall(56) compat=0 ip=0x1 code=unknown-seccomp-code(0x7ffc0001) ",
            ])
            .ToArray();

    private static readonly string[] Inserts =
        ["=", " ", "\"", "==", "\"\"", "(", ")", ":", "0x", "-", "99999999999999999999999999", "18446744073709551616", "4294967296",
         "type=1326 ", "audit(", "comm=", "\n", "\r", "\0", "\uFFFD", "😀", "[", "]: ", "msg=", "\u001d", " : ", "unknown(", "SIG", "/", "."];

    private static void AssertConsistent(string line)
    {
        var kind = SeccompAuditParser.Parse(line, "n", null, out var evt, out var problem, out var loss);
        switch (kind)
        {
            case AuditLineKind.Event:
                Assert.NotNull(evt);
                Assert.Null(problem);
                Assert.StartsWith(evt.Raw, line, StringComparison.Ordinal);
                Assert.Equal(SeccompAuditParser.ActionFromCode(evt.Code), evt.Action);
                break;
            case AuditLineKind.Malformed:
                Assert.Null(evt);
                Assert.False(string.IsNullOrEmpty(problem!.Reason));
                break;
            case AuditLineKind.Loss:
                Assert.NotNull(loss);
                break;
            default:
                Assert.True(evt is null && problem is null && loss is null);
                break;
        }

        // The filtered path shares the parse; it must not throw either.
        SeccompAuditParser.Parse(line, null, Filter, out _, out _, out _);
    }

    private static readonly SeccompAuditFilter Filter = new(processName: ["*a*"], executable: ["/*"], syscall: ["[a-m]*"], action: ["Log", "Kill*"]);

    private static readonly Gen<string> Mutated =
        Gen.Int[0, Seeds.Length - 1].SelectMany(seed =>
            Gen.Int[0, 3].SelectMany(kind =>
            {
                string line = Seeds[seed];
                return kind switch
                {
                    // Bit flips in the UTF-8 bytes.
                    0 => Gen.Int[0, Encoding.UTF8.GetByteCount(line) * 8 - 1].Array[1, 6].Select(bits =>
                    {
                        var bytes = Encoding.UTF8.GetBytes(line);
                        foreach (int bit in bits)
                        {
                            bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                        }

                        return Encoding.UTF8.GetString(bytes);
                    }),
                    // Truncation.
                    1 => Gen.Int[0, line.Length].Select(n => line[..n]),
                    // Insertions of syntax characters and huge numbers.
                    2 => Gen.Select(Gen.Int[0, line.Length].Array[1, 4], Gen.OneOfConst(Inserts).Array[1, 4]).Select((positions, texts) =>
                    {
                        var sb = new StringBuilder(line);
                        for (int i = 0; i < Math.Min(positions.Length, texts.Length); i++)
                        {
                            sb.Insert(Math.Min(positions[i], sb.Length), texts[i]);
                        }

                        return sb.ToString();
                    }),
                    // Deletion of a span.
                    _ => Gen.Select(Gen.Int[0, line.Length], Gen.Int[0, 40]).Select((at, n) => line.Remove(at, Math.Min(n, line.Length - at))),
                };
            }));

    [Fact]
    public void MutatedRealLinesNeverThrow()
    {
        Mutated.Sample(AssertConsistent, iter: 50_000);
    }

    [Fact]
    public void RandomLinesNeverThrow()
    {
        var token = Gen.OneOf(Gen.OneOfConst(Inserts), Gen.OneOfConst("auid", "uid", "gid", "ses", "subj", "pid", "comm", "exe", "sig", "arch", "syscall", "compat", "ip", "code", "SECCOMP", "audit:", "kauditd_printk_skb:", "audit_lost="),
            Gen.String, Gen.Char.Array[0, 8].Select(c => new string(c)), Gen.ULong.Select(u => u.ToString("x")));
        token.Array[0, 60].Select(parts => string.Concat(parts)).Sample(AssertConsistent, iter: 50_000);
    }

    [Fact]
    public void MutatedStreamsThroughTheAssemblerNeverThrow()
    {
        Gen.Select(Mutated.Array[1, 20], Gen.Int[1, 1024].Array[1, 20], Gen.Int[16, 300]).Sample((lines, chunks, max) =>
        {
            var assembler = new AuditLineAssembler(max);
            byte[] stream = Encoding.UTF8.GetBytes(string.Join('\n', lines));
            int offset = 0, c = 0;
            while (offset < stream.Length)
            {
                int take = Math.Min(chunks[c++ % chunks.Length], stream.Length - offset);
                assembler.Append(stream.AsSpan(offset, take));
                offset += take;
                while (assembler.TryReadLine(out var line, out _))
                {
                    Assert.True(Encoding.UTF8.GetByteCount(line) <= max * 3); // invalid bytes decode to U+FFFD (3 bytes)
                    AssertConsistent(line.ToString());
                }
            }

            assembler.Complete();
            while (assembler.TryReadLine(out var line, out _))
            {
                AssertConsistent(line.ToString());
            }
        }, iter: 2000);
    }
}
