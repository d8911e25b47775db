using TalosSeccomp.Errors;
using YamlDotNet.Serialization;

namespace TalosSeccomp.Profiles;

/// <summary>Where a Kubernetes <c>securityContext</c> goes: the pod spec or one container (the container's wins).</summary>
public enum SecurityContextLevel
{
    /// <summary><c>spec.securityContext</c> of a pod (or a pod template): applies to every container.</summary>
    Pod,
    /// <summary><c>securityContext</c> of one container entry.</summary>
    Container,
}

/// <summary>
/// A Kubernetes <c>securityContext.seccompProfile</c> of type <c>Localhost</c> pointing at a profile a Talos node
/// holds: <c>localhostProfile</c> is relative to <c>/var/lib/kubelet/seccomp</c>, so <c>profiles/&lt;name&gt;</c>.
/// </summary>
public sealed class SeccompSecurityContext
{
    /// <summary>Creates the context for a profile name as Talos deploys it (validated with <see cref="ProfileName"/>).</summary>
    public static SeccompSecurityContext ForProfileName(string name, SecurityContextLevel level) =>
        new(MachineConfig.ProfileName.ToLocalhostProfile(name), name, level);

    /// <summary>
    /// Creates the context for a <c>localhostProfile</c> path; it must be relative and descend (no <c>..</c>),
    /// as the kubelet requires, else <c>InvalidLocalhostProfile</c>.
    /// </summary>
    public static SeccompSecurityContext ForLocalhostProfile(string localhostProfile, SecurityContextLevel level)
    {
        var segments = (localhostProfile ?? string.Empty).Split('/');
        if (string.IsNullOrWhiteSpace(localhostProfile) || localhostProfile.StartsWith('/') || localhostProfile.Contains('\\')
            || segments.Any(s => s is "" or "." or ".."))
        {
            throw new TalosSeccompException(
                ErrorIds.InvalidLocalhostProfile,
                ErrorKind.InvalidArgument,
                $"'{localhostProfile}' is not a valid localhostProfile: the kubelet needs a relative path below /var/lib/kubelet/seccomp without '.' or '..' segments, e.g. 'profiles/audit.json'.",
                localhostProfile);
        }

        var profileName = segments.Length == 2 && segments[0] == "profiles" ? segments[1] : null;
        return new SeccompSecurityContext(localhostProfile, profileName, level);
    }

    private SeccompSecurityContext(string localhostProfile, string? profileName, SecurityContextLevel level)
    {
        LocalhostProfile = localhostProfile;
        ProfileName = profileName;
        Level = level;
    }

    /// <summary>The seccomp profile type: always <c>Localhost</c>.</summary>
    public string Type => "Localhost";

    /// <summary>Path of the profile relative to <c>/var/lib/kubelet/seccomp</c>, e.g. <c>profiles/audit.json</c>.</summary>
    public string LocalhostProfile { get; }

    /// <summary>The Talos profile name when the path is <c>profiles/&lt;name&gt;</c>; otherwise null.</summary>
    public string? ProfileName { get; }

    /// <summary>Pod or container level.</summary>
    public SecurityContextLevel Level { get; }

    /// <summary>The <c>securityContext</c> value as nested dictionaries, ready to put into a manifest object.</summary>
    public IDictionary<string, object> ToDictionary() => new Dictionary<string, object>
    {
        ["seccompProfile"] = new Dictionary<string, object>
        {
            ["type"] = Type,
            ["localhostProfile"] = LocalhostProfile,
        },
    };

    /// <summary>
    /// The YAML to paste into a manifest: for <see cref="SecurityContextLevel.Pod"/> the <c>spec:</c> fragment of a
    /// pod (as in the Talos seccomp guide), for <see cref="SecurityContextLevel.Container"/> the
    /// <c>securityContext:</c> block of a container entry. Ends with a newline.
    /// </summary>
    public string ToYaml()
    {
        object document = Level == SecurityContextLevel.Pod
            ? new Dictionary<string, object> { ["spec"] = new Dictionary<string, object> { ["securityContext"] = ToDictionary() } }
            : new Dictionary<string, object> { ["securityContext"] = ToDictionary() };
        return Serializer.Serialize(document);
    }

    /// <summary>The YAML.</summary>
    public override string ToString() => ToYaml();

    private static readonly ISerializer Serializer = new SerializerBuilder().Build();
}
