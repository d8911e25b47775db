using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Deployment;
using TalosSeccomp.Tests.MachineConfig;
using Xunit;

namespace TalosSeccomp.Tests.Talos.Deployment;

/// <summary>Set and remove through the deployment engine against the fake node over mutual TLS.</summary>
public sealed class SeccompProfileDeployerTests : DeploymentTestBase
{
    private const string AuditJson = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";

    [Fact]
    public async Task TalosGuideFlowSetListReadRemove()
    {
        var node = FakeNode(1);
        ClearProfiles(node);
        var client = Client();

        var set = Assert.Single(await DeployAsync(node.Address, null, SeccompProfileEdit.Set("audit.json", SeccompProfile.CreateAuditProfile())));
        Assert.Equal(SeccompProfileChangeAction.Added, set.Action);
        Assert.True(set.Applied);
        Assert.Equal("NoReboot", set.Mode);
        Assert.Equal("AUTO", Assert.Single(node.Applied).Mode);

        var listed = Assert.Single(await NodeSeccompProfiles.ListAsync(client, node.Address, node.Address));
        Assert.Equal(("cri", "SeccompProfile", "audit.json", "1"), (listed.Namespace, listed.Type, listed.Id, listed.Version));
        Assert.Equal("profiles/audit.json", listed.LocalhostProfile);
        Assert.Equal("SCMP_ACT_LOG", listed.Profile.DefaultAction);

        Assert.Null(await NodeSeccompProfiles.ReadContentAsync(client, node.Address, [listed]));
        Assert.Equal(AuditJson, listed.Content);
        Assert.True(listed.ContentMatches);

        var removed = Assert.Single(await DeployAsync(node.Address, null, SeccompProfileEdit.Remove(["audit.json"])));
        Assert.Equal(SeccompProfileChangeAction.Removed, removed.Action);
        Assert.Empty(await NodeSeccompProfiles.ListAsync(client, node.Address, node.Address));
        Assert.Null(node.ReadFile("/var/lib/kubelet/seccomp/profiles/audit.json"));
    }

    [Fact]
    public async Task SetReplacesTheEntryWithTheSameNameInsteadOfAppending()
    {
        var node = FakeNode(0);
        node.MachineConfig = ConfigFixtures.Full();
        var before = node.MachineConfig;
        const string strict = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"close\",\"execve\",\"exit_group\",\"fstatfs\",\"futex\",\"getdents64\",\"openat\",\"read\",\"rt_sigreturn\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";

        var change = Assert.Single(await DeployAsync(node.Address, null, Set("audit.json", strict)));

        Assert.Equal(SeccompProfileChangeAction.Replaced, change.Action);
        Assert.Contains("-     defaultAction: SCMP_ACT_LOG", change.Diff, StringComparison.Ordinal);
        var entries = MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig);
        Assert.Equal(["audit.json", "deny-ptrace.json"], entries.Select(e => e.Name));
        Assert.Equal("SCMP_ACT_ERRNO", entries[0].Value["defaultAction"]!.GetValue<string>());
        var (removed, added) = SingleHunk(before, node.MachineConfig);
        Assert.Contains("SCMP_ACT_LOG", removed, StringComparison.Ordinal);
        Assert.DoesNotContain("name:", added, StringComparison.Ordinal);
        Assert.Equal("SCMP_ACT_ERRNO", (await NodeSeccompProfiles.GetAsync(Client(), node.Address, node.Address, "audit.json"))!.Profile.DefaultAction);
    }

    [Fact]
    public async Task SettingTheSameValueTwiceSendsNothingTheSecondTime()
    {
        var node = FakeNode(2);
        var edit = Set("app.json", "{\"defaultAction\":\"SCMP_ACT_LOG\",\"architectures\":[\"SCMP_ARCH_X86_64\"]}");

        var first = Assert.Single(await DeployAsync(node.Address, null, edit));
        var version = node.MachineConfigVersion;
        var second = Assert.Single(await DeployAsync(node.Address, null, edit));
        var again = Assert.Single(await DeployAsync(node.Address, null, SeccompProfileEdit.Remove(["app.json"])));
        var removeAgain = Assert.Single(await DeployAsync(node.Address, null, SeccompProfileEdit.Remove(["app.json", "missing-*.json"])));

        Assert.Equal(SeccompProfileChangeAction.Added, first.Action);
        Assert.Equal(SeccompProfileChangeAction.Unchanged, second.Action);
        Assert.False(second.Applied);
        Assert.Equal(string.Empty, second.Mode);
        Assert.Equal(version, second.ConfigVersion);
        Assert.Equal(SeccompProfileChangeAction.Removed, again.Action);
        Assert.Equal(SeccompProfileChangeAction.Unchanged, removeAgain.Action);
        Assert.Equal("app.json, missing-*.json", removeAgain.Name);
        Assert.Equal(2, node.Applied.Count);
    }

    [Fact]
    public async Task OtherDocumentsAndCommentsStayByteIdenticalThroughSetAndRemove()
    {
        var node = FakeNode(1);
        var original = ConfigFixtures.V1Alpha1InTheMiddle();
        node.MachineConfig = original;

        await DeployAsync(node.Address, null, Set("extra.json", "{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}"));
        var afterSet = node.MachineConfig;
        var (removed, added) = SingleHunk(original, afterSet);
        Assert.Equal(string.Empty, removed);
        Assert.StartsWith("        - name: extra.json", added, StringComparison.Ordinal);
        foreach (var document in ConfigFixtures.OtherDocuments)
        {
            Assert.Contains(document, afterSet, StringComparison.Ordinal);
        }

        await DeployAsync(node.Address, null, SeccompProfileEdit.Remove(["extra.json"]));
        Assert.Equal(original, node.MachineConfig);
        Assert.Equal(2, node.Applied.Count);
        Assert.All(node.Applied, a => Assert.Equal("AUTO", a.Mode));
    }

    [Fact]
    public async Task NumbersAboveTwoToTheFiftyThreeSurviveExactly()
    {
        var node = FakeNode(0);
        const string json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4294967295,"
            + "\"args\":[{\"index\":0,\"value\":9007199254740993,\"valueTwo\":18446744073709551615,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}";
        var client = Client();

        await DeployAsync(node.Address, null, Set("big.json", json));
        var profile = (await NodeSeccompProfiles.ListAsync(client, node.Address, node.Address, ["big.*"])).Single();
        await NodeSeccompProfiles.ReadContentAsync(client, node.Address, [profile]);

        Assert.False(profile.FromStruct);
        var argument = profile.Profile.Syscalls[0].Args[0];
        Assert.Equal(9007199254740993UL, argument.Value);
        Assert.Equal(ulong.MaxValue, argument.ValueTwo);
        Assert.Equal(4294967295U, profile.Profile.Syscalls[0].ErrnoRet);
        Assert.Equal("9007199254740993", profile.Value["syscalls"]![0]!["args"]![0]!["value"]!.ToJsonString());
        Assert.True(profile.ContentMatches);
        Assert.Contains("\"value\":9007199254740993,\"valueTwo\":18446744073709551615", profile.Content, StringComparison.Ordinal);
        Assert.Equal(SeccompProfile.Parse(json).ToNodeJson(), profile.Content);
    }

    [Fact]
    public async Task AWriterBetweenReadAndApplyIsDetectedAndNotOverwritten()
    {
        var node = FakeNode(2);
        var deployer = Deployer();
        var plan = await deployer.PlanAsync(node.Address, node.Address, [Set("mine.json", AuditJson)]);

        // Another writer (talosctl, a second session) changes the config while ours waits, e.g. at a -Confirm prompt.
        node.MachineConfig = MachineConfigSeccompEditor.Set(node.MachineConfig, "theirs.json", new JsonObject { ["defaultAction"] = "SCMP_ACT_KILL" }).NewText;
        var change = Assert.Single(await deployer.ApplyAsync(plan, new SeccompApplyOptions()));

        Assert.Equal(2, change.Attempts);
        Assert.NotEqual(plan.ConfigVersion, change.ConfigVersion);
        Assert.Equal(["audit.json", "theirs.json", "mine.json"], MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Select(e => e.Name));
        Assert.Single(node.Applied);
    }

    [Fact]
    public async Task AWriterThatKeepsChangingTheConfigStopsTheApplyWithoutSendingIt()
    {
        var node = FakeNode(1);
        var deployer = Deployer();
        var plan = await deployer.PlanAsync(node.Address, node.Address, [Set("mine.json", AuditJson)]);
        node.MachineConfig = MachineConfigSeccompEditor.Set(node.MachineConfig, "theirs.json", new JsonObject { ["defaultAction"] = "SCMP_ACT_LOG" }).NewText;

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => deployer.ApplyAsync(plan, new SeccompApplyOptions { MaxAttempts = 1 }));

        Assert.Equal("SeccompProfileConcurrentUpdate", error.ErrorId);
        Assert.Equal(ErrorKind.ResourceBusy, error.Kind);
        Assert.Equal(node.Address, error.Target);
        Assert.Empty(node.Applied);
    }

    [Fact]
    public async Task AWriterRacingEveryReadIsRetriedABoundedNumberOfTimes()
    {
        var node = FakeNode(0);
        var round = 0;
        var deployer = Deployer();
        var plan = await deployer.PlanAsync(node.Address, node.Address, [Set("mine.json", AuditJson)]);

        // From now on every config read changes the config before the next one can be served.
        // The latency makes sure each change has landed before the next read is served.
        node.Latency = TimeSpan.FromMilliseconds(50);
        node.AfterConfigRead = n =>
        {
            n.MachineConfig = MachineConfigSeccompEditor.Set(n.MachineConfig, "theirs.json", new JsonObject { ["round"] = Interlocked.Increment(ref round) }).NewText;
        };
        node.MachineConfig = MachineConfigSeccompEditor.Set(node.MachineConfig, "theirs.json", new JsonObject { ["round"] = 0 }).NewText;
        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => deployer.ApplyAsync(plan, new SeccompApplyOptions()));

        Assert.Equal("SeccompProfileConcurrentUpdate", error.ErrorId);
        Assert.Contains($"{SeccompProfileDeployer.DefaultMaxAttempts} attempts", error.Message, StringComparison.Ordinal);
        Assert.Empty(node.Applied);
    }

    [Fact]
    public async Task ReaderRoleIsRefusedBeforeAnythingIsSent()
    {
        var deployer = Deployer(ReaderConfig);

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => deployer.PlanAsync(Nodes[0], Nodes[0], [Set("a.json", AuditJson)]));

        Assert.Equal("TalosPermissionDenied", error.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, error.Kind);
        Assert.Contains("os:reader", error.Message, StringComparison.Ordinal);
        Assert.Contains("os:admin", error.Message, StringComparison.Ordinal);
        Assert.Equal(Nodes[0], error.Target);
        Assert.Equal(0, Server.CompletedHandshakes);
        Assert.Empty(FakeNode(0).Applied);
    }

    [Fact]
    public async Task ReaderCanListButContentSaysAdminIsNeeded()
    {
        var client = Client(ReaderConfig);

        var profiles = await NodeSeccompProfiles.ListAsync(client, Nodes[1], Nodes[1]);
        var denied = await NodeSeccompProfiles.ReadContentAsync(client, Nodes[1], profiles);

        var profile = Assert.Single(profiles);
        Assert.Equal("audit.json", profile.Name);
        Assert.NotNull(denied);
        Assert.Contains("os:admin", denied, StringComparison.Ordinal);
        Assert.Contains("os:reader", denied, StringComparison.Ordinal);
        Assert.Null(profile.Content);
        Assert.Null(profile.ContentMatches);
        Assert.Equal(denied, profile.ContentError);
    }

    [Fact]
    public async Task DriftBetweenConfigAndFileIsReported()
    {
        var client = Client();
        var node = FakeNode(2);
        ClearProfiles(node);
        await DeployAsync(node.Address, null, Set("a.json", AuditJson));
        var profile = Assert.Single(await NodeSeccompProfiles.ListAsync(client, node.Address, node.Address));
        profile.SetContent("{\"defaultAction\": \"SCMP_ACT_LOG\"}"u8.ToArray());

        Assert.False(profile.ContentMatches);
        Assert.Equal(AuditJson, profile.ExpectedContent);
    }

    [Theory]
    [InlineData(SeccompApplyMode.Auto, "AUTO", "NoReboot")]
    [InlineData(SeccompApplyMode.NoReboot, "NO_REBOOT", "NoReboot")]
    [InlineData(SeccompApplyMode.Try, "TRY", "Try")]
    [InlineData(SeccompApplyMode.Staged, "STAGED", "Staged")]
    public async Task TheModeIsAlwaysSentAndNeverReboot(SeccompApplyMode mode, string sent, string reported)
    {
        var node = FakeNode(1);
        var options = new SeccompApplyOptions { Mode = mode, TryTimeout = mode == SeccompApplyMode.Try ? TimeSpan.FromMinutes(5) : null };

        var change = Assert.Single(await DeployAsync(node.Address, options, Set("m.json", AuditJson)));

        var applied = Assert.Single(node.Applied);
        Assert.Equal(sent, applied.Mode);
        Assert.Equal(reported, change.Mode);
        Assert.Equal(mode == SeccompApplyMode.Try ? TimeSpan.FromMinutes(5) : null, applied.TryModeTimeout);
        Assert.DoesNotContain(Server.Nodes.Values.SelectMany(n => n.Applied), a => a.Mode == "REBOOT");
    }

    [Fact]
    public async Task DryRunReturnsTheNodesSummaryAndChangesNothing()
    {
        var node = FakeNode(0);
        var before = node.MachineConfig;

        var change = Assert.Single(await DeployAsync(node.Address, new SeccompApplyOptions { DryRun = true, Wait = true }, Set("dry.json", AuditJson)));

        Assert.True(change.DryRun);
        Assert.False(change.Applied);
        Assert.StartsWith("Dry run summary", change.ModeDetails, StringComparison.Ordinal);
        Assert.Contains("+        - name: dry.json", change.ModeDetails, StringComparison.Ordinal);
        Assert.Equal(before, node.MachineConfig);
        Assert.True(Assert.Single(node.Applied).DryRun);
    }

    [Fact]
    public async Task WaitAndReturnResourcesGiveTheNodesNewResource()
    {
        var node = FakeNode(2);
        const string value = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":[{\"names\":[\"close\",\"execve\",\"exit_group\",\"fstatfs\",\"futex\",\"getdents64\",\"openat\",\"rt_sigreturn\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";

        var set = Assert.Single(await DeployAsync(node.Address, new SeccompApplyOptions { Wait = true, ReturnResources = true }, Set("audit.json", value)));
        var removed = Assert.Single(await DeployAsync(node.Address, new SeccompApplyOptions { Wait = true }, SeccompProfileEdit.Remove(["audit.*"])));

        Assert.True(set.Confirmed);
        Assert.NotNull(set.Resource);
        Assert.Equal("2", set.Resource!.Version);
        Assert.Equal(38U, set.Resource.Profile.DefaultErrnoRet);
        Assert.True(removed.Confirmed);
        Assert.Equal("audit.json", removed.Name);
        Assert.Empty(await NodeSeccompProfiles.ListAsync(Client(), node.Address, node.Address));
    }

    [Fact]
    public async Task OneFailingNodeOfThreeLeavesTheOthersDone()
    {
        FakeNode(1).Unreachable = true;
        var client = Client();
        var edit = Set("fleet.json", AuditJson);

        var results = await TalosNodeFanOut.RunAllAsync(Nodes, async (node, ct) =>
        {
            var deployer = new SeccompProfileDeployer(client);
            return await deployer.ApplyAsync(await deployer.PlanAsync(node, node!, [edit], ct), new SeccompApplyOptions(), ct);
        });

        Assert.True(results[0].Succeeded);
        Assert.True(results[2].Succeeded);
        var error = Assert.IsType<TalosSeccompException>(results[1].Error);
        Assert.Equal("TalosNodeUnreachable", error.ErrorId);
        Assert.Equal(Nodes[1], error.Target);
        Assert.Single(FakeNode(0).Applied);
        Assert.Empty(FakeNode(1).Applied);
        Assert.Single(FakeNode(2).Applied);
    }

    [Fact]
    public async Task SeveralEditsGoOutInOneApply()
    {
        var node = FakeNode(0);

        var changes = await DeployAsync(node.Address, null, Set("one.json", AuditJson), Set("two.json", AuditJson), SeccompProfileEdit.Remove(["audit.json"]));

        Assert.Equal([SeccompProfileChangeAction.Added, SeccompProfileChangeAction.Added, SeccompProfileChangeAction.Removed], changes.Select(c => c.Action));
        Assert.Single(node.Applied);
        Assert.Equal(["one.json", "two.json"], MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Select(e => e.Name));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/b.json")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("name with space.json")]
    public void UnsafeNamesAreRefusedBeforeAnyCall(string name)
    {
        var error = Assert.Throws<TalosSeccompException>(() => SeccompProfileEdit.Set(name, SeccompProfile.CreateAuditProfile()));
        Assert.Equal("UnsafeProfileName", error.ErrorId);
    }

    [Fact]
    public void ProfilesWithValidationErrorsNeedForce()
    {
        const string bad = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_EXPLODE\"}]}";

        var error = Assert.Throws<TalosSeccompException>(() => Set("bad.json", bad, force: false));
        var forced = Set("bad.json", bad, force: true);

        Assert.Equal("SeccompProfileValidationFailed", error.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, error.Kind);
        Assert.Contains("syscalls[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains(forced.Diagnostics, d => d.Severity == SeccompDiagnosticSeverity.Error);
        Assert.Equal("SCMP_ACT_EXPLODE", forced.Value!["syscalls"]![0]!["action"]!.GetValue<string>());
    }

    [Fact]
    public void TheDefaultProfileIsOnlyAddedUnlessReplacingIsAsked()
    {
        // Full() holds audit.json (the audit profile) and deny-ptrace.json (another value).
        var text = ConfigFixtures.Full();

        var added = SeccompProfilePlan.Create("n", "n1", [SeccompProfileEdit.SetDefault("new.json", replaceExisting: false)], text, "1");
        Assert.Equal(SeccompProfileChangeAction.Added, added.ActionOf(0));
        var same = SeccompProfilePlan.Create("n", "n1", [SeccompProfileEdit.SetDefault("audit.json", replaceExisting: false)], text, "1");
        Assert.Equal(SeccompProfileChangeAction.Unchanged, same.ActionOf(0));

        var error = Assert.Throws<TalosSeccompException>(() =>
            SeccompProfilePlan.Create("n", "n1", [SeccompProfileEdit.SetDefault("deny-ptrace.json", replaceExisting: false)], text, "1"));
        Assert.Equal("SeccompProfileDefaultWouldReplace", error.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, error.Kind);
        Assert.Equal("n1", error.Target);
        Assert.Contains("n1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'deny-ptrace.json'", error.Message, StringComparison.Ordinal);

        var forced = SeccompProfilePlan.Create("n", "n1", [SeccompProfileEdit.SetDefault("deny-ptrace.json", replaceExisting: true)], text, "1");
        Assert.Equal(SeccompProfileChangeAction.Replaced, forced.ActionOf(0));
    }

    [Theory]
    [InlineData(new[] { "*" }, new[] { "audit.json", "deny-ptrace.json" })]
    [InlineData(new[] { "*.json", "audit.json" }, new[] { "audit.json", "deny-ptrace.json" })]
    [InlineData(new[] { "audit.*" }, new[] { "audit.json" })]
    [InlineData(new[] { "audit.json", "deny-ptrace.json" }, new string[0])]
    [InlineData(new[] { "x*" }, new string[0])]
    public void WildcardRemovalsNameWhatThePatternsMatch(string[] patterns, string[] expected)
    {
        var plan = SeccompProfilePlan.Create("n", "n1", [SeccompProfileEdit.Remove(patterns)], ConfigFixtures.Full(), "1");

        Assert.Equal(expected, plan.WildcardRemovals);
    }

    [Fact]
    public void AConfigWithoutV1Alpha1DocumentIsRefused()
    {
        var text = string.Concat(ConfigFixtures.OtherDocuments.Select(d => "---\n" + d));

        var error = Assert.Throws<TalosSeccompException>(() => SeccompProfilePlan.Create("n", "n", [Set("a.json", AuditJson)], text, "1"));

        Assert.Equal("MachineConfigMissingV1Alpha1", error.ErrorId);
        Assert.Equal("n", error.Target);
    }

    [Fact]
    public void WaitWithStagedModeIsRefused()
    {
        var error = Assert.Throws<TalosSeccompException>(() => SeccompProfileDeployer.ValidateOptions(new SeccompApplyOptions { Wait = true, Mode = SeccompApplyMode.Staged }));
        Assert.Equal("SeccompProfileWaitStaged", error.ErrorId);
    }

    [Fact]
    public void HashtableValuesKeepBigIntegersExact()
    {
        var value = new System.Collections.Hashtable
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["syscalls"] = new object[]
            {
                new System.Collections.Hashtable
                {
                    ["names"] = new object[] { "personality" },
                    ["action"] = "SCMP_ACT_ERRNO",
                    ["args"] = new object[] { new System.Collections.Hashtable { ["index"] = 0, ["value"] = 18446744073709551615m, ["op"] = "SCMP_CMP_EQ" } },
                },
            },
        };

        var profile = SeccompProfileDictionary.ToProfile(value);

        Assert.Equal(ulong.MaxValue, profile.Syscalls[0].Args[0].Value);
        Assert.Throws<TalosSeccompException>(() => SeccompProfileDictionary.ToProfile(new System.Collections.Hashtable { ["defaultAction"] = new object() }));
    }
}
