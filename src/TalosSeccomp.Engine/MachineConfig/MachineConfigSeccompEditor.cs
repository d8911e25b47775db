using System.Text;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using YamlDotNet.Core.Events;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// Reads and edits <c>machine.seccompProfiles</c> in a multi-document Talos machine config by splicing text:
/// only the lines of the affected entries change; every other byte (other documents, comments, key order,
/// formatting, line endings, BOM) stays as it was. Each edit is re-parsed and checked before it is returned
/// (see <see cref="Set(string, string, JsonObject, string?)"/>), so a bug can fail an edit but never corrupt a config.
/// </summary>
/// <remarks>
/// Removing the last entry leaves <c>seccompProfiles: []</c> rather than deleting the key: the list stays where the
/// user put it (with the comments above it), Talos treats an empty list exactly like a missing one, and the next
/// set appends there again. Two exceptions restore what was there before the first set: when <c>seccompProfiles</c>
/// was the only key of <c>machine</c> and <c>machine</c> is written right after its key's colon nowhere else (the
/// layout a set into <c>machine: {}</c> writes), <c>machine: {}</c> comes back, so an add and a remove leave the
/// config byte for byte as it was. A comment on the <c>seccompProfiles:</c> (or <c>machine:</c>) line is kept through
/// every change between an empty and a non-empty list.
/// </remarks>
public static class MachineConfigSeccompEditor
{
    /// <summary>Reads every <c>machine.seccompProfiles</c> entry of the config's v1alpha1 document, in order.</summary>
    /// <param name="configText">The whole multi-document config.</param>
    /// <param name="source">The node or file the config came from, used as the error target.</param>
    public static IReadOnlyList<SeccompProfileEntry> ReadSeccompProfiles(string configText, string? source = null) =>
        SeccompProfileLayout.Locate(ParsedMachineConfig.Parse(configText, source), source).Entries.Select(e => e.Entry).ToList();

    /// <summary>
    /// Sets the profile <paramref name="name"/> to <paramref name="value"/>: every existing entry with that name is
    /// replaced by one entry (in the place of the first), or the entry is appended. Adds <c>seccompProfiles:</c> (and
    /// <c>machine:</c>) when missing and turns a flow list (<c>[]</c>) into a block list. When one entry with an equal
    /// value already exists the config is returned unchanged (<see cref="MachineConfigEdit.Changed"/> false). When the
    /// config
    /// already held several entries with the name (Talos keeps only one of them, the last), they become the one new
    /// entry and
    /// <see cref="MachineConfigEdit.Warnings"/> says so, naming their lines: the set is what was asked for, and nothing
    /// is dropped unsaid.
    /// </summary>
    /// <param name="configText">The whole multi-document config.</param>
    /// <param name="name">The profile name (validated by <see cref="ProfileName.Validate"/>).</param>
    /// <param name="value">The profile JSON; rendered in block style with keys in object order.</param>
    /// <param name="source">The node or file the config came from, used as the error target.</param>
    /// <exception cref="TalosSeccompException">
    /// <c>MachineConfigInvalidYaml</c>, <c>MachineConfigMissingV1Alpha1</c>, <c>MachineConfigMultipleV1Alpha1</c>,
    /// <c>MachineConfigInvalidSeccompProfiles</c>, <c>MachineConfigUnsupportedLayout</c>, <c>UnsafeProfileName</c>,
    /// or <c>MachineConfigPatchVerificationFailed</c> when the spliced text did not check out.
    /// </exception>
    public static MachineConfigEdit Set(string configText, string name, JsonObject value, string? source = null) =>
        Set(configText, name, value, source, tamper: null);

    /// <summary>
    /// Removes every entry whose name matches one of <paramref name="namePatterns"/> (PowerShell wildcards,
    /// case-sensitive;
    /// see <see cref="Wildcard"/>). Names that match nothing are not an error. Removing the last entry leaves
    /// <c>seccompProfiles: []</c>.
    /// </summary>
    /// <param name="configText">The whole multi-document config.</param>
    /// <param name="namePatterns">Names or wildcard patterns.</param>
    /// <param name="source">The node or file the config came from, used as the error target.</param>
    public static MachineConfigEdit Remove(string configText, IEnumerable<string> namePatterns, string? source = null) =>
        Remove(configText, namePatterns, source, tamper: null);

    /// <summary>Set with a hook that may alter the spliced text before verification (tests prove the safety net with
    /// it).</summary>
    internal static MachineConfigEdit Set(string configText, string name, JsonObject value, string? source, Func<string, string>? tamper)
    {
        ArgumentNullException.ThrowIfNull(value);
        ProfileName.Validate(name);
        var newEntry = new SeccompProfileEntry(name, (JsonObject)value.DeepClone());
        var layout = SeccompProfileLayout.Locate(ParsedMachineConfig.Parse(configText, source), source);
        var matches = layout.Entries.Select((e, i) => (e, i)).Where(x => x.e.Entry.Name == name).Select(x => x.i).ToList();
        var before = matches.Select(i => layout.Entries[i].Entry).ToList();

        // Render first: a value YAML cannot hold (NaN) fails here, before anything else.
        var rendered = RenderEntries(new[] { newEntry }, 0, 2, "\n");
        if (matches.Count == 1 && JsonText.SemanticEquals(before[0].Value, newEntry.Value))
        {
            return new MachineConfigEdit(configText, configText, before, before, string.Empty);
        }

        var expected = new List<SeccompProfileEntry>();
        for (var i = 0; i < layout.Entries.Count; i++)
        {
            if (matches.Count > 0 && i == matches[0])
            {
                expected.Add(newEntry);
            }
            else if (!matches.Contains(i))
            {
                expected.Add(layout.Entries[i].Entry);
            }
        }

        if (matches.Count == 0)
        {
            expected.Add(newEntry);
        }

        var edits = new List<TextEdit>();
        var text = layout.Text;
        var nl = layout.NewLine;
        switch (layout.State)
        {
            case ProfilesState.ProfilesBlock when matches.Count == 0:
            {
                // After the last entry and the comments indented under it, which belong to it.
                var last = layout.Entries[^1].Node;
                edits.Add(Insert(text, layout.RemovalRange(layout.Entries.Count - 1).End, RenderEntries(new[] { newEntry }, layout.DashColumn(last), layout.ItemOffset(last), nl)));
                break;
            }

            case ProfilesState.ProfilesBlock:
            {
                var first = layout.Entries[matches[0]].Node;
                var (start, end) = layout.EntryLines(matches[0]);
                edits.Add(Replace(text, start, end, RenderEntries(new[] { newEntry }, layout.DashColumn(first), layout.ItemOffset(first), nl)));
                foreach (var duplicate in matches.Skip(1))
                {
                    var (ds, de) = layout.RemovalRange(duplicate);
                    edits.Add(new TextEdit(ds, de, string.Empty));
                }

                break;
            }

            case ProfilesState.ProfilesNull or ProfilesState.ProfilesFlow:
                edits.Add(RewriteProfilesValue(layout, expected));
                break;

            case ProfilesState.ProfilesMissing:
            {
                var machine = (YMapping)layout.MachineValue!;
                var column = layout.MachineColumn;
                var block = Indent(column) + "seccompProfiles:" + nl + RenderEntries(expected, column + layout.Step, 2, nl);
                edits.Add(Insert(text, PairEnd(text, machine.Pairs[^1]), block));
                break;
            }

            case ProfilesState.MachineEmpty:
            {
                var key = layout.MachineKey!;
                var lineStart = TextLines.LineStart(text, key.Start);
                var lineEnd = Math.Max(TextLines.LineEndAfter(text, key.End), EndOfValueLine(text, layout.MachineValue!));
                var column = key.Column - 1;
                var block = text[lineStart..key.End] + ":" + LineComment(text, key, layout.MachineValue!) + nl
                    + Indent(column + layout.Step) + "seccompProfiles:" + nl
                    + RenderEntries(expected, column + (2 * layout.Step), 2, nl);
                edits.Add(Replace(text, lineStart, lineEnd, block));
                break;
            }

            case ProfilesState.MachineMissing:
            {
                var column = layout.RootColumn;
                var block = Indent(column) + "machine:" + nl
                    + Indent(column + layout.Step) + "seccompProfiles:" + nl
                    + RenderEntries(expected, column + (2 * layout.Step), 2, nl);
                edits.Add(Insert(text, PairEnd(text, layout.Root.Pairs[^1]), block));
                break;
            }
        }

        var warnings = matches.Count > 1
            ? new[]
            {
                $"machine.seccompProfiles held {matches.Count} entries named '{name}' (at lines {string.Join(", ", matches.Select(i => layout.Entries[i].Node.Line))}); "
                + "Talos uses only one of them. They were replaced by the one new entry.",
            }
            : null;
        return Finish(layout, edits, expected, before, new[] { newEntry }, source, tamper, warnings);
    }

    /// <summary>Remove with a hook that may alter the spliced text before verification (tests prove the safety net with
    /// it).</summary>
    internal static MachineConfigEdit Remove(string configText, IEnumerable<string> namePatterns, string? source, Func<string, string>? tamper)
    {
        ArgumentNullException.ThrowIfNull(namePatterns);
        var patterns = namePatterns.Select(p => Wildcard.Compile(p, ignoreCase: false)).ToList();
        var layout = SeccompProfileLayout.Locate(ParsedMachineConfig.Parse(configText, source), source);
        var matches = layout.Entries.Select((e, i) => (e, i)).Where(x => patterns.Any(p => p.IsMatch(x.e.Entry.Name))).Select(x => x.i).ToList();
        var removed = matches.ToHashSet();
        if (matches.Count == 0)
        {
            return new MachineConfigEdit(configText, configText, Array.Empty<SeccompProfileEntry>(), Array.Empty<SeccompProfileEntry>(), string.Empty);
        }

        var before = matches.Select(i => layout.Entries[i].Entry).ToList();
        var expected = layout.Entries.Where((_, i) => !removed.Contains(i)).Select(e => e.Entry).ToList();
        var text = layout.Text;
        var edits = new List<TextEdit>();
        if (layout.State == ProfilesState.ProfilesFlow)
        {
            edits.Add(RewriteProfilesValue(layout, expected));
        }
        else if (expected.Count == 0 && RestorableEmptyMachine(layout) is { } machineEdit)
        {
            edits.Add(machineEdit);
        }
        else if (expected.Count == 0)
        {
            // Last entry gone: keep the key as an empty list (see the class remarks).
            var key = layout.ProfilesKey!;
            var lineStart = TextLines.LineStart(text, key.Start);
            edits.Add(Replace(text, lineStart, layout.RemovalRange(layout.Entries.Count - 1).End,
                text[lineStart..key.End] + ": []" + LineComment(text, key, layout.ProfilesValue!) + layout.NewLine));
        }
        else
        {
            foreach (var i in matches)
            {
                var (start, end) = layout.RemovalRange(i);
                edits.Add(new TextEdit(start, end, string.Empty));
            }
        }

        return Finish(layout, edits, expected, before, Array.Empty<SeccompProfileEntry>(), source, tamper);
    }

    private static MachineConfigEdit Finish(
        SeccompProfileLayout layout,
        List<TextEdit> edits,
        List<SeccompProfileEntry> expected,
        IReadOnlyList<SeccompProfileEntry> before,
        IReadOnlyList<SeccompProfileEntry> after,
        string? source,
        Func<string, string>? tamper,
        IReadOnlyList<string>? warnings = null)
    {
        string newText;
        try
        {
            newText = TextEdit.Apply(layout.Text, edits);
        }
        catch (InvalidOperationException ex)
        {
            throw MachineConfigEditVerifier.Failed("the planned edits overlap", source, ex);
        }

        if (tamper is not null)
        {
            newText = tamper(newText);
        }

        MachineConfigEditVerifier.Verify(layout.Config, newText, expected, source);
        return new MachineConfigEdit(layout.Text, newText, before, after, EntryDiff.Render(before, after), warnings);
    }

    /// <summary>
    /// When <c>seccompProfiles</c> is the only key of a block <c>machine</c> mapping whose key line holds nothing but
    /// <c>machine:</c> (and perhaps a comment), the edit that turns the whole of <c>machine</c> back into <c>machine:
    /// {}</c>,
    /// as a set into <c>machine: {}</c> found it. Null when <c>machine</c> holds anything else or is laid out
    /// otherwise.
    /// </summary>
    private static TextEdit? RestorableEmptyMachine(SeccompProfileLayout layout)
    {
        if (layout.MachineValue is not YMapping { IsFlow: false, Pairs.Count: 1 } machine || machine.Anchor is not null || machine.Tag is not null)
        {
            return null;
        }

        var text = layout.Text;
        var key = layout.MachineKey!;
        var lineStart = TextLines.LineStart(text, key.Start);
        var keyLineEnd = TextLines.LineEndAfter(text, key.End);
        var profilesLineStart = TextLines.LineStart(text, layout.ProfilesKey!.Start);

        // Only the machine key line and the seccompProfiles lines: a comment line in between belongs to the user.
        if (profilesLineStart != keyLineEnd)
        {
            return null;
        }

        var end = layout.RemovalRange(layout.Entries.Count - 1).End;
        return Replace(text, lineStart, end, text[lineStart..key.End] + ": {}" + LineComment(text, key, machine) + layout.NewLine);
    }

    /// <summary>
    /// The comment that ends a key's line (" # …", with the spaces before it; empty when there is none): after the
    /// value when the value ends on that line as a scalar or flow collection, else after the key's colon.
    /// </summary>
    private static string LineComment(string text, YScalar key, YNode value)
    {
        var from = value is YScalar { IsEmptyNull: true } || value is YSequence { IsFlow: false } || value is YMapping { IsFlow: false } ? key.End : value.End;
        var lineEnd = text.IndexOf('\n', from);
        lineEnd = lineEnd < 0 ? text.Length : lineEnd;
        var rest = text.AsSpan(from, lineEnd - from).TrimEnd('\r');
        var hash = rest.IndexOf('#');
        if (hash < 0)
        {
            return string.Empty;
        }

        var start = hash;
        while (start > 0 && rest[start - 1] is ' ' or '\t')
        {
            start--;
        }

        return start == 0 ? " " + rest[hash..].ToString() : rest[start..].ToString();
    }

    /// <summary>Replaces a flow or null <c>seccompProfiles</c> value (with its key line) by a block list of <paramref
    /// name="entries"/>.</summary>
    private static TextEdit RewriteProfilesValue(SeccompProfileLayout layout, IReadOnlyList<SeccompProfileEntry> entries)
    {
        var text = layout.Text;
        var key = layout.ProfilesKey!;
        var lineStart = TextLines.LineStart(text, key.Start);
        var lineEnd = Math.Max(TextLines.LineEndAfter(text, key.End), EndOfValueLine(text, layout.ProfilesValue!));
        var keyText = text[lineStart..key.End];
        var comment = LineComment(text, key, layout.ProfilesValue!);
        var replacement = entries.Count == 0
            ? keyText + ": []" + comment + layout.NewLine
            : keyText + ":" + comment + layout.NewLine + RenderEntries(entries, layout.ProfilesKeyColumn + layout.Step, 2, layout.NewLine);
        return Replace(text, lineStart, lineEnd, replacement);
    }

    private static int EndOfValueLine(string text, YNode value) =>
        value is YScalar { IsEmptyNull: true } ? 0 : TextLines.LineEndAfter(text, value.End);

    private static int PairEnd(string text, (YNode Key, YNode Value) pair) =>
        Math.Max(TextLines.LineEndAfter(text, pair.Key.End), EndOfValueLine(text, pair.Value));

    /// <summary>
    /// Renders entries as a block list with YamlDotNet. Each rendered entry is read back first; if YAML would read it
    /// differently (YamlDotNet writes keys with line breaks as complex keys it cannot indent), the value is written as
    /// JSON instead, which is valid YAML flow style.
    /// </summary>
    /// <param name="entries">The entries, in order.</param>
    /// <param name="dashColumn">The column of each entry's dash.</param>
    /// <param name="itemOffset">How many columns after the dash the item content starts (nested levels use the same step).</param>
    /// <param name="newLine">The line ending to write.</param>
    /// <param name="forDisplay">Only for showing (the <c>-WhatIf</c> diff): skip the read-back, which costs a parse of each entry.</param>
    internal static string RenderEntries(IEnumerable<SeccompProfileEntry> entries, int dashColumn, int itemOffset, string newLine, bool forDisplay = false)
    {
        var sb = new StringBuilder();
        foreach (var entry in entries)
        {
            var text = RenderBlockEntry(entry, dashColumn, itemOffset);
            if (!forDisplay && !ReadsBackAs(text, entry))
            {
                text = RenderFlowEntry(entry, dashColumn, itemOffset);
                if (!ReadsBackAs(text, entry))
                {
                    throw MachineConfigEditVerifier.Failed($"the profile '{entry.Name}' cannot be written as YAML that reads back the same", null);
                }
            }

            sb.Append(newLine == "\n" ? text : text.Replace("\n", newLine, StringComparison.Ordinal));
        }

        return sb.ToString();
    }

    private static string RenderBlockEntry(SeccompProfileEntry entry, int dashColumn, int itemOffset)
    {
        var yaml = YamlJson.Render(
            emitter =>
            {
                emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                YamlJson.EmitString(emitter, "name");
                YamlJson.EmitString(emitter, entry.Name);
                YamlJson.EmitString(emitter, "value");
                YamlJson.Emit(emitter, entry.Value);
                emitter.Emit(new MappingEnd());
                emitter.Emit(new SequenceEnd());
            },
            itemOffset,
            indentSequences: true);

        // Shift every line by the list's indentation; empty lines (inside quoted scalars) stay empty.
        var sb = new StringBuilder();
        var prefix = Indent(dashColumn);
        foreach (var line in yaml.Split('\n'))
        {
            if (line.Length > 0)
            {
                sb.Append(prefix).Append(line).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string RenderFlowEntry(SeccompProfileEntry entry, int dashColumn, int itemOffset)
    {
        var name = YamlScalarResolver.IsSafePlainString(entry.Name) ? entry.Name : JsonValue.Create(entry.Name)!.ToJsonString();
        return Indent(dashColumn) + "-" + Indent(itemOffset - 1) + "name: " + name + "\n"
            + Indent(dashColumn + itemOffset) + "value: " + entry.Value.ToJsonString() + "\n";
    }

    private static bool ReadsBackAs(string yaml, SeccompProfileEntry entry)
    {
        try
        {
            var documents = YamlTreeReader.ReadStream(yaml);
            return documents.Count == 1
                && documents[0].Root is YSequence { Items.Count: 1 } list
                && YamlJson.ToJson(list.Items[0], null) is JsonObject { Count: 2 } item
                && item["name"] is JsonValue nameValue && JsonText.KindOf(nameValue) == System.Text.Json.JsonValueKind.String
                && JsonText.StringOf(nameValue) == entry.Name
                && JsonText.SemanticEquals(item["value"], entry.Value);
        }
        catch (Exception ex) when (ex is YamlTreeException or TalosSeccompException)
        {
            return false;
        }
    }

    private static string Indent(int columns) => new(' ', Math.Max(0, columns));

    // Inserting at the very end of a text without a final line break: break the last line first, add none after.
    private static TextEdit Insert(string text, int position, string block) =>
        position == text.Length && text.Length > 0 && text[^1] != '\n'
            ? new TextEdit(position, position, NewLineOf(block) + TrimFinalNewLine(block))
            : new TextEdit(position, position, block);

    // A replacement that reaches the end of a text without a final line break does not add one.
    private static TextEdit Replace(string text, int start, int end, string block) =>
        end == text.Length && (text.Length == 0 || text[^1] != '\n')
            ? new TextEdit(start, end, TrimFinalNewLine(block))
            : new TextEdit(start, end, block);

    private static string NewLineOf(string block) => block.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";

    private static string TrimFinalNewLine(string block) =>
        block.EndsWith("\r\n", StringComparison.Ordinal) ? block[..^2] : block.EndsWith('\n') ? block[..^1] : block;
}
