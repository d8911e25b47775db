using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Merges several seccomp profiles into one.</summary>
/// <remarks>
/// <para>Merge-SeccompProfile collects every profile from the pipeline (or -Path) and outputs one profile that combines
/// what they do. It reads each input the way runc (1.1, with libseccomp 2.5) loads it on a node: a rule whose action
/// equals the default action is skipped; for each syscall the first unconditional rule wins over every other rule for
/// it, earlier or later; conditional rules decide only where no unconditional rule exists; two conditions on the same
/// argument match when either holds; where conditional rules with different actions both match, libseccomp's rule tree
/// decides, so the merge counts on the worst (Strict) or best (Permissive) of them; on an architecture the profile
/// lists, syscalls above the highest one it names return ENOSYS; an architecture the filter does not cover kills the
/// process.</para>
/// <para>When any input cannot be read (a missing or invalid file), each such input is reported as an error and nothing
/// is output, followed by a SeccompProfileMergeIncomplete error: a merge without one input's rules would silently be a
/// different profile.</para>
/// <para>Per syscall the argument values are split by every condition any input tests, and -Strategy picks an action
/// for each part: Strict (the default) the more restrictive, Permissive the less restrictive, in the order Allow, Log,
/// Trace/Notify, Errno/Trap, KillThread, KillProcess. The merged rules make runc give exactly those actions
/// (non-overlapping conditional rules, one condition per argument). Guarantee, for every syscall, argument value and
/// 64-bit architecture: a Strict merge lets nothing run that an input stops, a Permissive merge stops nothing an input
/// lets run, and a profile merged with itself behaves as before (merged alone it is returned unchanged). Strict keeps
/// an architecture other than x86_64/aarch64 only when every input lists it; Permissive keeps every listed one. On
/// 32-bit architectures (x86 ...) the guarantee covers syscalls without conditional rules, and a warning says when the
/// merged profile has such rules.</para>
/// <para>Every disagreement is written as a warning naming the syscall, the argument values, each profile's action and
/// the one taken; so are different default actions or defaultErrnoRet values (equal rank: the first profile's is kept,
/// so put the one you want first), architectures Strict leaves out, and names that are no syscall on the merged
/// architectures (runc ignores them; they are left out).</para>
/// </remarks>
/// <example>
/// <code>Import-SeccompProfile ./recorded/*.json | Merge-SeccompProfile -Strategy Permissive | Export-SeccompProfile ./app.json</code>
/// <para>Combines profiles recorded on several nodes into one, letting a syscall run if any recording allowed
/// it.</para>
/// </example>
/// <example>
/// <code>Merge-SeccompProfile -Path ./base.json, ./hardening.json -WarningVariable conflicts</code>
/// <para>Adds hardening rules to a base profile; where they disagree the stricter rule wins and $conflicts lists the
/// cases.</para>
/// </example>
[Cmdlet(VerbsData.Merge, "SeccompProfile", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfile))]
public sealed class MergeSeccompProfileCommand : ProfileSourceCommand
{
    private readonly List<SeccompProfile> _profiles = [];
    private readonly List<string> _failedInputs = [];

    /// <summary>How disagreements are settled: Strict (the default) takes the more restrictive action, so the merge
    /// lets nothing run that an input stops; Permissive the less restrictive, so it stops nothing an input lets
    /// run.</summary>
    /// <remarks>A string, not the engine's enum: an engine value type in a field of this class would make PowerShell
    /// load the
    /// engine while it scans the module, before the module's load context is hooked up.</remarks>
    [Parameter]
    [ValidateSet(nameof(SeccompMergeStrategy.Strict), nameof(SeccompMergeStrategy.Permissive))]
    public string Strategy { get; set; } = nameof(SeccompMergeStrategy.Strict);

    /// <summary>The name of the merged profile (its file name on the node).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        _profiles.AddRange(CurrentProfiles());
    }

    /// <inheritdoc />
    protected override void OnUnreadableFile(TalosSeccompException exception, string target)
    {
        _failedInputs.Add(target);
        base.OnUnreadableFile(exception, target);
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_failedInputs.Count > 0)
        {
            WriteEngineError(new TalosSeccompException(ErrorIds.SeccompProfileMergeIncomplete, ErrorKind.InvalidData,
                $"No merged profile was output because {_failedInputs.Count} input{(_failedInputs.Count == 1 ? string.Empty : "s")} could not be read ({string.Join(", ", _failedInputs)}); "
                + "a merge without their rules would be a different profile. Fix or leave out those inputs and merge again.",
                _failedInputs[0]));
            return;
        }

        try
        {
            var result = SeccompProfileMerger.Merge(_profiles, Enum.Parse<SeccompMergeStrategy>(Strategy, ignoreCase: true));
            foreach (var conflict in result.Conflicts)
            {
                WriteWarning(conflict.Detail);
            }

            result.Profile.Name = Name is null ? null : ProfileName.Validate(Name);
            WriteObject(result.Profile);
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }
}
