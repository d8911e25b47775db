using CsCheck;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

/// <summary>The merge and compare cases of issue 9, judged by <see cref="SeccompFilterModel"/> (which the runc oracle tests check).</summary>
public class SeccompProfileMergerSemanticsTests
{
    internal static SeccompProfile Docker => Load("docker-default.json");

    internal static SeccompProfile Podman => Load("podman-default.json");

    private static SeccompProfile Load(string file)
    {
        var profile = SeccompProfile.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)), file);
        profile.Name = file;
        return profile;
    }

    private static SeccompProfile P(string json, string name = "p")
    {
        var profile = SeccompProfile.Parse(json);
        profile.Name = name;
        return profile;
    }

    /// <summary>A conflict saying the merge gave a syscall one action because exact rules would be too many.</summary>
    internal static bool Settled(SeccompMergeConflict conflict) => conflict.Detail.EndsWith("for all arguments instead.", StringComparison.Ordinal);

    private static SeccompEffect Effect(SeccompProfile profile, string syscall, params ulong[] args) =>
        Assert.Single(new SeccompFilterModel(profile, "x86_64").Evaluate("x86_64", syscall, args)!.Effects);

    private static readonly SeccompEffect Allow = new(SeccompAction.Allow, null);

    [Fact]
    public void StrictNeverLetsAnUnconditionalAllowOverrideAConditionalOne()
    {
        // socket allowed except AF_VSOCK (40), merged with socket allowed outright.
        var noVsock = P("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":40,"op":"SCMP_CMP_NE"}]}]}""", "novsock");
        var all = P("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW"}]}""", "all");
        var strict = SeccompProfileMerger.Merge([noVsock, all], SeccompMergeStrategy.Strict);
        Assert.Equal(SeccompAction.Errno, Effect(strict.Profile, "socket", 40, 1, 0).Action);
        Assert.Equal(Allow, Effect(strict.Profile, "socket", 2, 1, 0));
        var rule = Assert.Single(strict.Profile.Syscalls);
        Assert.Equal("arg0 != 0x28", Assert.Single(rule.Args).ToString());
        var conflict = Assert.Single(strict.Conflicts);
        Assert.Equal(("socket", "arg0 == 0x28"), (conflict.Syscall, conflict.Arguments));

        var permissive = SeccompProfileMerger.Merge([noVsock, all], SeccompMergeStrategy.Permissive);
        Assert.Equal(Allow, Effect(permissive.Profile, "socket", 40, 1, 0));
    }

    [Fact]
    public void DockerWithPodmanStrictStillStopsVsockSockets()
    {
        Assert.Equal(SeccompAction.Errno, Effect(Docker, "socket", 40).Action);
        Assert.Equal(Allow, Effect(Podman, "socket", 40)); // Podman's unconditional socket rule wins under runc
        var strict = SeccompProfileMerger.Merge([Docker, Podman], SeccompMergeStrategy.Strict).Profile;
        Assert.Equal(SeccompAction.Errno, Effect(strict, "socket", 40).Action);
        Assert.Equal(SeccompAction.Errno, Effect(strict, "socket", 38).Action);
        Assert.Equal(Allow, Effect(strict, "socket", 2));
        Assert.Equal(Allow, Effect(strict, "socket", 39));
        Assert.Equal(Allow, Effect(SeccompProfileMerger.Merge([Docker, Podman], SeccompMergeStrategy.Permissive).Profile, "socket", 40));
    }

    [Fact]
    public void OneProfileMergesIntoOneThatBehavesTheSame()
    {
        // Docker's clone3: ALLOW (rule 18) comes before ERRNO 38 (rule 21): runc keeps the first unconditional rule.
        Assert.Equal(Allow, Effect(Docker, "clone3"));
        // Podman lists setns, acct and 22 others in its allow-all rule and again in ERRNO rules.
        Assert.Equal(Allow, Effect(Podman, "setns"));
        Assert.Equal(Allow, Effect(Podman, "acct"));
        foreach (var profile in new[] { Docker, Podman })
        {
            foreach (var strategy in new[] { SeccompMergeStrategy.Strict, SeccompMergeStrategy.Permissive })
            {
                var alone = SeccompProfileMerger.Merge([profile], strategy);
                Assert.Empty(alone.Conflicts);
                Assert.Equal(profile.Syscalls.Select(r => r.ToString()), alone.Profile.Syscalls.Select(r => r.ToString()));
                var merged = SeccompProfileMerger.Merge([profile, profile.Clone()], strategy);
                Assert.DoesNotContain(merged.Conflicts, c => c.Syscall is not null);
                Assert.Empty(SeccompProfileComparer.Compare(profile, merged.Profile));
                Assert.Equal(Allow, Effect(merged.Profile, "clone3"));
                Assert.Equal(Allow, Effect(merged.Profile, "setns"));
            }
        }
    }

    [Fact]
    public void DefaultErrnoRetConflictsAreReported()
    {
        var eperm = P("""{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1}""", "eperm");
        var enosys = P("""{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38}""", "enosys");
        foreach (var (first, second) in new[] { (eperm, enosys), (enosys, eperm) })
        {
            var result = SeccompProfileMerger.Merge([first, second], SeccompMergeStrategy.Strict);
            var conflict = Assert.Single(result.Conflicts);
            Assert.Null(conflict.Syscall);
            Assert.Contains("defaultErrnoRet differs", conflict.Detail, StringComparison.Ordinal);
            Assert.Contains($"{first.Name}'s", conflict.Detail, StringComparison.Ordinal);
            Assert.Equal(first.DefaultErrnoRet, result.Profile.DefaultErrnoRet);
        }
    }

    [Fact]
    public void StrictDropsAnArchitectureAnInputDoesNotCoverAndSaysSo()
    {
        var both = P("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]}""", "both");
        var native = P("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}""", "native");
        var strict = SeccompProfileMerger.Merge([both, native], SeccompMergeStrategy.Strict);
        Assert.Equal(["SCMP_ARCH_X86_64"], strict.Profile.Architectures);
        Assert.Contains(strict.Conflicts, c => c.Detail.Contains("x86", StringComparison.Ordinal) && c.Sources.SequenceEqual(["native"]));
        Assert.Equal(SeccompAction.KillThread, new SeccompFilterModel(strict.Profile, "x86_64").Evaluate("x86", "getpid")!.Effect.Action);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], SeccompProfileMerger.Merge([both, native], SeccompMergeStrategy.Permissive).Profile.Architectures);
    }

    [Fact]
    public void AShadowedRuleIsNoDifference()
    {
        var shadowed = P("""{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["acct","read"],"action":"SCMP_ACT_ALLOW"},{"names":["acct"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}""", "a");
        var plain = P("""{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["read","acct"],"action":"SCMP_ACT_ALLOW"}]}""", "b");
        Assert.Empty(SeccompProfileComparer.Compare(shadowed, plain));
        Assert.Empty(SeccompProfileComparer.Compare(plain, shadowed));

        // A rule equal to the default action is skipped by runc: also no difference.
        var redundant = P("""{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["read","acct"],"action":"SCMP_ACT_ALLOW"},{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}""", "c");
        Assert.Empty(SeccompProfileComparer.Compare(plain, redundant));
    }

    [Fact]
    public void ASyscallIsNamedOnlyWhereItExists()
    {
        var reference = P("""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_AARCH64"],"syscalls":[{"names":["open","chown32","read"],"action":"SCMP_ACT_ALLOW"}]}""");
        var difference = P("""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_AARCH64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}""");
        var found = SeccompProfileComparer.Compare(reference, difference).ToDictionary(d => d.Syscall!);
        Assert.Equal(["chown32", "open"], found.Keys.Order());
        Assert.Equal(["x86_64", "x86"], found["open"].Architecture); // aarch64 has no open(2)
        Assert.Equal(["x86"], found["chown32"].Architecture);

        // A name that is a syscall on none of the architectures changes nothing.
        var typo = P("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","chown32"],"action":"SCMP_ACT_ALLOW"}]}""");
        Assert.Empty(SeccompProfileComparer.Compare(P("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"""), typo));
    }

    [Fact]
    public void TheModelFollowsRuncAndLibseccomp()
    {
        // The behaviours measured with runc 1.1.5 / libseccomp 2.5.4 (SeccompRuncOracleTests checks them on every run).
        var profile = P("""
            {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
              {"names":["getpgid"],"action":"SCMP_ACT_ERRNO","errnoRet":101,"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},
              {"names":["getpgid"],"action":"SCMP_ACT_ERRNO","errnoRet":102},
              {"names":["getpgid"],"action":"SCMP_ACT_ERRNO","errnoRet":103},
              {"names":["getpid"],"action":"SCMP_ACT_ALLOW"},
              {"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":5,"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]},
              {"names":["umask"],"action":"SCMP_ACT_ERRNO","errnoRet":5,"args":[{"index":0,"value":0,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
              {"names":["getpriority"],"action":"SCMP_ACT_ERRNO","errnoRet":101,"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},
              {"names":["getpriority"],"action":"SCMP_ACT_ERRNO","errnoRet":102,"args":[{"index":1,"value":7,"op":"SCMP_CMP_EQ"}]}]}
            """, "model");
        var model = new SeccompFilterModel(profile, "x86_64");
        Assert.Equal(new SeccompEffect(SeccompAction.Errno, 102), model.Evaluate("x86_64", "getpgid", [1])!.Effect); // first unconditional wins over all
        Assert.False(model.HasRule("x86_64", "getpid")); // equal to the default: skipped
        Assert.Equal(SeccompAction.Errno, model.Evaluate("x86_64", "getppid", [2])!.Effect.Action); // same-argument conditions: any one
        Assert.Equal(SeccompAction.Errno, model.Evaluate("x86_64", "umask", [12345])!.Effect.Action); // mask 0 is no condition
        var overlap = model.Evaluate("x86_64", "getpriority", [1, 7])!;
        Assert.True(overlap.IsAmbiguous);
        Assert.Equal([new SeccompEffect(SeccompAction.Errno, 101), new SeccompEffect(SeccompAction.Errno, 102)], overlap.Effects);
        Assert.Equal(SeccompAction.KillThread, model.Evaluate("x86", "getpid")!.Effect.Action); // not covered
        Assert.Null(model.Evaluate("aarch64", "open"));

        // runc's ENOSYS stub: listed architecture, denying default, syscall above the largest named.
        var stub = new SeccompFilterModel(P("""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["write"],"action":"SCMP_ACT_ALLOW"},{"names":["close"],"action":"SCMP_ACT_ALLOW"}]}""", "stub"), "x86_64");
        Assert.Equal(new SeccompEffect(SeccompAction.Errno, 38), stub.Evaluate("x86_64", "mkdir")!.Effect);
        Assert.Equal(new SeccompEffect(SeccompAction.Errno, 1), stub.Evaluate("x86_64", "open")!.Effect);
    }

    /// <summary>
    /// The merge guarantees over the model for random profiles and every probe call (the runc oracle test checks
    /// the model against the kernel, on fewer cases).
    /// </summary>
    [Fact]
    public void MergeGuaranteesHoldForRandomProfiles()
    {
        Gen.Select(ProbeProfiles.Profile.Array[1, 3], Gen.Bool, (profiles, strict) => (profiles, strict)).Sample(t =>
        {
            var (profiles, strict) = t;
            var strategy = strict ? SeccompMergeStrategy.Strict : SeccompMergeStrategy.Permissive;
            // One profile goes through the construction as a merge with a copy of itself.
            var merge = SeccompProfileMerger.Merge(profiles.Length == 1 ? [profiles[0], profiles[0].Clone()] : profiles, strategy);
            var merged = merge.Profile;
            var settled = merge.Conflicts.Where(Settled).Select(c => c.Syscall).ToHashSet();
            foreach (var call in ProbeProfiles.Calls)
            {
                if (ProbeProfiles.NarrowAndConditional(call, [merged, .. profiles]))
                {
                    continue;
                }

                var inputs = profiles.Select(p => ProbeProfiles.Predict(p, call)).ToList();
                var result = ProbeProfiles.Predict(merged, call);
                Assert.True(result.Count == 1, $"the merge leaves {call} to libseccomp's tree: {string.Join(" or ", result)}");
                if (strict && inputs.Any(e => e.Any(x => !x.Runs)))
                {
                    Assert.False(result[0].Runs, $"Strict lets {call} run; inputs: {string.Join("; ", inputs.Select(e => string.Join(" or ", e)))}\n{merged.ToNodeJson()}");
                }

                if (!strict && inputs.Any(e => e.Any(x => x.Runs)))
                {
                    Assert.True(result[0].Runs, $"Permissive stops {call}; inputs: {string.Join("; ", inputs.Select(e => string.Join(" or ", e)))}");
                }

                if (profiles.Length == 1 && inputs[0].Count == 1 && !settled.Contains(call.Syscall))
                {
                    Assert.Equal(inputs[0][0], result[0]);
                }
            }
        }, iter: 60);
    }
}
