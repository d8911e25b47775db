using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Talos.Deployment;

/// <summary>
/// One change to a node's <c>machine.seccompProfiles</c>: set one profile by name (replace or add), or remove every
/// entry matching name patterns. Everything that can be checked without the node (the name, the profile, the
/// patterns) is checked when the edit is created, so a bad edit fails before any call.
/// </summary>
public sealed class SeccompProfileEdit
{
    private readonly IReadOnlyList<Wildcard> _patterns;

    private SeccompProfileEdit(SeccompProfileEditKind kind, string name, JsonObject? value, IReadOnlyList<Wildcard> patterns, IReadOnlyList<SeccompDiagnostic> diagnostics,
        bool addOnly = false)
    {
        Kind = kind;
        AddOnly = addOnly;
        Name = name;
        Value = value;
        _patterns = patterns;
        Diagnostics = diagnostics;
    }

    /// <summary>Set or Remove.</summary>
    public SeccompProfileEditKind Kind { get; }

    /// <summary>The profile name for a set; the patterns joined by ", " for a remove.</summary>
    public string Name { get; }

    /// <summary>The profile JSON a set writes (exact numbers); null for a remove.</summary>
    public JsonObject? Value { get; }

    /// <summary>The name patterns a remove matches; empty for a set.</summary>
    public IReadOnlyList<string> Patterns => _patterns.Select(p => p.Pattern).ToList();

    /// <summary>
    /// True for the default profile deployed because none was given: it may be added, but an existing entry with a
    /// different value is refused (<see cref="SeccompProfilePlan.Create"/>) instead of replaced.
    /// </summary>
    public bool AddOnly { get; }

    /// <summary>
    /// Where the profile of a set came from (<see cref="SeccompProfile.Source"/>: a file, or <c>node:name</c> for a
    /// profile read from a node by Get-TalosSeccompProfile), shown in the plan's summary; null when unknown.
    /// </summary>
    public string? Source { get; private init; }

    /// <summary>What <see cref="SeccompProfileValidator"/> found in the profile of a set (warnings, and errors accepted with force).</summary>
    public IReadOnlyList<SeccompDiagnostic> Diagnostics { get; }

    /// <summary>
    /// An edit that sets <paramref name="name"/> to <paramref name="profile"/>. Throws <c>UnsafeProfileName</c> for a name
    /// Talos cannot write safely, and <c>SeccompProfileValidationFailed</c> (InvalidData) when the profile has validation
    /// errors and <paramref name="force"/> is false.
    /// </summary>
    /// <param name="name">The profile (file) name on the node.</param>
    /// <param name="profile">The profile; its JSON (<see cref="SeccompProfile.ToJsonNode"/>) is what the node gets.</param>
    /// <param name="force">Accept a profile that has validation errors.</param>
    public static SeccompProfileEdit Set(string name, SeccompProfile profile, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ProfileName.Validate(name);
        // Refuse only what no container can run with: a profile may be meant for pods with NoNewPrivileges
        // (allowPrivilegeEscalation: false), which need fewer syscalls than Kubernetes' default.
        var diagnostics = SeccompProfileValidator.Validate(profile, name, noNewPrivileges: true);
        var errors = diagnostics.Where(d => d.Severity == SeccompDiagnosticSeverity.Error).ToList();
        if (errors.Count > 0 && !force)
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfileValidationFailed, ErrorKind.InvalidData,
                $"The profile for '{name}' fails validation, so it was not deployed ({errors.Count} error{(errors.Count == 1 ? string.Empty : "s")}): "
                + string.Join("; ", errors.Select(e => string.IsNullOrEmpty(e.Location) ? e.Message : $"{e.Location}: {e.Message}"))
                + ". Fix the profile (Test-SeccompProfile lists every finding) or use -Force to deploy it anyway.",
                name);
        }

        return new SeccompProfileEdit(SeccompProfileEditKind.Set, name, profile.ToJsonNode(), Array.Empty<Wildcard>(), diagnostics) { Source = profile.Source };
    }

    /// <summary>
    /// The edit deployed when no profile was given: <paramref name="name"/> set to the Talos guide's audit profile
    /// (<see cref="SeccompProfile.CreateAuditProfile"/>). Unless <paramref name="replaceExisting"/>, it only adds: planning
    /// it against a node whose entry with the name has another value fails with <c>SeccompProfileDefaultWouldReplace</c>,
    /// because a forgotten profile argument must not turn a strict profile into log-everything.
    /// </summary>
    /// <param name="name">The profile (file) name on the node.</param>
    /// <param name="replaceExisting">Replace an existing entry like <see cref="Set"/> does.</param>
    public static SeccompProfileEdit SetDefault(string name, bool replaceExisting)
    {
        var edit = Set(name, SeccompProfile.CreateAuditProfile());
        return replaceExisting ? edit : new SeccompProfileEdit(edit.Kind, edit.Name, edit.Value, Array.Empty<Wildcard>(), edit.Diagnostics, addOnly: true);
    }

    /// <summary>An edit that removes every entry whose name matches one of <paramref name="patterns"/> (wildcards, case-sensitive).</summary>
    /// <exception cref="TalosSeccompException"><c>InvalidWildcardPattern</c>; <c>SeccompProfileNameMissing</c> when no pattern is given;
    /// <c>UnsafeProfileName</c> for a name without wildcards longer than a file name can be.</exception>
    public static SeccompProfileEdit Remove(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var compiled = patterns.Where(p => !string.IsNullOrEmpty(p)).Distinct(StringComparer.Ordinal).Select(p => Wildcard.Compile(p, ignoreCase: false)).ToList();
        if (compiled.Count == 0)
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfileNameMissing, ErrorKind.InvalidArgument, "Name at least one profile (or wildcard pattern) to remove.", "Name");
        }

        // A literal name no file can have is a mistake to report, not a remove that quietly matches nothing.
        foreach (var literal in compiled.Where(p => !p.HasWildcards && ProfileName.IsTooLong(p.Pattern)))
        {
            ProfileName.Validate(literal.Pattern);
        }

        return new SeccompProfileEdit(SeccompProfileEditKind.Remove, string.Join(", ", compiled.Select(p => p.Pattern)), null, compiled, Array.Empty<SeccompDiagnostic>());
    }

    /// <summary>Applies the edit to a whole config text (the text splice of <see cref="MachineConfigSeccompEditor"/>).</summary>
    internal MachineConfigEdit ApplyTo(string configText, string? source) => Kind == SeccompProfileEditKind.Set
        ? MachineConfigSeccompEditor.Set(configText, Name, Value!, source)
        : MachineConfigSeccompEditor.Remove(configText, Patterns, source);

    /// <summary>True when <paramref name="name"/> matches one of this remove's patterns that has wildcards.</summary>
    internal bool MatchesByWildcard(string name) => _patterns.Any(p => p.HasWildcards && p.IsMatch(name));

    /// <summary>True when <paramref name="name"/> is one of the profiles this edit sets or removes.</summary>
    internal bool Concerns(string name) => Kind == SeccompProfileEditKind.Set ? Name == name : _patterns.Any(p => p.IsMatch(name));

    /// <summary>"set audit.json" or "remove a.json, *.tmp".</summary>
    public override string ToString() => (Kind == SeccompProfileEditKind.Set ? "set " : "remove ") + Name;
}

/// <summary>What a <see cref="SeccompProfileEdit"/> does.</summary>
public enum SeccompProfileEditKind
{
    /// <summary>Replace the entry with the name, or add it.</summary>
    Set,
    /// <summary>Remove the entries matching the patterns.</summary>
    Remove,
}
