using System.Collections.Concurrent;
using System.Diagnostics;
using CsCheck;
using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;
using Xunit;
using Xunit.Abstractions;

namespace TalosSeccomp.Tests.Profiles;

/// <summary>
/// runc on the real kernel judges Merge-SeccompProfile and the model Compare-SeccompProfile relies on: random
/// profiles (and Docker's and Podman's defaults) are merged; the probe runs under every input and every merge;
/// Strict must stop every call an input stops, Permissive must let run every call an input lets run, a profile
/// merged alone must give exactly its results, and <see cref="SeccompFilterModel"/> must predict every result.
/// </summary>
public sealed class SeccompRuncOracleTests(ITestOutputHelper output)
{
    private static readonly Lazy<string[]> Unconfined = new(() => SeccompRunc.Run(null, ProbeProfiles.Calls));

    private sealed record Outcome(string Label, SeccompProfile Profile, string[] Results);

    [RuncFact]
    public void RandomProfilesMergeWithinTheirGuaranteesAndTheModelPredictsRunc()
    {
        var watch = Stopwatch.StartNew();
        var runsBefore = SeccompRunc.Runs;
        var baseline = Unconfined.Value;
        Assert.DoesNotContain(baseline, r => r == "e38" || r.StartsWith("sig", StringComparison.Ordinal) || ProbeProfiles.Errnos.Any(e => r == $"e{e}"));

        var failures = new ConcurrentQueue<string>();
        int cases = 0, refused = 0, ambiguous = 0;
        Gen.Select(ProbeProfiles.Profile, ProbeProfiles.Profile, (a, b) => (a, b)).Sample(pair =>
        {
            var (a, b) = pair;
            Outcome ra, rb;
            try
            {
                ra = new("A", a, SeccompRunc.Run(a, ProbeProfiles.Calls));
                rb = new("B", b, SeccompRunc.Run(b, ProbeProfiles.Calls));
            }
            catch (RuncStartException)
            {
                Interlocked.Increment(ref refused); // libseccomp refuses some overlapping rules ("file exists"): no filter to merge
                return;
            }

            Interlocked.Increment(ref cases);
            if (ProbeProfiles.Calls.Any(c => ProbeProfiles.Predict(a, c).Count > 1 || ProbeProfiles.Predict(b, c).Count > 1))
            {
                Interlocked.Increment(ref ambiguous);
            }

            foreach (var failure in CheckMerges(ra, rb, baseline))
            {
                failures.Enqueue(failure);
            }
        }, iter: 10, threads: 2);

        output.WriteLine($"{cases} random pairs compared against runc ({refused} pairs runc refused to load, {ambiguous} with overlapping rules), {ProbeProfiles.Calls.Count} calls each, {SeccompRunc.Runs - runsBefore} runc runs, {watch.Elapsed.TotalSeconds:F1} s.");
        Assert.True(failures.IsEmpty, $"{failures.Count} failures, e.g.:\n" + string.Join("\n\n", failures.Take(3)));
        Assert.True(cases >= 5, $"only {cases} of 10 random pairs loaded in runc");
    }

    [RuncFact]
    public void DockerAndPodmanDefaultsMergeWithinTheirGuaranteesUnderRunc()
    {
        var watch = Stopwatch.StartNew();
        var runsBefore = SeccompRunc.Runs;
        var baseline = Unconfined.Value;
        var docker = SeccompProfileMergerSemanticsTests.Docker;
        var podman = SeccompProfileMergerSemanticsTests.Podman;
        var rd = new Outcome("docker-default.json", docker, SeccompRunc.Run(docker, ProbeProfiles.Calls));
        var rp = new Outcome("podman-default.json", podman, SeccompRunc.Run(podman, ProbeProfiles.Calls));
        var failures = CheckMerges(rd, rp, baseline);

        // The issue's cases, as runc shows them: Docker stops AF_VSOCK sockets, a Strict merge with Podman too.
        var vsock = Index("socket", 40);
        Assert.Equal("e1", rd.Results[vsock]);
        Assert.Equal("e1", SeccompRunc.Run(SeccompProfileMerger.Merge([docker, podman], SeccompMergeStrategy.Strict).Profile, ProbeProfiles.Calls)[vsock]);
        Assert.Equal(baseline[Index("clone3", 0)], rd.Results[Index("clone3", 0)]); // Docker's clone3 runs (the first unconditional rule wins)
        Assert.Equal(baseline[Index("setns", 0)], rp.Results[Index("setns", 0)]); // so does Podman's setns
        output.WriteLine($"Docker and Podman defaults: {ProbeProfiles.Calls.Count} calls, {SeccompRunc.Runs - runsBefore} runc runs, {watch.Elapsed.TotalSeconds:F1} s.");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(3)));
    }

    /// <summary>
    /// The case a random run found: rules ordering arg0 against values of 2^32-1 or more. Merged with itself, the
    /// profile became GE 4294967296 and LE 99998, and runc gave getpriority(0xffffffff) errno 102 where those rules say
    /// the default (101). The model must list what runc does, and the merge must not leave the call to libseccomp.
    /// </summary>
    [RuncFact]
    public void RulesOrderingOneArgumentAgainstHighWordValuesAreModelledAsRuncRunsThem()
    {
        // Profile B of that run, as it was.
        var profile = SeccompProfile.Parse("""
            {"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":101,"syscalls":[
             {"action":"SCMP_ACT_ERRNO","errnoRet":5,"names":["unshare"]},
             {"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":0,"op":"SCMP_CMP_LE","value":3},{"index":0,"op":"SCMP_CMP_EQ","value":1}],"names":["unshare","getpgid"]},
             {"action":"SCMP_ACT_ERRNO","args":[{"index":0,"op":"SCMP_CMP_GT","value":4294967295},{"index":0,"op":"SCMP_CMP_LT","value":99999}],"errnoRet":102,"names":["getpriority"]},
             {"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":0,"op":"SCMP_CMP_LT","value":16}],"names":["setns"]},
             {"action":"SCMP_ACT_ERRNO","args":[{"index":0,"op":"SCMP_CMP_LT","value":0}],"errnoRet":5,"names":["acct"]}]}
            """);
        // Like every probe profile: everything but the probed syscalls is allowed, so the probe starts.
        profile.Syscalls.Add(new SeccompRule(SyscallTables.GetNames("x86_64").Except(ProbeProfiles.Probed).Order(StringComparer.Ordinal), SeccompAction.Allow));
        var merge = SeccompProfileMerger.Merge([profile, profile.Clone()], SeccompMergeStrategy.Permissive);
        Assert.Contains(merge.Conflicts, c => c.Syscall == "getpriority");
        Assert.DoesNotContain(merge.Profile.Syscalls, r => r.IsConditional && r.Names.Contains("getpriority"));

        var baseline = Unconfined.Value;
        var calls = ProbeProfiles.Calls.Select((c, i) => (Call: c, Index: i)).Where(x => x.Call.Syscall == "getpriority" && x.Call.Abi == "64").ToList();
        Assert.Contains(calls, x => x.Call.Args[0] == 0xffffffff);
        foreach (var candidate in new[] { profile, merge.Profile })
        {
            var results = SeccompRunc.Run(candidate, ProbeProfiles.Calls);
            foreach (var (call, i) in calls)
            {
                var expected = ProbeProfiles.Predict(candidate, call).Select(e => SeccompRunc.Expected(e, baseline[i])).ToList();
                Assert.True(expected.Contains(results[i]), $"{call}: runc gave {results[i]}, the model {string.Join(" or ", expected)}; profile {candidate.ToNodeJson()}");
            }
        }
    }

    private static int Index(string syscall, ulong arg0) =>
        ProbeProfiles.Calls.Select((c, i) => (c, i)).First(x => x.c.Abi == "64" && x.c.Syscall == syscall && x.c.Args[0] == arg0).i;

    /// <summary>Runs the merges of two inputs and checks the guarantees and the model; returns what failed.</summary>
    private static List<string> CheckMerges(Outcome a, Outcome b, string[] baseline)
    {
        var failures = new List<string>();
        var strict = Run("Strict", SeccompProfileMerger.Merge([a.Profile, b.Profile], SeccompMergeStrategy.Strict).Profile);
        var permissive = Run("Permissive", SeccompProfileMerger.Merge([a.Profile, b.Profile], SeccompMergeStrategy.Permissive).Profile);
        // A profile merged with a copy of itself goes through the whole construction; merged alone it is returned as is.
        var twinA = SeccompProfileMerger.Merge([a.Profile, a.Profile.Clone()], SeccompMergeStrategy.Strict);
        var twinB = SeccompProfileMerger.Merge([b.Profile, b.Profile.Clone()], SeccompMergeStrategy.Permissive);
        var aloneA = Run("A merged with itself", twinA.Profile);
        var aloneB = Run("B merged with itself", twinB.Profile);
        var settled = twinA.Conflicts.Concat(twinB.Conflicts).Where(SeccompProfileMergerSemanticsTests.Settled).Select(c => c.Syscall).ToHashSet();
        if (failures.Count > 0)
        {
            return failures;
        }

        foreach (var outcome in new[] { a, b, strict!, permissive!, aloneA!, aloneB! })
        {
            for (var i = 0; i < ProbeProfiles.Calls.Count; i++)
            {
                var call = ProbeProfiles.Calls[i];
                var expected = ProbeProfiles.Predict(outcome.Profile, call).Select(e => SeccompRunc.Expected(e, baseline[i])).ToList();
                if (!expected.Contains(outcome.Results[i]))
                {
                    failures.Add($"model: {outcome.Label}, {call}: runc gave {outcome.Results[i]}, the model {string.Join(" or ", expected)}.{Show(a, b, outcome)}");
                }
            }
        }

        for (var i = 0; i < ProbeProfiles.Calls.Count; i++)
        {
            bool Runs(Outcome o) => o.Results[i] == baseline[i];
            var call = ProbeProfiles.Calls[i];
            if (ProbeProfiles.NarrowAndConditional(call, strict!.Profile, permissive!.Profile, a.Profile, b.Profile))
            {
                continue;
            }

            if ((!Runs(a) || !Runs(b)) && Runs(strict!))
            {
                failures.Add($"Strict lets {call} run ({strict!.Results[i]}) though A gives {a.Results[i]} and B {b.Results[i]}.{Show(a, b, strict)}");
            }

            if ((Runs(a) || Runs(b)) && !Runs(permissive!))
            {
                failures.Add($"Permissive stops {call} ({permissive!.Results[i]}) though A gives {a.Results[i]} and B {b.Results[i]}.{Show(a, b, permissive)}");
            }

            // Identity where the input's outcome is its rules' (not libseccomp's tree order, which the merge cannot copy).
            if (settled.Contains(call.Syscall))
            {
                continue;
            }

            if ((aloneA!.Results[i] != a.Results[i] && ProbeProfiles.Predict(a.Profile, call).Count == 1)
                || (aloneB!.Results[i] != b.Results[i] && ProbeProfiles.Predict(b.Profile, call).Count == 1))
            {
                failures.Add($"Merged with itself, {call} changes: A {a.Results[i]} -> {aloneA.Results[i]}, B {b.Results[i]} -> {aloneB!.Results[i]}.{Show(a, b, aloneA)}");
            }
        }

        return failures;

        Outcome? Run(string label, SeccompProfile merged)
        {
            try
            {
                return new(label, merged, SeccompRunc.Run(merged, ProbeProfiles.Calls));
            }
            catch (RuncStartException ex)
            {
                failures.Add($"{label}: runc cannot load the merged profile although it loads both inputs: {ex.Message}{Show(a, b, null)}");
                return null;
            }
        }
    }

    private static string Show(Outcome a, Outcome b, Outcome? merged) =>
        a.Profile.Syscalls.Count > 50 ? string.Empty : $"\n  A: {Short(a.Profile)}\n  B: {Short(b.Profile)}" + (merged is null ? string.Empty : $"\n  merged: {Short(merged.Profile)}");

    private static string Short(SeccompProfile profile)
    {
        var copy = profile.Clone();
        copy.Syscalls.RemoveAll(r => r.Names.Count > 20);
        return copy.ToNodeJson();
    }
}
