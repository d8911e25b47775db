using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Base of the Talos cmdlets that make one call (or a short series of calls) per node: it fans out
/// <see cref="ProcessNodeAsync"/> over the targets concurrently (-ThrottleLimit), with progress when there are
/// several nodes, one result per node and one non-terminating error per failing node naming it.
/// </summary>
/// <remarks>
/// Derived cmdlets implement <see cref="ProcessNodeAsync"/> (runs on a pool thread; write through the sink); the
/// progress bar
/// is titled with the cmdlet's name.
/// </remarks>
public abstract class TalosNodeCommandBase : TalosCommandBase
{
    private const int ProgressActivityId = 0x7a105;

    /// <summary>
    /// False when <see cref="ProcessNodeAsync"/> makes no network call for some targets' work and output
    /// should keep the target order; the nodes are then processed one after another.
    /// </summary>
    private protected virtual bool ProcessNodesConcurrently => true;

    /// <summary>
    /// The work for one node. Runs on a pool thread, concurrently with other nodes: write output through
    /// <paramref name="sink"/>; throw for failure (the base writes one error naming the node).
    /// </summary>
    /// <param name="target">The node, its client and its connection settings.</param>
    /// <param name="sink">Pipeline writes.</param>
    /// <param name="cancellationToken">Ctrl+C, or the first error under -ErrorAction Stop.</param>
    private protected abstract Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <see cref="ProcessNodeAsync"/> for every target, concurrently up to -ThrottleLimit, with progress
    /// when there are several nodes; a failing node gives one non-terminating error naming it.
    /// </summary>
    protected override void EndProcessing()
    {
        var targets = CollectTargets();
        if (targets.Count == 0)
        {
            return;
        }

        var showProgress = targets.Count > 1;
        var activity = MyInvocation.MyCommand.Name;
        RunPumped(async (sink, cancellationToken) =>
        {
            if (VerboseWanted)
            {
                foreach (var target in targets)
                {
                    target.CallLog = sink.Verbose;
                }
            }

            var done = 0;
            var byKey = targets.Select((t, i) => (Key: i.ToString(System.Globalization.CultureInfo.InvariantCulture), Target: t)).ToDictionary(k => k.Key, k => k.Target);
            await foreach (var result in TalosNodeFanOut.RunAsync<bool>(byKey.Keys.Cast<string?>().ToList(), async (key, ct) =>
            {
                await ProcessNodeAsync(byKey[key!], sink, ct).ConfigureAwait(false);
                return true;
            }, ProcessNodesConcurrently ? ThrottleLimit : 1, cancellationToken).ConfigureAwait(false))
            {
                var display = byKey[result.Node!].DisplayNode;
                if (result.Error is { } error)
                {
                    sink.Error(error is TalosSeccompException ? error : Unanticipated(error, display), display);
                }

                done++;
                if (showProgress)
                {
                    sink.Progress(new ProgressRecord(ProgressActivityId, activity, $"{done} of {targets.Count} nodes done (last: {display})")
                    {
                        PercentComplete = done * 100 / targets.Count,
                    });
                }
            }

            if (showProgress)
            {
                sink.Progress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        });
    }

    private static TalosSeccompException Unanticipated(Exception error, string node) =>
        new(ErrorIds.TalosCallFailed, ErrorKind.NotSpecified, $"The call to {node} failed: {error.Message}", node, error);
}
