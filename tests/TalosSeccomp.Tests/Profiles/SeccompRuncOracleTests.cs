using System.Collections.Concurrent;
using System.Diagnostics;
using CsCheck;
using TalosSeccomp.Profiles;
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
