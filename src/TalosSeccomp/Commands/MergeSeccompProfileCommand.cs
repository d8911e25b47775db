using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Merges several seccomp profiles into one.</summary>
/// <remarks>
/// <para>Merge-SeccompProfile collects every profile from the pipeline (or -Path) and outputs one profile holding the
/// rules of all of them: a syscall one profile has a rule for keeps that rule. Architectures and flags are
/// combined.</para>
/// <para>When any input cannot be read (a missing or invalid file), each such input is reported as an error and nothing
/// is output, followed by a SeccompProfileMergeIncomplete error: a merge without one input's rules would silently be a
/// different profile.</para>
/// <para>Where the profiles give the same syscall (with the same argument conditions) different actions, or have
/// different default actions, -Strategy decides: Strict (the default) takes the more restrictive action, Permissive the
/// less restrictive, in the order Allow, Log, Trace/Notify, Errno/Trap, KillThread, KillProcess (from permissive to
/// strict). Every such conflict is written as a warning naming the syscall, the competing actions and the
/// profiles.</para>
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

    /// <summary>How conflicts are settled: Strict (the default) takes the more restrictive action, Permissive the less
    /// restrictive.</summary>
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
