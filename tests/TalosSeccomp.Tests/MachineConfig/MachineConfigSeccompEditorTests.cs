using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.MachineConfig;
using Xunit;

namespace TalosSeccomp.Tests.MachineConfig;

public class MachineConfigSeccompEditorTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static string AuditEntry(int indent) => string.Concat(
        new[] { "- name: audit.json", "  value:", "    defaultAction: SCMP_ACT_LOG" }.Select(l => new string(' ', indent) + l + "\n"));

    [Fact]
    public void ReadsEntriesFromTheV1Alpha1Document()
    {
        var entries = MachineConfigSeccompEditor.ReadSeccompProfiles(ConfigFixtures.Full());
        Assert.Equal(new[] { "audit.json", "deny-ptrace.json" }, entries.Select(e => e.Name));
        Assert.Equal("""{"defaultAction":"SCMP_ACT_LOG"}""", entries[0].ValueJson);
        Assert.Equal("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}""", entries[1].ValueJson);
    }

    [Fact]
    public void SetAppendsANewEntryWithTheListsIndentationAndTouchesNothingElse()
    {
        var config = ConfigFixtures.Full();
        var edit = MachineConfigSeccompEditor.Set(config, "block-mount.json", Obj("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount","umount2"],"action":"SCMP_ACT_ERRNO"}]}"""));

        const string anchor = "            # end of deny-ptrace\n";
        var inserted =
            "        - name: block-mount.json\n" +
            "          value:\n" +
            "            defaultAction: SCMP_ACT_ALLOW\n" +
            "            syscalls:\n" +
            "              - names:\n" +
            "                  - mount\n" +
            "                  - umount2\n" +
            "                action: SCMP_ACT_ERRNO\n";
        var expected = config.Replace(anchor, anchor + inserted);
        Assert.NotEqual(config, expected);
        Assert.Equal(expected, edit.NewText);
        Assert.True(edit.Changed);
        Assert.Empty(edit.Before);
        Assert.Equal("block-mount.json", Assert.Single(edit.After).Name);
    }

    [Fact]
    public void SetReplacesAnEntryInPlaceKeepingItsLeadingComment()
    {
        var config = ConfigFixtures.Full();
        var edit = MachineConfigSeccompEditor.Set(config, "audit.json", Obj("""{"defaultAction":"SCMP_ACT_LOG","flags":["SECCOMP_FILTER_FLAG_LOG"]}"""));

        var old = "        - name: audit.json\n          value:\n            defaultAction: SCMP_ACT_LOG # log, never block\n";
        var replacement = "        - name: audit.json\n          value:\n            defaultAction: SCMP_ACT_LOG\n            flags:\n              - SECCOMP_FILTER_FLAG_LOG\n";
        Assert.Equal(config.Replace(old, replacement), edit.NewText);
        Assert.Contains("        # Logs everything; used while building profiles.\n        - name: audit.json\n", edit.NewText, StringComparison.Ordinal);
        Assert.Equal("""{"defaultAction":"SCMP_ACT_LOG"}""", Assert.Single(edit.Before).ValueJson);
        Assert.Equal(
            "--- machine.seccompProfiles (current)\n+++ machine.seccompProfiles (new)\n  - name: audit.json\n    value:\n      defaultAction: SCMP_ACT_LOG\n+     flags:\n+       - SECCOMP_FILTER_FLAG_LOG\n",
            edit.Diff);
    }

    [Fact]
    public void SecondSetIsANoOpEvenWhenTheEntryIsWrittenDifferently()
    {
        var config = ConfigFixtures.Full();
        var value = Obj("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO","errnoRet":1,"names":["ptrace"]}]}""");
        var first = MachineConfigSeccompEditor.Set(config, "deny-ptrace.json", value);
        Assert.False(first.Changed); // same JSON as the hand-written entry, key order aside
        Assert.Same(config, first.NewText);
        Assert.Equal(string.Empty, first.Diff);

        var changed = MachineConfigSeccompEditor.Set(config, "new.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        var again = MachineConfigSeccompEditor.Set(changed.NewText, "new.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        Assert.True(changed.Changed);
        Assert.False(again.Changed);
        Assert.Equal(changed.NewText, again.NewText);
    }

    [Fact]
    public void DuplicatesCollapseIntoOneEntryAndTheirCommentsGoWithThem()
    {
        var config = ConfigFixtures.Minimal(
            "machine:\n" +
            "  seccompProfiles:\n" +
            "  # first copy\n" +
            "  - name: dup.json\n" +
            "    value: {defaultAction: SCMP_ACT_LOG}\n" +
            "  # keep me\n" +
            "  - name: other.json # other\n" +
            "    value:\n" +
            "      defaultAction: SCMP_ACT_ALLOW\n" +
            "  # second copy\n" +
            "  - name: dup.json\n" +
            "    value:\n" +
            "      defaultAction: SCMP_ACT_KILL\n" +
            "      # inside the second copy\n" +
            "  - name: dup.json\n" +
            "    value: {}\n" +
            "  type: worker\n");
        var edit = MachineConfigSeccompEditor.Set(config, "dup.json", Obj("""{"defaultAction":"SCMP_ACT_ERRNO"}"""));

        Assert.Equal(
            ConfigFixtures.Minimal(
                "machine:\n" +
                "  seccompProfiles:\n" +
                "  # first copy\n" +
                "  - name: dup.json\n" +
                "    value:\n" +
                "      defaultAction: SCMP_ACT_ERRNO\n" +
                "  # keep me\n" +
                "  - name: other.json # other\n" +
                "    value:\n" +
                "      defaultAction: SCMP_ACT_ALLOW\n" +
                "  type: worker\n"),
            edit.NewText);
        Assert.Equal(3, edit.Before.Count);
        Assert.Equal(new[] { "dup.json", "other.json" }, MachineConfigSeccompEditor.ReadSeccompProfiles(edit.NewText).Select(e => e.Name));
    }

    [Fact]
    public void NumbersBeyondDoublePrecisionSurviveSetAndRead()
    {
        var value = Obj("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_EQ"},{"index":1,"value":-9223372036854775808,"op":"SCMP_CMP_NE"}]}],"ratio":0.1000000000000000055511151231257827}""");
        var edit = MachineConfigSeccompEditor.Set(ConfigFixtures.Full(), "big.json", value);
        Assert.Contains("value: 18446744073709551615\n", edit.NewText, StringComparison.Ordinal);
        Assert.Contains("valueTwo: 9007199254740993\n", edit.NewText, StringComparison.Ordinal);
        var read = MachineConfigSeccompEditor.ReadSeccompProfiles(edit.NewText).Single(e => e.Name == "big.json");
        Assert.Equal(value.ToJsonString(), read.ValueJson);
    }

    [Theory]
    [InlineData("machine:\n  seccompProfiles: []\n  type: worker\n")]
    [InlineData("machine:\n  seccompProfiles: [] # none yet\n  type: worker\n")]
    [InlineData("machine:\n  seccompProfiles:\n  type: worker\n")]
    [InlineData("machine:\n  seccompProfiles: ~\n  type: worker\n")]
    public void EmptyOrNullListsBecomeBlockLists(string machine)
    {
        var edit = MachineConfigSeccompEditor.Set(ConfigFixtures.Minimal(machine), "audit.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        var comment = machine.Contains('#') ? " # none yet" : string.Empty; // a comment on the key line stays there
        Assert.Equal(ConfigFixtures.Minimal("machine:\n  seccompProfiles:" + comment + "\n" + AuditEntry(4) + "  type: worker\n"), edit.NewText);
    }

    [Fact]
    public void FlowListsAreRewrittenAsBlockListsKeepingTheOtherEntries()
    {
        var config = ConfigFixtures.Minimal("machine:\n  type: worker\n  seccompProfiles: [{name: a.json, value: {x: 18446744073709551615}}, {name: b.json, value: {w: '1'}}]\n  install: {}\n");
        var set = MachineConfigSeccompEditor.Set(config, "c.json", Obj("""{"z":true}"""));
        Assert.Equal(
            ConfigFixtures.Minimal("machine:\n  type: worker\n  seccompProfiles:\n    - name: a.json\n      value:\n        x: 18446744073709551615\n    - name: b.json\n      value:\n        w: \"1\"\n    - name: c.json\n      value:\n        z: true\n  install: {}\n"),
            set.NewText);

        var removed = MachineConfigSeccompEditor.Remove(config, new[] { "a.json" });
        Assert.Equal(ConfigFixtures.Minimal("machine:\n  type: worker\n  seccompProfiles:\n    - name: b.json\n      value:\n        w: \"1\"\n  install: {}\n"), removed.NewText);
        Assert.Equal(
            ConfigFixtures.Minimal("machine:\n  type: worker\n  seccompProfiles: []\n  install: {}\n"),
            MachineConfigSeccompEditor.Remove(config, new[] { "*" }).NewText);
    }

    [Fact]
    public void MissingSeccompProfilesIsAddedAtTheEndOfMachineWithTheDocumentsIndentation()
    {
        var v1 = ConfigFixtures.V1Alpha1;
        var start = v1.IndexOf("    # Seccomp profiles", StringComparison.Ordinal);
        var end = v1.IndexOf("    # Used to provide instructions", StringComparison.Ordinal);
        var withoutProfiles = v1.Remove(start, end - start);
        var config = ConfigFixtures.Full(v1alpha1: withoutProfiles);

        var edit = MachineConfigSeccompEditor.Set(config, "audit.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        var after = "        stableHostname: true # Enable stable default hostname.\n";
        Assert.Equal(config.Replace(after, after + "    seccompProfiles:\n" + AuditEntry(8)), edit.NewText);
    }

    [Theory]
    [InlineData("")]
    [InlineData("machine:\n")]
    [InlineData("machine: {} # nothing yet\n")]
    [InlineData("machine: null\n")]
    public void MissingOrEmptyMachineGetsAMachineSection(string machine)
    {
        var config = "# main\nversion: v1alpha1\n" + machine + "cluster:\n  clusterName: demo\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n";
        var edit = MachineConfigSeccompEditor.Set(config, "audit.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        var block = (machine.Contains('#') ? "machine: # nothing yet\n" : "machine:\n") + "  seccompProfiles:\n" + AuditEntry(4);
        var expected = machine.Length == 0
            ? "# main\nversion: v1alpha1\ncluster:\n  clusterName: demo\n" + block + "---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n"
            : "# main\nversion: v1alpha1\n" + block + "cluster:\n  clusterName: demo\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n";
        Assert.Equal(expected, edit.NewText);
    }

    [Fact]
    public void AnEmptyLastListItemDoesNotPullTheInsertionIntoTheNextDocument()
    {
        var config = "version: v1alpha1\ncluster:\n  extraManifests:\n    -\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n";
        var edit = MachineConfigSeccompEditor.Set(config, "a.json", Obj("{}"));
        Assert.Equal("version: v1alpha1\ncluster:\n  extraManifests:\n    -\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value: {}\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n", edit.NewText);
    }

    [Fact]
    public void RemoveTakesWildcardsAndIgnoresAbsentNames()
    {
        var config = ConfigFixtures.Full();
        var edit = MachineConfigSeccompEditor.Remove(config, new[] { "deny-*", "missing.json" });
        var removed =
            "        - name: deny-ptrace.json # keep this one\n" +
            "          value:\n" +
            "            defaultAction: SCMP_ACT_ALLOW\n" +
            "            syscalls:\n" +
            "                - names:\n" +
            "                    - ptrace\n" +
            "                  action: SCMP_ACT_ERRNO\n" +
            "                  errnoRet: 1\n" +
            "            # end of deny-ptrace\n";
        Assert.Contains(removed, config, StringComparison.Ordinal);
        Assert.Equal(config.Replace(removed, string.Empty), edit.NewText);
        Assert.Equal("deny-ptrace.json", Assert.Single(edit.Before).Name);
        Assert.Empty(edit.After);
        Assert.All(edit.Diff.Split('\n').Skip(2).Where(l => l.Length > 0), l => Assert.StartsWith("- ", l, StringComparison.Ordinal));

        var none = MachineConfigSeccompEditor.Remove(config, new[] { "missing.json", "Audit.json" });
        Assert.False(none.Changed);
        Assert.Equal(config, none.NewText);
    }

    [Fact]
    public void RemovingTheLastEntryLeavesAnEmptyList()
    {
        var config = ConfigFixtures.Full();
        var edit = MachineConfigSeccompEditor.Remove(config, new[] { "*.json" });
        var start = config.IndexOf("    seccompProfiles:\n", StringComparison.Ordinal);
        var end = config.IndexOf("    # Used to provide instructions", StringComparison.Ordinal);
        Assert.Equal(config[..start] + "    seccompProfiles: []\n" + config[end..], edit.NewText);
        Assert.Empty(MachineConfigSeccompEditor.ReadSeccompProfiles(edit.NewText));
        Assert.Equal(2, edit.Before.Count);
    }

    [Fact]
    public void CrlfAndBomArePreservedAndNewLinesUseCrlf()
    {
        var config = ConfigFixtures.Full(leadingSeparator: true, crlf: true, bom: true);
        var edit = MachineConfigSeccompEditor.Set(config, "new.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        Assert.StartsWith("\uFEFF---\r\n", edit.NewText, StringComparison.Ordinal);
        Assert.DoesNotContain(edit.NewText.Select((c, i) => (c, i)), x => x.c == '\n' && (x.i == 0 || edit.NewText[x.i - 1] != '\r'));
        var lf = MachineConfigSeccompEditor.Set(ConfigFixtures.Full(leadingSeparator: true), "new.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}"""));
        Assert.Equal("\uFEFF" + lf.NewText.Replace("\n", "\r\n"), edit.NewText);
    }

    [Fact]
    public void WorksWhenTheV1Alpha1DocumentIsInTheMiddle()
    {
        var config = ConfigFixtures.V1Alpha1InTheMiddle();
        var edit = MachineConfigSeccompEditor.Set(config, "audit.json", Obj("""{"defaultAction":"SCMP_ACT_ERRNO"}"""));
        var before = MachineConfigSplitter.Split(config);
        var after = MachineConfigSplitter.Split(edit.NewText);
        Assert.Equal(before.Where(d => !d.IsV1Alpha1).Select(d => d.Text), after.Where(d => !d.IsV1Alpha1).Select(d => d.Text));
        Assert.Equal("SCMP_ACT_ERRNO", (string)MachineConfigSeccompEditor.ReadSeccompProfiles(edit.NewText)[0].Value["defaultAction"]!);
    }

    [Fact]
    public void TextWithoutAFinalLineBreakStaysThatWay()
    {
        var config = "version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value: {x: 1}";
        var set = MachineConfigSeccompEditor.Set(config, "b.json", Obj("""{"z":2}"""));
        Assert.Equal(config + "\n    - name: b.json\n      value:\n        z: 2", set.NewText);
        var replaced = MachineConfigSeccompEditor.Set(config, "a.json", Obj("""{"x":2}"""));
        Assert.Equal("version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value:\n        x: 2", replaced.NewText);
    }

    [Fact]
    public void IndentlessAndWideItemListsKeepTheirStyle()
    {
        var config = ConfigFixtures.Minimal("machine:\n  seccompProfiles:\n  -   name: a.json\n      value: {}\n");
        var edit = MachineConfigSeccompEditor.Set(config, "b.json", Obj("""{"k":{"m":[1]}}"""));
        Assert.Equal(ConfigFixtures.Minimal("machine:\n  seccompProfiles:\n  -   name: a.json\n      value: {}\n  -   name: b.json\n      value:\n          k:\n              m:\n                  - 1\n"), edit.NewText);
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("a/b.json")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("spaced name.json")]
    public void UnsafeNamesAreRejected(string name)
    {
        var ex = Assert.Throws<TalosSeccompException>(() => MachineConfigSeccompEditor.Set(ConfigFixtures.Full(), name, Obj("{}")));
        Assert.Equal(("UnsafeProfileName", ErrorKind.InvalidArgument, name), (ex.ErrorId, ex.Kind, ex.Target));
    }

    [Theory]
    [InlineData("machine: {type: worker}\n", "MachineConfigUnsupportedLayout")]
    [InlineData("machine:\n  seccompProfiles: *p\n", "MachineConfigInvalidYaml")]
    [InlineData("machine:\n  seccompProfiles: &p []\n  other: *p\n", "MachineConfigUnsupportedLayout")]
    [InlineData("machine:\n  seccompProfiles:\n    - name: a.json\n", "MachineConfigInvalidSeccompProfiles")]
    [InlineData("machine:\n  seccompProfiles:\n    - value: {}\n", "MachineConfigInvalidSeccompProfiles")]
    [InlineData("machine:\n  seccompProfiles: {}\n", "MachineConfigInvalidSeccompProfiles")]
    [InlineData("machine: [1]\n", "MachineConfigUnsupportedLayout")]
    public void LayoutsThatCannotBeEditedSafelyAreRefused(string machine, string errorId)
    {
        var ex = Assert.Throws<TalosSeccompException>(() => MachineConfigSeccompEditor.Set(ConfigFixtures.Minimal(machine), "x.json", Obj("{}"), "10.5.0.3"));
        Assert.Equal((errorId, ErrorKind.InvalidData, "10.5.0.3"), (ex.ErrorId, ex.Kind, ex.Target));
    }

    [Fact]
    public void NanValuesAreRejectedBeforeAnythingIsSpliced()
    {
        var value = new JsonObject { ["x"] = JsonValue.Create(double.NaN) };
        var ex = Assert.Throws<TalosSeccompException>(() => MachineConfigSeccompEditor.Set(ConfigFixtures.Full(), "nan.json", value));
        Assert.Equal(("InvalidJsonValue", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
    }

    public static TheoryData<string, Func<string, string>> BrokenSplices() => new()
    {
        { "another document changed", t => t.Replace("auto: stable", "auto: off", StringComparison.Ordinal) },
        { "a comment-only change in another document", t => t.Replace("# fallback", "# fallback!", StringComparison.Ordinal) },
        { "v1alpha1 changed outside the list", t => t.Replace("type: worker", "type: controlplane", StringComparison.Ordinal) },
        { "the new entry has another value", t => t.Replace("defaultAction: SCMP_ACT_KILL", "defaultAction: SCMP_ACT_LOG", StringComparison.Ordinal) },
        { "an entry was lost", t => t.Replace("- name: audit.json", "- name: audit2.json", StringComparison.Ordinal) },
        { "the indentation broke", t => t.Replace("        - name: new.json", "     - name: new.json", StringComparison.Ordinal) },
        { "a document was dropped", t => t[..t.LastIndexOf("---", StringComparison.Ordinal)] },
    };

    [Theory]
    [MemberData(nameof(BrokenSplices))]
    public void TheSafetyNetRejectsABrokenSplice(string what, Func<string, string> tamper)
    {
        var config = ConfigFixtures.Full();
        var ex = Assert.Throws<TalosSeccompException>(() => MachineConfigSeccompEditor.Set(config, "new.json", Obj("""{"defaultAction":"SCMP_ACT_KILL"}"""), "10.5.0.3", tamper));
        Assert.True(ex.ErrorId == "MachineConfigPatchVerificationFailed", what + ": " + ex.Message);
        Assert.Equal("10.5.0.3", ex.Target);
    }

    [Fact]
    public void TheSafetyNetAlsoGuardsRemove()
    {
        var ex = Assert.Throws<TalosSeccompException>(() => MachineConfigSeccompEditor.Remove(ConfigFixtures.Full(), new[] { "audit.json" }, null, t => t.Replace("deny-ptrace", "deny-ptrace2", StringComparison.Ordinal)));
        Assert.Equal("MachineConfigPatchVerificationFailed", ex.ErrorId);
    }

    [Fact]
    public void ConfigPatchRendersTheGuidesPatch()
    {
        var patch = TalosConfigPatchRenderer.Render(new[] { ("audit.json", Obj("""{"defaultAction":"SCMP_ACT_LOG"}""")) });
        Assert.Equal("machine:\n  seccompProfiles:\n    - name: audit.json\n      value:\n        defaultAction: SCMP_ACT_LOG\n", patch);
        var two = TalosConfigPatchRenderer.Render(new[] { ("a.json", Obj("""{"n":"1","m":"1"}""")), ("b.json", Obj("{}")) });
        Assert.Equal("machine:\n  seccompProfiles:\n    - name: a.json\n      value:\n        \"n\": \"1\"\n        m: \"1\"\n    - name: b.json\n      value: {}\n", two);
        Assert.Throws<TalosSeccompException>(() => TalosConfigPatchRenderer.Render(new[] { ("../x", Obj("{}")) }));
    }

    [Theory]
    [InlineData("a*", "abc", true)]
    [InlineData("a*", "Abc", false)]
    [InlineData("?.json", "a.json", true)]
    [InlineData("[ab].json", "b.json", true)]
    [InlineData("[a-c].json", "d.json", false)]
    [InlineData("[a-c].json", "B.json", false)]
    [InlineData("a`*", "a*", true)]
    [InlineData("a`*", "ab", false)]
    [InlineData("x.json", "x.json", true)]
    [InlineData("x.json", "xyjson", false)]
    public void NamePatternsFollowPowerShellWildcards(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, TalosSeccomp.Formats.Wildcard.Compile(pattern, ignoreCase: false).IsMatch(name));
    }

    [Fact]
    public void UnclosedBracketIsAnInvalidPattern()
    {
        Assert.Equal("InvalidWildcardPattern", Assert.Throws<TalosSeccompException>(() => TalosSeccomp.Formats.Wildcard.Compile("[ab", ignoreCase: false)).ErrorId);
    }
}

public class SeccompProfileRenderingTests
{
    [Fact]
    public void KeysWithLineBreaksFallBackToJsonFlowThatReadsBack()
    {
        var value = JsonNode.Parse("""{"ok":1,"a\nb":{"c\nd":"x\n"},"s":"\tlead"}""")!.AsObject();
        var edit = MachineConfigSeccompEditor.Set(ConfigFixtures.Full(), "odd.json", value);
        Assert.Contains("""value: {"ok":1,"a\nb":{"c\nd":"x\n"},"s":"\tlead"}""", edit.NewText, StringComparison.Ordinal);
        Assert.Equal(value.ToJsonString(), MachineConfigSeccompEditor.ReadSeccompProfiles(edit.NewText).Single(e => e.Name == "odd.json").ValueJson);
        Assert.Equal(value.ToJsonString(), YamlJson.ToJson(YamlJson.ToYaml(value))!.ToJsonString());
    }

    [Fact]
    public void LeadingWhitespaceAndSpecialCharactersAreQuoted()
    {
        var value = JsonNode.Parse("""{"a":"\tx","b":" y","c":"z ","d":"k: v","e":"#c","f":"<<","g":"plain text ok","h":"ghcr.io/x:v1"}""")!.AsObject();
        var yaml = YamlJson.ToYaml(value);
        Assert.Equal("a: \"\tx\"\nb: \" y\"\nc: \"z \"\nd: \"k: v\"\ne: \"#c\"\nf: \"<<\"\ng: plain text ok\nh: ghcr.io/x:v1\n", yaml);
    }
}
