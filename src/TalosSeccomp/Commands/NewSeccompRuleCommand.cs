using System.Collections;
using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Commands;

/// <summary>Creates a seccomp rule: an action for one or more syscalls, optionally only when argument conditions
/// hold.</summary>
/// <remarks>
/// <para>New-SeccompRule builds one entry of a profile's syscalls list. Pass the rules to New-SeccompProfile -Rule, or
/// pipe them into it.</para>
/// <para>Actions accept the short names (Allow, Log, Errno, Trap, Trace, Notify, Kill, KillThread, KillProcess) or the
/// SCMP_ACT_* spelling, in any case. Argument conditions are hashtables with the keys Index (0 to 5), Value, optional
/// ValueTwo (for MaskedEqual) and Op (Equal/EQ/SCMP_CMP_EQ, NotEqual, LessThan, LessOrEqual, GreaterThan,
/// GreaterOrEqual, MaskedEqual; default Equal). Values are unsigned 64-bit integers, decimal or as '0x' hex
/// strings.</para>
/// <para>Syscall names unknown on every architecture produce a warning: runc skips them, so the rule would do nothing
/// for them.</para>
/// </remarks>
/// <example>
/// <code>New-SeccompRule -Name read, write, close -Action Allow</code>
/// <para>Allows read, write and close.</para>
/// </example>
/// <example>
/// <code>New-SeccompRule -Name personality -Action Allow -Argument @{ Index = 0; Value = 0; Op = 'EQ' }</code>
/// <para>Allows personality only when its first argument is 0 (PER_LINUX).</para>
/// </example>
/// <example>
/// <code>New-SeccompRule -Name mkdir, mkdirat -Action Errno -ErrnoRet 13</code>
/// <para>Makes mkdir and mkdirat fail with EACCES (13) instead of the default EPERM.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "SeccompRule", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompRule))]
public sealed class NewSeccompRuleCommand : TalosSeccompCmdlet
{
    /// <summary>The syscall names the rule applies to.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Syscall", "Names")]
    [ArgumentCompleter(typeof(SyscallNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>The action when the syscall is called: Allow, Log, Errno, Trap, Trace, Notify, Kill, KillThread,
    /// KillProcess or SCMP_ACT_*.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SeccompActionCompleter))]
    [ValidateNotNullOrEmpty]
    public string Action { get; set; } = string.Empty;

    /// <summary>The errno an Errno rule returns (default EPERM), or the value a Trace rule passes to the
    /// tracer.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public uint ErrnoRet { get; set; }

    /// <summary>Argument conditions, each a hashtable such as @{ Index = 0; Value = 1; Op = 'EQ' }; all must hold for
    /// the rule to match.</summary>
    [Parameter]
    [Alias("Arguments")]
    public IDictionary[] Argument { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            if (Argument is null || Argument.Any(a => a is null))
            {
                throw new TalosSeccompException(ErrorIds.InvalidSeccompArgument, ErrorKind.InvalidArgument,
                    "-Argument was given a null value. Pass hashtables such as @{ Index = 0; Value = 1; Op = 'EQ' }, or leave out -Argument for a rule without conditions.", "Argument");
            }

            var arguments = Argument.Select((a, i) => SeccompArgument.FromDictionary(a, $"-Argument[{i}]")).ToList();
            var errnoRet = MyInvocation.BoundParameters.ContainsKey(nameof(ErrnoRet)) ? ErrnoRet : (uint?)null;
            var rule = new SeccompRule(Name, SeccompAction.Normalize(Action, "-Action"), errnoRet, arguments);
            foreach (var unknown in Name.Where(n => !SyscallTables.IsKnownOnAnyArchitecture(n)))
            {
                WriteWarning($"'{unknown}' is not a syscall on any architecture libseccomp knows; runc skips it, so this rule does nothing for it.");
            }

            WriteObject(rule);
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }
}
