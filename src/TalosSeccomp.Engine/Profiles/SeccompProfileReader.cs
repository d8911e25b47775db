using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Profiles;

/// <summary>The one JSON → <see cref="SeccompProfile"/> reader (System.Text.Json nodes, exact integers).</summary>
internal static class SeccompProfileReader
{
    internal static readonly string[] ProfileKeys = ["defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath", "listenerMetadata", "syscalls"];
    internal static readonly string[] RuleKeys = ["names", "action", "errnoRet", "args"];
    internal static readonly string[] ArgumentKeys = ["index", "value", "valueTwo", "op"];

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 256,
    };

    internal static SeccompProfile Parse(string json, string? source, bool strict)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonElement root;
        try
        {
            // Go's decoder reads a lone surrogate (escaped or not) as U+FFFD; System.Text.Json would refuse the
            // string only later, when something reads it.
            using var document = JsonDocument.Parse(GoJson.ReplaceInvalidSurrogates(json), DocumentOptions);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            var reason = ex.Message;
            var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut];
            }

            var line = (ex.LineNumber ?? 0) + 1;
            var position = (ex.BytePositionInLine ?? 0) + 1;
            throw new TalosSeccompException(
                ErrorIds.InvalidSeccompProfileJson,
                ErrorKind.InvalidArgument,
                $"{Describe(source)} is not valid JSON (line {line}, position {position}): {reason}",
                source ?? $"line {line}",
                ex);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new TalosSeccompException(
                ErrorIds.InvalidSeccompProfileType,
                ErrorKind.InvalidType,
                $"{Describe(source)} must be a JSON object with at least \"defaultAction\"; it is {KindOf(root.ValueKind)}.",
                source ?? "$");
        }

        // JsonObject would refuse a repeated key only when (and if) it materialises that object, with a bare
        // ArgumentException; find it up front and say where it is.
        CheckDuplicateKeys(root, null, source);
        return Read(JsonObject.Create(root)!, source, strict);
    }

    internal static SeccompProfile Read(JsonObject json, string? source, bool strict)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return new Reader(source, strict).ReadProfile(json);
        }
        catch (ArgumentException ex) when (ex is not ArgumentNullException)
        {
            // A lazily parsed JsonObject handed in (not from Parse, which checks first) refuses a repeated key here.
            throw new TalosSeccompException(
                ErrorIds.DuplicateSeccompProfileKey,
                ErrorKind.InvalidArgument,
                $"{Describe(source)} repeats a key in one of its objects ({ex.Message}). JSON object keys must be unique; remove one of them.",
                source,
                ex);
        }
    }

    /// <summary>Throws <c>DuplicateSeccompProfileKey</c> for the first object (depth first) that repeats a key.</summary>
    private static void CheckDuplicateKeys(JsonElement element, string? path, string? source)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    CheckDuplicateKeys(item, $"{path}[{index}]", source);
                }

                index++;
            }

            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        HashSet<string>? seen = null;
        var first = default(string);
        foreach (var property in element.EnumerateObject())
        {
            // Most objects here have one key or a handful; the set is only made from the second key on.
            if (first is null)
            {
                first = property.Name;
            }
            else if (!(seen ??= new HashSet<string>(StringComparer.Ordinal) { first }).Add(property.Name))
            {
                var where = path is null ? "at the top level" : $"in {path}";
                throw new TalosSeccompException(
                    ErrorIds.DuplicateSeccompProfileKey,
                    ErrorKind.InvalidArgument,
                    $"{Describe(source)} has the key \"{property.Name}\" twice {where}. JSON object keys must be unique " +
                    "(Go's decoder on the node would silently keep the last one); remove one of them.",
                    path is null ? property.Name : $"{path}.{property.Name}");
            }

            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                CheckDuplicateKeys(property.Value, path is null ? property.Name : $"{path}.{property.Name}", source);
            }
        }
    }

    private static string Describe(string? source) => source is null ? "The seccomp profile" : $"Seccomp profile '{source}'";

    private static string KindOf(JsonNode? node) => node is null ? "null" : KindOf(JsonText.KindOf(node));

    private static string KindOf(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private sealed class Reader(string? source, bool strict)
    {
        internal SeccompProfile ReadProfile(JsonObject json)
        {
            var profile = new SeccompProfile { Source = source };
            var hasDefault = false;
            foreach (var (key, value) in json)
            {
                if (value is null && System.Array.IndexOf(ProfileKeys, key) >= 0)
                {
                    // An explicit null stays an unmodelled key so the node's bytes ("key":null) are reproduced.
                    profile.AdditionalProperties[key] = null;
                    continue;
                }

                switch (key)
                {
                    case "defaultAction":
                        profile.DefaultAction = Action(value, key);
                        hasDefault = true;
                        break;
                    case "defaultErrnoRet":
                        profile.DefaultErrnoRet = UInt32(value, key);
                        break;
                    case "architectures":
                        ReadStrings(value, key, profile.Architectures, profile.EmptyArraysToEmit, Architecture);
                        break;
                    case "flags":
                        ReadStrings(value, key, profile.Flags, profile.EmptyArraysToEmit, Flag);
                        break;
                    case "listenerPath":
                        profile.ListenerPath = String(value, key);
                        break;
                    case "listenerMetadata":
                        profile.ListenerMetadata = String(value, key);
                        break;
                    case "syscalls":
                        var rules = Array(value, key);
                        if (rules.Count == 0)
                        {
                            profile.EmptyArraysToEmit.Add(key);
                        }

                        for (var i = 0; i < rules.Count; i++)
                        {
                            profile.Syscalls.Add(ReadRule(rules[i], $"syscalls[{i}]"));
                        }

                        break;
                    default:
                        profile.AdditionalProperties[key] = value?.DeepClone();
                        break;
                }
            }

            if (!hasDefault)
            {
                throw Field("defaultAction", "is required (e.g. \"SCMP_ACT_ERRNO\")");
            }

            return profile;
        }

        private SeccompRule ReadRule(JsonNode? node, string path)
        {
            var json = Object(node, path);
            var rule = new SeccompRule();
            var hasAction = false;
            foreach (var (key, value) in json)
            {
                var at = $"{path}.{key}";
                if (value is null && System.Array.IndexOf(RuleKeys, key) >= 0)
                {
                    rule.AdditionalProperties[key] = null;
                    continue;
                }

                switch (key)
                {
                    case "names":
                        var names = Array(value, at);
                        rule.EmitEmptyNames = names.Count == 0;
                        for (var i = 0; i < names.Count; i++)
                        {
                            rule.Names.Add(String(names[i], $"{at}[{i}]"));
                        }

                        break;
                    case "action":
                        rule.Action = Action(value, at);
                        hasAction = true;
                        break;
                    case "errnoRet":
                        rule.ErrnoRet = UInt32(value, at);
                        break;
                    case "args":
                        var args = Array(value, at);
                        rule.EmitEmptyArgs = args.Count == 0;
                        for (var i = 0; i < args.Count; i++)
                        {
                            rule.Args.Add(ReadArgument(args[i], $"{at}[{i}]"));
                        }

                        break;
                    default:
                        rule.AdditionalProperties[key] = value?.DeepClone();
                        break;
                }
            }

            if (!hasAction)
            {
                throw Field($"{path}.action", "is required");
            }

            return rule;
        }

        private SeccompArgument ReadArgument(JsonNode? node, string path)
        {
            var json = Object(node, path);
            var argument = new SeccompArgument();
            bool hasIndex = false, hasValue = false, hasOp = false;
            foreach (var (key, value) in json)
            {
                var at = $"{path}.{key}";
                if (value is null && System.Array.IndexOf(ArgumentKeys, key) >= 0)
                {
                    argument.AdditionalProperties[key] = null;
                    continue;
                }

                switch (key)
                {
                    case "index":
                        argument.Index = UInt32(value, at);
                        hasIndex = true;
                        break;
                    case "value":
                        argument.Value = UInt64(value, at);
                        hasValue = true;
                        break;
                    case "valueTwo":
                        argument.ValueTwo = UInt64(value, at);
                        break;
                    case "op":
                        var op = String(value, at);
                        argument.Op = strict || SeccompOperator.TryNormalize(op, out _) ? SeccompOperator.Normalize(op, Where(at)) : op;
                        hasOp = true;
                        break;
                    default:
                        argument.AdditionalProperties[key] = value?.DeepClone();
                        break;
                }
            }

            foreach (var (present, key) in new[] { (hasIndex, "index"), (hasValue, "value"), (hasOp, "op") })
            {
                if (!present)
                {
                    throw Field($"{path}.{key}", "is required in every argument condition (index, value, op)");
                }
            }

            return argument;
        }

        private string Action(JsonNode? node, string path)
        {
            var text = String(node, path);
            return strict || SeccompAction.TryNormalize(text, out _) ? SeccompAction.Normalize(text, Where(path)) : text;
        }

        private string Architecture(string text, string path) =>
            strict || SeccompArchitectureName.TryNormalize(text, out _) ? SeccompArchitectureName.Normalize(text, Where(path)) : text;

        private string Flag(string text, string path) =>
            strict || SeccompFilterFlag.TryNormalize(text, out _) ? SeccompFilterFlag.Normalize(text, Where(path)) : text;

        private void ReadStrings(JsonNode? node, string path, List<string> target, HashSet<string> emptyArrays, Func<string, string, string> normalize)
        {
            var array = Array(node, path);
            if (array.Count == 0)
            {
                emptyArrays.Add(path);
            }

            for (var i = 0; i < array.Count; i++)
            {
                var at = $"{path}[{i}]";
                target.Add(normalize(String(array[i], at), at));
            }
        }

        private JsonObject Object(JsonNode? node, string path) =>
            node as JsonObject ?? throw Type(path, "an object", node);

        private JsonArray Array(JsonNode? node, string path) =>
            node as JsonArray ?? throw Type(path, "an array", node);

        private string String(JsonNode? node, string path) =>
            node is JsonValue value && JsonText.KindOf(value) == JsonValueKind.String
                ? value.GetValue<string>()
                : throw Type(path, "a string", node);

        private ulong UInt64(JsonNode? node, string path)
        {
            // The literal text keeps all 64 bits; going through double would not.
            if (node is not JsonValue value || JsonText.KindOf(value) != JsonValueKind.Number)
            {
                throw Type(path, "an unsigned integer", node);
            }

            // NumberOf refuses NaN and infinity (a double from code) with InvalidJsonValue.
            var text = JsonText.NumberOf(value);
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw Field(path, $"is {text}; it must be an integer from 0 to 18446744073709551615");
        }

        private uint UInt32(JsonNode? node, string path)
        {
            var number = UInt64(node, path);
            return number <= uint.MaxValue ? (uint)number : throw Field(path, $"is {number}; it must be at most {uint.MaxValue}");
        }

        private string Where(string path) => source is null ? path : $"{source}: {path}";

        private TalosSeccompException Type(string path, string expected, JsonNode? actual) => new(
            ErrorIds.InvalidSeccompProfileType,
            ErrorKind.InvalidType,
            $"{Describe(source)}: {path} must be {expected}; it is {KindOf(actual)}.",
            source ?? path);

        private TalosSeccompException Field(string path, string problem) => new(
            ErrorIds.InvalidSeccompProfileField,
            ErrorKind.InvalidData,
            $"{Describe(source)}: {path} {problem}.",
            source ?? path);
    }
}
