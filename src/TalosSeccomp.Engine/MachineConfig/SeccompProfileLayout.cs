using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// The located <c>machine.seccompProfiles</c> of a parsed config, with the text helpers the splice needs.
/// Layouts we cannot splice safely (aliases, a flow-style <c>machine</c> mapping, a non-list value) are refused
/// with <c>MachineConfigUnsupportedLayout</c> rather than guessed at.
/// </summary>
internal sealed class SeccompProfileLayout
{
    private SeccompProfileLayout(ParsedMachineConfig config)
    {
        Config = config;
    }

    public ParsedMachineConfig Config { get; }

    public string Text => Config.Text;

    public ProfilesState State { get; private set; }

    public YMapping Root => Config.V1Alpha1Root;

    public YScalar? MachineKey { get; private set; }

    public YNode? MachineValue { get; private set; }

    public YScalar? ProfilesKey { get; private set; }

    public YNode? ProfilesValue { get; private set; }

    public List<LocatedEntry> Entries { get; } = new();

    /// <summary>Indentation step of the document (columns between a key and its nested keys), 2 when it cannot be seen.</summary>
    public int Step { get; private set; } = 2;

    /// <summary>The line break the document uses.</summary>
    public string NewLine { get; private set; } = "\n";

    public static SeccompProfileLayout Locate(ParsedMachineConfig config, string? source)
    {
        var layout = new SeccompProfileLayout(config);
        layout.Analyse(source);
        return layout;
    }

    private void Analyse(string? source)
    {
        var firstBreak = Text.IndexOf('\n', Config.V1Alpha1Tree.SliceStart);
        NewLine = firstBreak > 0 && Text[firstBreak - 1] == '\r' ? "\r\n" : "\n";
        if (Root.IsFlow)
        {
            throw Unsupported("the v1alpha1 document is written as a flow mapping ({...})", Root, source);
        }

        Step = DetectStep(Root);
        var machine = Root.Find("machine");
        if (machine is null)
        {
            State = ProfilesState.MachineMissing;
            return;
        }

        MachineKey = RequireOwnNode(machine.Value.Key, machine.Value.Value, "machine", source);
        MachineValue = machine.Value.Value;
        RequireKeyStartsLine(MachineKey, source);
        switch (MachineValue)
        {
            case YScalar scalar when IsNull(scalar):
                State = ProfilesState.MachineEmpty;
                return;
            case YMapping { IsFlow: true, Pairs.Count: 0 }:
                State = ProfilesState.MachineEmpty;
                return;
            case YMapping { IsFlow: true }:
                throw Unsupported("'machine' is written as a flow mapping ({...})", MachineValue, source);
            case YMapping:
                break;
            default:
                throw Unsupported("'machine' is not a mapping", MachineValue, source);
        }

        var machineMapping = (YMapping)MachineValue;
        var profiles = machineMapping.Find("seccompProfiles");
        if (profiles is null)
        {
            State = ProfilesState.ProfilesMissing;
            return;
        }

        ProfilesKey = RequireOwnNode(profiles.Value.Key, profiles.Value.Value, "machine.seccompProfiles", source);
        ProfilesValue = profiles.Value.Value;
        RequireKeyStartsLine(ProfilesKey, source);
        switch (ProfilesValue)
        {
            case YScalar scalar when IsNull(scalar):
                State = ProfilesState.ProfilesNull;
                return;
            case YSequence { IsFlow: true }:
                State = ProfilesState.ProfilesFlow;
                break;
            case YSequence:
                State = ProfilesState.ProfilesBlock;
                break;
            default:
                throw new TalosSeccompException(
                    ErrorIds.MachineConfigInvalidSeccompProfiles,
                    ErrorKind.InvalidData,
                    $"machine.seccompProfiles at {YamlScalarResolver.Describe(ProfilesValue.Line, ProfilesValue.Column)} is not a list.",
                    source);
        }

        var previousEnd = ProfilesKey.End;
        foreach (var item in ((YSequence)ProfilesValue).Items)
        {
            if (item is YAlias || item.Start < previousEnd || item.IsAliasTarget)
            {
                throw Unsupported("a seccompProfiles entry is an alias or carries an anchor used elsewhere", item, source);
            }

            previousEnd = item.End;
            Entries.Add(new LocatedEntry(ReadEntry(item, Entries.Count, source), item));
        }

        RequireNoAliasesIntoEntries(source);
    }

    /// <summary>
    /// An anchor defined inside an entry and used by an alias outside that entry (later in the document, or in another
    /// entry) would lose its definition, or its users would change with it, when the entry is replaced or removed.
    /// Refused up front, naming the anchor, rather than caught by the verifier afterwards.
    /// </summary>
    private void RequireNoAliasesIntoEntries(string? source)
    {
        if (Entries.Count == 0)
        {
            return;
        }

        foreach (var alias in Aliases(Root))
        {
            var target = alias.Target;
            var owner = Entries.FindIndex(e => target.Start >= e.Node.Start && target.End <= e.Node.End);
            if (owner < 0)
            {
                continue;
            }

            var entry = Entries[owner].Node;
            if (alias.Start < entry.Start || alias.Start >= entry.End)
            {
                throw Unsupported(
                    $"the anchor '&{target.Anchor}' is defined in the seccompProfiles entry '{Entries[owner].Entry.Name}' at {YamlScalarResolver.Describe(target.Line, target.Column)} and used by the alias '*{target.Anchor}' outside that entry",
                    alias, source);
            }
        }
    }

    private static IEnumerable<YAlias> Aliases(YNode node)
    {
        var pending = new Stack<YNode>();
        pending.Push(node);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case YAlias alias:
                    yield return alias;
                    break;
                case YSequence sequence:
                    foreach (var item in sequence.Items)
                    {
                        pending.Push(item);
                    }

                    break;
                case YMapping mapping:
                    foreach (var (key, value) in mapping.Pairs)
                    {
                        pending.Push(key);
                        pending.Push(value);
                    }

                    break;
            }
        }
    }

    /// <summary>Reads one list item as an entry; anything but <c>{name: string, value: mapping}</c> is an error naming the line.</summary>
    private static SeccompProfileEntry ReadEntry(YNode item, int index, string? source)
    {
        var where = $"machine.seccompProfiles entry {index + 1} ({YamlScalarResolver.Describe(item.Line, item.Column)})";
        if (item is not YMapping mapping)
        {
            throw InvalidEntry($"{where} is not a mapping with 'name' and 'value'.", source);
        }

        // yaml.v3 decodes any scalar into Talos's string field by its text; a null leaves the name empty.
        var nameNode = mapping.Find("name") is { } namePair ? YAlias.Resolve(namePair.Value) as YScalar : null;
        var name = nameNode is null || (nameNode.IsPlain && YamlScalarResolver.ResolvePlain(nameNode.Value).Kind == ScalarKind.Null) ? string.Empty : nameNode.Value;
        if (name.Length == 0)
        {
            throw InvalidEntry($"{where} has no 'name'.", source);
        }

        var valueNode = mapping.Find("value")?.Value;
        if (valueNode is null || YAlias.Resolve(valueNode) is not YMapping || YamlJson.ToJson(valueNode, source) is not JsonObject value)
        {
            throw InvalidEntry($"{where} ('{name}') has no 'value' mapping.", source);
        }

        return new SeccompProfileEntry(name, value);
    }

    private static bool IsNull(YScalar scalar) => scalar.IsPlain && scalar.Tag is null && YamlScalarResolver.ResolvePlain(scalar.Value).Kind == ScalarKind.Null;

    private static TalosSeccompException InvalidEntry(string message, string? source) =>
        new(ErrorIds.MachineConfigInvalidSeccompProfiles, ErrorKind.InvalidData, message, source);

    private static TalosSeccompException Unsupported(string why, YNode node, string? source) =>
        new(ErrorIds.MachineConfigUnsupportedLayout, ErrorKind.InvalidData, $"The machine config cannot be edited safely: {why} ({YamlScalarResolver.Describe(node.Line, node.Column)}). Edit it by hand or rewrite that part in block style.", source);

    // An alias value points at a node defined earlier; splicing there would edit the anchor's other users too.
    private static YScalar RequireOwnNode(YNode key, YNode value, string path, string? source)
    {
        if (key is not YScalar keyScalar || value is YAlias || value.IsAliasTarget)
        {
            throw Unsupported($"'{path}' is an alias or an anchor used elsewhere", value, source);
        }

        return keyScalar;
    }

    private void RequireKeyStartsLine(YScalar key, string? source)
    {
        var lineStart = TextLines.LineStart(Text, key.Start);
        if (!string.IsNullOrWhiteSpace(Text[lineStart..key.Start]))
        {
            throw Unsupported("'seccompProfiles' does not start its own line", key, source);
        }
    }

    /// <summary>Columns between a root key and the first nested block-mapping key found (Talos writes 4; most hand-written YAML 2).</summary>
    private static int DetectStep(YMapping root)
    {
        foreach (var (key, value) in root.Pairs)
        {
            if (value is YMapping { IsFlow: false, Pairs.Count: > 0 } nested && nested.Line > key.Line)
            {
                var step = nested.Pairs[0].Key.Column - key.Column;
                if (step is >= 2 and <= 9)
                {
                    return step;
                }
            }
        }

        return 2;
    }

    /// <summary>0-based column of the first key of the root mapping.</summary>
    public int RootColumn => Root.Pairs[0].Key.Column - 1;

    /// <summary>0-based column of the keys of the (block) machine mapping.</summary>
    public int MachineColumn => ((YMapping)MachineValue!).Pairs[0].Key.Column - 1;

    /// <summary>0-based column of the <c>seccompProfiles</c> key.</summary>
    public int ProfilesKeyColumn => ProfilesKey!.Column - 1;

    /// <summary>Index of the '-' that introduces a block-sequence item.</summary>
    public int DashIndex(YNode item)
    {
        var pos = item.Start - 1;
        while (pos >= 0 && Text[pos] is ' ' or '\t')
        {
            pos--;
        }

        if (pos >= 0 && Text[pos] == '-')
        {
            return pos;
        }

        // "-" alone on its line (possibly with a comment), the item's content on a following line.
        var lineStart = TextLines.LineStart(Text, item.Start);
        while (lineStart > 0)
        {
            var previousStart = TextLines.LineStart(Text, lineStart - 1);
            var line = Text[previousStart..lineStart].TrimEnd('\r', '\n');
            var trimmed = line.TrimStart(' ', '\t');
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                lineStart = previousStart;
                continue;
            }

            var rest = trimmed[1..].Trim();
            if (trimmed[0] == '-' && (rest.Length == 0 || rest[0] == '#'))
            {
                return previousStart + (line.Length - trimmed.Length);
            }

            break;
        }

        throw new TalosSeccompException(ErrorIds.MachineConfigUnsupportedLayout, ErrorKind.InvalidData, $"Cannot find the '-' of the seccompProfiles entry at {YamlScalarResolver.Describe(item.Line, item.Column)}.");
    }

    /// <summary>0-based column of the item's dash.</summary>
    public int DashColumn(YNode item)
    {
        var dash = DashIndex(item);
        return dash - TextLines.LineStart(Text, dash);
    }

    /// <summary>Columns from an item's dash to its content (2 for <c>- name:</c>, 4 for <c>-   name:</c>).</summary>
    public int ItemOffset(YNode item)
    {
        var dash = DashIndex(item);
        var lineStart = TextLines.LineStart(Text, dash);
        var offset = item is YMapping { IsFlow: false } && item.Start > dash && TextLines.LineStart(Text, item.Start) == lineStart ? item.Column - 1 - (dash - lineStart) : 2;
        return offset is >= 2 and <= 9 ? offset : 2;
    }

    /// <summary>
    /// The text range an entry occupies when it is removed: its lines, the comment lines directly above it at the
    /// dash's indentation, and comment lines directly below it indented deeper (both stop at a blank line).
    /// </summary>
    public (int Start, int End) RemovalRange(int entryIndex)
    {
        var item = Entries[entryIndex].Node;
        var dash = DashIndex(item);
        var dashColumn = dash - TextLines.LineStart(Text, dash);
        var lowerBound = entryIndex == 0 ? TextLines.LineEndAfter(Text, ProfilesKey!.End) : TextLines.LineEndAfter(Text, Entries[entryIndex - 1].Node.End);
        var start = TextLines.LineStart(Text, dash);
        while (start > lowerBound)
        {
            var previousStart = TextLines.LineStart(Text, start - 1);
            if (previousStart < lowerBound || TextLines.CommentColumn(Text, previousStart) != dashColumn)
            {
                break;
            }

            start = previousStart;
        }

        var upperBound = entryIndex + 1 < Entries.Count ? TextLines.LineStart(Text, DashIndex(Entries[entryIndex + 1].Node)) : Text.Length;
        var end = TextLines.LineEndAfter(Text, item.End);
        while (end < upperBound && TextLines.CommentColumn(Text, end) > dashColumn)
        {
            end = TextLines.LineEndAfter(Text, end + 1);
        }

        return (start, Math.Min(end, upperBound));
    }

    /// <summary>The text range of an entry's own lines (dash line through its last line), replaced when the entry is set.</summary>
    public (int Start, int End) EntryLines(int entryIndex)
    {
        var item = Entries[entryIndex].Node;
        return (TextLines.LineStart(Text, DashIndex(item)), TextLines.LineEndAfter(Text, item.End));
    }
}
