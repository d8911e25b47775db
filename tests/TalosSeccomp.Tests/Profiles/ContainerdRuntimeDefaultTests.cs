using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class ContainerdRuntimeDefaultTests
{
    private static HashSet<string> Allowed(SeccompProfile profile) =>
        profile.Syscalls.Where(r => r.Action == SeccompAction.Allow && r.Args.Count == 0).SelectMany(r => r.Names).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Amd64WithDefaultCapabilitiesIsContainerdsProfile()
    {
        var profile = ContainerdRuntimeDefault.Create("amd64");
        Assert.Equal(SeccompAction.Errno, profile.DefaultAction);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], profile.Architectures);
        var allowed = Allowed(profile);
        Assert.Contains("read", allowed);
        Assert.Contains("arch_prctl", allowed);
        Assert.Contains("ptrace", allowed); // kernel 4.8 and later
        Assert.Contains("chroot", allowed); // CAP_SYS_CHROOT is a default capability
        Assert.All(new[] { "mount", "unshare", "setns", "bpf", "reboot", "arm_fadvise64_64" }, n => Assert.DoesNotContain(n, allowed));
        // socket for every family but AF_ALG (38) and AF_VSOCK (40), in three single-condition rules.
        Assert.Equal(["SCMP_CMP_LT 38", "SCMP_CMP_EQ 39", "SCMP_CMP_GT 40"],
            profile.Syscalls.Where(r => r.Names.SequenceEqual(["socket"])).Select(r => $"{r.Args[0].Op} {r.Args[0].Value}"));
        var clone = Assert.Single(profile.Syscalls, r => r.Names.SequenceEqual(["clone"]));
        Assert.Equal((0u, 0x7E020000ul, SeccompOperator.MaskedEqual), (clone.Args[0].Index, clone.Args[0].Value, clone.Args[0].Op));
        var clone3 = Assert.Single(profile.Syscalls, r => r.Names.SequenceEqual(["clone3"]));
        Assert.Equal((SeccompAction.Errno, (uint?)38), (clone3.Action, clone3.ErrnoRet));
        Assert.Contains("301026e58c619e63d09c0ec411012e54c0124b03", ContainerdRuntimeDefault.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void CapabilitiesArchitecturesAndKernelChangeIt()
    {
        var admin = ContainerdRuntimeDefault.Create("amd64", ["CAP_SYS_ADMIN"]);
        Assert.Contains("mount", Allowed(admin));
        Assert.Contains("clone3", Allowed(admin));
        Assert.DoesNotContain(admin.Syscalls, r => r.Action == SeccompAction.Errno);
        Assert.DoesNotContain("chroot", Allowed(admin));

        var arm64 = ContainerdRuntimeDefault.Create("aarch64");
        Assert.Equal(["SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64"], arm64.Architectures);
        Assert.Contains("set_tls", Allowed(arm64));
        Assert.DoesNotContain("arch_prctl", Allowed(arm64));

        Assert.DoesNotContain("ptrace", Allowed(ContainerdRuntimeDefault.Create("amd64", kernel: new Version(4, 4))));
        Assert.Equal("UnknownGoArchitecture", Assert.Throws<TalosSeccompException>(() => ContainerdRuntimeDefault.Create("z80")).ErrorId);
    }

    [Fact]
    public void TheTalosProfileCoversBothArchitecturesOnce()
    {
        var talos = ContainerdRuntimeDefault.Create();
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64"], talos.Architectures);
        Assert.Single(talos.Syscalls, r => r.Names.SequenceEqual(["clone"]));
        Assert.Contains("arch_prctl", Allowed(talos));
        Assert.Contains("set_tls", Allowed(talos));
        // runc can start containers under it in both modes, and it covers every ABI the nodes run.
        foreach (var noNewPrivileges in new[] { false, true })
        {
            Assert.DoesNotContain(SeccompProfileValidator.Validate(talos, "runtime-default.json", noNewPrivileges), d => d.Severity == SeccompDiagnosticSeverity.Error || d.Code == SeccompDiagnosticCode.UncoveredAbi);
        }
    }
}
