using TalosSeccomp.Audit;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Audit;

public class SeccompWorkloadNameTests
{
    [Theory]
    // Deployment: <deployment>-<pod-template-hash>-<5>; the hash is SafeEncodeString of a decimal uint32.
    [InlineData("web-7d9c5b8f4d-x2k9p", "web", SeccompWorkloadKind.Deployment)]
    [InlineData("web-7d9c5b8f4d-q8vzl", "web", SeccompWorkloadKind.Deployment)]
    [InlineData("coredns-5d78c9869d-4xq2b", "coredns", SeccompWorkloadKind.Deployment)]
    [InlineData("api-db-6c4f8b9d5-zz2lm", "api-db", SeccompWorkloadKind.Deployment)]
    [InlineData("my.app-7d9c5b8f4d-x2k9p", "my.app", SeccompWorkloadKind.Deployment)]
    // DaemonSet, Job, ReplicaSet: <owner>-<5>.
    [InlineData("kube-proxy-x7vzm", "kube-proxy", SeccompWorkloadKind.GeneratedName)]
    [InlineData("node-exporter-2kq9w", "node-exporter", SeccompWorkloadKind.GeneratedName)]
    [InlineData("log-db-x2k9p", "log-db", SeccompWorkloadKind.GeneratedName)] // "db" is too short for a template hash
    [InlineData("migrate-24567", "migrate", SeccompWorkloadKind.GeneratedName)] // an all-digit random suffix
    // CronJob: <cronjob>-<scheduled minute>-<5>; indexed Job: <job>-<index>-<5>.
    [InlineData("backup-29012345-8mqkd", "backup", SeccompWorkloadKind.CronJob)]
    [InlineData("train-3-x2k9p", "train", SeccompWorkloadKind.CronJob)]
    // StatefulSet: <statefulset>-<ordinal>.
    [InlineData("kafka-0", "kafka", SeccompWorkloadKind.StatefulSet)]
    [InlineData("kafka-12", "kafka", SeccompWorkloadKind.StatefulSet)]
    [InlineData("redis-v2-1", "redis-v2", SeccompWorkloadKind.StatefulSet)]
    // Bare pods keep their own names.
    [InlineData("nginx", "nginx", SeccompWorkloadKind.Pod)]
    [InlineData("audit-pod", "audit-pod", SeccompWorkloadKind.Pod)]
    [InlineData("web-01", "web-01", SeccompWorkloadKind.Pod)] // %d never prints a leading zero
    [InlineData("web-abcde", "web-abcde", SeccompWorkloadKind.Pod)] // vowels are not in the suffix alphabet
    [InlineData("web-X2K9P", "web-X2K9P", SeccompWorkloadKind.Pod)] // nor capitals
    [InlineData("web-x2k9", "web-x2k9", SeccompWorkloadKind.Pod)] // four characters, not five
    [InlineData("webx2k9p", "webx2k9p", SeccompWorkloadKind.Pod)] // no separator and not a cut base
    [InlineData("-x2k9p", "-x2k9p", SeccompWorkloadKind.Pod)]
    [InlineData("0", "0", SeccompWorkloadKind.Pod)]
    public void RecognisesTheShapesKubernetesNamesPodsWith(string pod, string workload, SeccompWorkloadKind kind)
    {
        Assert.Equal((workload, kind), SeccompWorkloadName.FromPodName(pod));
    }

    [Fact]
    public void AGeneratedNameWhoseBaseWasCutTo58CharactersIsStillOneWorkload()
    {
        // generate.go cuts the base to 58 characters before the 5 random ones, so the '-' may be gone.
        var replicaSet = new string('a', 50) + "-7d9c5b8f4d"; // 61 characters
        var cut = replicaSet[..58];
        var first = SeccompWorkloadName.FromPodName(cut + "x2k9p");
        var second = SeccompWorkloadName.FromPodName(cut + "q8vzl");
        Assert.Equal(63, (cut + "x2k9p").Length);
        Assert.Equal(first, second);
        // What is left of the pod-template-hash (7 of its 10 characters) still reads as one.
        Assert.Equal((new string('a', 50), SeccompWorkloadKind.Deployment), first);
    }

    [Fact]
    public void NamesTheProfileAfterNamespaceWorkloadAndContainer()
    {
        Assert.Equal("shop_web_app.json", SeccompWorkloadName.ProfileNameFor("shop", "web", "app"));
        Assert.Equal("kube-system_coredns_coredns.json", new SeccompWorkload("kube-system", "coredns", "coredns", SeccompWorkloadKind.Deployment).ProfileName);
    }

    [Theory]
    [InlineData("shop", "we/b", "app")]
    [InlineData("shop", "../../etc", "app")]
    [InlineData("shop", "web app", "app")]
    [InlineData("shop", "wéb", "app")]
    [InlineData("sh_op", "web", "app")]
    public void ReplacesUnsafeCharactersAndAddsAHashSoTheNameStaysSafeAndUnique(string ns, string workload, string container)
    {
        var name = SeccompWorkloadName.ProfileNameFor(ns, workload, container);
        Assert.True(ProfileName.IsSafe(name), name);
        Assert.Matches("^[A-Za-z0-9.-]+_[A-Za-z0-9.-]+_[A-Za-z0-9.-]+-[0-9a-f]{8}\\.json$", name);
        Assert.Equal(name, SeccompWorkloadName.ProfileNameFor(ns, workload, container));
    }

    [Fact]
    public void NamesThatSanitiseAlikeStayApart()
    {
        var slash = SeccompWorkloadName.ProfileNameFor("shop", "we/b", "app");
        var space = SeccompWorkloadName.ProfileNameFor("shop", "we b", "app");
        var plain = SeccompWorkloadName.ProfileNameFor("shop", "we-b", "app");
        Assert.Equal(3, new[] { slash, space, plain }.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("shop_we-b_app.json", plain);
        // '_' separates the parts, so it never comes from a part: no two triples share a name.
        Assert.NotEqual(SeccompWorkloadName.ProfileNameFor("a_b", "c", "d"), SeccompWorkloadName.ProfileNameFor("a", "b_c", "d"));
    }

    [Fact]
    public void EveryNameAControllerGeneratesFitsUnshortened()
    {
        var ns = new string('n', 63);
        var workload = new string('w', 63);
        var container = new string('c', 63);
        Assert.Equal($"{ns}_{workload}_{container}.json", SeccompWorkloadName.ProfileNameFor(ns, workload, container));
    }

    [Fact]
    public void ALongNameIsCutToTheBoundWithAHashAndLongNamesThatShareAPrefixStayApart()
    {
        var ns = new string('n', 63);
        var container = new string('c', 63);
        var bare = new string('p', 240); // a bare pod's name may be a 253-character DNS subdomain
        var first = SeccompWorkloadName.ProfileNameFor(ns, bare + "-one", container);
        var second = SeccompWorkloadName.ProfileNameFor(ns, bare + "-two", container);
        foreach (var name in new[] { first, second })
        {
            Assert.Equal(SeccompWorkloadName.MaxProfileNameLength, name.Length);
            Assert.True(ProfileName.IsSafe(name));
            Assert.StartsWith(ns[..50], name, StringComparison.Ordinal); // the short parts keep most of their names
            Assert.Contains("_" + container[..50], name, StringComparison.Ordinal);
            Assert.Matches("-[0-9a-f]{8}\\.json$", name);
        }

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void OverridesNameTheWorkloadOfThePodsTheyMatch()
    {
        SeccompWorkloadOverride[] overrides = [new("legacy-*", "legacy"), new("batch/report-*", "report")];
        Assert.Equal(new SeccompWorkload("shop", "legacy", "app", SeccompWorkloadKind.Override), SeccompWorkloadOverride.Resolve(overrides, "shop", "legacy-1", "app"));
        Assert.Equal(new SeccompWorkload("batch", "report", "job", SeccompWorkloadKind.Override), SeccompWorkloadOverride.Resolve(overrides, "batch", "report-x", "job"));
        // The namespace part matches only its namespace; unmatched pods follow the pod-name rules.
        Assert.Equal(new SeccompWorkload("shop", "report-x", "job", SeccompWorkloadKind.Pod), SeccompWorkloadOverride.Resolve(overrides, "shop", "report-x", "job"));
        Assert.Equal(new SeccompWorkload("shop", "web", "app", SeccompWorkloadKind.Deployment), SeccompWorkloadOverride.Resolve(overrides, "shop", "web-7d9c5b8f4d-x2k9p", "app"));
    }

    [Fact]
    public void OverridePatternsMatchLikePowerShellWildcards()
    {
        Assert.True(new SeccompWorkloadOverride("WEB-*", "web").IsMatch("shop", "web-1"));
        Assert.True(new SeccompWorkloadOverride("sh?p/web-[0-9]", "web").IsMatch("shop", "web-1"));
        Assert.False(new SeccompWorkloadOverride("shop/web-*", "web").IsMatch("shopping", "web-1"));
        Assert.False(new SeccompWorkloadOverride("web-*", "web").IsMatch("shop", "api-web-1"));
    }

    [Fact]
    public void OverlappingOverridesWithDifferentNamesAreAnError()
    {
        SeccompWorkloadOverride[] overrides = [new("web-*", "web"), new("*-canary", "canary"), new("web-*-canary", "canary")];
        var error = Assert.Throws<TalosSeccompException>(() => SeccompWorkloadOverride.Resolve(overrides, "shop", "web-1-canary", "app"));
        Assert.Equal(ErrorIds.AmbiguousWorkloadName, error.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("'web-*' = 'web'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'*-canary' = 'canary'", error.Message, StringComparison.Ordinal);
        // Two patterns giving the same name are not a conflict.
        Assert.Equal("canary", SeccompWorkloadOverride.Resolve(overrides.Skip(1).ToArray(), "shop", "web-1-canary", "app").Name);
    }

    [Theory]
    [InlineData("", "web")]
    [InlineData("web-*", " ")]
    public void AnOverrideNeedsAPatternAndAName(string pattern, string workload)
    {
        Assert.Equal(ErrorIds.InvalidWorkloadName, Assert.Throws<TalosSeccompException>(() => new SeccompWorkloadOverride(pattern, workload)).ErrorId);
    }
}

public class SeccompWorkloadRecorderTests
{
    private static SeccompAuditEvent Event(string? pod, string syscall, string container = "app", string ns = "shop",
        AuditAttribution attribution = AuditAttribution.Container, string comm = "app", long number = 0) => new()
    {
        Node = "10.5.0.3",
        Source = AuditSource.Auditd,
        ProcessName = comm,
        Architecture = "x86_64",
        AuditArch = 0xc000003e,
        Syscall = syscall,
        SyscallNumber = number,
        Action = SeccompAuditAction.Log,
        Namespace = pod is null ? null : ns,
        Pod = pod,
        Container = pod is null ? null : container,
        Attribution = attribution,
    };

    private static IEnumerable<string> Allowed(SeccompProfile profile) => profile.Syscalls.Single().Names;

    [Fact]
    public void ReplicasOfOneWorkloadShareOneProfilePerContainer()
    {
        var recorder = new SeccompWorkloadRecorder();
        recorder.Add(Event("web-7d9c5b8f4d-x2k9p", "accept4"));
        recorder.Add(Event("web-7d9c5b8f4d-q8vzl", "sendfile"));
        recorder.Add(Event("web-7d9c5b8f4d-q8vzl", "sendfile"));
        recorder.Add(Event("web-7d9c5b8f4d-q8vzl", "epoll_wait", container: "sidecar"));
        recorder.Add(Event("kafka-0", "fsync", ns: "data"));
        recorder.Add(Event("kafka-1", "fdatasync", ns: "data"));

        var built = recorder.Build("Errno");

        Assert.Equal(["data_kafka_app.json", "shop_web_app.json", "shop_web_sidecar.json"], built.Select(b => b.Profile!.Name));
        var web = built.Single(b => b.Profile!.Name == "shop_web_app.json");
        Assert.Contains("accept4", Allowed(web.Profile!));
        Assert.Contains("sendfile", Allowed(web.Profile!));
        Assert.DoesNotContain("epoll_wait", Allowed(web.Profile!)); // the sidecar's, not app's
        Assert.Equal(["web-7d9c5b8f4d-q8vzl", "web-7d9c5b8f4d-x2k9p"], web.Workload.Pods);
        Assert.Equal(3, web.Workload.Recorder.EventCount);
        Assert.Equal(new SeccompWorkload("shop", "web", "app", SeccompWorkloadKind.Deployment), web.Profile!.Workload);
        var kafka = built.Single(b => b.Profile!.Name == "data_kafka_app.json");
        Assert.Contains("fsync", Allowed(kafka.Profile!));
        Assert.Contains("fdatasync", Allowed(kafka.Profile!));
        Assert.DoesNotContain("accept4", Allowed(kafka.Profile!));
        Assert.Equal(0, recorder.UnattributedCount);
    }

    [Fact]
    public void UnattributedEventsAreLeftOutAndCountedByReason()
    {
        var recorder = new SeccompWorkloadRecorder();
        recorder.Add(Event("web-7d9c5b8f4d-x2k9p", "accept4"));
        recorder.Add(Event(null, "ptrace", attribution: AuditAttribution.NotAContainer));
        recorder.Add(Event(null, "ptrace", attribution: AuditAttribution.NotAContainer));
        recorder.Add(Event(null, "mount", attribution: AuditAttribution.ProcessExited));
        recorder.Add(Event(null, "mount", attribution: AuditAttribution.NotAttempted));
        recorder.Add(Event(null, "reboot", attribution: AuditAttribution.Container)); // says Container but names none

        Assert.Equal(6, recorder.EventCount);
        Assert.Equal(5, recorder.UnattributedCount);
        Assert.Equal(2, recorder.Unattributed["NotAContainer"]);
        Assert.Equal(1, recorder.Unattributed["ProcessExited"]);
        Assert.Equal(1, recorder.Unattributed["NotAttempted"]);
        Assert.Equal(1, recorder.Unattributed["Container without Namespace, Pod or Container"]);
        var profile = Assert.Single(recorder.Build("Errno")).Profile!;
        foreach (var left in new[] { "ptrace", "mount", "reboot" })
        {
            Assert.DoesNotContain(left, Allowed(profile));
        }
    }

    [Fact]
    public void ContainerInitRecordsStayInTheirWorkloadsProfile()
    {
        var recorder = new SeccompWorkloadRecorder();
        recorder.Add(Event("web-7d9c5b8f4d-x2k9p", "capset", comm: "runc:[2:INIT]"));
        recorder.Add(Event("web-7d9c5b8f4d-x2k9p", "accept4"));

        var (workload, profile, error) = Assert.Single(recorder.Build("Log"));
        Assert.Null(error);
        Assert.Equal(1, workload.ContainerInitEventCount);
        // A Log default adds nothing for the container start, so capset is there because the init's record was kept.
        Assert.Empty(workload.Recorder.AddedForContainerStart);
        Assert.Equal(["accept4", "capset"], Allowed(profile!));
    }

    [Fact]
    public void OverridesRegroupPodsAndAWorkloadWithNoNameableSyscallGetsAnErrorInsteadOfAProfile()
    {
        var recorder = new SeccompWorkloadRecorder([new SeccompWorkloadOverride("shop/legacy-*", "legacy")]);
        recorder.Add(Event("legacy-a", "read"));
        recorder.Add(Event("legacy-b", "write"));
        recorder.Add(new SeccompAuditEvent { Architecture = "x86_64", AuditArch = 0xc000003e, SyscallNumber = 9999, Namespace = "shop", Pod = "odd", Container = "app", Attribution = AuditAttribution.Container });

        var built = recorder.Build("Errno");

        var legacy = built.Single(b => b.Workload.Workload.Name == "legacy");
        Assert.Equal("shop_legacy_app.json", legacy.Profile!.Name);
        Assert.Equal(SeccompWorkloadKind.Override, legacy.Profile.Workload!.Kind);
        Assert.Contains("read", Allowed(legacy.Profile));
        Assert.Contains("write", Allowed(legacy.Profile));
        var odd = built.Single(b => b.Workload.Workload.Name == "odd");
        Assert.Null(odd.Profile);
        Assert.Equal(ErrorIds.NoAuditEventsRecorded, odd.Error!.ErrorId);
        Assert.Contains("shop/odd/app", odd.Error.Message, StringComparison.Ordinal);
        Assert.Single(odd.Workload.Recorder.UnnamedSyscalls);
    }

    [Fact]
    public void AnEnforcingPerWorkloadProfileStillAllowsWhatRuncNeedsToStart()
    {
        var recorder = new SeccompWorkloadRecorder();
        recorder.Add(Event("web-7d9c5b8f4d-x2k9p", "accept4"));
        var profile = Assert.Single(recorder.Build("Errno")).Profile!;
        Assert.Superset(SeccompProfileValidator.ContainerStartSyscalls.ToHashSet(), Allowed(profile).ToHashSet());
        Assert.DoesNotContain(SeccompProfileValidator.Validate(profile, profile.Name), d => d.Code == SeccompDiagnosticCode.BlocksContainerStart);
    }
}

public class SeccompFilterFlagRequirementTests
{
    [Fact]
    public void TestSeccompProfileSaysWhatTheLogFlagNeeds()
    {
        var profile = new SeccompProfile(SeccompAction.Errno);
        profile.Architectures.Add("SCMP_ARCH_X86_64");
        profile.Flags.Add(SeccompFilterFlag.Log);
        profile.Syscalls.Add(new SeccompRule(SeccompProfileValidator.ContainerStartSyscalls.Append("exit_group").Order(StringComparer.Ordinal), SeccompAction.Allow));

        var finding = Assert.Single(SeccompProfileValidator.Validate(profile, "p.json"), d => d.Code == SeccompDiagnosticCode.FilterFlagNeedsRuntime);
        Assert.Equal(SeccompDiagnosticSeverity.Information, finding.Severity);
        Assert.Equal("flags[0]", finding.Location);
        Assert.Contains("runc 1.2 or later", finding.Message, StringComparison.Ordinal);
        Assert.Contains("Linux 4.14", finding.Message, StringComparison.Ordinal);
        Assert.Contains("actions_logged", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryKnownFlagHasItsRequirementAndOnlyWaitKillableRecvIsAWarning()
    {
        foreach (var flag in SeccompFilterFlag.All)
        {
            var (severity, message) = SeccompFilterFlag.Requirements(flag);
            Assert.Contains(flag, message, StringComparison.Ordinal);
            Assert.Equal(flag == SeccompFilterFlag.WaitKillableRecv ? SeccompDiagnosticSeverity.Warning : SeccompDiagnosticSeverity.Information, severity);
        }
    }
}
