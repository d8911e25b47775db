using TalosSeccomp.Audit;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

public class SeccompAuditParserTests
{
    private static SeccompAuditEvent ParseEvent(string line, string? node = null, SeccompAuditFilter? filter = null)
    {
        var kind = SeccompAuditParser.Parse(line, node, filter, out var evt, out var problem, out var loss);
        Assert.True(kind == AuditLineKind.Event, $"expected an event, got {kind}: {problem?.Reason}");
        Assert.Null(problem);
        Assert.Null(loss);
        return evt!;
    }

    [Fact]
    public void RealKernelRecord_EveryField()
    {
        // From the capture: busybox sh under runc with {"defaultAction":"SCMP_ACT_LOG"}.
        string line = AuditTestData.Kmsg("audit(1795811642.290:16)");
        var evt = ParseEvent(line, node: "10.5.0.3");

        Assert.Equal("10.5.0.3", evt.Node);
        Assert.Equal(AuditSource.Dmesg, evt.Source);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795811642290), evt.Time);
        Assert.Equal(TimeSpan.Zero, evt.Time.Offset);
        Assert.Equal(16UL, evt.Serial);
        Assert.Null(evt.Auid);
        Assert.Equal(0u, evt.Uid);
        Assert.Equal(0u, evt.Gid);
        Assert.Null(evt.Session);
        Assert.Null(evt.Subject);
        Assert.Equal(7632, evt.Pid);
        Assert.Equal("sh", evt.ProcessName);
        Assert.Equal("/bin/busybox", evt.Executable);
        Assert.Equal(0, evt.Signal);
        Assert.Equal(0xc000003eu, evt.AuditArch);
        Assert.Equal("x86_64", evt.Architecture);
        Assert.Equal(12L, evt.SyscallNumber);
        Assert.Equal("brk", evt.Syscall);
        Assert.False(evt.Compat);
        Assert.Equal(0x49641bUL, evt.InstructionPointer);
        Assert.Equal(0x7ffc0000u, evt.Code);
        Assert.Equal(SeccompAuditAction.Log, evt.Action);
        Assert.Equal(line, evt.Raw);
    }

    [Fact]
    public void RealCaptures_AllFormsGiveTheSameEvents()
    {
        var fromKmsg = AuditTestData.Lines("kmsg-capture.txt").Select(AuditTestData.KmsgMessage).ToArray();
        var fromTalos = AuditTestData.Lines("talos-dmesg.txt");
        var fromPlainDmesg = AuditTestData.Lines("dmesg-plain.txt");
        var fromAuditd = AuditTestData.Lines("auditd.log");

        var kmsgEvents = ParseAll(fromKmsg, AuditSource.Dmesg);
        Assert.Equal(fromKmsg.Count(l => l.Contains("type=1326", StringComparison.Ordinal)), kmsgEvents.Count);
        Assert.Equal(43, kmsgEvents.Count);

        foreach (var (lines, source) in new[] { (fromTalos, AuditSource.Dmesg), (fromPlainDmesg, AuditSource.Dmesg), (fromAuditd, AuditSource.Auditd) })
        {
            var events = ParseAll(lines, source);
            Assert.Equal(
                kmsgEvents.Select(e => (e.Serial, e.Time, e.Pid, e.ProcessName, e.Executable, e.Syscall, e.Action, e.InstructionPointer)),
                events.Select(e => (e.Serial, e.Time, e.Pid, e.ProcessName, e.Executable, e.Syscall, e.Action, e.InstructionPointer)));
        }

        static List<SeccompAuditEvent> ParseAll(string[] lines, AuditSource expectedSource)
        {
            var events = new List<SeccompAuditEvent>();
            foreach (var line in lines)
            {
                var kind = SeccompAuditParser.Parse(line, null, null, out var evt, out var problem, out _);
                Assert.NotEqual(AuditLineKind.Malformed, kind);
                if (kind == AuditLineKind.Event)
                {
                    Assert.Equal(expectedSource, evt!.Source);
                    events.Add(evt);
                }
            }

            return events;
        }
    }

    [Fact]
    public void TalosctlDmesgFromTheGuide_NodePrefixSkipsKernelLinesAndReportsSuppression()
    {
        var lines = AuditTestData.Lines("talosctl-dmesg-guide.txt");
        var events = new List<SeccompAuditEvent>();
        var losses = new List<AuditLossNotice>();
        int other = 0;
        foreach (var line in lines)
        {
            switch (SeccompAuditParser.Parse(line, "ignored-when-prefixed", null, out var evt, out _, out var loss))
            {
                case AuditLineKind.Event: events.Add(evt!); break;
                case AuditLineKind.Loss: losses.Add(loss!); break;
                case AuditLineKind.Other: other++; break;
                default: Assert.Fail("unexpected " + line); break;
            }
        }

        Assert.Equal(7, other);
        Assert.Equal(10, events.Count);
        Assert.All(events, e => Assert.Equal("10.5.0.3", e.Node));
        Assert.Equal(Enumerable.Range(25, 10).Select(i => (ulong)i), events.Select(e => e.Serial));
        Assert.Equal(["close", "close", "openat", "futex", "futex", "write", "close", "getpid", "execve", "arch_prctl"], events.Select(e => e.Syscall));
        Assert.Equal("http-echo", events[^1].ProcessName);
        Assert.Equal(new DateTimeOffset(2022, 7, 28, 11, 49, 45, 445, TimeSpan.Zero), events[0].Time);

        var notice = Assert.Single(losses);
        Assert.Equal(("10.5.0.3", AuditLossKind.PrintkSuppressed, (long?)14), (notice.Node, notice.Kind, notice.Count));
    }

    [Theory]
    [InlineData("10.5.0.3: ", "10.5.0.3")]
    [InlineData("fd00::1: ", "fd00::1")]
    [InlineData("fd00::: ", "fd00::")]
    [InlineData("worker-1.example.com: ", "worker-1.example.com")]
    [InlineData("", "fallback")]
    public void DmesgNodePrefixForms(string prefix, string expectedNode)
    {
        string line = prefix + "kern:  notice: [2022-07-28T11:49:44.873619063Z]: audit: type=1326 audit(1659008985.445:25): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm=\"runc:[2:INIT]\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x55ec0657bd3b code=0x7ffc0000";
        Assert.Equal(expectedNode, ParseEvent(line, "fallback").Node);
    }

    [Theory]
    [InlineData("type=SECCOMP msg=", "fallback")]
    [InlineData("172.20.0.2: type=SECCOMP msg=", "172.20.0.2")]
    [InlineData("node=cp-1 type=SECCOMP msg=", "cp-1")]
    [InlineData("type=1326 msg=", "fallback")]
    [InlineData("type=UNKNOWN[1326] msg=", "fallback")]
    public void AuditdForms(string prefix, string expectedNode)
    {
        string line = prefix + "audit(1795811666.446:102): auid=1000 uid=1000 gid=1000 ses=3 pid=8700 comm=\"errno-test\" exe=\"/usr/bin/python3.11\" sig=0 arch=c000003e syscall=63 compat=0 ip=0x7f799f71f829 code=0x50000";
        var evt = ParseEvent(line, "fallback");
        Assert.Equal(AuditSource.Auditd, evt.Source);
        Assert.Equal(expectedNode, evt.Node);
        Assert.Equal((uint?)1000, evt.Auid);
        Assert.Equal((uint?)3, evt.Session);
        Assert.Equal(SeccompAuditAction.Errno, evt.Action);
        Assert.Equal("uname", evt.Syscall);
    }

    [Fact]
    public void Aarch64_NamesFromTheArm64Table()
    {
        // Crafted from the kernel format: openat is 56 on the generic (arm64) table, 257 on x86_64.
        var evt = ParseEvent("type=SECCOMP msg=audit(1700000000.001:7): auid=4294967295 uid=65532 gid=65532 ses=4294967295 pid=42 comm=\"app\" exe=\"/app\" sig=0 arch=c00000b7 syscall=56 compat=0 ip=0xffff9a1b2c3c code=0x7ffc0000");
        Assert.Equal(("aarch64", 0xc00000b7u, "openat", 56L), (evt.Architecture, evt.AuditArch, evt.Syscall, evt.SyscallNumber));
        Assert.Equal(65532u, evt.Uid);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000001), evt.Time);
    }

    [Fact]
    public void X32_RealRecordWithTheSyscallBit()
    {
        var evt = ParseEvent(AuditTestData.Kmsg("syscall=1073741887"));
        Assert.Equal("x32", evt.Architecture);
        Assert.Equal(0xc000003eu, evt.AuditArch);
        Assert.Equal(0x4000003fL, evt.SyscallNumber);
        Assert.Equal("uname", evt.Syscall);
        Assert.Equal("x32 \"odd\"", evt.ProcessName); // comm=78333220226F646422: a quote forces hex
    }

    [Fact]
    public void I386Compat_RealRecordFromInt80()
    {
        var evt = ParseEvent(AuditTestData.Kmsg("arch=40000003"));
        Assert.Equal(("x86", 0x40000003u, 122L, "uname", true), (evt.Architecture, evt.AuditArch, evt.SyscallNumber, evt.Syscall, evt.Compat));
        Assert.Equal("i386-test", evt.ProcessName);
    }

    [Theory]
    [InlineData("6D792070726F67", "my prog")]          // real: a space forces hex
    [InlineData("6E61C3AF7665", "naïve")]              // real: UTF-8 bytes
    [InlineData("72756E633A5B323A494E49545D", "runc:[2:INIT]")]
    [InlineData("\"runc:[2:INIT]\"", "runc:[2:INIT]")]
    [InlineData("\"cafe\"", "cafe")]                    // quoted is never hex-decoded
    public void ProcessNameQuotedOrHex(string comm, string expected)
    {
        var evt = ParseEvent($"audit: type=1326 audit(1795811650.638:97): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=8508 comm={comm} exe=2F6D7920646972 sig=0 arch=c000003e syscall=1 compat=0 ip=0x47b7a0 code=0x7ffc0000");
        Assert.Equal(expected, evt.ProcessName);
        Assert.Equal("/my dir", evt.Executable);
    }

    [Fact]
    public void ExecutableNullWithoutMemoryMap()
    {
        var evt = ParseEvent("audit: type=1326 audit(1795811650.582:95): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=8455 comm=\"kworker\" exe=(null) sig=31 arch=c000003e syscall=63 compat=0 ip=0x460997 code=0x0");
        Assert.Null(evt.Executable);
        Assert.Equal((SeccompAuditAction.KillThread, 31), (evt.Action, evt.Signal));
    }

    [Theory]
    [InlineData("subj=system_u:system_r:container_t:s0:c12,c345", "system_u:system_r:container_t:s0:c12,c345")]
    [InlineData("subj=cri-containerd.apparmor.d (enforce)", "cri-containerd.apparmor.d (enforce)")]
    [InlineData("subj=?", "?")]
    public void SubjectWhenAnLsmSuppliesIt(string subj, string expected)
    {
        var evt = ParseEvent($"type=SECCOMP msg=audit(1795811666.446:102): auid=4294967295 uid=0 gid=0 ses=4294967295 {subj} pid=8700 comm=\"nginx\" exe=\"/usr/sbin/nginx\" sig=0 arch=c000003e syscall=63 compat=0 ip=0x7f799f71f829 code=0x7ffc0000");
        Assert.Equal(expected, evt.Subject);
        Assert.Equal(8700, evt.Pid);
        Assert.Equal("nginx", evt.ProcessName);
    }

    [Theory]
    [InlineData("0x80000000", SeccompAuditAction.KillProcess)]
    [InlineData("0x0", SeccompAuditAction.KillThread)]
    [InlineData("0x30000", SeccompAuditAction.Trap)]
    [InlineData("0x30007", SeccompAuditAction.Trap)]       // data bits (kernels before 4.14 printed them)
    [InlineData("0x50000", SeccompAuditAction.Errno)]
    [InlineData("0x50026", SeccompAuditAction.Errno)]
    [InlineData("0x7fc00000", SeccompAuditAction.Notify)]
    [InlineData("0x7ff00000", SeccompAuditAction.Trace)]
    [InlineData("0x7ff0ffff", SeccompAuditAction.Trace)]
    [InlineData("0x7ffc0000", SeccompAuditAction.Log)]
    [InlineData("0x7fff0000", SeccompAuditAction.Allow)]
    [InlineData("0x12340000", SeccompAuditAction.Unknown)]
    public void ActionFromCodeMasksDataBits(string code, SeccompAuditAction expected)
    {
        var evt = ParseEvent($"type=SECCOMP msg=audit(1795811666.446:102): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=63 compat=0 ip=0x1 code={code}");
        Assert.Equal(expected, evt.Action);
        Assert.Equal(Convert.ToUInt32(code, 16), evt.Code);
    }

    [Theory]
    [InlineData("errno-test", SeccompAuditAction.Errno)]
    [InlineData("trap-test", SeccompAuditAction.Trap)]
    [InlineData("trace-test", SeccompAuditAction.Trace)]
    [InlineData("notif-test", SeccompAuditAction.Notify)]
    [InlineData("errnodata", SeccompAuditAction.Errno)]
    public void RealRecordsOfEveryLoggedAction(string comm, SeccompAuditAction expected)
    {
        var evt = ParseEvent(AuditTestData.Kmsg($"comm=\"{comm}\""));
        Assert.Equal(expected, evt.Action);
    }

    [Fact]
    public void RealKillRecordsCarrySigsys()
    {
        var events = AuditTestData.Lines("kmsg-capture.txt").Select(AuditTestData.KmsgMessage)
            .Where(l => l.Contains("sig=31", StringComparison.Ordinal)).Select(l => ParseEvent(l)).ToArray();
        Assert.Equal([SeccompAuditAction.KillProcess, SeccompAuditAction.KillThread], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal((31, "uname"), (e.Signal, e.Syscall)));
    }

    [Theory]
    [InlineData("1659008985.445", 1659008985445L * 10000)]
    [InlineData("1659008985.005", 1659008985005L * 10000)]
    [InlineData("1659008985.5", 1659008985500L * 10000)]
    [InlineData("1659008985", 1659008985000L * 10000)]
    public void TimeFromTheHeader(string stamp, long unixTicks)
    {
        var evt = ParseEvent($"type=SECCOMP msg=audit({stamp}:18446744073709551615): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 code=0x7ffc0000");
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(unixTicks), evt.Time);
        Assert.Equal(ulong.MaxValue, evt.Serial);
        Assert.Equal("read", evt.Syscall);
    }

    [Fact]
    public void NumericExtremes()
    {
        var evt = ParseEvent("type=SECCOMP msg=audit(253402300799.1234567891:0): auid=4294967294 uid=4294967295 gid=0 ses=0 pid=-1 comm=\"a\" exe=\"/a\" sig=-2147483648 arch=C000003E syscall=-9223372036854775808 compat=0 ip=0xFFFFFFFFFFFFFFFF code=0xffffffff");
        Assert.Equal((4294967294u, 4294967295u, 0u, -1), (evt.Auid, evt.Uid, evt.Session, evt.Pid));
        Assert.Equal((long.MinValue, ulong.MaxValue, uint.MaxValue), (evt.SyscallNumber, evt.InstructionPointer, evt.Code));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(253402300799).AddTicks(1234567), evt.Time);
        Assert.Equal("x86_64", evt.Architecture); // upper-case hex accepted
        Assert.Null(evt.Syscall);
    }

    [Fact]
    public void FieldsAreFoundByKeyInAnyOrderWithExtras()
    {
        var evt = ParseEvent("type=SECCOMP msg=audit(1700000000.000:9): code=0x80000000 ip=0x10 compat=0 syscall=59 arch=c000003e sig=31 exe=\"/bin/sh\" comm=\"sh\" pid=77 ses=4294967295 gid=5 uid=6 auid=7 newfield=xyz tag=\"q\"");
        Assert.Equal((59L, "execve", 77, 6u, 5u, (uint?)7, SeccompAuditAction.KillProcess), (evt.SyscallNumber, evt.Syscall, evt.Pid, evt.Uid, evt.Gid, evt.Auid, evt.Action));
    }

    [Fact]
    public void UnknownArchitectureAndNumberStayUnnamed()
    {
        var evt = ParseEvent("type=SECCOMP msg=audit(1700000000.000:9): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=deadbeef syscall=5 compat=0 ip=0x1 code=0x7ffc0000");
        Assert.Null(evt.Architecture);
        Assert.Null(evt.Syscall);
        evt = ParseEvent("type=SECCOMP msg=audit(1700000000.000:9): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=99999 compat=0 ip=0x1 code=0x7ffc0000");
        Assert.Equal("x86_64", evt.Architecture);
        Assert.Null(evt.Syscall);
    }

    [Fact]
    public void DmesgMessageWithTrailingNewlineAndContinuationLines()
    {
        string message = AuditTestData.Kmsg("audit(1795811642.290:3)") + "\n SUBSYSTEM=audit\n";
        var evt = ParseEvent(message);
        Assert.Equal(3UL, evt.Serial);
        Assert.DoesNotContain('\n', evt.Raw);
    }

    [Theory]
    [InlineData("kern:    info: [2022-07-28T11:49:42.489473063Z]: cni0: port 1(veth32488a86) entered blocking state")]
    [InlineData("")]
    [InlineData("audit")]
    [InlineData("kern:  notice: [2026-01-01T10:00:00Z]: audit: type=1300 audit(1795811642.290:2): arch=c000003e syscall=59 success=yes")]
    [InlineData("type=AVC msg=audit(1795811642.290:2): apparmor=\"DENIED\" operation=\"open\"")]
    [InlineData("type=SYSCALL msg=audit(1795811642.290:2): arch=c000003e syscall=1 comm=\"x\" exe=\"/x\"")]
    [InlineData("user: info: [2026-01-01T10:00:00Z]: my audit(1:2) notes: xtype=1326 nothing")]
    [InlineData("[   12.000000] audit: initializing netlink subsys (disabled)")]
    [InlineData("audit: type=2000 audit(0.120:1): state=initialized audit_enabled=0 res=1")]
    public void NonSeccompLinesAreSkipped(string line)
    {
        Assert.Equal(AuditLineKind.Other, SeccompAuditParser.Parse(line, null, null, out var evt, out var problem, out var loss));
        Assert.Null(evt);
        Assert.Null(problem);
        Assert.Null(loss);
    }

    [Theory]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7632 comm=\"runc:[2:INIT]\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x40828e", "code")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7632 comm=\"runc:[2:INIT] exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x40828e code=0x7ffc0000", "exe")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/ sig=0 arch=c000003e syscall=3 compat=0 ip=0x40828e code=0x7ffc0000", "unterminated")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=4294967296 uid=0 gid=0 ses=4294967295 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x40828e code=0x7ffc0000", "auid")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=99999999999999999999 compat=0 ip=0x40828e code=0x7ffc0000", "syscall")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=2 ip=0x40828e code=0x7ffc0000", "compat")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=zz syscall=3 compat=0 ip=0x40828e code=0x7ffc0000", "arch")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0xfffffffffffffffff code=0x7ffc0000", "ip")]
    [InlineData("audit: type=1326 audit(1795811642.2x0:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x1 code=0x7ffc0000", "header")]
    [InlineData("audit: type=1326 audit(99999999999999.000:2): auid=0 uid=0 gid=0 ses=0 pid=7632 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x1 code=0x7ffc0000", "header")]
    [InlineData("audit: type=1326 audit(1795811642.290:18446744073709551616): auid=0 uid=0 gid=0 ses=0 pid=1 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x1 code=0x7ffc0000", "header")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=1 comm=\"a\" exe=\"/\" sig=0 arch=1c000003e syscall=3 compat=0 ip=0x1 code=0x7ffc0000", "arch")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=1 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x1 code=0x17ffc0000", "code")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=2147483648 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x1 code=0x7ffc0000", "pid")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=1 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x code=0x7ffc0000", "ip")]
    [InlineData("audit: type=1326 audit(1795811642.290:2): auid=0 uid=0 gid=0 ses=0 pid=1 comm=\"a\" exe=\"/\" sig=0 arch=c000003e syscall=-9223372036854775809 compat=0 ip=0x1 code=0x7ffc0000", "syscall")]
    [InlineData("audit: type=1326 audit(1795811642.290:2", "header")]
    [InlineData("audit: type=1326 ", "header")]
    [InlineData("type=SECCOMP msg=audit(1795811642.290:2): ", "missing field")]
    public void MalformedSeccompLinesGiveAProblem(string line, string reasonMentions)
    {
        var kind = SeccompAuditParser.Parse(line, "n1", null, out var evt, out var problem, out _);
        Assert.Equal(AuditLineKind.Malformed, kind);
        Assert.Null(evt);
        Assert.NotNull(problem);
        Assert.Equal("n1", problem.Node);
        Assert.Equal(line, problem.Raw);
        Assert.Contains(reasonMentions, problem.Reason);
        Assert.Contains("n1", problem.ToString());
    }

    [Theory]
    [InlineData("10.5.0.3: kern: warning: [2022-07-28T11:49:44.873616063Z]: kauditd_printk_skb: 14 callbacks suppressed", "10.5.0.3", AuditLossKind.PrintkSuppressed, 14L)]
    [InlineData("kern: warning: [2026-11-27T20:34:36.973182Z]: kauditd_printk_skb: 266 callbacks suppressed", "fallback", AuditLossKind.PrintkSuppressed, 266L)]
    [InlineData("kern: warning: [2026-01-01T10:00:00Z]: audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64", "fallback", AuditLossKind.LostTotal, 5L)]
    [InlineData("10.5.0.4: kern:     err: [2026-01-01T10:00:00Z]: audit: backlog limit exceeded", "10.5.0.4", AuditLossKind.BacklogLimitExceeded, null)]
    [InlineData("[   99.100000] audit: rate limit exceeded", "fallback", AuditLossKind.RateLimitExceeded, null)]
    [InlineData("audit: kauditd hold queue overflow", "fallback", AuditLossKind.HoldQueueOverflow, null)]
    [InlineData("type=1305 msg=audit(1795811642.290:9): audit_lost=12", "fallback", AuditLossKind.LostTotal, 12L)]
    public void LossNotices(string line, string expectedNode, AuditLossKind expectedKind, long? expectedCount)
    {
        Assert.Equal(AuditLineKind.Loss, SeccompAuditParser.Parse(line, "fallback", null, out _, out _, out var loss));
        Assert.Equal((expectedNode, expectedKind, expectedCount, line), (loss!.Node, loss.Kind, loss.Count, loss.Raw));
        Assert.Contains("may be missing", loss.ToString());
    }

    [Fact]
    public void RealSuppressionNoticeFromTheCapture()
    {
        var line = AuditTestData.Lines("talos-dmesg.txt").Single(l => l.Contains("kauditd", StringComparison.Ordinal));
        Assert.Equal(AuditLineKind.Loss, SeccompAuditParser.Parse(line, "n", null, out _, out _, out var loss));
        Assert.Equal((266L, "n"), (loss!.Count!.Value, loss.Node));
    }

    [Fact]
    public void FilterKeepsMatchingRecordsAndRejectsOthersWithoutAnEvent()
    {
        var lines = AuditTestData.Lines("auditd.log");
        int Count(SeccompAuditFilter filter) => lines.Count(l => SeccompAuditParser.Parse(l, null, filter, out _, out _, out _) == AuditLineKind.Event);
        int Filtered(SeccompAuditFilter filter) => lines.Count(l => SeccompAuditParser.Parse(l, null, filter, out var e, out _, out _) == AuditLineKind.Filtered && e is null);

        var all = lines.Select(l => ParseEvent(l)).ToArray();
        Assert.Equal(all.Count(e => e.ProcessName == "sh"), Count(new SeccompAuditFilter(processName: ["SH"])));
        Assert.Equal(all.Count(e => e.ProcessName!.StartsWith("runc", StringComparison.Ordinal)), Count(new SeccompAuditFilter(processName: ["runc*"])));
        Assert.Equal(all.Count(e => e.Syscall is "openat" or "close"), Count(new SeccompAuditFilter(syscall: ["openat", "clos?"])));
        Assert.Equal(all.Count(e => e.Action is SeccompAuditAction.KillProcess or SeccompAuditAction.KillThread), Count(new SeccompAuditFilter(action: ["Kill*"])));
        Assert.Equal(all.Count(e => e.Executable!.StartsWith("/root/", StringComparison.Ordinal)), Count(new SeccompAuditFilter(executable: ["/root/*"])));
        Assert.Equal(all.Count(e => e.ProcessName == "my prog"), Count(new SeccompAuditFilter(processName: ["my [p]rog"])));
        Assert.Equal(all.Count(e => e.ProcessName == "sh" && e.Syscall == "brk"), Count(new SeccompAuditFilter(processName: ["sh"], syscall: ["brk"])));
        Assert.Equal(all.Length - all.Count(e => e.ProcessName == "sh"), Filtered(new SeccompAuditFilter(processName: ["sh"])));
        Assert.Equal(all.Length, Count(new SeccompAuditFilter()));
        Assert.Equal(0, Count(new SeccompAuditFilter(syscall: ["nosuchsyscall"])));
    }

    [Fact]
    public void FilterMatchesUnnamedSyscallsByNumberAndNullExecutableAsEmpty()
    {
        const string line = "type=SECCOMP msg=audit(1700000000.000:9): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"a\" exe=(null) sig=0 arch=deadbeef syscall=4242 compat=0 ip=0x1 code=0x7ffc0000";
        Assert.Equal(AuditLineKind.Event, SeccompAuditParser.Parse(line, null, new SeccompAuditFilter(syscall: ["42*"], executable: ["*"]), out _, out _, out _));
        Assert.Equal(AuditLineKind.Filtered, SeccompAuditParser.Parse(line, null, new SeccompAuditFilter(executable: ["?*"]), out _, out _, out _));
    }

    [Fact]
    public void InvalidFilterPatternsAreNamedErrors()
    {
        var action = Assert.Throws<TalosSeccomp.Errors.TalosSeccompException>(() => new SeccompAuditFilter(action: ["Kil"]));
        Assert.Equal(("InvalidSeccompAuditAction", "Action"), (action.ErrorId, action.Target));
        var bracket = Assert.Throws<TalosSeccomp.Errors.TalosSeccompException>(() => new SeccompAuditFilter(syscall: ["open[at"]));
        Assert.Equal(("InvalidWildcardPattern", "Syscall"), (bracket.ErrorId, bracket.Target));
    }

    [Fact]
    public void FilterMatchesBuiltEvents()
    {
        var evt = ParseEvent(AuditTestData.Kmsg("comm=\"errno-test\""));
        Assert.True(new SeccompAuditFilter(processName: ["errno-*"], action: ["errno"]).Matches(evt));
        Assert.False(new SeccompAuditFilter(action: ["Log"]).Matches(evt));
    }

    // auditd log_format=ENRICHED (audit-userspace src/auditd-event.c format_enrich): the raw record, then
    // AUDIT_INTERP_SEPARATOR (0x1d), then the interpreted uid/gid fields encoded as NAME="value" and the
    // arch/syscall fields as NAME=value, separated by spaces, no space after the separator.
    private const string Enriched =
        "type=SECCOMP msg=audit(1795811642.290:16): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7632 comm=\"sh\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall=83 compat=0 ip=0x49641b code=0x7ffc0000"
        + "\u001dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=mkdir";

    [Fact]
    public void EnrichedLinesAreReadFromTheirRawFields()
    {
        var evt = ParseEvent(Enriched);

        Assert.Equal(AuditSource.Auditd, evt.Source);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795811642290), evt.Time);
        Assert.Equal(("x86_64", 83L, "mkdir"), (evt.Architecture, evt.SyscallNumber, evt.Syscall));
        Assert.Equal((0x7ffc0000u, SeccompAuditAction.Log, 0), (evt.Code, evt.Action, evt.Signal));
        Assert.Equal(("sh", "/bin/busybox"), (evt.ProcessName, evt.Executable));
        Assert.Null(evt.Auid);
        Assert.Equal(Enriched, evt.Raw);
    }

    [Fact]
    public void EnrichedInterpretationsNeverOverrideTheRawFields()
    {
        // The interpretation is auditd's, made with its tables on its host; the kernel's numbers are the record.
        var evt = ParseEvent("node=web1 " + Enriched.Replace("SYSCALL=mkdir", "SYSCALL=chmod code=0x80000000", StringComparison.Ordinal));

        Assert.Equal("web1", evt.Node);
        Assert.Equal(("mkdir", SeccompAuditAction.Log), (evt.Syscall, evt.Action));
        // A record whose raw part lacks a field stays malformed, whatever the tail says.
        var kind = SeccompAuditParser.Parse(Enriched.Replace(" code=0x7ffc0000", "", StringComparison.Ordinal) + " code=0x7ffc0000", null, null, out _, out var problem, out _);
        Assert.Equal(AuditLineKind.Malformed, kind);
        Assert.Contains("code", problem!.Reason);
    }

    // ausearch -i (audit-userspace src/ausearch-report.c output_interpreted): "type=<name> msg=audit(" + local
    // strftime("%x %T") + ".<ms>:<serial>) " then ": " and each field interpreted by auparse/interpret.c.
    private const string Interpreted =
        "type=SECCOMP msg=audit(12/02/2026 10:11:12.123:456) : auid=unset uid=root gid=root ses=unset pid=7632 comm=sh exe=/bin/busybox sig=SIG0 arch=x86_64 syscall=mkdir compat=0 ip=0x49641b code=log ";

    private static DateTimeOffset LocalTime(int year, int month, int day, int hour, int minute, int second, int millisecond) =>
        new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Local)).ToUniversalTime().AddMilliseconds(millisecond);

    [Fact]
    public void AusearchInterpretedRecord_EveryField()
    {
        var evt = ParseEvent(Interpreted, node: "10.5.0.3");

        Assert.Equal(("10.5.0.3", AuditSource.Auditd), (evt.Node, evt.Source));
        Assert.Equal(LocalTime(2026, 12, 2, 10, 11, 12, 123), evt.Time);
        Assert.Equal(TimeSpan.Zero, evt.Time.Offset);
        Assert.Equal(456UL, evt.Serial);
        Assert.Null(evt.Auid);
        Assert.Null(evt.Session);
        Assert.Equal((0u, 0u), (evt.Uid, evt.Gid));
        Assert.Equal(7632, evt.Pid);
        Assert.Equal(("sh", "/bin/busybox"), (evt.ProcessName, evt.Executable));
        Assert.Equal(0, evt.Signal);
        Assert.Equal((0xc000003eu, "x86_64"), (evt.AuditArch, evt.Architecture));
        Assert.Equal((83L, "mkdir"), (evt.SyscallNumber, evt.Syscall));
        Assert.False(evt.Compat);
        Assert.Equal(0x49641bUL, evt.InstructionPointer);
        Assert.Equal((0x7ffc0000u, SeccompAuditAction.Log), (evt.Code, evt.Action));
        Assert.Equal(Interpreted.TrimEnd(' '), evt.Raw.TrimEnd(' '));
    }

    [Fact]
    public void AusearchInterpretedRecord_NamesIdsAndTheCompatAbi()
    {
        var evt = ParseEvent("node=web1 type=SECCOMP msg=audit(12/02/26 23:59:59.007:9) : auid=unknown(1000) uid=alice gid=1000 ses=3 pid=41 comm=my prog exe=/opt/my prog sig=SIGSYS arch=i386 syscall=socketcall(socket) compat=1 ip=0xf7f1c549 code=kill-process ");

        Assert.Equal("web1", evt.Node);
        Assert.Equal(LocalTime(2026, 12, 2, 23, 59, 59, 7), evt.Time);
        Assert.Equal(1000u, evt.Auid);
        // "alice" is an account of the machine that ran ausearch; the number is not recoverable.
        Assert.Equal((uint.MaxValue, 1000u, (uint?)3u), (evt.Uid, evt.Gid, evt.Session));
        Assert.Equal(("my prog", "/opt/my prog"), (evt.ProcessName, evt.Executable));
        Assert.Equal((31, SeccompAuditAction.KillProcess, 0x80000000u), (evt.Signal, evt.Action, evt.Code));
        Assert.Equal(("x86", 0x40000003u, true), (evt.Architecture, evt.AuditArch, evt.Compat));
        Assert.Equal(("socketcall", 102L), (evt.Syscall, evt.SyscallNumber));
    }

    [Theory]
    // auditd's own table may be older than ours: it prints unknown-syscall(<n>), which we name.
    [InlineData("arch=aarch64 syscall=unknown-syscall(462)", "aarch64", 0xc00000b7u, 462L, "mseal")]
    [InlineData("arch=unknown-elf-type(c0000102) syscall=unknown-syscall(56)", "loongarch64", 0xc0000102u, 56L, "openat")]
    [InlineData("arch=x86_64 syscall=unknown-syscall(1073741824)", "x32", 0xc000003eu, 0x40000000L, "read")]
    [InlineData("arch=armeb syscall=openat", "arm", 0x40000028u, 322L, "openat")]
    [InlineData("arch=ppc64le syscall=execve", "ppc64le", 0xc0000015u, 11L, "execve")]
    [InlineData("arch=x86_64 syscall=not_yet_in_our_tables", "x86_64", 0xc000003eu, -1L, "not_yet_in_our_tables")]
    public void AusearchInterpretedArchitecturesAndSyscalls(string fields, string architecture, uint auditArch, long number, string syscall)
    {
        var evt = ParseEvent(Interpreted.Replace("arch=x86_64 syscall=mkdir", fields, StringComparison.Ordinal));

        Assert.Equal((architecture, auditArch, number, syscall), (evt.Architecture, evt.AuditArch, evt.SyscallNumber, evt.Syscall));
    }

    [Theory]
    [InlineData("code=kill-thread", 0x00000000u, SeccompAuditAction.KillThread)]
    [InlineData("code=kill", 0x00000000u, SeccompAuditAction.KillThread)]
    [InlineData("code=trap", 0x00030000u, SeccompAuditAction.Trap)]
    [InlineData("code=errno", 0x00050000u, SeccompAuditAction.Errno)]
    [InlineData("code=user-notify", 0x7fc00000u, SeccompAuditAction.Notify)]
    [InlineData("code=trace", 0x7ff00000u, SeccompAuditAction.Trace)]
    [InlineData("code=allow", 0x7fff0000u, SeccompAuditAction.Allow)]
    [InlineData("code=unknown-seccomp-code(0x12340000)", 0x12340000u, SeccompAuditAction.Unknown)]
    public void AusearchInterpretedActions(string field, uint code, SeccompAuditAction action)
    {
        var evt = ParseEvent(Interpreted.Replace("code=log", field, StringComparison.Ordinal));

        Assert.Equal((code, action), (evt.Code, evt.Action));
    }

    [Theory]
    [InlineData("sig=SIGKILL", 9)]
    [InlineData("sig=unknown-signal(40)", 40)]
    [InlineData("sig=31", 31)]
    public void AusearchInterpretedSignals(string field, int signal) =>
        Assert.Equal(signal, ParseEvent(Interpreted.Replace("sig=SIG0", field, StringComparison.Ordinal)).Signal);

    [Theory]
    [InlineData("audit(13/45/2026 10:11:12.123:456)", "invalid audit header")]
    [InlineData("arch=z80", "arch")]
    [InlineData("code=sometimes", "code")]
    [InlineData("sig=SIGNOPE", "sig")]
    [InlineData("syscall=mk-dir", "syscall")]
    public void BrokenInterpretedRecordsGiveAProblem(string replacement, string reasonMentions)
    {
        var line = replacement.StartsWith("audit(", StringComparison.Ordinal)
            ? Interpreted.Replace("audit(12/02/2026 10:11:12.123:456)", replacement, StringComparison.Ordinal)
            : Interpreted.Replace(replacement.Split('=')[0] + "=" + Field(Interpreted, replacement.Split('=')[0]), replacement, StringComparison.Ordinal);

        var kind = SeccompAuditParser.Parse(line, null, null, out var evt, out var problem, out _);

        Assert.Equal(AuditLineKind.Malformed, kind);
        Assert.Null(evt);
        Assert.Contains(reasonMentions, problem!.Reason);
    }

    private static string Field(string line, string key)
    {
        var at = line.IndexOf(" " + key + "=", StringComparison.Ordinal) + key.Length + 2;
        return line[at..line.IndexOf(' ', at)];
    }

    [Fact]
    public void AusearchSeparatorsAndOtherRecordTypesAreSkipped()
    {
        Assert.Equal(AuditLineKind.Other, SeccompAuditParser.Parse("----", null, null, out _, out _, out _));
        Assert.Equal(AuditLineKind.Other, SeccompAuditParser.Parse(
            "type=PROCTITLE msg=audit(12/02/2026 10:11:12.123:456) : proctitle=sh -c mkdir /x", null, null, out _, out _, out _));
    }
}
