using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Compares two seccomp profiles by meaning: syscalls, actions, conditions, architectures.</summary>
/// <remarks>
/// <para>Compare-SeccompProfile reports what the difference profile changes relative to the reference profile, one
/// object per difference: the default action, defaultErrnoRet, architectures, flags, the notify listener, and per
/// syscall whether a rule was added or removed (with the default action it falls to or came from), its action changed,
/// or its argument conditions or errnoRet changed.</para>
/// <para>Syscalls are compared by behaviour: what runc (1.1, with libseccomp 2.5) makes of each profile for every
/// argument value, split by the conditions either profile tests. A rule that runc skips (its action is the default) or
/// that an earlier unconditional rule for the same syscall shadows has no effect, so it is no difference. Each syscall
/// difference names the architectures where the syscall exists, both filters apply (x86_64 and aarch64 always: every
/// filter covers the node's own architecture) and the behaviour differs; a name that is a syscall on none of them
/// changes nothing.</para>
/// <para>Both parameters take profile objects or paths of profile files. Key order, formatting and rule grouping do not
/// count as differences; no output means the profiles behave the same.</para>
/// </remarks>
/// <example>
/// <code>Compare-SeccompProfile -ReferenceProfile ./v1.json -DifferenceProfile ./v2.json</code>
/// <para>Lists what v2 changes compared with v1.</para>
/// </example>
/// <example>
/// <code>Get-TalosSeccompProfile -Node 10.5.0.3 -Name audit.json | Compare-SeccompProfile -ReferenceProfile ./audit.json</code>
/// <para>Checks whether the profile on a node still matches the local file.</para>
/// </example>
[Cmdlet(VerbsData.Compare, "SeccompProfile", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfileDifference))]
public sealed class CompareSeccompProfileCommand : TalosSeccompCmdlet
{
    /// <summary>The profile to compare against: a profile object or the path of a profile file.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object ReferenceProfile { get; set; } = null!;

    /// <summary>The profile whose changes are reported: a profile object or the path of a profile file; accepted from
    /// the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object DifferenceProfile { get; set; } = null!;

    private SeccompProfile? _reference;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            _reference ??= ProfileInput.ToProfile(this, ReferenceProfile, nameof(ReferenceProfile));
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }

        try
        {
            var difference = ProfileInput.ToProfile(this, DifferenceProfile, nameof(DifferenceProfile));
            WriteObject(SeccompProfileComparer.Compare(_reference!, difference), enumerateCollection: true);
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex);
        }
    }
}
