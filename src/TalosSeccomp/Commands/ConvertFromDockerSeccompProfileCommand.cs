using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Resolves a Docker-format seccomp profile into the OCI profile containerd loads, for given capabilities,
/// architecture and kernel.</summary>
/// <remarks>
/// <para>A Talos node's containerd reads a Localhost profile as OCI LinuxSeccomp and silently drops Docker's archMap,
/// includes, excludes, comment and the old singular name. Loaded as is, Docker's default profile lets every container
/// call unshare, setns, mount and bpf, which Docker allows only with CAP_SYS_ADMIN, and its capability-gated
/// ALLOW/ERRNO pairs both apply (the first one wins).</para>
/// <para>ConvertFrom-DockerSeccompProfile does what dockerd does before it hands the profile to runc (moby
/// profiles/seccomp, setupSeccomp): it expands the archMap entry of -Architecture into 'architectures', keeps a rule
/// only when its includes hold and its excludes do not (caps against -Capability, arches against -Architecture,
/// minKernel against -KernelVersion), moves 'name' into 'names', and drops every key outside the OCI schema. The result
/// is an ordinary profile object: deploy it with Set-TalosSeccompProfile or export it with Export-SeccompProfile.
/// Resolve once per set of capabilities your pods get and per node architecture.</para>
/// </remarks>
/// <example>
/// <code>Import-SeccompProfile ./docker-default.json | ConvertFrom-DockerSeccompProfile -KernelVersion 6.12 | Export-SeccompProfile ./docker-default-oci.json</code>
/// <para>Resolves Docker's default profile for containerd's default capabilities on an x86_64 node with kernel 6.12:
/// unshare, setns, mount and bpf are not allowed.</para>
/// </example>
/// <example>
/// <code>ConvertFrom-DockerSeccompProfile -Path ./docker-default.json -Capability (@('SYS_ADMIN') + [TalosSeccomp.Profiles.DockerProfileTarget]::DefaultCapabilities) -Architecture arm64</code>
/// <para>Resolves the profile for an arm64 node's pods that add CAP_SYS_ADMIN: mount, unshare and setns are allowed for
/// them.</para>
/// </example>
[Cmdlet(VerbsData.ConvertFrom, "DockerSeccompProfile", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfile))]
public sealed class ConvertFromDockerSeccompProfileCommand : ProfileSourceCommand
{
    /// <summary>The container's capabilities (CAP_SYS_ADMIN or SYS_ADMIN); when omitted, containerd's default set
    /// (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID,
    /// CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE). Give an empty array
    /// for none.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? Capability { get; set; }

    /// <summary>The node's architecture (x86_64/amd64 or aarch64/arm64; default x86_64): picks the archMap entry and
    /// the rules' arches.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SeccompArchitectureCompleter))]
    [ValidateNotNullOrEmpty]
    public string Architecture { get; set; } = "x86_64";

    /// <summary>The node's kernel version (major.minor, e.g. 6.12) for minKernel conditions; default: this machine's
    /// kernel on Linux, as dockerd does. Give the node's (Get-TalosVersion shows the Talos release).</summary>
    [Parameter]
    public Version? KernelVersion { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var kernel = KernelVersion ?? DockerSeccompProfileResolver.LocalKernelVersion();
        if (kernel is null)
        {
            ThrowEngineError(new TalosSeccompException(ErrorIds.KernelVersionRequired, ErrorKind.InvalidArgument,
                "This machine runs no Linux kernel to take the version from; give the node's with -KernelVersion, e.g. -KernelVersion 6.12.", "KernelVersion"));
            return;
        }

        DockerProfileTarget target;
        try
        {
            target = new DockerProfileTarget
            {
                Capabilities = Capability ?? [.. DockerProfileTarget.DefaultCapabilities],
                Architecture = SeccompArchitectureName.Normalize(Architecture, "-Architecture"),
                KernelVersion = kernel,
            };
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
            return;
        }

        foreach (var profile in CurrentProfiles(lenient: false))
        {
            try
            {
                WriteObject(DockerSeccompProfileResolver.Resolve(profile, target));
            }
            catch (TalosSeccompException ex)
            {
                WriteEngineError(ex, profile.Source ?? profile.Name);
            }
        }
    }
}
