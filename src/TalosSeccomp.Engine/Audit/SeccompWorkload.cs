using System.Security.Cryptography;
using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Audit;

/// <summary>Which pod-name shape a <see cref="SeccompWorkload"/> was recognised from.</summary>
public enum SeccompWorkloadKind
{
    /// <summary>No controller's shape: a bare pod, which keeps its own name.</summary>
    Pod,

    /// <summary><c>&lt;name&gt;-&lt;pod-template-hash&gt;-&lt;5&gt;</c>: a Deployment's pods (through its ReplicaSet).</summary>
    Deployment,

    /// <summary><c>&lt;name&gt;-&lt;ordinal&gt;</c>: a StatefulSet's pods.</summary>
    StatefulSet,

    /// <summary><c>&lt;name&gt;-&lt;5&gt;</c>: a DaemonSet's, a Job's or a ReplicaSet's pods (any generateName).</summary>
    GeneratedName,

    /// <summary><c>&lt;name&gt;-&lt;number&gt;-&lt;5&gt;</c>: a CronJob's pods (number = the scheduled minute), or an indexed Job's (number = the index).</summary>
    CronJob,

    /// <summary>Named by a -WorkloadName pattern the caller gave.</summary>
    Override,
}

/// <summary>
/// One container of one Kubernetes workload, as a recording groups audit events: replicas of one Deployment,
/// StatefulSet or DaemonSet share it, so they get one profile, named <see cref="ProfileName"/>.
/// </summary>
/// <param name="Namespace">The pods' namespace.</param>
/// <param name="Name">The workload's name (the pod name without the suffix its controller added).</param>
/// <param name="Container">The container's name in the pod spec.</param>
/// <param name="Kind">The pod-name shape it was recognised from.</param>
public sealed record SeccompWorkload(string Namespace, string Name, string Container, SeccompWorkloadKind Kind)
{
    /// <summary>The profile's name: <c>&lt;namespace&gt;_&lt;workload&gt;_&lt;container&gt;.json</c> (see <see cref="SeccompWorkloadName.ProfileNameFor"/>).</summary>
    public string ProfileName => SeccompWorkloadName.ProfileNameFor(Namespace, Name, Container);

    /// <summary><c>namespace/workload/container</c>.</summary>
    public override string ToString() => $"{Namespace}/{Name}/{Container}";
}

/// <summary>
/// Recognises the workload a pod belongs to from the pod's name alone, and names the workload container's profile.
/// Kubernetes names a controller's pods by fixed rules (read in kubernetes/kubernetes):
/// <list type="bullet">
/// <item>generateName adds 5 characters from "bcdfghjklmnpqrstvwxz2456789" to a base cut to 58 characters
/// (staging/src/k8s.io/apiserver/pkg/storage/names/generate.go, the alphabet from
/// staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go); DaemonSets, Jobs and ReplicaSets name pods
/// <c>&lt;owner&gt;-</c> + those 5;</item>
/// <item>a Deployment's ReplicaSet is <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>, the hash being the decimal
/// FNV-32a of the pod template encoded with rand.SafeEncodeString, so only "4-9bcdf" and at most 10 characters
/// (pkg/controller/controller_utils.go ComputeHash);</item>
/// <item>a CronJob's Job is <c>&lt;cronjob&gt;-&lt;scheduled minute since 1970&gt;</c>
/// (pkg/controller/cronjob/cronjob_controllerv2.go getJobName); an indexed Job's pods are
/// <c>&lt;job&gt;-&lt;index&gt;-</c> + 5;</item>
/// <item>a StatefulSet's pods are <c>&lt;statefulset&gt;-&lt;ordinal&gt;</c> (pkg/controller/statefulset).</item>
/// </list>
/// A name fitting none of these is a bare pod and keeps its own name. A pod-template-hash shorter than 6 characters
/// (one template in 40,000) is not recognised, so such a Deployment's pods group per ReplicaSet instead.
/// </summary>
public static class SeccompWorkloadName
{
    /// <summary>The characters Kubernetes draws generated name suffixes from (vowels left out).</summary>
    public const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The characters of a pod-template-hash: the decimal digits encoded into <see cref="SuffixAlphabet"/>.</summary>
    public const string TemplateHashAlphabet = "456789bcdf";

    /// <summary>The longest profile name this builds, in characters (all ASCII); a longer one is shortened and given a hash.</summary>
    /// <remarks>Every name a controller generates fits: 63 (namespace) + 63 (workload) + 63 (container) + separators and .json.</remarks>
    public const int MaxProfileNameLength = 200;

    private const int GeneratedSuffixLength = 5;
    private const int MaxGeneratedBaseLength = 58; // 63 - 5, generate.go MaxGeneratedNameLength
    private const int MinTemplateHashLength = 6;
    private const int MaxTemplateHashLength = 10; // a uint32 has at most 10 decimal digits
    private const int HashLength = 8;

    /// <summary>The workload a pod name belongs to, and the shape it was recognised from.</summary>
    public static (string Name, SeccompWorkloadKind Kind) FromPodName(string pod)
    {
        ArgumentException.ThrowIfNullOrEmpty(pod);
        if (TryStripGeneratedSuffix(pod, out var owner))
        {
            if (TryStripLastSegment(owner, IsTemplateHash, out var deployment))
            {
                return (deployment, SeccompWorkloadKind.Deployment);
            }

            if (TryStripLastSegment(owner, IsNumber, out var cronJob))
            {
                return (cronJob, SeccompWorkloadKind.CronJob);
            }

            return (owner, SeccompWorkloadKind.GeneratedName);
        }

        if (TryStripLastSegment(pod, IsOrdinal, out var statefulSet))
        {
            return (statefulSet, SeccompWorkloadKind.StatefulSet);
        }

        return (pod, SeccompWorkloadKind.Pod);
    }

    /// <summary>
    /// The profile name of one workload container: <c>&lt;namespace&gt;_&lt;workload&gt;_&lt;container&gt;.json</c>.
    /// Kubernetes names never contain '_', so different containers never share a name. A part with characters a
    /// profile name may not hold (anything but letters, digits, '.' and '-'; '_' too) has them replaced by '-', and a
    /// name longer than <see cref="MaxProfileNameLength"/> is cut (the longest part first); either way the name then
    /// ends in '-' and 8 hex digits of the SHA-256 of the three original parts, so it stays unique and the same on
    /// every run.
    /// </summary>
    public static string ProfileNameFor(string @namespace, string workload, string container)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(workload);
        ArgumentException.ThrowIfNullOrEmpty(container);
        const string extension = ".json";
        string[] parts = [Sanitize(@namespace), Sanitize(workload), Sanitize(container)];
        var changed = parts[0] != @namespace || parts[1] != workload || parts[2] != container;
        var plain = string.Join('_', parts) + extension;
        if (!changed && plain.Length <= MaxProfileNameLength)
        {
            return MachineConfig.ProfileName.Validate(plain);
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{@namespace}\0{workload}\0{container}")))[..HashLength].ToLowerInvariant();
        var budget = MaxProfileNameLength - extension.Length - 1 - HashLength - 2; // two '_', '-' before the hash
        var lengths = parts.Select(p => p.Length).ToArray();
        while (lengths.Sum() > budget)
        {
            var longest = Array.IndexOf(lengths, lengths.Max());
            lengths[longest]--;
        }

        var name = string.Join('_', parts.Select((p, i) => p[..lengths[i]])) + "-" + hash + extension;
        return MachineConfig.ProfileName.Validate(name);
    }

    /// <summary>
    /// Strips <c>-&lt;5 characters of the suffix alphabet&gt;</c>; a 63-character name ending in 5 such characters
    /// has a base cut to 58 characters, which may end without '-'.
    /// </summary>
    private static bool TryStripGeneratedSuffix(string pod, out string owner)
    {
        owner = string.Empty;
        if (pod.Length <= GeneratedSuffixLength + 1 || !pod.AsSpan(pod.Length - GeneratedSuffixLength).AllIn(SuffixAlphabet))
        {
            return false;
        }

        var separated = pod[^(GeneratedSuffixLength + 1)] == '-';
        var truncated = pod.Length == MaxGeneratedBaseLength + GeneratedSuffixLength;
        if (!separated && !truncated)
        {
            return false;
        }

        owner = pod[..^GeneratedSuffixLength].TrimEnd('-');
        return owner.Length > 0;
    }

    private static bool TryStripLastSegment(string name, Func<string, bool> isSuffix, out string rest)
    {
        rest = string.Empty;
        var dash = name.LastIndexOf('-');
        if (dash <= 0 || !isSuffix(name[(dash + 1)..]))
        {
            return false;
        }

        rest = name[..dash].TrimEnd('-');
        return rest.Length > 0;
    }

    private static bool IsTemplateHash(string segment) =>
        segment.Length is >= MinTemplateHashLength and <= MaxTemplateHashLength && segment.AsSpan().AllIn(TemplateHashAlphabet);

    private static bool IsNumber(string segment) => segment.Length > 0 && segment.AsSpan().AllIn("0123456789");

    // A StatefulSet ordinal is printed with %d: no leading zeros.
    private static bool IsOrdinal(string segment) => IsNumber(segment) && (segment.Length == 1 || segment[0] != '0');

    private static string Sanitize(string part)
    {
        var builder = new StringBuilder(part.Length);
        foreach (var c in part)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-');
        }

        return builder.ToString();
    }

    private static bool AllIn(this ReadOnlySpan<char> span, string allowed)
    {
        foreach (var c in span)
        {
            if (!allowed.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A caller's rule naming the workload of the pods it matches (New-SeccompProfile -WorkloadName): a wildcard pattern
/// for the pod name, or <c>namespace/pod</c> with a wildcard for each, and the workload name to use.
/// </summary>
public sealed class SeccompWorkloadOverride
{
    private readonly Wildcard? _namespace;
    private readonly Wildcard _pod;

    /// <summary>Compiles a rule; a bad pattern is <c>InvalidWildcardPattern</c> and an empty name <c>InvalidWorkloadName</c>.</summary>
    public SeccompWorkloadOverride(string pattern, string workload)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (string.IsNullOrWhiteSpace(pattern) || string.IsNullOrWhiteSpace(workload))
        {
            throw new TalosSeccompException(ErrorIds.InvalidWorkloadName, ErrorKind.InvalidArgument,
                $"-WorkloadName needs a pod name pattern and a workload name for each entry, e.g. @{{ 'web-*' = 'web' }}; got '{pattern}' = '{workload}'.",
                "WorkloadName");
        }

        Pattern = pattern;
        Workload = workload.Trim();
        var slash = pattern.IndexOf('/', StringComparison.Ordinal);
        _namespace = slash < 0 ? null : Wildcard.Compile(pattern[..slash], ignoreCase: true, "WorkloadName");
        _pod = Wildcard.Compile(slash < 0 ? pattern : pattern[(slash + 1)..], ignoreCase: true, "WorkloadName");
    }

    /// <summary>The pattern as given: <c>pod</c> or <c>namespace/pod</c>, wildcards allowed.</summary>
    public string Pattern { get; }

    /// <summary>The workload name the matched pods get.</summary>
    public string Workload { get; }

    /// <summary>True when the rule matches the pod in that namespace.</summary>
    public bool IsMatch(string @namespace, string pod) =>
        (_namespace is null || _namespace.IsMatch(@namespace)) && _pod.IsMatch(pod);

    /// <summary>
    /// The workload of a pod: the one override that matches it, or the pod-name rules of
    /// <see cref="SeccompWorkloadName.FromPodName"/>. Overrides that match with different names are
    /// <c>AmbiguousWorkloadName</c> (InvalidArgument).
    /// </summary>
    public static SeccompWorkload Resolve(IReadOnlyList<SeccompWorkloadOverride> overrides, string @namespace, string pod, string container)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var matches = overrides.Where(o => o.IsMatch(@namespace, pod)).ToList();
        var names = matches.Select(m => m.Workload).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count > 1)
        {
            throw new TalosSeccompException(ErrorIds.AmbiguousWorkloadName, ErrorKind.InvalidArgument,
                $"Pod {@namespace}/{pod} matches -WorkloadName patterns with different names: " +
                string.Join(", ", matches.Select(m => $"'{m.Pattern}' = '{m.Workload}'")) + ". Make the patterns not overlap.",
                $"{@namespace}/{pod}");
        }

        if (names.Count == 1)
        {
            return new SeccompWorkload(@namespace, names[0], container, SeccompWorkloadKind.Override);
        }

        var (name, kind) = SeccompWorkloadName.FromPodName(pod);
        return new SeccompWorkload(@namespace, name, container, kind);
    }
}
