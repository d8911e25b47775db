using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Profiles;

/// <summary>
/// A seccomp profile as containerd reads it from <c>/var/lib/kubelet/seccomp/profiles/&lt;name&gt;</c>: the OCI
/// runtime-spec <c>LinuxSeccomp</c>. Keys the spec does not define (Docker's <c>archMap</c>, <c>comment</c>, ...)
/// are kept verbatim in <see cref="AdditionalProperties"/>, so import and export lose nothing. Numbers are
/// exact up to 2^64-1.
/// </summary>
public sealed class SeccompProfile
{
    /// <summary>Creates a profile whose default action is SCMP_ACT_ERRNO.</summary>
    public SeccompProfile()
    {
    }

    /// <summary>Creates a profile; <paramref name="defaultAction"/> accepts every spelling <see cref="SeccompAction"/> knows.</summary>
    public SeccompProfile(string defaultAction)
    {
        DefaultAction = SeccompAction.Normalize(defaultAction, "defaultAction");
    }

    /// <summary>Action for every syscall no rule matches, in SCMP_ACT_* spelling.</summary>
    public string DefaultAction { get; set; } = SeccompAction.Errno;

    /// <summary>errno for an ERRNO (or value for a TRACE) default action; null when absent (EPERM).</summary>
    public uint? DefaultErrnoRet { get; set; }

    /// <summary>Architectures the filter covers, in SCMP_ARCH_* spelling; empty = the node's native one.</summary>
    public List<string> Architectures { get; } = [];

    /// <summary>Seccomp filter flags in SECCOMP_FILTER_FLAG_* spelling.</summary>
    public List<string> Flags { get; } = [];

    /// <summary>Unix socket path of the SCMP_ACT_NOTIFY listener; null when absent.</summary>
    public string? ListenerPath { get; set; }

    /// <summary>Opaque data passed to the listener; null when absent.</summary>
    public string? ListenerMetadata { get; set; }

    /// <summary>The rules, in order.</summary>
    public List<SeccompRule> Syscalls { get; } = [];

    /// <summary>Top-level keys the OCI spec does not define, kept verbatim in their original order.</summary>
    public JsonObject AdditionalProperties { get; } = [];

    /// <summary>The profile's name when known (the file name on import, the node's profile name); not part of the JSON.</summary>
    public string? Name { get; set; }

    /// <summary>Where the profile came from (a file path) when known; not part of the JSON.</summary>
    public string? Source { get; set; }

    /// <summary>The workload container a per-workload recording made the profile for (New-SeccompProfile -FromAuditEvent -PerWorkload); null otherwise; not part of the JSON.</summary>
    public Audit.SeccompWorkload? Workload { get; set; }

    /// <summary>The Talos seccomp guide's audit profile, which logs every syscall: what the node cmdlets deploy when no profile is given.</summary>
    public const string AuditProfileJson = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";

    /// <summary>A new copy of the Talos guide's audit profile (<see cref="AuditProfileJson"/>).</summary>
    public static SeccompProfile CreateAuditProfile() => new(SeccompAction.Log);

    /// <summary>Number of rules.</summary>
    public int RuleCount => Syscalls.Count;

    /// <summary>Number of distinct syscall names across all rules.</summary>
    public int SyscallCount => Syscalls.SelectMany(r => r.Names).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Known keys the source spelled as an empty array; export reproduces them.</summary>
    internal HashSet<string> EmptyArraysToEmit { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Parses profile JSON (strict: unknown actions, operators, architectures and flags are errors). Throws
    /// <c>TalosSeccompException</c> with ErrorId InvalidSeccompProfileJson (syntax, with line and position),
    /// InvalidSeccompProfileType (a value of the wrong JSON type), InvalidSeccompProfileField (missing or out of
    /// range), InvalidSeccompAction, InvalidSeccompOperator, InvalidSeccompArchitecture or InvalidSeccompFlag;
    /// every message names the JSON path.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">A file name or other label for messages and the error target; optional.</param>
    public static SeccompProfile Parse(string json, string? source = null) =>
        SeccompProfileReader.Parse(json, source, strict: true);

    /// <summary>
    /// Parses profile JSON but keeps unknown actions, operators, architectures and flags verbatim, so
    /// <see cref="SeccompProfileValidator"/> can report every problem at once. Syntax and type errors still throw.
    /// </summary>
    public static SeccompProfile ParseLenient(string json, string? source = null) =>
        SeccompProfileReader.Parse(json, source, strict: false);

    /// <summary>Reads a profile from a JSON object (the value of a machine-config <c>seccompProfiles</c> entry); strict like <see cref="Parse"/>.</summary>
    internal static SeccompProfile FromJsonNode(JsonObject json, string? source = null) =>
        SeccompProfileReader.Read(json, source, strict: true);

    /// <summary>
    /// The profile as a fresh JSON object: known keys in OCI order, then the unmodelled keys in their original
    /// order. Numbers are exact.
    /// </summary>
    public JsonObject ToJsonNode() => SeccompProfileWriter.ToJsonObject(this);

    /// <summary>
    /// Exactly the bytes a Talos node writes to <c>/var/lib/kubelet/seccomp/profiles/&lt;name&gt;</c> (Go
    /// <c>json.Marshal</c>): compact, keys sorted by UTF-8 bytes, HTML-escaped, no trailing newline.
    /// </summary>
    public byte[] ToNodeJsonBytes() => GoJson.Serialize(ToJsonNode());

    /// <summary>The node's exact JSON as a string (see <see cref="ToNodeJsonBytes"/>).</summary>
    public string ToNodeJson() => GoJson.SerializeToString(ToJsonNode());

    /// <summary>Indented JSON for people (known keys first, two-space indent, no HTML escaping), without a trailing newline.</summary>
    public string ToIndentedJson() => ToJsonNode().ToJsonString(IndentedOptions);

    /// <summary>The indented JSON.</summary>
    public override string ToString() => ToIndentedJson();

    /// <summary>A deep copy, including unmodelled keys, name and source.</summary>
    public SeccompProfile Clone()
    {
        var copy = new SeccompProfile
        {
            DefaultAction = DefaultAction,
            DefaultErrnoRet = DefaultErrnoRet,
            ListenerPath = ListenerPath,
            ListenerMetadata = ListenerMetadata,
            Name = Name,
            Source = Source,
            Workload = Workload,
        };
        copy.Architectures.AddRange(Architectures);
        copy.Flags.AddRange(Flags);
        copy.Syscalls.AddRange(Syscalls.Select(r => r.Clone()));
        foreach (var (key, value) in AdditionalProperties)
        {
            copy.AdditionalProperties[key] = value?.DeepClone();
        }

        copy.EmptyArraysToEmit.UnionWith(EmptyArraysToEmit);
        return copy;
    }

    /// <summary>The architectures the profile targets in SCMP_ARCH_* spelling: its own list, or the Talos node architectures when it has none.</summary>
    public IReadOnlyList<string> EffectiveArchitectures =>
        Architectures.Count > 0 ? Architectures : SeccompArchitectureName.TalosNodeArchitectures;

    private static readonly JsonSerializerOptions IndentedOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
