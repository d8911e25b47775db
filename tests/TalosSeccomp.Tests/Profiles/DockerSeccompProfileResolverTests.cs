using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class DockerSeccompProfileResolverTests
{
    private static readonly string[] AdminOnly = ["unshare", "setns", "mount", "bpf"];

    private static SeccompProfile DockerDefault() =>
        SeccompProfile.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "docker-default.json")), "docker-default.json");

    private static HashSet<string> Allowed(SeccompProfile profile) =>
        profile.Syscalls.Where(r => r.Action == SeccompAction.Allow && r.Args.Count == 0).SelectMany(r => r.Names).ToHashSet(StringComparer.Ordinal);

    private static SeccompProfile Resolve(IReadOnlyCollection<string> caps, string arch = "SCMP_ARCH_X86_64", int kernel = 6, int major = 12) =>
        DockerSeccompProfileResolver.Resolve(DockerDefault(), new DockerProfileTarget { Capabilities = caps, Architecture = arch, KernelVersion = new Version(kernel, major) });

    [Fact]
    public void DockersDefaultAsContainerdLoadsItAllowsWhatDockerGatesOnCapSysAdmin()
    {
        // The issue: containerd ignores includes, so every rule applies.
        var asIs = Allowed(DockerDefault());
        Assert.All(AdminOnly, name => Assert.Contains(name, asIs));
        Assert.True(DockerSeccompProfileResolver.IsDockerFormat(DockerDefault()));
    }

    [Fact]
    public void WithoutCapabilitiesTheAdminSyscallsAreAbsent()
    {
        foreach (var caps in new[] { Array.Empty<string>(), DockerProfileTarget.DefaultCapabilities.ToArray() })
        {
            var resolved = Resolve(caps);
            var allowed = Allowed(resolved);
            Assert.All(AdminOnly, name => Assert.DoesNotContain(name, allowed));
            Assert.Contains("read", allowed);
            Assert.Contains("arch_prctl", allowed); // includes arches amd64
            // clone3 gives ENOSYS without CAP_SYS_ADMIN, and is no longer a conflicting pair.
            Assert.Contains(resolved.Syscalls, r => r.Names.Contains("clone3") && r.Action == SeccompAction.Errno && r.ErrnoRet == 38);
            Assert.DoesNotContain(resolved.Syscalls, r => r.Names.Contains("clone3") && r.Action == SeccompAction.Allow);
            Assert.DoesNotContain(SeccompProfileValidator.Validate(resolved), d => d.Code is SeccompDiagnosticCode.ConflictingDuplicateRule or SeccompDiagnosticCode.DockerOnlyKey);
        }
    }

    [Fact]
    public void WithCapSysAdminTheyArePresent()
    {
        var allowed = Allowed(Resolve(["CAP_SYS_ADMIN"]));
        Assert.All(AdminOnly, name => Assert.Contains(name, allowed));
        Assert.Contains("clone3", allowed);
        Assert.Contains("bpf", Allowed(Resolve(["BPF"]))); // CAP_BPF alone, short spelling
        Assert.DoesNotContain("mount", Allowed(Resolve(["CAP_BPF"])));
    }

    [Fact]
    public void ArchMapAndArchesFollowTheNodeArchitecture()
    {
        var amd64 = Resolve([]);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], amd64.Architectures);
        var arm64 = Resolve([], "SCMP_ARCH_AARCH64");
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], arm64.Architectures);
        Assert.DoesNotContain("arch_prctl", Allowed(arm64));
        Assert.Contains("arm_fadvise64_64", Allowed(arm64));
        Assert.DoesNotContain("arm_fadvise64_64", Allowed(amd64));
    }

    [Fact]
    public void MinKernelAndCommentsAreApplied()
    {
        // ptrace is allowed from kernel 4.8 on (includes minKernel).
        Assert.Contains("ptrace", Allowed(Resolve([], kernel: 4, major: 8)));
        Assert.DoesNotContain("ptrace", Allowed(Resolve([], kernel: 4, major: 7)));
        var resolved = Resolve([]);
        Assert.Empty(resolved.AdditionalProperties);
        Assert.All(resolved.Syscalls, r => Assert.Empty(r.AdditionalProperties));
        Assert.DoesNotContain("comment", resolved.ToNodeJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("includes", resolved.ToNodeJson(), StringComparison.Ordinal);
        // The input is unchanged.
        var input = DockerDefault();
        var before = input.ToNodeJson();
        DockerSeccompProfileResolver.Resolve(input, new DockerProfileTarget());
        Assert.Equal(before, input.ToNodeJson());
    }

    [Fact]
    public void OldFormatNamesAndExcludesWork()
    {
        var old = SeccompProfile.Parse("""
            {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
              {"name":"ptrace","action":"SCMP_ACT_ERRNO","comment":"old format"},
              {"names":["acct"],"action":"SCMP_ACT_ERRNO","excludes":{"caps":["CAP_SYS_PACCT"]}},
              {"names":["uselib"],"action":"SCMP_ACT_ERRNO","excludes":{"minKernel":"5.0"}},
              {"names":["personality"],"action":"SCMP_ACT_ERRNO","excludes":{"arches":["arm64"]}}]}
            """);
        var resolved = DockerSeccompProfileResolver.Resolve(old, new DockerProfileTarget { Capabilities = ["CAP_SYS_PACCT"], KernelVersion = new Version(4, 19) });
        Assert.Equal(["ptrace", "uselib", "personality"], resolved.Syscalls.SelectMany(r => r.Names));
        Assert.Equal("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO","names":["ptrace"]},{"action":"SCMP_ACT_ERRNO","names":["uselib"]},{"action":"SCMP_ACT_ERRNO","names":["personality"]}]}""", resolved.ToNodeJson());
    }

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[]}]}""", "archMap")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}""", "syscalls[0].name")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"5"}}]}""", "syscalls[0].includes.minKernel")]
    public void WhatDockerdRefusesIsAClearError(string json, string location)
    {
        var error = Assert.Throws<TalosSeccompException>(() => DockerSeccompProfileResolver.Resolve(SeccompProfile.Parse(json), new DockerProfileTarget()));
        Assert.Equal("DockerProfileInvalid", error.ErrorId);
        Assert.Contains(location, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("6.12", 6, 12)]
    [InlineData("3.12.25-gentoo", 3, 12)]
    [InlineData("3.12-1-amd64", 3, 12)]
    public void KernelVersionsParseLikeDockerd(string text, int kernel, int major)
    {
        Assert.True(DockerSeccompProfileResolver.TryParseKernelVersion(text, out var version));
        Assert.Equal(new Version(kernel, major), version);
        Assert.False(DockerSeccompProfileResolver.TryParseKernelVersion("0.0", out _));
        Assert.False(DockerSeccompProfileResolver.TryParseKernelVersion("six", out _));
    }
}
