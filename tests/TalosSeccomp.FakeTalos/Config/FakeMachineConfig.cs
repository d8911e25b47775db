using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TalosSeccomp.FakeTalos.Config;

/// <summary>A seccomp profile from <c>machine.seccompProfiles</c>: its name and its value as Go would decode it.</summary>
/// <param name="Name">The profile (file) name.</param>
/// <param name="Value">The decoded value (see <see cref="GoYamlValues"/>).</param>
/// <param name="FileContent">The file bytes Talos writes: Go json.Marshal of the value.</param>
public sealed record FakeSeccompProfile(string Name, IReadOnlyDictionary<string, object?> Value, string FileContent);

/// <summary>
/// What the fake node reads from a multi-document machine config, checked as strictly as the node checks it:
/// every document must parse, exactly one legacy <c>version: v1alpha1</c> document, no duplicate
/// (apiVersion, kind, name), and <c>machine.seccompProfiles</c> entries of the shape {name, value}.
/// </summary>
public sealed class FakeMachineConfig
{
    private FakeMachineConfig(IReadOnlyList<FakeSeccompProfile> profiles, string? hostname, IReadOnlyList<string> documentIds)
    {
        SeccompProfiles = profiles;
        Hostname = hostname;
        DocumentIds = documentIds;
    }

    /// <summary>The profiles, in config order with the last of duplicate names winning (as the node's controller does).</summary>
    public IReadOnlyList<FakeSeccompProfile> SeccompProfiles { get; }

    /// <summary>The hostname from a HostnameConfig document or machine.network.hostname, if any.</summary>
    public string? Hostname { get; }

    /// <summary>Document identities in order: <c>/v1alpha1</c> or <c>apiVersion/kind[/name]</c>.</summary>
    public IReadOnlyList<string> DocumentIds { get; }

    /// <summary>Parses and validates a config; throws <see cref="FakeConfigException"/> with a node-style message.</summary>
    public static FakeMachineConfig Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FakeConfigException($"failed to parse config: yaml: line {e.Start.Line}: {e.Message}");
        }

        YamlMappingNode? v1alpha1 = null;
        var ids = new List<string>();
        var hostname = default(string);
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            if (document.RootNode is not YamlMappingNode root)
            {
                throw new FakeConfigException($"failed to parse config: document at line {document.RootNode.Start.Line} is not a mapping");
            }

            var kind = Scalar(root, "kind");
            string id;
            if (kind is null)
            {
                var version = Scalar(root, "version");
                if (version != "v1alpha1")
                {
                    throw new FakeConfigException($"failed to parse config: document at line {root.Start.Line} has neither kind nor version: v1alpha1");
                }

                if (v1alpha1 is not null)
                {
                    throw new FakeConfigException("failed to parse config: duplicate v1alpha1 document");
                }

                v1alpha1 = root;
                id = "/v1alpha1";
            }
            else
            {
                var apiVersion = Scalar(root, "apiVersion") ?? string.Empty;
                var name = Scalar(root, "name");
                id = name is null ? $"{apiVersion}/{kind}" : $"{apiVersion}/{kind}/{name}";
                if (kind == "HostnameConfig")
                {
                    hostname = Scalar(root, "hostname") ?? hostname;
                }
            }

            if (ids.Contains(id))
            {
                throw new FakeConfigException($"failed to parse config: duplicate document: {id}");
            }

            ids.Add(id);
        }

        if (v1alpha1 is null)
        {
            // Upstream v1alpha1_server.go ApplyConfiguration, outside maintenance mode (the fake node is always configured).
            throw new FakeConfigException("the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the machine config instead?");
        }

        var machine = Child(v1alpha1, "machine") as YamlMappingNode;
        hostname ??= machine is null ? null : Scalar(Child(machine, "network") as YamlMappingNode, "hostname");
        var profiles = ParseProfiles(machine is null ? null : Child(machine, "seccompProfiles"));
        return new FakeMachineConfig(profiles, hostname, ids);
    }

    private static List<FakeSeccompProfile> ParseProfiles(YamlNode? node)
    {
        var byName = new List<FakeSeccompProfile>();
        if (node is null || node is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return byName;
        }

        if (node is not YamlSequenceNode sequence)
        {
            throw new FakeConfigException($"failed to decode machine.seccompProfiles (line {node.Start.Line}): expected a list");
        }

        foreach (var item in sequence.Children)
        {
            if (item is not YamlMappingNode entry)
            {
                throw new FakeConfigException($"failed to decode machine.seccompProfiles (line {item.Start.Line}): expected {{name, value}}");
            }

            foreach (var key in entry.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: "name" or "value" })
                {
                    throw new FakeConfigException($"failed to decode machine.seccompProfiles (line {key.Start.Line}): unknown field {key}");
                }
            }

            var name = Scalar(entry, "name");
            if (string.IsNullOrEmpty(name))
            {
                throw new FakeConfigException($"failed to decode machine.seccompProfiles (line {entry.Start.Line}): name is required");
            }

            var valueNode = Child(entry, "value");
            if (valueNode is not YamlMappingNode valueMapping)
            {
                throw new FakeConfigException($"failed to decode machine.seccompProfiles[{name}].value (line {entry.Start.Line}): expected a mapping");
            }

            Dictionary<string, object?> value;
            string content;
            try
            {
                value = (Dictionary<string, object?>)GoYamlValues.ToValue(valueMapping)!;
                content = GoJson.Marshal(value);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new FakeConfigException($"seccomp profile {name}: {e.Message}");
            }

            byName.RemoveAll(p => p.Name == name);
            byName.Add(new FakeSeccompProfile(name, value, content));
        }

        return byName;
    }

    private static YamlNode? Child(YamlMappingNode? mapping, string key)
    {
        if (mapping is null)
        {
            return null;
        }

        return mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    private static string? Scalar(YamlMappingNode? mapping, string key) => (Child(mapping, key) as YamlScalarNode)?.Value;
}

/// <summary>A machine config the fake node refuses (the node answers InvalidArgument).</summary>
public sealed class FakeConfigException(string message) : Exception(message);
