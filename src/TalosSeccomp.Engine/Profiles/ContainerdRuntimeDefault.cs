using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>
/// containerd's RuntimeDefault seccomp profile: what a pod with <c>seccompProfile: RuntimeDefault</c> (or any pod
/// when kubelet's <c>seccompDefault</c> is on, as on Talos) runs under. The syscall lists are generated from
/// containerd <c>contrib/seccomp/seccomp_default.go</c> (Generated/ContainerdRuntimeDefault.g.cs); this class
/// combines them as that file's <c>DefaultProfile</c> does, for the node's GOARCH, the container's bounding
/// capabilities and the kernel version.
/// </summary>
public static partial class ContainerdRuntimeDefault
{
    /// <summary>The containerd source and commit the lists were generated from.</summary>
    public static string Source => GeneratedFrom;

    /// <summary>The GOARCH values of the architectures Talos ships for.</summary>
    public static IReadOnlyList<string> TalosGoArchitectures { get; } = ["amd64", "arm64"];

    /// <summary>
    /// The profile containerd generates on a node of <paramref name="goArchitecture"/> (amd64, arm64, ...) for a
    /// container with <paramref name="capabilities"/> (default: containerd's default set) on <paramref name="kernel"/>
    /// (default: any kernel Talos ships, 4.8 or later).
    /// </summary>
    /// <exception cref="TalosSeccompException"><c>UnknownGoArchitecture</c> (InvalidArgument) for a GOARCH containerd's profile does not know.</exception>
    public static SeccompProfile Create(string goArchitecture, IEnumerable<string>? capabilities = null, Version? kernel = null) =>
        Create([goArchitecture], capabilities, kernel);

    /// <summary>
    /// One profile for nodes of several GOARCHes (by default Talos' amd64 and arm64): the architectures and the
    /// per-architecture rules of each, after the common rules. On each node it does what containerd's profile for that
    /// node does: a rule's names that do not exist on an ABI (arch_prctl on arm64) are skipped there by runc.
    /// </summary>
    /// <exception cref="TalosSeccompException"><c>UnknownGoArchitecture</c> (InvalidArgument).</exception>
    public static SeccompProfile Create(IEnumerable<string>? goArchitectures = null, IEnumerable<string>? capabilities = null, Version? kernel = null)
    {
        var arches = (goArchitectures ?? TalosGoArchitectures).Select(NormalizeGoArch).Distinct(StringComparer.Ordinal).ToList();
        var caps = (capabilities ?? DockerProfileTarget.DefaultCapabilities).ToList();
        var profile = new SeccompProfile(SeccompAction.Errno) { Name = "RuntimeDefault", Source = GeneratedFrom };
        foreach (var arch in arches)
        {
            var known = GeneratedArches.Where(a => a.GoArch == arch).Select(a => a.Architectures).FirstOrDefault()
                ?? throw new TalosSeccompException(ErrorIds.UnknownGoArchitecture, ErrorKind.InvalidArgument,
                    $"containerd's RuntimeDefault profile knows no architecture '{arch}'; use one of {string.Join(", ", GeneratedArches.Where(a => a.GoArch != "default").Select(a => a.GoArch))}.", arch);
            profile.Architectures.AddRange(known.Where(a => !profile.Architectures.Contains(a, StringComparer.Ordinal)));
        }

        Add(profile, GeneratedBase);
        if ((kernel ?? GeneratedMinKernel) >= GeneratedMinKernel)
        {
            Add(profile, GeneratedFromMinKernel);
        }

        Add(profile, GeneratedByArch.Where(r => r.GoArches.Intersect(arches).Any()).Select(r => r.Rule));

        // In the order of the bounding set, as DefaultProfile loops over it.
        var admin = false;
        foreach (var capability in caps)
        {
            admin |= capability == "CAP_SYS_ADMIN";
            Add(profile, GeneratedByCapability.Where(r => r.Capabilities.Contains(capability, StringComparer.Ordinal)).Select(r => r.Rule));
        }

        if (!admin)
        {
            foreach (var arch in arches)
            {
                var specific = GeneratedWithoutSysAdminByArch.Where(r => r.GoArches.Contains(arch, StringComparer.Ordinal)).ToList();
                var rules = specific.Count > 0 ? specific : GeneratedWithoutSysAdminByArch.Where(r => r.GoArches.Contains("default", StringComparer.Ordinal)).ToList();
                Add(profile, rules.Select(r => r.Rule).Where(rule => !profile.Syscalls.Any(existing => existing.ToString() == ToRule(rule).ToString())));
            }

            Add(profile, GeneratedWithoutSysAdmin);
        }

        return profile;
    }

    /// <summary>Accepts GOARCH values and the architecture names the syscall tables know (x86_64 = amd64, aarch64 = arm64).</summary>
    private static string NormalizeGoArch(string value)
    {
        var trimmed = value.Trim().ToLowerInvariant();
        if (GeneratedArches.Any(a => a.GoArch == trimmed))
        {
            return trimmed;
        }

        return SeccompArchitectureName.TryNormalize(trimmed, out var scmp) && scmp switch
        {
            "SCMP_ARCH_X86_64" => "amd64",
            "SCMP_ARCH_AARCH64" => "arm64",
            "SCMP_ARCH_S390X" => "s390x",
            "SCMP_ARCH_RISCV64" => "riscv64",
            "SCMP_ARCH_LOONGARCH64" => "loong64",
            _ => null,
        } is { } goArch ? goArch : trimmed;
    }

    private static void Add(SeccompProfile profile, IEnumerable<GeneratedRule> rules) => profile.Syscalls.AddRange(rules.Select(ToRule));

    private static SeccompRule ToRule(GeneratedRule rule) =>
        new(rule.Names, rule.Action, rule.ErrnoRet, rule.Args.Select(a => new SeccompArgument(a.Index, a.Value, a.Op, a.ValueTwo == 0 ? null : a.ValueTwo)));

    private sealed record GeneratedArgument(uint Index, ulong Value, string Op, ulong ValueTwo);

    private sealed record GeneratedRule(string[] Names, string Action, uint? ErrnoRet, GeneratedArgument[] Args);
}
