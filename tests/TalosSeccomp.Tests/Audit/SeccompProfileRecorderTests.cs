using TalosSeccomp.Audit;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

public class SeccompProfileRecorderTests
{
    private static List<SeccompAuditEvent> Parse(params string[] lines)
    {
        var events = new List<SeccompAuditEvent>();
        foreach (var line in lines)
        {
            if (SeccompAuditParser.TryParse(line, "10.5.0.3", null, out var evt, out _) && evt is not null)
            {
                events.Add(evt);
            }
        }

        return events;
    }

    private static string Record(string arch, long syscall, string comm = "app", ulong serial = 1) =>
        $"type=SECCOMP msg=audit(1795811642.290:{serial}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7 comm=\"{comm}\" exe=\"/app\" sig=0 arch={arch} syscall={syscall} compat=0 ip=0x40828e code=0x7ffc0000";

    // The names the recording itself contributed, without what runc needs to start a container (tested apart below).
    private static IEnumerable<string> RecordedNames(SeccompProfile profile, SeccompProfileRecorder recorder) =>
        Assert.Single(profile.Syscalls).Names.Except(recorder.AddedForContainerStart);

    [Fact]
    public void AllowsEverySyscallSeenOnceSortedWithTheDefaultAction()
    {
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(Record("c000003e", 59), Record("c000003e", 1, serial: 2), Record("c000003e", 59, serial: 3), Record("c000003e", 0, serial: 4)))
        {
            recorder.Add(e);
        }

        var profile = recorder.Build("Errno");

        Assert.Equal(SeccompAction.Errno, profile.DefaultAction);
        Assert.Equal(["SCMP_ARCH_X86_64"], profile.Architectures);
        var rule = Assert.Single(profile.Syscalls);
        Assert.Equal(SeccompAction.Allow, rule.Action);
        Assert.Equal(["execve", "read", "write"], RecordedNames(profile, recorder));
        Assert.Equal(rule.Names.Order(StringComparer.Ordinal), rule.Names);
    }

    [Fact]
    public void AnEnforcingRecordingAlsoAllowsWhatRuncNeedsToStartTheContainer()
    {
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(Record("c000003e", 59), Record("c000003e", 83, serial: 2)))
        {
            recorder.Add(e);
        }

        var rule = Assert.Single(recorder.Build("Errno").Syscalls);
        Assert.Superset(SeccompProfileValidator.ContainerStartSyscalls.ToHashSet(), rule.Names.ToHashSet());
        Assert.Contains("mkdir", rule.Names);
        // execve was seen, so it is not counted as added; futex was not.
        Assert.DoesNotContain("execve", recorder.AddedForContainerStart);
        Assert.Contains("futex", recorder.AddedForContainerStart);
        Assert.DoesNotContain(SeccompProfileValidator.Validate(recorder.Build("Errno")), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);

        // A logging recording lets everything run anyway: nothing is added.
        var logged = Assert.Single(recorder.Build("Log").Syscalls);
        Assert.Equal(["execve", "mkdir"], logged.Names);
        Assert.Empty(recorder.AddedForContainerStart);
    }

    [Fact]
    public void NamesEachSyscallFromItsOwnArchitecture()
    {
        var recorder = new SeccompProfileRecorder();
        // aarch64 56 = openat; x86_64 56 = clone; x32 0x40000000|0 = read.
        foreach (var e in Parse(Record("c00000b7", 56), Record("c000003e", 56, serial: 2), Record("c000003e", 0x40000000, serial: 3)))
        {
            recorder.Add(e);
        }

        var profile = recorder.Build("Errno");

        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"], profile.Architectures);
        Assert.Equal(["clone", "openat", "read"], RecordedNames(profile, recorder));
        Assert.Contains(recorder.Summary(), s => s is { Architecture: "aarch64", Syscall: "openat", Count: 1 });
    }

    [Fact]
    public void SummaryCountsPerProcessAndSyscall()
    {
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(Record("c000003e", 1, "a"), Record("c000003e", 1, "a", 2), Record("c000003e", 1, "b", 3)))
        {
            recorder.Add(e);
        }

        var summary = recorder.Summary();
        Assert.Equal(new RecordedSyscall("a", "x86_64", "write", 2), summary[0]);
        Assert.Equal(new RecordedSyscall("b", "x86_64", "write", 1), summary[1]);
        Assert.Equal(3, recorder.EventCount);
    }

    [Fact]
    public void MergesIntoABaseProfileKeepingItsRules()
    {
        var baseProfile = SeccompProfile.Parse("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_KILL_PROCESS"},{"names":["getpid"],"action":"SCMP_ACT_ALLOW"}]}""");
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(Record("c000003e", 1)))
        {
            recorder.Add(e);
        }

        var profile = recorder.Build("Errno", baseProfile: baseProfile);

        var allowed = profile.Syscalls.Where(r => r.Action == SeccompAction.Allow).SelectMany(r => r.Names).ToHashSet();
        Assert.Contains("write", allowed);
        Assert.Contains("getpid", allowed);
        // ptrace stays stopped: the base kills it and the recording denies it, so the Permissive merge denies it too.
        Assert.DoesNotContain("ptrace", allowed);
        Assert.False(SeccompAction.LetsSyscallRun(profile.DefaultAction));
    }

    [Fact]
    public void ReportsUnknownSyscallsInsteadOfGuessing()
    {
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(Record("c000003e", 99999), Record("c000003e", 1, serial: 2)))
        {
            recorder.Add(e);
        }

        var profile = recorder.Build("Errno");

        Assert.Equal(["write"], RecordedNames(profile, recorder));
        var unnamed = Assert.Single(recorder.UnnamedSyscalls);
        Assert.Equal(new UnnamedRecordedSyscall("x86_64", 0xc000003e, 99999, 1), unnamed);
        var error = unnamed.ToError();
        Assert.Equal(("RecordedSyscallNotInTables", ErrorKind.InvalidData, "x86_64/99999"), (error.ErrorId, error.Kind, error.Target));
        Assert.Contains("syscall 99999 (0x1869f) on x86_64", error.Message);
        Assert.Contains("New-SeccompRule -Name <name> -Action Allow", error.Message);
    }

    [Fact]
    public void SyscallsOfThisKernelGenerationAreNamedNotDropped()
    {
        // Linux 6.10 to 6.17 syscalls (mseal, listmount, lsm_*, *xattrat, uretprobe, file_getattr) as the kernel
        // logs them on x86_64 and aarch64: libseccomp 2.5's tables had none of them.
        var recorder = new SeccompProfileRecorder();
        ulong serial = 1;
        foreach (var e in Parse(
            Record("c000003e", 462, serial: serial++), Record("c000003e", 458, serial: serial++), Record("c000003e", 335, serial: serial++),
            Record("c000003e", 461, serial: serial++), Record("c000003e", 464, serial: serial++), Record("c00000b7", 468, serial: serial++),
            Record("c00000b7", 457, serial: serial++)))
        {
            recorder.Add(e);
        }

        var profile = recorder.Build("Errno");

        Assert.Empty(recorder.UnnamedSyscalls);
        Assert.Equal(["file_getattr", "getxattrat", "listmount", "lsm_list_modules", "mseal", "statmount", "uretprobe"], RecordedNames(profile, recorder));
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"], profile.Architectures);
    }

    [Fact]
    public void AnArchitectureWithoutATableIsReportedByItsAuditArch()
    {
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(Record("2b", 3), Record("c000003e", 1, serial: 2)))
        {
            recorder.Add(e);
        }

        recorder.Build("Errno");

        var unnamed = Assert.Single(recorder.UnnamedSyscalls);
        Assert.Null(unnamed.Architecture);
        var error = unnamed.ToError();
        Assert.Equal("0x0000002b/3", error.Target);
        Assert.Contains("AUDIT_ARCH 0x0000002b", error.Message);
    }

    [Fact]
    public void NothingRecordedIsAClearError()
    {
        var ex = Assert.Throws<TalosSeccompException>(() => new SeccompProfileRecorder().Build("Errno"));
        Assert.Equal(("NoAuditEventsRecorded", ErrorKind.InvalidData), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void RealRecordsFromTheCapturedContainerRunNameOnlyKnownSyscalls()
    {
        var recorder = new SeccompProfileRecorder();
        foreach (var e in Parse(AuditTestData.Lines("auditd.log").ToArray()))
        {
            recorder.Add(e);
        }

        var profile = recorder.Build("Errno");

        Assert.Contains("execve", Assert.Single(profile.Syscalls).Names);
        Assert.Empty(recorder.UnnamedSyscalls);
        // The capture is a rate-limited excerpt, so the validator may rightly say the profile could not start a
        // container; what it must never say is that the recorder invented or misnamed a syscall.
        Assert.DoesNotContain(SeccompProfileValidator.Validate(profile), d => d.Code is SeccompDiagnosticCode.UnknownSyscall or SeccompDiagnosticCode.UnknownArchitecture);
    }
}
