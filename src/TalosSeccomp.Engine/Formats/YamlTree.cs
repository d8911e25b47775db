using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TalosSeccomp.Formats;

/// <summary>
/// A YAML node read from parser events, with its exact position in the original text. Positions are what
/// makes text splicing possible; the tree is also what the safety net compares. Aliases resolve to the
/// anchored node instance, so a tree is a DAG, never a cycle.
/// </summary>
internal abstract class YNode
{
    /// <summary>Character index (into the whole input text, BOM included) where the node begins (its anchor or tag, if any).</summary>
    public int Start { get; set; }

    /// <summary>Character index just after the node's last character.</summary>
    public int End { get; set; }

    /// <summary>1-based line of <see cref="Start"/>.</summary>
    public int Line { get; set; }

    /// <summary>1-based column of <see cref="Start"/>.</summary>
    public int Column { get; set; }

    /// <summary>Anchor name defined on this node, if any.</summary>
    public string? Anchor { get; set; }

    /// <summary>Explicit tag (long form, e.g. <c>tag:yaml.org,2002:str</c>), or null when untagged.</summary>
    public string? Tag { get; set; }

    /// <summary>True when this occurrence in the tree was written as an alias (<c>*name</c>).</summary>
    public bool IsAliasTarget { get; set; }
}

/// <summary>A scalar with its raw value and presentation style.</summary>
internal sealed class YScalar : YNode
{
    public required string Value { get; init; }

    public ScalarStyle Style { get; init; }

    /// <summary>True for plain (unquoted, non-block) scalars: only those are subject to implicit type resolution.</summary>
    public bool IsPlain => Style == ScalarStyle.Plain;

    /// <summary>True for a plain, untagged, empty scalar (e.g. <c>key:</c> with nothing after it): YAML null written as nothing.</summary>
    public bool IsEmptyNull => IsPlain && Tag is null && Value.Length == 0;
}

/// <summary>
/// An alias occurrence (<c>*name</c>): its own position in the text, and the anchored node it stands for.
/// </summary>
internal sealed class YAlias : YNode
{
    public required YNode Target { get; init; }

    /// <summary>Follows aliases to the node they stand for.</summary>
    public static YNode Resolve(YNode node) => node is YAlias alias ? alias.Target : node;
}

/// <summary>A sequence (block or flow).</summary>
internal sealed class YSequence : YNode
{
    public List<YNode> Items { get; } = new();

    public bool IsFlow { get; init; }
}

/// <summary>A mapping (block or flow); keys keep document order.</summary>
internal sealed class YMapping : YNode
{
    public List<(YNode Key, YNode Value)> Pairs { get; } = new();

    public bool IsFlow { get; init; }

    /// <summary>The pair whose key is the scalar <paramref name="key"/>, or null.</summary>
    public (YNode Key, YNode Value)? Find(string key)
    {
        foreach (var (k, v) in Pairs)
        {
            if (YAlias.Resolve(k) is YScalar s && s.Value == key)
            {
                return (k, v);
            }
        }

        return null;
    }
}

/// <summary>One YAML document of a stream: the exact slice of text it owns and its root node.</summary>
internal sealed class YDocument
{
    /// <summary>Index where the document's text slice begins (start of the line of its <c>---</c>, or 0 for the first).</summary>
    public int SliceStart { get; set; }

    /// <summary>Index just after the slice (the next document's <see cref="SliceStart"/>, or the text length).</summary>
    public int SliceEnd { get; set; }

    /// <summary>The root node; an empty document has an empty-null scalar root.</summary>
    public required YNode Root { get; init; }
}

/// <summary>Failure reading YAML, with the 1-based position YamlDotNet reported.</summary>
internal sealed class YamlTreeException : Exception
{
    public YamlTreeException(string message, int line, int column, Exception? inner = null)
        : base(message, inner)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }
}

/// <summary>
/// Builds <see cref="YNode"/> trees from YamlDotNet's parser events. Document boundaries come from the
/// DocumentStart marks, so the slices of all documents concatenate back to the input exactly.
/// </summary>
internal static class YamlTreeReader
{
    private const char ByteOrderMark = '\uFEFF';

    /// <summary>Reads every document of <paramref name="text"/>. Throws <see cref="YamlTreeException"/> on bad YAML or duplicate keys.</summary>
    public static List<YDocument> ReadStream(string text)
    {
        // YamlDotNet treats a BOM in a string as content, so parse after it and shift every mark by one.
        var offset = text.Length > 0 && text[0] == ByteOrderMark ? 1 : 0;
        var reader = new Reader(text, offset);
        return reader.ReadStream();
    }

    private sealed class Reader
    {
        private readonly string _text;
        private readonly int _offset;
        private readonly IParser _parser;
        private readonly Dictionary<string, YNode> _anchors = new(StringComparer.Ordinal);

        public Reader(string text, int offset)
        {
            _text = text;
            _offset = offset;
            _parser = new Parser(new StringReader(offset == 0 ? text : text.Substring(offset)));
        }

        public List<YDocument> ReadStream()
        {
            var documents = new List<YDocument>();
            try
            {
                Next(); // StreamStart
                Expect<StreamStart>();
                Next();
                while (_parser.Current is DocumentStart start)
                {
                    _anchors.Clear(); // anchors are document-scoped
                    var sliceStart = documents.Count == 0 ? 0 : LineStart(Abs(start.Start));
                    Next();
                    var root = ReadNode();
                    Expect<DocumentEnd>();
                    Next();
                    if (documents.Count > 0)
                    {
                        documents[^1].SliceEnd = sliceStart;
                    }

                    documents.Add(new YDocument { SliceStart = sliceStart, SliceEnd = _text.Length, Root = root });
                }

                Expect<StreamEnd>();
            }
            catch (YamlException ex)
            {
                throw new YamlTreeException(ex.Message, (int)ex.Start.Line, (int)ex.Start.Column, ex);
            }

            return documents;
        }

        private YNode ReadNode()
        {
            var ev = _parser.Current ?? throw Unexpected();
            switch (ev)
            {
                case AnchorAlias alias:
                {
                    Next();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new YamlTreeException($"Alias *{alias.Value.Value} refers to an unknown anchor.", (int)alias.Start.Line, (int)alias.Start.Column);
                    }

                    target.IsAliasTarget = true;
                    var occurrence = new YAlias { Target = target };
                    Place(occurrence, alias);
                    occurrence.End = Math.Min(_text.Length, Abs(alias.End));
                    return occurrence;
                }

                case Scalar scalar:
                {
                    Next();
                    var node = new YScalar { Value = scalar.Value, Style = scalar.Style };
                    Place(node, scalar);
                    node.End = Math.Min(_text.Length, Abs(scalar.End));
                    Register(node);
                    return node;
                }

                case SequenceStart seqStart:
                {
                    Next();
                    var node = new YSequence { IsFlow = seqStart.Style == SequenceStyle.Flow };
                    Place(node, seqStart);
                    while (_parser.Current is not SequenceEnd)
                    {
                        var item = ReadNode();
                        if (item is YScalar { IsEmptyNull: true } && !node.IsFlow)
                        {
                            // An empty item ("-" alone) is marked at the next token, possibly lines later; it belongs to its dash.
                            var dash = item.Start - 1;
                            while (dash >= 0 && _text[dash] is ' ' or '\t' or '\r' or '\n')
                            {
                                dash--;
                            }

                            if (dash >= 0 && _text[dash] == '-')
                            {
                                item.Start = item.End = dash + 1;
                            }
                        }

                        node.Items.Add(item);
                    }

                    var endEvent = (SequenceEnd)_parser.Current;
                    node.End = node.IsFlow ? FlowEnd(endEvent, ']') : BlockEnd(node, node.Items.Count == 0 ? null : node.Items[^1]);
                    Next();
                    Register(node);
                    return node;
                }

                case MappingStart mapStart:
                {
                    Next();
                    var node = new YMapping { IsFlow = mapStart.Style == MappingStyle.Flow };
                    Place(node, mapStart);
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (_parser.Current is not MappingEnd)
                    {
                        var key = ReadNode();
                        var value = ReadNode();
                        if (value is YScalar { IsEmptyNull: true } && value.Start > key.End)
                        {
                            // YamlDotNet marks an empty value where the next token begins; it belongs right after its key.
                            value.Start = value.End = key.End;
                        }

                        if (YAlias.Resolve(key) is YScalar keyScalar && keyScalar.Value != "<<" && !seen.Add(keyScalar.Value))
                        {
                            // yaml.v3 (Talos) rejects duplicate keys; so do we, rather than guess which one counts.
                            throw new YamlTreeException($"Mapping key \"{keyScalar.Value}\" is defined twice.", key.Line, key.Column);
                        }

                        node.Pairs.Add((key, value));
                    }

                    var endEvent = (MappingEnd)_parser.Current;
                    node.End = node.IsFlow ? FlowEnd(endEvent, '}') : BlockEnd(node, node.Pairs.Count == 0 ? null : node.Pairs[^1].Value);
                    Next();
                    Register(node);
                    return node;
                }

                default:
                    throw Unexpected();
            }
        }

        private void Place(YNode node, ParsingEvent ev)
        {
            node.Start = Math.Min(_text.Length, Abs(ev.Start));
            node.Line = (int)ev.Start.Line;
            node.Column = (int)ev.Start.Column;
            if (ev is NodeEvent nodeEvent)
            {
                node.Anchor = nodeEvent.Anchor.IsEmpty ? null : nodeEvent.Anchor.Value;
                node.Tag = nodeEvent.Tag.IsEmpty || nodeEvent.Tag.IsNonSpecific ? null : nodeEvent.Tag.Value;
            }
        }

        private void Register(YNode node)
        {
            if (node.Anchor is not null)
            {
                _anchors[node.Anchor] = node;
            }
        }

        // A block collection's end mark from YamlDotNet points past following comments; the last child's end is exact.
        private static int BlockEnd(YNode node, YNode? lastChild) => Math.Max(node.Start, lastChild?.End ?? node.Start);

        // Flow collection end events mark the position of the closing bracket; the node ends just after it.
        private int FlowEnd(ParsingEvent endEvent, char bracket)
        {
            var index = Math.Min(_text.Length, Abs(endEvent.Start));
            if (index < _text.Length && _text[index] == bracket)
            {
                return index + 1;
            }

            var found = _text.LastIndexOf(bracket, Math.Max(0, Math.Min(_text.Length - 1, Abs(endEvent.End))));
            return found >= 0 ? found + 1 : index;
        }

        private int Abs(Mark mark) => (int)mark.Index + _offset;

        private int LineStart(int index)
        {
            index = Math.Min(index, _text.Length);
            while (index > 0 && _text[index - 1] != '\n')
            {
                index--;
            }

            return index;
        }

        private void Next() => _parser.MoveNext();

        private void Expect<T>()
            where T : ParsingEvent
        {
            if (_parser.Current is not T)
            {
                throw Unexpected();
            }
        }

        private YamlTreeException Unexpected()
        {
            var ev = _parser.Current;
            return new YamlTreeException($"Unexpected YAML event {ev?.GetType().Name ?? "end of input"}.", (int)(ev?.Start.Line ?? 0), (int)(ev?.Start.Column ?? 0));
        }
    }
}
