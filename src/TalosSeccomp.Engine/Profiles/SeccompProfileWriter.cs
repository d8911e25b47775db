using System.Text.Json.Nodes;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Profiles;

/// <summary>The one <see cref="SeccompProfile"/> → JSON object mapping; every textual form is rendered from its result.</summary>
internal static class SeccompProfileWriter
{
    internal static JsonObject ToJsonObject(SeccompProfile profile)
    {
        var json = new JsonObject { ["defaultAction"] = profile.DefaultAction };
        if (profile.DefaultErrnoRet is { } errno)
        {
            json["defaultErrnoRet"] = errno;
        }

        AddStrings(json, "architectures", profile.Architectures, profile.EmptyArraysToEmit);
        AddStrings(json, "flags", profile.Flags, profile.EmptyArraysToEmit);
        if (profile.ListenerPath is not null)
        {
            json["listenerPath"] = Text(profile.ListenerPath);
        }

        if (profile.ListenerMetadata is not null)
        {
            json["listenerMetadata"] = Text(profile.ListenerMetadata);
        }

        if (profile.Syscalls.Count > 0 || profile.EmptyArraysToEmit.Contains("syscalls"))
        {
            json["syscalls"] = new JsonArray(profile.Syscalls.Select(r => (JsonNode)ToJsonObject(r)).ToArray());
        }

        AddUnmodelled(json, profile.AdditionalProperties);
        return json;
    }

    private static JsonObject ToJsonObject(SeccompRule rule)
    {
        var json = new JsonObject();
        if (rule.Names.Count > 0 || rule.EmitEmptyNames)
        {
            json["names"] = new JsonArray(rule.Names.Select(n => (JsonNode)Text(n)).ToArray());
        }

        json["action"] = rule.Action;
        if (rule.ErrnoRet is { } errno)
        {
            json["errnoRet"] = errno;
        }

        if (rule.Args.Count > 0 || rule.EmitEmptyArgs)
        {
            json["args"] = new JsonArray(rule.Args.Select(a => (JsonNode)ToJsonObject(a)).ToArray());
        }

        AddUnmodelled(json, rule.AdditionalProperties);
        return json;
    }

    private static JsonObject ToJsonObject(SeccompArgument argument)
    {
        var json = new JsonObject
        {
            ["index"] = argument.Index,
            ["value"] = argument.Value,
        };
        if (argument.ValueTwo is { } two)
        {
            json["valueTwo"] = two;
        }

        json["op"] = argument.Op;
        AddUnmodelled(json, argument.AdditionalProperties);
        return json;
    }

    /// <summary>
    /// A string value with lone surrogates (possible only for strings set in memory; parsing already replaced them)
    /// as U+FFFD, so that every rendering (node JSON, indented JSON, the YAML patch) carries the same text, the text
    /// the node then stores.
    /// </summary>
    private static JsonValue Text(string value) => JsonValue.Create(GoJson.ReplaceLoneSurrogates(value));

    private static void AddStrings(JsonObject json, string key, List<string> values, HashSet<string> emptyArrays)
    {
        if (values.Count > 0 || emptyArrays.Contains(key))
        {
            json[key] = new JsonArray(values.Select(v => (JsonNode)Text(v)).ToArray());
        }
    }

    private static void AddUnmodelled(JsonObject json, JsonObject unmodelled)
    {
        foreach (var (key, value) in unmodelled)
        {
            // A known key held here (an explicit null in the source) yields to a value set since.
            if (!json.ContainsKey(key))
            {
                json[key] = value?.DeepClone();
            }
        }
    }
}
