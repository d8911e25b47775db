using System.Management.Automation;
using TalosSeccomp.Talos.Deployment;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Shared machinery of Set- and Remove-TalosSeccompProfile: the apply parameters, and per node the read, the
/// ShouldProcess question (asked on the pipeline thread with the diff in it), the apply and the result objects.
/// </summary>
public abstract class SeccompProfileDeploymentCommandBase : TalosNodeCommandBase
{
    private bool _whatIf;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _interrupted = new();

    /// <summary>
    /// How the node applies the config: Auto (the default; seccomp profiles always apply without a reboot), NoReboot,
    /// Try
    /// (rolled back after -TryTimeout unless applied again) or Staged (takes effect at the next reboot). A reboot is
    /// never requested.
    /// </summary>
    /// <remarks>A string, not the engine's enum: engine value types in a cmdlet's parameters load the engine before its
    /// load context is ready.</remarks>
    [Parameter]
    [ValidateSet("Auto", "NoReboot", "Try", "Staged")]
    public string Mode { get; set; } = "Auto";

    /// <summary>With -Mode Try: how long the node keeps the new config before rolling it back (default: the node's, one
    /// minute).</summary>
    [Parameter]
    public TimeSpan? TryTimeout { get; set; }

    /// <summary>Ask each node to check the new config and return its summary and diff, without applying it (the API's
    /// dry_run).</summary>
    [Parameter]
    public SwitchParameter DryRun { get; set; }

    /// <summary>Wait (up to -TimeoutSec) until each node's SeccompProfile resources show the change, by watching
    /// them.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>The apply options the parameters describe.</summary>
    private protected SeccompApplyOptions ApplyOptions(bool returnResources, bool discardStagedConfig) => new()
    {
        DiscardStagedConfig = discardStagedConfig,
        Mode = Enum.Parse<SeccompApplyMode>(Mode, ignoreCase: true),
        TryTimeout = TryTimeout,
        DryRun = DryRun,
        Wait = Wait,
        WaitTimeout = TimeSpan.FromSeconds(TimeoutSec),
        ReturnResources = returnResources,
    };

    /// <summary>
    /// Plans <paramref name="edits"/> on the node, asks ShouldProcess with the diff when something would change (not
    /// for a
    /// dry run, which changes nothing), applies, and writes one result per edit.
    /// </summary>
    private protected async Task DeployAsync(TalosNodeTarget target, PipelineSink sink, IReadOnlyList<SeccompProfileEdit> edits, SeccompApplyOptions options,
        CancellationToken cancellationToken)
    {
        var node = target.DisplayNode;
        var deployer = new SeccompProfileDeployer(target.Client);
        var plan = await deployer.PlanAsync(target.Node, node, edits, cancellationToken).ConfigureAwait(false);
        foreach (var warning in plan.Warnings)
        {
            sink.Warning($"{node}: {warning}");
        }

        if (!plan.Changed)
        {
            sink.Verbose($"{node}: {plan.Summary}; the config already is as wanted, nothing was sent.");
        }
        else if (!options.DryRun || _whatIf)
        {
            var what = $"{plan.Summary} in the machine config of {node} ({(options.DryRun ? "dry run" : "mode " + Mode)})";
            var approved = await AskAsync(sink, c => c.ShouldProcess($"{what}:\n{plan.Diff}", $"{what}?\n{plan.Diff}", MyInvocation.MyCommand.Name), cancellationToken).ConfigureAwait(false);
            if (!approved)
            {
                return;
            }

            if (HighImpactQuestion(plan) is { } question)
            {
                var caption = $"{MyInvocation.MyCommand.Name} on {node}";
                if (!await AskAsync(sink, c => c.ShouldContinue(question, caption), cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }

        IReadOnlyList<SeccompProfileChange> changes;
        try
        {
            changes = await deployer.ApplyAsync(plan, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.TalosSeccompException ex) when (ex.ErrorId == ErrorIds.SeccompProfileApplyOutcomeUnknown && cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the pipeline takes no more errors, yet the user must hear that the apply may have happened.
            _interrupted.Enqueue(ex.Message);
            throw;
        }

        foreach (var change in changes)
        {
            if (change.Attempts > 1)
            {
                sink.Verbose($"{node}: the config changed while this command worked on it; the edit was redone on the new config ({change.Attempts} attempts).");
            }

            foreach (var warning in change.Warnings)
            {
                sink.Warning($"{node}: {warning}");
            }

            sink.Object(change);
        }
    }

    /// <summary>
    /// For the terminating error under -ErrorAction Stop: which nodes were changed and which were not (and why), e.g.
    /// "Changed: n1, n2. Not changed: n3 (failed), n4 (not started)."
    /// </summary>
    private protected override string DescribeOutcomes(IReadOnlyList<NodeOutcome> outcomes)
    {
        static bool Changed(NodeOutcome o) => o.Results.OfType<SeccompProfileChange>().Any(c => c.Applied);
        static bool MayHaveChanged(NodeOutcome o) => !Changed(o) && o.Errors.Exists(e => e.ErrorId == ErrorIds.SeccompProfileApplyOutcomeUnknown);
        static string Why(NodeOutcome o) =>
            o.NotStarted ? "not started"
            : o.Failed ? "failed"
            : o.Results.OfType<SeccompProfileChange>().Any(c => c.DryRun) ? "dry run"
            : o.Results.Count == 0 ? "declined"
            : "already as wanted";

        return string.Join(" ", new[]
        {
            NodeList("Changed:", outcomes.Where(Changed)),
            NodeList("May have changed (the apply's outcome is unknown):", outcomes.Where(MayHaveChanged)),
            NodeList("Not changed:", outcomes.Where(o => !Changed(o) && !MayHaveChanged(o)), Why),
        }.Where(s => s.Length > 0));
    }

    /// <summary>
    /// The ShouldContinue question to ask, after ShouldProcess approved, for a change of high impact (null: none); the
    /// convention for destructive sub-cases of a cmdlet whose ShouldProcess does not prompt by default.
    /// </summary>
    private protected virtual string? HighImpactQuestion(SeccompProfilePlan plan) => null;

    /// <summary>Writes the validator's findings about the profiles being deployed as warnings.</summary>
    private protected void WarnAbout(SeccompProfileEdit edit)
    {
        foreach (var finding in edit.Diagnostics.Where(d => d.Severity != Profiles.SeccompDiagnosticSeverity.Information))
        {
            WriteWarning($"{edit.Name}: {(finding.Severity == Profiles.SeccompDiagnosticSeverity.Error ? "deployed despite an error (-Force)" : "warning")}: "
                + (string.IsNullOrEmpty(finding.Location) ? finding.Message : $"{finding.Location}: {finding.Message}"));
        }
    }

    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        // Read here: session state belongs to the pipeline thread, and the nodes are handled on pool threads.
        _whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)
            ? LanguagePrimitives.IsTrue(value)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        base.BeginProcessing();
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        try
        {
            base.EndProcessing();
        }
        finally
        {
            while (_interrupted.TryDequeue(out var message))
            {
                Host.UI.WriteWarningLine(message);
            }
        }
    }

    /// <summary>Runs a question on the pipeline thread (ShouldProcess must run there) and awaits its answer.</summary>
    private static async Task<bool> AskAsync(PipelineSink sink, Func<Cmdlet, bool> question, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        sink.OnPipelineThread(cmdlet =>
        {
            try
            {
                answer.TrySetResult(question(cmdlet));
            }
            catch (Exception ex)
            {
                // Also stop the pipeline thread (e.g. the user chose Suspend or the pipeline is stopping).
                answer.TrySetException(ex);
                throw;
            }
        });
        return await answer.Task.ConfigureAwait(false);
    }
}
