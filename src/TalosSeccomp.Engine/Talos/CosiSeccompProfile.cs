using System.Text.Json.Nodes;

namespace TalosSeccomp.Talos;

/// <summary>A SeccompProfiles.cri.talos.dev resource as read from a node.</summary>
/// <param name="Node">The node it was read from.</param>
/// <param name="Id">Resource id (the profile file name).</param>
/// <param name="Name">Profile name from the spec.</param>
/// <param name="Version">COSI resource version.</param>
/// <param name="Value">The profile (<c>value</c>) as JSON, numbers exact when it came from yaml_spec.</param>
/// <param name="FromStruct">True when decoded from proto_spec's Struct (numbers are doubles there).</param>
public sealed record CosiSeccompProfile(string? Node, string Id, string Name, string Version, JsonObject Value, bool FromStruct);
