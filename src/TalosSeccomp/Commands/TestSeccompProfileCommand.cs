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
/// the same syscall in two rules with different actions; a profile that blocks what every container start needs
/// (execve, exit_group, futex, rt_sigreturn, rt_sigprocmask); NOTIFY without listenerPath or as default action;
/// listenerMetadata without listenerPath; argument indexes above 5; empty syscall names; and, with -Name, a profile
/// name Talos could not write safely.</para>
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
[Cmdlet(VerbsDiagnostic.Test, "SeccompProfile", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompDiagnostic), typeof(bool))]
public sealed class TestSeccompProfileCommand : ProfileSourceCommand
{
    /// <summary>The name the profile will be deployed under; checked against the rules Talos needs for a safe file
    /// name.</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Name { get; set; }

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
            var diagnostics = SeccompProfileValidator.Validate(profile, Name);
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
