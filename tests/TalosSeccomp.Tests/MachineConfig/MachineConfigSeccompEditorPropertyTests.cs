using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using TalosSeccomp.MachineConfig;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TalosSeccomp.Tests.MachineConfig;

/// <summary>
/// Random multi-document configs (other documents with comments and nesting, a v1alpha1 document in random
/// layouts, random seccompProfiles lists with comments) and random set/remove edits. Everything is checked
/// against the generator's own pieces of text and an independent YamlDotNet representation-model parse, never
/// against the engine's parser: only the intended entries may change.
/// </summary>
public class MachineConfigSeccompEditorPropertyTests
{
    private static readonly string[] NamePool = { "a.json", "b.json", "audit.json", "x-1.json", "y_2" };

    private static readonly Gen<string> Word = Gen.OneOfConst(
        "alpha", "beta", "SCMP_ACT_LOG", "key with space", "yes", "no", "on", "123", "0777", "true", "null", "~", "0x1F", "1e3", "#hash",
        "a: b", "- dash", string.Empty, "é", "multi\nline", "tab\there", "quote\"d", "'single'", "@at", "%pct", "1:20", "y", "N", "2001-12-14", "*star", "&amp");

    private static readonly Gen<string> RandomText = Gen.String[Gen.Char["abcXYZ019 :#-_'\"\n\t.é{}[],&*!|>%@`"], 0, 12];

    private static readonly Gen<JsonNode?> ScalarValue = Gen.Frequency(
        (4, Gen.Frequency((3, Word), (2, RandomText)).Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, Gen.Long.Select(v => (JsonNode?)JsonValue.Create(v))),
        (1, Gen.ULong.Select(v => (JsonNode?)JsonValue.Create(v))),
        (1, Gen.Double.Where(double.IsFinite).Select(v => (JsonNode?)JsonValue.Create(v))),
        (1, Gen.Bool.Select(v => (JsonNode?)JsonValue.Create(v))),
        (1, Gen.Int[0, 0].Select(_ => (JsonNode?)null)));

    private static readonly Gen<string> Key = Gen.Frequency((3, Gen.OneOfConst("defaultAction", "syscalls", "names", "args", "k", "value", "n")), (1, Word), (1, RandomText));

    private static readonly Gen<JsonNode?> Value = Gen.Recursive<JsonNode?>((depth, self) =>
        depth >= 3
            ? ScalarValue
            : Gen.Frequency(
                (4, ScalarValue),
                (1, self.Array[0, 3].Select(items => (JsonNode?)new JsonArray(items))),
                (1, ObjectOf(self))));

    private static readonly Gen<JsonObject> SeccompProfileDictionary = ObjectOf(Value).Select(n => (JsonObject)n!);

    private static readonly Gen<GenEntry> Entry = Gen.Select(
        Gen.OneOfConst(NamePool),
        SeccompProfileDictionary,
        Gen.OneOfConst(string.Empty, "# lead comment\n", "\n# after a blank line\n", "# one\n# two\n"),
        Gen.OneOfConst(string.Empty, " # inline"),
        Gen.OneOfConst(string.Empty, "# inner comment\n"),
        Gen.Bool,
        Gen.Bool,
        (name, value, lead, inline, inner, flowValue, quotedName) => new GenEntry(name, value, lead, inline, inner, flowValue, quotedName));

    private static readonly Gen<string> OtherDocument = Gen.Select(
        Gen.OneOfConst("HostnameConfig", "LinkConfig", "ResolverConfig", "KubeSpanConfig", "VolumeConfig", "SomeFutureConfig"),
        Gen.OneOfConst(string.Empty, "# about this document\n", "\n"),
        Gen.OneOfConst(string.Empty, "name: eth0 # named\n", "name: 'quoted'\n"),
        ObjectOf(Value),
        Gen.OneOfConst(string.Empty, "...\n", "# trailing comment\n", "\n\n"),
        Gen.Int[2, 4],
        (kind, lead, name, body, end, step) =>
            "---" + (lead.StartsWith('#') ? " " + lead : "\n" + lead) + "apiVersion: v1alpha1\nkind: " + kind + "\n" + name + Block(body, 0, step, comments: true) + end);

    private static readonly Gen<Scenario> Scenarios = Gen.Select(
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[2, 4], (bom, crlf, leading, step) => (bom, crlf, leading, step)),
        OtherDocument.Array[0, 4],
        OtherDocument.Array[0, 6],
        Gen.Enum<Layout>(),
        Entry.Array[0, 6],
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, (indentless, wideItems, profilesFirst) => (indentless, wideItems, profilesFirst)),
        Gen.Frequency(
            (3, Gen.Select(Gen.OneOfConst(NamePool), SeccompProfileDictionary, (n, v) => (Edit)new SetEdit(n, v))),
            (1, Gen.Int[0, 5].Select(i => (Edit)new SetSameEdit(i))),
            (2, Gen.OneOfConst("a.json", "*.json", "?.json", "[ab].json", "missing.json", "*", "y_?").Array[1, 3].Select(p => (Edit)new RemoveEdit(p)))),
        (options, before, after, layout, entries, style, edit) => new Scenario(options.bom, options.crlf, options.leading, options.step, before, after, layout, entries, style.indentless, style.wideItems, style.profilesFirst, edit));

    [Fact]
    public void RandomEditsChangeOnlyTheIntendedEntries()
    {
        Scenarios.Sample(Check, iter: 400, seed: null);
    }

    private static void Check(Scenario scenario)
    {
        var (text, prefix, region, suffix) = scenario.Build();
        var entries = scenario.EffectiveEntries;
        var expected = scenario.Expected(out var expectChange);

        MachineConfigEdit edit = scenario.Edit switch
        {
            SetEdit set => MachineConfigSeccompEditor.Set(text, set.Name, (JsonObject)set.Value.DeepClone()),
            SetSameEdit same when entries.Count > 0 => MachineConfigSeccompEditor.Set(text, entries[same.Index % entries.Count].Name, (JsonObject)entries[same.Index % entries.Count].Value.DeepClone()),
            SetSameEdit => MachineConfigSeccompEditor.Set(text, "a.json", new JsonObject()),
            RemoveEdit remove => MachineConfigSeccompEditor.Remove(text, remove.Patterns),
            _ => throw new InvalidOperationException(),
        };

        if (!expectChange)
        {
            Assert.False(edit.Changed);
            Assert.Equal(text, edit.NewText);
        }

        var newText = edit.NewText;

        // Text outside the seccompProfiles region is byte-identical: other documents, comments, BOM, line ends.
        Assert.StartsWith(prefix, newText, StringComparison.Ordinal);
        Assert.EndsWith(suffix, newText, StringComparison.Ordinal);
        var newRegion = newText[prefix.Length..^suffix.Length];
        if (scenario.Crlf)
        {
            Assert.DoesNotMatch(new Regex("(?<!\r)\n"), newText);
        }

        // Comments and text of the block entries the edit does not concern survive verbatim, in order.
        if (scenario.Layout == Layout.Block)
        {
            var position = 0;
            foreach (var entry in scenario.Entries.Where(e => !scenario.Concerns(e.Name)))
            {
                var entryText = scenario.Newlines(scenario.EntryText(entry));
                var found = newRegion.IndexOf(entryText, position, StringComparison.Ordinal);
                Assert.True(found >= 0, $"entry text lost:\n{entryText}\nin region:\n{newRegion}");
                position = found + entryText.Length;
            }
        }

        // An independent parse agrees: other documents and the rest of v1alpha1 unchanged, the list exactly as intended.
        var oldDocs = LoadIndependently(text);
        var newDocs = LoadIndependently(newText);
        Assert.Equal(oldDocs.Count, newDocs.Count);
        var v1Index = oldDocs.FindIndex(d => d.RootNode is YamlMappingNode m && m.Children.ContainsKey(new YamlScalarNode("version")));
        for (var i = 0; i < oldDocs.Count; i++)
        {
            if (i != v1Index)
            {
                Assert.True(SameNode(oldDocs[i].RootNode, newDocs[i].RootNode), $"document {i} changed");
            }
        }

        var oldRoot = (YamlMappingNode)oldDocs[v1Index].RootNode;
        var newRoot = (YamlMappingNode)newDocs[v1Index].RootNode;
        Assert.True(SameNode(WithoutProfiles(oldRoot), WithoutProfiles(newRoot)), "v1alpha1 changed outside machine.seccompProfiles");
        var list = Profiles(newRoot);
        Assert.Equal(expected.Count, list.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var item = (YamlMappingNode)list[i];
            Assert.Equal(expected[i].Name, ((YamlScalarNode)item.Children[new YamlScalarNode("name")]).Value);
            AssertMatches(expected[i].Value, item.Children[new YamlScalarNode("value")], $"entry {i} ({expected[i].Name})");
        }

        // The engine reads back what it wrote, and a second identical set changes nothing.
        Assert.Equal(expected.Select(e => e.Name), MachineConfigSeccompEditor.ReadSeccompProfiles(newText).Select(e => e.Name));
        if (scenario.Edit is SetEdit again)
        {
            Assert.False(MachineConfigSeccompEditor.Set(newText, again.Name, (JsonObject)again.Value.DeepClone()).Changed);
        }

        Assert.Equal(newRegion.Length == region.Length && newRegion == region, !edit.Changed);
    }

    // ---- the generated scenario ----

    internal enum Layout
    {
        MachineMissing,
        ProfilesMissing,
        Null,
        FlowEmpty,
        Flow,
        Block,
    }

    internal abstract record Edit;

    internal sealed record SetEdit(string Name, JsonObject Value) : Edit;

    internal sealed record SetSameEdit(int Index) : Edit;

    internal sealed record RemoveEdit(string[] Patterns) : Edit;

    internal sealed record GenEntry(string Name, JsonObject Value, string Lead, string Inline, string Inner, bool FlowValue, bool QuotedName);

    internal sealed record Scenario(
        bool Bom, bool Crlf, bool LeadingSeparator, int Step, string[] Before, string[] After, Layout Layout, GenEntry[] Entries,
        bool Indentless, bool WideItems, bool ProfilesFirst, Edit Edit)
    {
        private string S(int levels) => new(' ', Step * levels);

        public int DashColumn => Indentless ? Step : Step * 2;

        public int ItemOffset => WideItems ? 4 : 2;

        /// <summary>The entries the config really holds (none for layouts without a list).</summary>
        public IReadOnlyList<GenEntry> EffectiveEntries => Layout is Layout.Block or Layout.Flow ? Entries : Array.Empty<GenEntry>();

        public string Newlines(string text) => Crlf ? text.Replace("\n", "\r\n") : text;

        public string EntryText(GenEntry e)
        {
            var dash = new string(' ', DashColumn);
            var content = new string(' ', DashColumn + ItemOffset);
            var sb = new StringBuilder();
            foreach (var line in e.Lead.Split('\n')[..^1])
            {
                sb.Append(line.Length == 0 ? string.Empty : dash + line).Append('\n');
            }

            sb.Append(dash).Append('-').Append(' ', ItemOffset - 1).Append("name: ").Append(e.QuotedName ? "'" + e.Name + "'" : e.Name).Append(e.Inline).Append('\n');
            if (e.FlowValue || e.Value.Count == 0)
            {
                sb.Append(content).Append("value: ").Append(e.Value.ToJsonString()).Append('\n');
            }
            else
            {
                sb.Append(content).Append("value:\n").Append(Block(e.Value, DashColumn + ItemOffset + Step, Step, comments: false));
                if (e.Inner.Length > 0)
                {
                    sb.Append(content).Append(' ', Step).Append(e.Inner);
                }
            }

            return sb.ToString();
        }

        /// <summary>The config and its three parts: fixed prefix, the region an edit may change, fixed suffix.</summary>
        public (string Text, string Prefix, string Region, string Suffix) Build()
        {
            var head = "# main document\nversion: v1alpha1 # schema\ndebug: false\n";
            var keysBefore = ProfilesFirst ? string.Empty : S(1) + "type: worker # role\n" + S(1) + "kubelet:\n" + S(2) + "image: ghcr.io/siderolabs/kubelet:v1.33.0\n";
            var keysAfter = S(1) + "install:\n" + S(2) + "disk: /dev/sda # disk\n" + S(2) + "extraKernelArgs: [a, 'b']\n";
            var trailer = S(1) + "# end of machine\n";
            var tail = "cluster:\n" + S(1) + "clusterName: demo\n" + S(1) + "network:\n" + S(2) + "podSubnets:\n" + S(2) + "- 10.244.0.0/16\n";
            var others = string.Concat(After);

            // Other documents first need a separator before v1alpha1; otherwise the leading "---" is optional.
            var start = (Bom ? "\uFEFF" : string.Empty) + (Before.Length > 0 ? string.Concat(Before) + "---\n" : LeadingSeparator ? "---\n" : string.Empty);
            string prefix, region, suffix;
            switch (Layout)
            {
                case Layout.MachineMissing:
                    prefix = start + head + tail;
                    region = string.Empty;
                    suffix = others;
                    break;
                case Layout.ProfilesMissing:
                    prefix = start + head + "machine:\n" + keysBefore + keysAfter;
                    region = string.Empty;
                    suffix = trailer + tail + others;
                    break;
                default:
                    prefix = start + head + "machine:\n" + keysBefore;
                    region = Layout switch
                    {
                        Layout.Null => S(1) + "seccompProfiles:\n",
                        Layout.FlowEmpty => S(1) + "seccompProfiles: [] # none yet\n",
                        Layout.Flow => S(1) + "seccompProfiles: [" + string.Join(", ", Entries.Select(e => $"{{\"name\": \"{e.Name}\", \"value\": {e.Value.ToJsonString()}}}")) + "]\n",
                        _ => S(1) + "seccompProfiles: # profiles\n" + string.Concat(Entries.Select(EntryText)),
                    };
                    suffix = keysAfter + trailer + tail + others;
                    break;
            }

            // Block layout with no entries would be "seccompProfiles:" alone, i.e. the Null layout.
            prefix = Newlines(prefix);
            region = Newlines(region);
            suffix = Newlines(suffix);
            return (prefix + region + suffix, prefix, region, suffix);
        }

        public bool Concerns(string name) => Edit switch
        {
            SetEdit set => set.Name == name,
            SetSameEdit same => EffectiveEntries.Count == 0 ? name == "a.json" : EffectiveEntries[same.Index % EffectiveEntries.Count].Name == name,
            RemoveEdit remove => remove.Patterns.Any(p => Wildcard(p).IsMatch(name)),
            _ => false,
        };

        /// <summary>The list after the edit, worked out from the generated entries alone.</summary>
        public List<(string Name, JsonObject Value)> Expected(out bool changes)
        {
            var current = EffectiveEntries.Select(e => (e.Name, e.Value)).ToList();
            switch (Edit)
            {
                case RemoveEdit:
                {
                    var kept = current.Where(e => !Concerns(e.Name)).ToList();
                    changes = kept.Count != current.Count;
                    return kept;
                }

                default:
                {
                    var (name, value) = Edit switch
                    {
                        SetEdit set => (set.Name, set.Value),
                        _ when current.Count > 0 => current[((SetSameEdit)Edit).Index % current.Count],
                        _ => ("a.json", new JsonObject()),
                    };
                    var matches = current.Count(e => e.Name == name);
                    changes = !(matches == 1 && Canonical(current.Single(e => e.Name == name).Value) == Canonical(value));
                    var result = new List<(string, JsonObject)>();
                    var placed = false;
                    foreach (var e in current)
                    {
                        if (e.Name != name)
                        {
                            result.Add(e);
                        }
                        else if (!placed)
                        {
                            result.Add((name, value));
                            placed = true;
                        }
                    }

                    if (!placed)
                    {
                        result.Add((name, value));
                    }

                    return result;
                }
            }
        }

        public override string ToString() => Build().Text + "\n==== edit: " + Edit switch
        {
            SetEdit s => $"set {s.Name} {s.Value.ToJsonString()}",
            SetSameEdit s => $"set-same {s.Index}",
            RemoveEdit r => "remove " + string.Join(",", r.Patterns),
            _ => "?",
        };
    }

    // ---- helpers independent of the engine ----

    private static Gen<JsonNode?> ObjectOf(Gen<JsonNode?> values) =>
        Gen.Select(Key, values, (k, v) => (k, v)).Array[0, 4].Select(pairs =>
        {
            var obj = new JsonObject();
            foreach (var (k, v) in pairs)
            {
                obj[k] = v; // duplicate generated keys: last wins
            }

            return (JsonNode?)obj;
        });

    /// <summary>Writes a JSON object as block YAML: plain lowercase keys, JSON-quoted strings, nested lists as flow JSON.</summary>
    private static string Block(JsonNode? node, int indent, int step, bool comments)
    {
        var sb = new StringBuilder();
        var pad = new string(' ', indent);
        if (node is not JsonObject obj || obj.Count == 0)
        {
            return node is JsonObject ? pad + "empty: {}\n" : string.Empty;
        }

        var i = 0;
        foreach (var (key, value) in obj)
        {
            if (comments && i++ % 2 == 1)
            {
                sb.Append(pad).Append("# comment before ").Append(Regex.Replace(key, "[\r\n]", " ")).Append('\n');
            }

            var keyText = Regex.IsMatch(key, @"^[a-z][a-zA-Z]*\z") && key is not ("yes" or "no" or "on" or "y" or "n" or "null" or "true") ? key : JsonValue.Create(key)!.ToJsonString();
            sb.Append(pad).Append(keyText).Append(':');
            if (value is JsonObject { Count: > 0 } nested)
            {
                sb.Append('\n').Append(Block(nested, indent + step, step, comments));
            }
            else if (value is JsonArray { Count: > 0 } array)
            {
                sb.Append('\n');
                foreach (var item in array)
                {
                    sb.Append(pad).Append(' ', step).Append("- ").Append(item?.ToJsonString() ?? "null").Append('\n');
                }
            }
            else
            {
                sb.Append(' ').Append(value?.ToJsonString() ?? "null").Append(comments ? " # c" : string.Empty).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".").Replace("\\[ab]", "[ab]") + "$");

    private static List<YamlDocument> LoadIndependently(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text.TrimStart('\uFEFF')));
        return stream.Documents.ToList();
    }

    private static YamlMappingNode WithoutProfiles(YamlMappingNode root)
    {
        var copy = new YamlMappingNode();
        foreach (var (key, value) in root.Children)
        {
            if (((YamlScalarNode)key).Value != "machine")
            {
                copy.Add(key, value);
            }
        }

        if (root.Children.TryGetValue(new YamlScalarNode("machine"), out var machine) && machine is YamlMappingNode machineMap)
        {
            var m = new YamlMappingNode();
            foreach (var (key, value) in machineMap.Children.Where(c => ((YamlScalarNode)c.Key).Value != "seccompProfiles"))
            {
                m.Add(key, value);
            }

            if (m.Children.Count > 0)
            {
                copy.Add("machine", m);
            }
        }

        return copy;
    }

    private static IList<YamlNode> Profiles(YamlMappingNode root) =>
        root.Children.TryGetValue(new YamlScalarNode("machine"), out var machine) && machine is YamlMappingNode m
            && m.Children.TryGetValue(new YamlScalarNode("seccompProfiles"), out var list) && list is YamlSequenceNode seq
            ? seq.Children
            : new List<YamlNode>();

    private static bool SameNode(YamlNode a, YamlNode b) => (a, b) switch
    {
        (YamlScalarNode x, YamlScalarNode y) => x.Value == y.Value && (x.Style == ScalarStyle.Plain) == (y.Style == ScalarStyle.Plain),
        (YamlSequenceNode x, YamlSequenceNode y) => x.Children.Count == y.Children.Count && x.Children.Zip(y.Children).All(p => SameNode(p.First, p.Second)),
        (YamlMappingNode x, YamlMappingNode y) => x.Children.Count == y.Children.Count && x.Children.Zip(y.Children).All(p => SameNode(p.First.Key, p.Second.Key) && SameNode(p.First.Value, p.Second.Value)),
        _ => false,
    };

    private static readonly Regex NonStringPlain = new(@"^(true|false|True|False|TRUE|FALSE|null|Null|NULL|~|[-+]?[0-9].*|[-+]?\.[0-9].*|\.(inf|Inf|INF|nan|NaN|NAN))?$");

    /// <summary>Checks a YAML node against the JSON it must stand for, by YAML's own rules (not the engine's).</summary>
    private static void AssertMatches(JsonNode? expected, YamlNode actual, string where)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is YamlScalarNode { Style: ScalarStyle.Plain, Value: "null" or "~" or "" }, $"{where}: expected null");
                break;
            case JsonObject obj:
            {
                var map = Assert.IsType<YamlMappingNode>(actual);
                Assert.Equal(obj.Count, map.Children.Count);
                foreach (var (key, value) in obj)
                {
                    Assert.True(map.Children.TryGetValue(new YamlScalarNode(key), out var child), $"{where}: key '{key}' missing");
                    AssertMatches(value, child!, where + "." + key);
                }

                break;
            }

            case JsonArray array:
            {
                var seq = Assert.IsType<YamlSequenceNode>(actual);
                Assert.Equal(array.Count, seq.Children.Count);
                for (var i = 0; i < array.Count; i++)
                {
                    AssertMatches(array[i], seq.Children[i], $"{where}[{i}]");
                }

                break;
            }

            case JsonValue value:
            {
                var scalar = Assert.IsType<YamlScalarNode>(actual);
                switch (value.GetValueKind())
                {
                    case System.Text.Json.JsonValueKind.String:
                        Assert.Equal(value.GetValue<string>(), scalar.Value);
                        if (scalar.Style == ScalarStyle.Plain)
                        {
                            Assert.False(NonStringPlain.IsMatch(scalar.Value ?? string.Empty), $"{where}: string '{scalar.Value}' written plain would not read as a string");
                        }

                        break;
                    case System.Text.Json.JsonValueKind.Number:
                        Assert.Equal(ScalarStyle.Plain, scalar.Style);
                        Assert.Equal(Number(value.ToJsonString()), Number(scalar.Value ?? string.Empty));
                        break;
                    default:
                        Assert.Equal(ScalarStyle.Plain, scalar.Style);
                        Assert.Equal(value.ToJsonString(), scalar.Value);
                        break;
                }

                break;
            }
        }
    }

    private static string Number(string text) =>
        BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            ? integer.ToString(CultureInfo.InvariantCulture)
            : double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);

    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject obj => "{" + string.Join(",", obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonValue.Create(p.Key)!.ToJsonString() + ":" + Canonical(p.Value))) + "}",
        JsonArray array => "[" + string.Join(",", array.Select(Canonical)) + "]",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => Number(v.ToJsonString()),
        _ => node.ToJsonString(),
    };
}
