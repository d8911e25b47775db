using System.Globalization;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>What a Docker-format profile is resolved for: the container's capabilities, the node's architecture and kernel.</summary>
public sealed class DockerProfileTarget
{
    /// <summary>
    /// The capabilities a container gets when nothing adds or drops any: containerd's default set
    /// (containerd <c>pkg/oci/spec.go</c> <c>defaultUnixCaps</c>), which is also Docker's.
    /// </summary>
    public static IReadOnlyList<string> DefaultCapabilities { get; } =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>The container's bounding capabilities (CAP_* spelling); <see cref="DefaultCapabilities"/> unless set.</summary>
    public IReadOnlyCollection<string> Capabilities { get; init; } = DefaultCapabilities;

    /// <summary>The node's native architecture in SCMP_ARCH_* spelling (the one dockerd would run on).</summary>
    public string Architecture { get; init; } = "SCMP_ARCH_X86_64";

    /// <summary>The node's kernel version; only major and minor count, as in dockerd.</summary>
    public Version KernelVersion { get; init; } = new(6, 1);
}

/// <summary>
/// Resolves a Docker-format seccomp profile (moby <c>profiles/seccomp</c>: <c>archMap</c>, rules with
/// <c>includes</c>/<c>excludes</c> on caps, arches and minKernel, <c>comment</c>, the old singular <c>name</c>) into
/// the OCI <c>LinuxSeccomp</c> profile dockerd hands to runc, for one container's capabilities on one node.
/// containerd, which reads a Talos node's Localhost profiles, knows none of those keys and drops them, so a
/// Docker profile has to be resolved before it is deployed. Follows moby <c>profiles/seccomp/seccomp_linux.go</c>
/// (<c>setupSeccomp</c>) and <c>kernel_linux.go</c>.
/// </summary>
public static class DockerSeccompProfileResolver
{
    // moby seccomp_linux.go: the libseccomp "native" strings rules' arches use (goToNative / nativeToSeccomp).
    private static readonly Dictionary<string, string> NativeNames = new(StringComparer.Ordinal)
    {
        ["SCMP_ARCH_X86"] = "x86",
        ["SCMP_ARCH_X86_64"] = "amd64",
        ["SCMP_ARCH_ARM"] = "arm",
        ["SCMP_ARCH_AARCH64"] = "arm64",
        ["SCMP_ARCH_LOONGARCH64"] = "loongarch64",
        ["SCMP_ARCH_MIPS64"] = "mips64",
        ["SCMP_ARCH_MIPS64N32"] = "mips64n32",
        ["SCMP_ARCH_MIPSEL64"] = "mipsel64",
        ["SCMP_ARCH_MIPSEL64N32"] = "mips3l64n32",
        ["SCMP_ARCH_MIPSEL"] = "mipsle",
        ["SCMP_ARCH_PPC"] = "ppc",
        ["SCMP_ARCH_PPC64"] = "ppc64",
        ["SCMP_ARCH_PPC64LE"] = "ppc64le",
        ["SCMP_ARCH_RISCV64"] = "riscv64",
        ["SCMP_ARCH_S390"] = "s390",
        ["SCMP_ARCH_S390X"] = "s390x",
    };

    /// <summary>True when the profile uses a Docker-only construct (archMap, includes, excludes, comment or the singular name).</summary>
    public static bool IsDockerFormat(SeccompProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.AdditionalProperties.ContainsKey("archMap") || profile.AdditionalProperties.ContainsKey("comment")
            || profile.Syscalls.Any(r => r.AdditionalProperties.ContainsKey("includes") || r.AdditionalProperties.ContainsKey("excludes")
                || r.AdditionalProperties.ContainsKey("comment") || r.AdditionalProperties.ContainsKey("name"));
    }

    /// <summary>
    /// The OCI profile dockerd would load for <paramref name="target"/>: archMap expanded for the node's
    /// architecture, rules kept or dropped by their includes/excludes, the singular name moved into names, and
    /// every key outside the OCI schema (comments included) dropped. The input is not changed.
    /// </summary>
    /// <exception cref="TalosSeccompException">
    /// <c>DockerProfileInvalid</c> (InvalidData) where dockerd refuses the profile: both architectures and archMap,
    /// both name and names, a malformed archMap/includes/excludes or minKernel.
    /// </exception>
    public static SeccompProfile Resolve(SeccompProfile profile, DockerProfileTarget target)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(target);
        var architecture = SeccompArchitectureName.Normalize(target.Architecture, "architecture");
        var native = NativeNames.GetValueOrDefault(architecture, SeccompArchitectureName.ToShortName(architecture));
        var capabilities = new HashSet<string>(target.Capabilities.Select(NormalizeCapability), StringComparer.Ordinal);
        var source = profile.Source ?? profile.Name;

        var archMap = profile.AdditionalProperties["archMap"] as JsonArray;
        if (profile.Architectures.Count > 0 && archMap is { Count: > 0 })
        {
            throw Invalid("both 'architectures' and 'archMap' are specified; use either 'architectures' or 'archMap'", "archMap", source);
        }

        var resolved = new SeccompProfile
        {
            DefaultAction = profile.DefaultAction,
            DefaultErrnoRet = profile.DefaultErrnoRet,
            ListenerPath = profile.ListenerPath,
            ListenerMetadata = profile.ListenerMetadata,
            Name = profile.Name,
            Source = profile.Source,
        };
        resolved.Architectures.AddRange(profile.Architectures);
        resolved.Flags.AddRange(profile.Flags);
        if (archMap is not null)
        {
            for (var i = 0; i < archMap.Count; i++)
            {
                var entry = archMap[i] as JsonObject ?? throw Invalid("an archMap entry is not an object", $"archMap[{i}]", source);
                if (Text(entry["architecture"], $"archMap[{i}].architecture", source) != architecture)
                {
                    continue;
                }

                resolved.Architectures.Add(architecture);
                resolved.Architectures.AddRange(Strings(entry["subArchitectures"], $"archMap[{i}].subArchitectures", source));
                break;
            }
        }

        for (var i = 0; i < profile.Syscalls.Count; i++)
        {
            var rule = profile.Syscalls[i];
            var path = $"syscalls[{i}]";
            if (Applies(rule, path, native, capabilities, target.KernelVersion, source))
            {
                resolved.Syscalls.Add(ToOci(rule, path, source));
            }
        }

        return resolved;
    }

    /// <summary>The host kernel's version as dockerd reads it (uname release, major.minor), or null off Linux.</summary>
    public static Version? LocalKernelVersion() =>
        OperatingSystem.IsLinux() ? new Version(Environment.OSVersion.Version.Major, Math.Max(0, Environment.OSVersion.Version.Minor)) : null;

    /// <summary>Parses dockerd's "&lt;kernel&gt;.&lt;major&gt;" form (moby seccomp.go KernelVersion.UnmarshalJSON); suffixes after them are ignored.</summary>
    public static bool TryParseKernelVersion(string? text, out Version version)
    {
        version = new Version(0, 0);
        var parts = (text ?? string.Empty).Trim().Split('.', 3);
        if (parts.Length < 2 || !byte.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kernel))
        {
            return false;
        }

        var digits = new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray());
        if (!byte.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var major) || (kernel == 0 && major == 0))
        {
            return false;
        }

        version = new Version(kernel, major);
        return true;
    }

    private static bool Applies(SeccompRule rule, string path, string native, HashSet<string> capabilities, Version kernel, string? source)
    {
        // moby setupSeccomp: an excludes that matches drops the rule; an includes that does not match drops it.
        if (rule.AdditionalProperties["excludes"] is JsonObject excludes)
        {
            var arches = Strings(excludes["arches"], $"{path}.excludes.arches", source);
            if (arches.Contains(native, StringComparer.Ordinal))
            {
                return false;
            }

            if (Strings(excludes["caps"], $"{path}.excludes.caps", source).Any(capabilities.Contains))
            {
                return false;
            }

            if (MinKernel(excludes, $"{path}.excludes.minKernel", source) is { } min && AtLeast(kernel, min))
            {
                return false;
            }
        }

        if (rule.AdditionalProperties["includes"] is JsonObject includes)
        {
            var arches = Strings(includes["arches"], $"{path}.includes.arches", source);
            if (arches.Count > 0 && !arches.Contains(native, StringComparer.Ordinal))
            {
                return false;
            }

            if (!Strings(includes["caps"], $"{path}.includes.caps", source).All(capabilities.Contains))
            {
                return false;
            }

            if (MinKernel(includes, $"{path}.includes.minKernel", source) is { } min && !AtLeast(kernel, min))
            {
                return false;
            }
        }

        return true;
    }

    private static SeccompRule ToOci(SeccompRule rule, string path, string? source)
    {
        var copy = rule.Clone();
        copy.AdditionalProperties.Clear(); // comment, includes, excludes, name: not part of specs.LinuxSyscall
        if (rule.AdditionalProperties["name"] is { } nameNode)
        {
            var name = Text(nameNode, $"{path}.name", source);
            if (name.Length > 0)
            {
                if (rule.Names.Count > 0)
                {
                    throw Invalid("both 'name' and 'names' are specified; use either 'name' or 'names'", $"{path}.name", source);
                }

                copy.Names.Add(name);
            }
        }

        return copy;
    }

    private static bool AtLeast(Version kernel, Version min) =>
        kernel.Major > min.Major || (kernel.Major == min.Major && kernel.Minor >= min.Minor);

    private static Version? MinKernel(JsonObject filter, string location, string? source)
    {
        var node = filter["minKernel"];
        if (node is null)
        {
            return null;
        }

        var text = Text(node, location, source);
        if (text.Length == 0)
        {
            return null;
        }

        return TryParseKernelVersion(text, out var version) && text.Split('.').Length == 2
            ? version
            : throw Invalid($"invalid kernel version '{text}', expected \"<kernel>.<major>\"", location, source);
    }

    private static string NormalizeCapability(string capability)
    {
        var upper = capability.Trim().ToUpperInvariant();
        return upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper : "CAP_" + upper;
    }

    private static string Text(JsonNode? node, string location, string? source) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw Invalid("expected a string", location, source);

    private static List<string> Strings(JsonNode? node, string location, string? source)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw Invalid("expected an array of strings", location, source);
        }

        return array.Select((item, i) => Text(item, $"{location}[{i}]", source)).ToList();
    }

    private static TalosSeccompException Invalid(string problem, string location, string? source) =>
        new(ErrorIds.DockerProfileInvalid, ErrorKind.InvalidData,
            $"{(source is null ? "The Docker profile" : $"The Docker profile '{source}'")} cannot be resolved at {location}: {problem} (dockerd refuses it too).",
            source ?? location);
}
