using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Checks seccomp profiles for mistakes containerd, runc or the kernel would punish.</summary>
/// <remarks>
/// <para>Test-SeccompProfile reports every finding as a diagnostic with a Severity (Error, Warning, Information), a
/// Code, the JSON Location (such as syscalls[3].names[1]) and a Message: unknown actions, operators, architectures,
/// flags and syscall names (checked against the profile's architectures, or x86_64 and aarch64 when it lists none);
/// errnoRet on actions that ignore it; Docker-only keys containerd drops (archMap, includes, excludes, comment, name);
/// the same syscall in two rules with different actions (a Warning naming the rule that takes effect: runc adds rules
/// in order, skipping one whose action is the default action, and libseccomp keeps the first); a profile that blocks
/// what runc needs to start any container; a profile whose filter leaves out an ABI the node runs (no architectures, or
/// x86_64 without x86 and x32), whose processes the kernel then kills; NOTIFY without listenerPath or as default
/// action; listenerMetadata without listenerPath; argument indexes above 5; empty syscall names; and, with -Name, a
/// profile name Talos could not write safely.</para>
/// <para>What runc needs to start a container depends on NoNewPrivileges. With -NoNewPrivileges (pods with
/// allowPrivilegeEscalation: false) runc installs the filter just before the exec and needs close, execve, fstatfs,
/// futex, getdents64, openat, rt_sigreturn and write (futex and rt_sigreturn for the Go runtime, which fails only now
/// and then without them); without it (Kubernetes' default, checked when -NoNewPrivileges is omitted) runc installs it
/// before it sets up capabilities and user, and also needs capget, capset, chdir, fstat, getcwd, geteuid, getppid,
/// newfstatat, prctl, read, setgid, setgroups and setuid. The lists hold for runc 1.1.5 (libseccomp 2.5.4), measured by
/// removing one syscall at a time from an allow-list profile; the container's own program needs more (at least
/// exit_group or exit).</para>
/// <para>With -Path, files are read leniently so that unknown spellings are reported as diagnostics rather than
/// stopping at the first. With -Quiet the cmdlet returns only $true (no Error diagnostics) or $false per profile; an
/// unreadable file is then $false instead of an error.</para>
/// </remarks>
/// <example>
/// <code>Test-SeccompProfile -Path ./profiles/*.json</code>
/// <para>Lists the findings for every profile file.</para>
/// </example>
/// <example>
/// <code>if (-not (Test-SeccompProfile -Path ./audit.json -Name audit.json -Quiet)) { throw 'profile is broken' }</code>
/// <para>Stops a pipeline when the profile, deployed as audit.json, has errors.</para>
/// </example>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Errno -AllowSyscall read | Test-SeccompProfile | Where-Object Severity -eq Error</code>
/// <para>Shows that this allow-list would stop every container from starting (BlocksContainerStart).</para>
/// </example>
/// <example>
/// <code>Test-SeccompProfile -Path ./fine-grained.json -NoNewPrivileges -Quiet</code>
/// <para>Checks a profile for pods that set allowPrivilegeEscalation: false; Kubernetes' fine-grained.json passes this
/// way but not without -NoNewPrivileges.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "SeccompProfile", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompDiagnostic), typeof(bool))]
public sealed class TestSeccompProfileCommand : ProfileSourceCommand
{
    /// <summary>The name the profile will be deployed under; checked against the rules Talos needs for a safe file
    /// name.</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Name { get; set; }

    /// <summary>Check container start for containers with NoNewPrivileges (pod allowPrivilegeEscalation: false), which
    /// need fewer syscalls; without it, the check is for Kubernetes' default.</summary>
    [Parameter]
    public SwitchParameter NoNewPrivileges { get; set; }

    /// <summary>Return $true when the profile has no Error diagnostics and $false otherwise, instead of the
    /// diagnostics.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        // Lenient: unknown spellings become diagnostics instead of a read error.
        foreach (var profile in CurrentProfiles(lenient: true))
        {
            var diagnostics = SeccompProfileValidator.Validate(profile, Name, NoNewPrivileges);
            if (Quiet)
            {
                WriteObject(diagnostics.All(d => d.Severity != SeccompDiagnosticSeverity.Error));
            }
            else
            {
                WriteObject(diagnostics, enumerateCollection: true);
            }
        }
    }

    /// <inheritdoc />
    protected override void OnUnreadableFile(TalosSeccompException exception, string target)
    {
        if (Quiet)
        {
            WriteObject(false);
        }
        else
        {
            WriteEngineError(exception, target);
        }
    }
}
