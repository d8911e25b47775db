using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos.Deployment;

namespace TalosSeccomp.Commands;

/// <summary>Removes seccomp profiles from Talos nodes by name, and changes nothing else in their config.</summary>
/// <remarks>
/// <para>Remove-TalosSeccompProfile removes every machine.seccompProfiles entry whose name matches -Name (wildcards,
/// case-sensitive like the file names) from each node's machine config, by the same read–modify–write as
/// Set-TalosSeccompProfile: every other document and field, comments included, comes back byte for byte, and the whole
/// config is applied with an explicit mode (Auto by default; never a reboot). The node then deletes the profile files.
/// Removing the last profile leaves seccompProfiles: [] in place.</para>
/// <para>It is idempotent: a name that matches nothing is not an error; the node's result says Unchanged and nothing is
/// sent. -WhatIf shows per node the entries that would go; -Confirm asks per node; -DryRun lets the node check the
/// change without applying it; -Wait watches the node's SeccompProfile resources until the removed ones are
/// gone.</para>
/// <para>When wildcards in -Name match more than one profile on a node (-Name '*' matches them all), the command asks
/// before removing them, naming them, as PowerShell does for a change of high impact (ConfirmImpact High): it asks
/// unless -Force, -Confirm:$false or $ConfirmPreference = 'None' is given; with -Confirm, or $ConfirmPreference set to
/// Medium or Low, the per-node -Confirm question (with the diff) is the one asked. In a non-interactive host (a
/// runbook, pwsh -NonInteractive) the question is an error and nothing is removed.</para>
/// <para>Staged configs: the command edits the active config, and an apply in any mode but Try replaces the node's
/// persistent config. When the node has a staged config (applied with -Mode Staged, waiting for a reboot) that differs
/// from the active one, the command refuses with SeccompProfileStagedConfigPending and applies nothing, because the
/// staged change would be lost; reboot the node first, or give -Force to discard the staged config (a warning says it
/// was). A config applied with -Mode Try and not yet made permanent is made permanent by the next apply, with a
/// warning.</para>
/// <para>Unknown outcomes: when ApplyConfiguration times out or loses its connection, the command reads the node's
/// config back; if it holds the change, the result says Applied with a warning, otherwise the error
/// SeccompProfileApplyOutcomeUnknown says what was read and how to check (Get-TalosSeccompProfile, the MachineConfig
/// version). Ctrl+C during the apply reports the same error (as a warning on the host, since the pipeline has
/// stopped).</para>
/// <para>A name without wildcards longer than 255 bytes (NAME_MAX) cannot be a profile file and is refused before any
/// call (UnsafeProfileName).</para>
/// <para>Results come out in node order; with -ErrorAction Stop the first failure starts no further node and the
/// terminating error says which nodes were changed and which were not (see Set-TalosSeccompProfile).</para>
/// <para>Profiles piped from Get-TalosSeccompProfile are removed from the node they were read from, or from the nodes
/// -Node names when it is given on the command line. The os:admin role
/// is needed. Talos has no compare-and-swap for the config: the version is checked again right before applying and the
/// edit redone when another writer changed the config, but a write in the last round trip before the apply can still be
/// overwritten.</para>
/// </remarks>
/// <example>
/// <code>Remove-TalosSeccompProfile -Name audit.json -Node 10.5.0.2, 10.5.0.3</code>
/// <para>Removes the audit.json profile from two nodes.</para>
/// </example>
/// <example>
/// <code>Get-TalosSeccompProfile -Name 'test-*' | Remove-TalosSeccompProfile -WhatIf</code>
/// <para>Shows which test profiles would be removed from which node, without changing anything.</para>
/// </example>
/// <example>
/// <code>Get-TalosNode | Remove-TalosSeccompProfile -Name '*.tmp.json' -Wait -Confirm:$false</code>
/// <para>Removes every profile ending in .tmp.json from the nodes of the current context, without prompting, and waits
/// until the nodes' resources are gone.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "TalosSeccompProfile", SupportsShouldProcess = true, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfileChange))]
public sealed class RemoveTalosSeccompProfileCommand : SeccompProfileDeploymentCommandBase
{
    private readonly List<string> _namesForAllNodes = new();
    private readonly Dictionary<string, List<string>> _namesByNode = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names of the profiles to remove; wildcards (*, ?, [a-z]) match several. Case-sensitive, like the file
    /// names on the node.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ProfileName", "Id")]
    [ArgumentCompleter(typeof(TalosSeccompProfileNameCompleter))]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Name { get; set; } = [];

    /// <summary>Remove without the prompt that a wildcard matching several profiles on a node brings, and apply even
    /// though the node has a staged config (applied with -Mode Staged, waiting for a reboot), which is then
    /// discarded.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private bool _askBeforeWildcardRemoval;

    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        // PowerShell's rule for a high-impact change: ask unless $ConfirmPreference is None. -Confirm (either way) and a
        // $ConfirmPreference of Medium or Low settle it through ShouldProcess, which then asks with the diff (this
        // cmdlet's ConfirmImpact is Medium) or, for -Confirm:$false, does not ask at all.
        var confirmPreference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(GetVariableValue("ConfirmPreference"), out var preference)
            ? preference
            : ConfirmImpact.High;
        _askBeforeWildcardRemoval = !Force && !MyInvocation.BoundParameters.ContainsKey("Confirm") && confirmPreference == ConfirmImpact.High;
        base.BeginProcessing();
    }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            // Compiles the patterns: a bad one stops the command before any call.
            SeccompProfileEdit.Remove(Name);
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }

        // Names piped with a node (Get-TalosSeccompProfile output) apply to that node only.
        if (Node is { Length: > 0 })
        {
            foreach (var node in Node.Where(n => !string.IsNullOrWhiteSpace(n)))
            {
                if (!_namesByNode.TryGetValue(node.Trim(), out var names))
                {
                    _namesByNode[node.Trim()] = names = new List<string>();
                }

                names.AddRange(Name);
            }
        }
        else
        {
            _namesForAllNodes.AddRange(Name);
        }

        base.ProcessRecord();
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        try
        {
            SeccompProfileDeployer.ValidateOptions(ApplyOptions(returnResources: false, discardStagedConfig: Force));
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }

        base.EndProcessing();
    }

    /// <inheritdoc />
    private protected override string? HighImpactQuestion(SeccompProfilePlan plan)
    {
        var matched = plan.WildcardRemovals;
        return !_askBeforeWildcardRemoval || matched.Count < 2 ? null
            : $"-Name {string.Join(", ", plan.Edits.SelectMany(e => e.Patterns))} matches {matched.Count} profiles on {plan.DisplayNode}: {string.Join(", ", matched)}. "
              + "Remove them all? (-Force or -Confirm:$false removes without asking.)";
    }

    /// <inheritdoc />
    private protected override Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken)
    {
        var names = _namesForAllNodes.Concat(target.Node is not null && _namesByNode.TryGetValue(target.Node, out var own) ? own : Enumerable.Empty<string>());
        return DeployAsync(target, sink, [SeccompProfileEdit.Remove(names)], ApplyOptions(returnResources: false, discardStagedConfig: Force), cancellationToken);
    }
}
