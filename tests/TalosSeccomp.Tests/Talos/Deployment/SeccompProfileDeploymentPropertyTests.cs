using CsCheck;
using TalosSeccomp.Profiles;
using TalosSeccomp.Talos.Deployment;
using TalosSeccomp.Tests.MachineConfig;
using Xunit;

namespace TalosSeccomp.Tests.Talos.Deployment;

/// <summary>
/// Random sequences of set/remove edits through the deployment engine against a fake node holding a multi-document
/// config with comments. Checked independently of the engine's parser: the node's own files (its Go-style JSON of each
/// value) must equal a model of the profiles, and every config change must be one stretch of lines inside the
/// seccompProfiles block, so no other byte of any document moves. Few iterations: each one is real gRPC round trips.
/// </summary>
public sealed class SeccompProfileDeploymentPropertyTests : DeploymentTestBase
{
    private static readonly string[] NamePool = ["audit.json", "deny-ptrace.json", "a.json", "b-1.json", "c_2"];

    private static readonly Gen<SeccompArgument> Argument = Gen.Select(Gen.UInt[0, 5], Gen.ULong, Gen.OneOfConst("SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_GT"),
        (index, value, op) => new SeccompArgument(index, value, op));

    private static readonly Gen<SeccompRule> Rule = Gen.Select(
        Gen.OneOfConst("read", "write", "ptrace", "personality", "mount").Array[1, 3],
        Gen.OneOfConst("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG"),
        Gen.Select(Gen.Bool, Gen.UInt, (has, v) => has ? (uint?)v : null),
        Argument.Array[0, 2],
        (names, action, errno, args) => new SeccompRule(names.Distinct(), action, action == "SCMP_ACT_ERRNO" ? errno : null, args));

    private static readonly Gen<SeccompProfile> Profile = Gen.Select(
        Gen.OneOfConst("SCMP_ACT_LOG", "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS"),
        Rule.Array[0, 3],
        (action, rules) =>
        {
            var profile = new SeccompProfile(action);
            profile.Syscalls.AddRange(rules);
            return profile;
        });

    private static readonly Gen<(string Name, SeccompProfile? Profile, string[] Patterns)> Edit = Gen.Frequency(
        (3, Gen.Select(Gen.OneOfConst(NamePool), Profile, (name, profile) => (name, (SeccompProfile?)profile, Array.Empty<string>()))),
        (1, Gen.OneOfConst("a.json", "*.json", "?.json", "[ab]*", "missing.json", "c_?").Array[1, 2].Select(p => (string.Empty, (SeccompProfile?)null, p))));

    [Fact]
    public void RandomEditsChangeNothingButTheIntendedEntries() =>
        Edit.Array[1, 4].Sample(edits => Task.Run(() => CheckAsync(edits)).GetAwaiter().GetResult(), iter: 12, threads: 1);

    private async Task CheckAsync((string Name, SeccompProfile? Profile, string[] Patterns)[] edits)
    {
        var node = FakeNode(0);
        node.MachineConfig = ConfigFixtures.V1Alpha1InTheMiddle();
        var model = SeccompProfilePatchModel(node);
        foreach (var (name, profile, patterns) in edits)
        {
            var before = node.MachineConfig;
            var applies = node.Applied.Count;
            var edit = profile is null ? SeccompProfileEdit.Remove(patterns) : SeccompProfileEdit.Set(name, profile, force: true);
            var change = Assert.Single(await DeployAsync(node.Address, null, edit));

            bool changed;
            if (profile is null)
            {
                var matched = model.Keys.Where(k => patterns.Any(p => TalosSeccomp.Formats.Wildcard.Compile(p, ignoreCase: false).IsMatch(k))).ToList();
                matched.ForEach(k => model.Remove(k));
                changed = matched.Count > 0;
            }
            else
            {
                changed = !model.TryGetValue(name, out var old) || old != profile.ToNodeJson();
                model[name] = profile.ToNodeJson();
            }

            Assert.Equal(changed, change.Action != SeccompProfileChangeAction.Unchanged);
            Assert.Equal(applies + (changed ? 1 : 0), node.Applied.Count);
            AssertOnlyProfilesBlockChanged(before, node.MachineConfig);
            Assert.Equal(model.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (Path: global::TalosSeccomp.FakeTalos.FakeNode.ProfilesDirectory + "/" + p.Key, p.Value)),
                node.ListFiles(global::TalosSeccomp.FakeTalos.FakeNode.ProfilesDirectory).Select(path => (Path: path, Value: node.ReadFile(path)!)));
        }
    }

    /// <summary>The profiles the fixture starts with, as the node wrote them.</summary>
    private static Dictionary<string, string> SeccompProfilePatchModel(global::TalosSeccomp.FakeTalos.FakeNode node) =>
        node.ListFiles(global::TalosSeccomp.FakeTalos.FakeNode.ProfilesDirectory).ToDictionary(p => p[(p.LastIndexOf('/') + 1)..], p => node.ReadFile(p)!, StringComparer.Ordinal);

    private static void AssertOnlyProfilesBlockChanged(string before, string after)
    {
        var (removed, added) = SingleHunk(before, after);
        if (removed.Length == 0 && added.Length == 0)
        {
            Assert.Equal(before, after);
            return;
        }

        // The hunk lies between the seccompProfiles key and the next key of machine (install) in both texts.
        foreach (var (text, hunk) in new[] { (before, removed), (after, added) })
        {
            var start = text.IndexOf("\n    seccompProfiles:", StringComparison.Ordinal);
            var end = text.IndexOf("\n    # Used to provide instructions for installations.", StringComparison.Ordinal);
            Assert.True(start >= 0 && end > start, "the seccompProfiles block or the install key moved");
            if (hunk.Length > 0)
            {
                var at = text.IndexOf(hunk, start, StringComparison.Ordinal);
                Assert.True(at > start && at + hunk.Length <= end, $"a change outside machine.seccompProfiles:\n{hunk}");
            }
        }
    }
}
