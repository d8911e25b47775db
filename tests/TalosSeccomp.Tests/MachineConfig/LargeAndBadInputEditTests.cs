using System.Text;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Deployment;
using Xunit;

namespace TalosSeccomp.Tests.MachineConfig;

/// <summary>Edits of very large profiles, and inputs the edit must refuse or keep (issue 12).</summary>
public class LargeAndBadInputEditTests
{
    private static string BigConfig(int names, string prefix = "n")
    {
        var sb = new StringBuilder("version: v1alpha1\nmachine:\n    type: worker\n    seccompProfiles:\n        - name: big.json\n          value:\n            defaultAction: SCMP_ACT_ERRNO\n            syscalls:\n              - action: SCMP_ACT_ALLOW\n                names:\n");
        for (var i = 0; i < names; i++)
        {
            sb.Append("                  - ").Append(prefix).Append(i).Append('\n');
        }

        return sb.Append("cluster:\n    clusterName: demo\n").ToString();
    }

    private static JsonObject BigValue(int names, Func<int, string> name)
    {
        var list = new JsonArray();
        for (var i = 0; i < names; i++)
        {
            list.Add(name(i));
        }

        return new JsonObject { ["defaultAction"] = "SCMP_ACT_ERRNO", ["syscalls"] = new JsonArray(new JsonObject { ["action"] = "SCMP_ACT_ALLOW", ["names"] = list }) };
    }

    [Fact]
    public void ReplacingALargeProfileWorksAndItsDiffShowsOnlyTheChange()
    {
        // Before the fix the diff's LCS table took count^2 cells: 3.6 GB here, and a 100,000-name profile failed with
        // "Array dimensions exceeded supported range" (bench/ measures the 100,000-name replace).
        const int count = 30_000;
        var config = BigConfig(count);
        var edit = MachineConfigSeccompEditor.Set(config, "big.json", BigValue(count, i => i == 15_000 ? "changed" : "n" + i));

        Assert.True(edit.Changed);
        Assert.Equal(config.Replace("                  - n15000\n", "                  - changed\n"), edit.NewText);
        var marked = edit.Diff.Split('\n').Skip(2).Where(l => l.StartsWith("- ", StringComparison.Ordinal) || l.StartsWith("+ ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["-           - n15000", "+           - changed"], marked);
    }

    [Fact]
    public void AWhollyDifferentLargeProfileDiffsAsRemovedThenAdded()
    {
        var before = new SeccompProfileEntry("big.json", BigValue(3_000, i => "a" + i));
        var after = new SeccompProfileEntry("big.json", BigValue(3_000, i => i % 2 == 0 ? "a" + i : "b" + i));

        var diff = EntryDiff.Render([before], [after]).Split('\n').Skip(2).Where(l => l.Length > 0).ToList();

        // The changed middle is too large for the LCS table: every old line removed, then every new line added.
        var firstPlus = diff.FindIndex(l => l.StartsWith("+ ", StringComparison.Ordinal));
        Assert.True(firstPlus > 0);
        Assert.All(diff.Skip(firstPlus), l => Assert.StartsWith("+ ", l, StringComparison.Ordinal));
        Assert.Equal(3_000 - 1, diff.Count(l => l.StartsWith("- ", StringComparison.Ordinal)));
        Assert.Equal(3_000 - 1, diff.Count(l => l.StartsWith("+ ", StringComparison.Ordinal)));
    }

    [Fact]
    public void AConfigOverTheApiMessageLimitIsRefusedBeforeAnyCall()
    {
        var limit = TalosConnection.MaxReceiveMessageSize - SeccompProfilePlan.ApplyRequestOverhead;
        SeccompProfilePlan.RequireSendable(new string('a', limit), "10.5.0.3");

        var ex = Assert.Throws<TalosSeccompException>(() => SeccompProfilePlan.RequireSendable(new string('a', limit + 1), "10.5.0.3"));
        Assert.Equal(("MachineConfigTooLarge", ErrorKind.LimitsExceeded, "10.5.0.3"), (ex.ErrorId, ex.Kind, ex.Target));
        Assert.Contains("Nothing was sent", ex.Message);

        // Counted in UTF-8 bytes, as on the wire.
        Assert.Throws<TalosSeccompException>(() => SeccompProfilePlan.RequireSendable(new string('é', (limit / 2) + 1), "10.5.0.3"));
    }

    [Fact]
    public void ADirectoryGivenAsAProfileFileIsNamedAsSuch()
    {
        var directory = Directory.CreateTempSubdirectory("talosseccomp-dir-");
        try
        {
            var read = Assert.Throws<TalosSeccompException>(() => SeccompProfileFile.Read(directory.FullName));
            Assert.Equal(("SeccompProfilePathIsDirectory", ErrorKind.InvalidArgument), (read.ErrorId, read.Kind));
            Assert.DoesNotContain("denied", read.Message, StringComparison.OrdinalIgnoreCase);
            var write = Assert.Throws<TalosSeccompException>(() => SeccompProfileFile.Write(new SeccompProfile("Log"), directory.FullName));
            Assert.Equal("SeccompProfilePathIsDirectory", write.ErrorId);
            var config = Assert.Throws<TalosSeccompException>(() => TalosConfigFile.Load(directory.FullName));
            Assert.Equal(("TalosConfigPathIsDirectory", ErrorKind.InvalidArgument), (config.ErrorId, config.Kind));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static readonly JsonObject Log = new() { ["defaultAction"] = "SCMP_ACT_LOG" };

    private static string Upstream(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Upstream", file));

    [Theory]
    [InlineData("configpatcher-patchdeletemissing-config.yaml")]
    [InlineData("v1alpha1-strategic-002-left.yaml")]
    public void AnEmptyMachineMappingSurvivesAddAndRemoveByteForByte(string file)
    {
        var config = Upstream(file);
        Assert.Contains("machine: {}", config, StringComparison.Ordinal);

        var added = MachineConfigSeccompEditor.Set(config, "audit.json", Log).NewText;
        Assert.Equal("audit.json", Assert.Single(MachineConfigSeccompEditor.ReadSeccompProfiles(added)).Name);
        var removed = MachineConfigSeccompEditor.Remove(added, ["audit.json"]).NewText;

        Assert.Equal(config, removed);
    }

    [Fact]
    public void AnEmptyMachineMappingWithACommentAndCrLfSurvivesAddAndRemove()
    {
        var config = "version: v1alpha1\r\nmachine: {} # filled in later\r\ncluster:\r\n  clusterName: demo\r\n";

        var added = MachineConfigSeccompEditor.Set(config, "audit.json", Log).NewText;
        Assert.Contains("machine: # filled in later\r\n", added, StringComparison.Ordinal);

        Assert.Equal(config, MachineConfigSeccompEditor.Remove(added, ["*"]).NewText);
    }

    [Fact]
    public void AMachineMappingWithOtherKeysKeepsAnEmptyListWhenTheLastEntryGoes()
    {
        var config = "version: v1alpha1\nmachine:\n  type: worker\n  seccompProfiles:\n    - name: a.json\n      value:\n        defaultAction: SCMP_ACT_LOG\n";

        Assert.Equal("version: v1alpha1\nmachine:\n  type: worker\n  seccompProfiles: []\n", MachineConfigSeccompEditor.Remove(config, ["a.json"]).NewText);
    }

    [Theory]
    [InlineData("  seccompProfiles: [] # profiles go here\n", "  seccompProfiles: # profiles go here\n", "  seccompProfiles: [] # profiles go here\n")]
    [InlineData("  seccompProfiles:   # profiles go here\n", "  seccompProfiles:   # profiles go here\n", "  seccompProfiles: []   # profiles go here\n")]
    [InlineData("  seccompProfiles: ~ #profiles go here\n", "  seccompProfiles: #profiles go here\n", "  seccompProfiles: [] #profiles go here\n")]
    public void ACommentOnTheSeccompProfilesLineSurvivesEmptyToNonEmptyAndBack(string emptyLine, string fullLine, string emptiedLine)
    {
        var config = "version: v1alpha1\nmachine:\n  type: worker\n" + emptyLine + "  install:\n    disk: /dev/sda\n";

        var added = MachineConfigSeccompEditor.Set(config, "audit.json", Log).NewText;
        Assert.Contains(fullLine, added, StringComparison.Ordinal);

        var removed = MachineConfigSeccompEditor.Remove(added, ["audit.json"]).NewText;
        Assert.Contains(emptiedLine, removed, StringComparison.Ordinal);
        Assert.EndsWith("  install:\n    disk: /dev/sda\n", removed, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplacingANameTheConfigHoldsTwiceWarnsAndNamesTheLines()
    {
        var config = "version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value:\n        defaultAction: SCMP_ACT_LOG\n"
            + "    - name: b.json\n      value:\n        defaultAction: SCMP_ACT_LOG\n    - name: a.json\n      value:\n        defaultAction: SCMP_ACT_ERRNO\n";

        var edit = MachineConfigSeccompEditor.Set(config, "a.json", new JsonObject { ["defaultAction"] = "SCMP_ACT_ALLOW" });

        Assert.Equal(["a.json", "b.json"], MachineConfigSeccompEditor.ReadSeccompProfiles(edit.NewText).Select(e => e.Name));
        var warning = Assert.Single(edit.Warnings);
        Assert.Contains("2 entries named 'a.json'", warning);
        Assert.Contains("lines 4, 10", warning);
        Assert.Equal(2, edit.Before.Count);

        // One entry: no warning.
        Assert.Empty(MachineConfigSeccompEditor.Set(edit.NewText, "a.json", Log).Warnings);
    }

    [Theory]
    [InlineData("    - name: a.json\n      value: &shared\n        defaultAction: SCMP_ACT_LOG\ncluster:\n  extra: *shared\n", "shared", "line 5")]
    [InlineData("    - name: a.json\n      value:\n        defaultAction: &act SCMP_ACT_LOG\n    - name: b.json\n      value:\n        defaultAction: *act\n", "act", "line 6")]
    public void AnAnchorInsideAnEntryUsedOutsideItIsRefusedUpFrontNamingIt(string tail, string anchor, string definedAt)
    {
        var config = "version: v1alpha1\nmachine:\n  seccompProfiles:\n" + tail;

        foreach (var edit in new Func<MachineConfigEdit>[] { () => MachineConfigSeccompEditor.Set(config, "a.json", Log), () => MachineConfigSeccompEditor.Remove(config, ["a.json"]) })
        {
            var ex = Assert.Throws<TalosSeccompException>(() => edit());
            Assert.Equal("MachineConfigUnsupportedLayout", ex.ErrorId);
            Assert.Contains($"'&{anchor}'", ex.Message);
            Assert.Contains(definedAt, ex.Message);
            Assert.DoesNotContain("please report", ex.Message);
        }
    }

    [Fact]
    public void AnAnchorUsedOnlyInsideItsOwnEntryIsFine()
    {
        var config = "version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value:\n        defaultAction: &act SCMP_ACT_LOG\n        listenerMetadata: *act\n";

        Assert.Empty(MachineConfigSeccompEditor.ReadSeccompProfiles(MachineConfigSeccompEditor.Remove(config, ["a.json"]).NewText));
    }
}
