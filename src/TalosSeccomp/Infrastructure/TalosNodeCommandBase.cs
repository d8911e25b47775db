using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Base of the Talos cmdlets that make one call (or a short series of calls) per node: it fans out
/// <see cref="ProcessNodeAsync"/> over the targets concurrently (-ThrottleLimit), with progress when there are
/// several nodes, and writes each node's results and errors in node order.
/// </summary>
/// <remarks>
/// <para>Ordering: each node's output (objects and errors) is written as soon as that node and every node before it
/// in the target order are done; warnings, verbose messages and questions come as they happen. The progress bar
/// (titled with the cmdlet's name) counts nodes as they finish.</para>
/// <para>Partial results: when errors are terminating (-ErrorAction Stop, $ErrorActionPreference = 'Stop'), the
/// first failure starts no further node, the nodes in flight run to their end, every completed result is written, in
/// node order, and then one terminating error names the failed node(s), says what became of every node
/// (<see cref="DescribeOutcomes"/>) and carries the written results in
/// <see cref="TalosSeccompException.PartialResults"/>.</para>
/// </remarks>
public abstract class TalosNodeCommandBase : TalosCommandBase
{
    private const int ProgressActivityId = 0x7a105;

    /// <summary>
    /// The work for one node. Runs on a pool thread, concurrently with other nodes: write output through
    /// <paramref name="sink"/> (it holds objects and errors until they can go out in node order); throw for failure
    /// (the base writes one error naming the node).
    /// </summary>
    /// <param name="target">The node, its client and its connection settings.</param>
    /// <param name="sink">Pipeline writes.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    private protected abstract Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <see cref="ProcessNodeAsync"/> for every target, concurrently up to -ThrottleLimit, with progress
    /// when there are several nodes, and writes the output in node order; a failing node gives one error naming it.
    /// </summary>
    protected override void EndProcessing()
    {
        var targets = CollectTargets();
        if (targets.Count == 0)
        {
            return;
        }

        // Read here: the preference belongs to the pipeline thread's session state.
        var stopAtFirstFailure = ErrorsAreTerminating();
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

            using var stopStarting = new CancellationTokenSource();
            var nodeSinks = targets.Select(_ => sink.Hold()).ToArray();
            var outcomes = new List<NodeOutcome>(targets.Count);
            var done = 0;
            await foreach (var result in TalosNodeFanOut.RunInOrderAsync<bool>(targets.Select(t => t.Node), async (index, _, ct) =>
            {
                try
                {
                    await ProcessNodeAsync(targets[index], nodeSinks[index], ct).ConfigureAwait(false);
                    if (stopAtFirstFailure && nodeSinks[index].HoldsError)
                    {
                        stopStarting.Cancel();
                    }

                    return true;
                }
                catch (Exception) when (stopAtFirstFailure)
                {
                    stopStarting.Cancel();
                    throw;
                }
                finally
                {
                    var finished = Interlocked.Increment(ref done);
                    if (showProgress)
                    {
                        sink.Progress(new ProgressRecord(ProgressActivityId, activity,
                            $"{finished} of {targets.Count} nodes done (last: {targets[index].DisplayNode})")
                        {
                            PercentComplete = finished * 100 / targets.Count,
                        });
                    }
                }
            }, ThrottleLimit, stopStarting.Token, cancellationToken).ConfigureAwait(false))
            {
                var target = targets[outcomes.Count];
                var outcome = new NodeOutcome(target, result.NotStarted);
                outcomes.Add(outcome);
                foreach (var held in nodeSinks[outcomes.Count - 1].TakeHeld())
                {
                    if (held.Error is null)
                    {
                        sink.Object(held.Value!);
                        outcome.Results.Add(held.Value!);
                    }
                    else if (stopAtFirstFailure)
                    {
                        outcome.Errors.Add(AsEngineError(held.Error, target.DisplayNode));
                    }
                    else
                    {
                        sink.Error(held.Error, held.Target);
                    }
                }

                if (result.Error is { } error)
                {
                    var engineError = AsEngineError(error, target.DisplayNode);
                    if (stopAtFirstFailure)
                    {
                        outcome.Errors.Add(engineError);
                    }
                    else
                    {
                        sink.Error(engineError, target.DisplayNode);
                    }
                }
            }

            if (showProgress)
            {
                sink.Progress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }

            if (outcomes.Find(o => o.Errors.Count > 0) is { } firstFailed)
            {
                // Every completed result is out (the pump drains the queue before it throws this).
                throw StoppedError(firstFailed, outcomes);
            }
        });
    }

    /// <summary>
    /// What became of the nodes when the command stopped at a failure, for the terminating error's message, e.g.
    /// "Results were written for n1, n2. Failed: n3. Not started: n4."
    /// </summary>
    private protected virtual string DescribeOutcomes(IReadOnlyList<NodeOutcome> outcomes) =>
        string.Join(" ", new[]
        {
            NodeList("Results were written for", outcomes.Where(o => !o.Failed && !o.NotStarted)),
            NodeList("Failed:", outcomes.Where(o => o.Failed)),
            NodeList("Not started:", outcomes.Where(o => o.NotStarted)),
        }.Where(s => s.Length > 0));

    /// <summary>"Label n1, n2." for the nodes, or empty when there are none.</summary>
    private protected static string NodeList(string label, IEnumerable<NodeOutcome> outcomes, Func<NodeOutcome, string?>? note = null)
    {
        var names = outcomes.Select(o => note?.Invoke(o) is { Length: > 0 } n ? $"{o.Target.DisplayNode} ({n})" : o.Target.DisplayNode).ToList();
        return names.Count == 0 ? string.Empty : $"{label} {string.Join(", ", names)}.";
    }

    private TalosSeccompException StoppedError(NodeOutcome firstFailed, IReadOnlyList<NodeOutcome> outcomes)
    {
        var first = firstFailed.Errors[0];
        var others = outcomes.SelectMany(o => o.Errors).Where(e => !ReferenceEquals(e, first)).ToList();
        // One node: its own error says it all.
        var message = outcomes.Count == 1 && others.Count == 0 ? first.Message
            : $"{first.Message.TrimEnd()} {MyInvocation.MyCommand.Name} stopped here (ErrorAction Stop): it started no further node, let the nodes "
              + $"in flight finish and wrote their results, which this error also carries (PartialResults). {DescribeOutcomes(outcomes)}"
              + (others.Count == 0 ? string.Empty : " Other failures: " + string.Join(" ", others.Select(e => e.Message.TrimEnd())));
        return first.Restate(message, firstFailed.Target.DisplayNode, outcomes.SelectMany(o => o.Results).ToList());
    }

    /// <summary>True when a non-terminating error would stop the command: -ErrorAction Stop, or $ErrorActionPreference = 'Stop'.</summary>
    private bool ErrorsAreTerminating()
    {
        var preference = MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound) ? bound : GetVariableValue("ErrorActionPreference");
        return preference is not null && LanguagePrimitives.TryConvertTo<ActionPreference>(preference, out var action) && action == ActionPreference.Stop;
    }

    private static TalosSeccompException AsEngineError(Exception error, string node) =>
        error as TalosSeccompException ?? new(ErrorIds.TalosCallFailed, ErrorKind.NotSpecified, $"The call to {node} failed: {error.Message}", node, error);

    /// <summary>What one node's work came to: the objects written for it, its errors, or that it was never started.</summary>
    private protected sealed class NodeOutcome(TalosNodeTarget target, bool notStarted)
    {
        /// <summary>The node.</summary>
        public TalosNodeTarget Target { get; } = target;

        /// <summary>True when the command stopped before this node's work began.</summary>
        public bool NotStarted { get; } = notStarted;

        /// <summary>The objects written for the node.</summary>
        public List<object> Results { get; } = new();

        /// <summary>The node's failures (held back to become the terminating error).</summary>
        public List<TalosSeccompException> Errors { get; } = new();

        /// <summary>True when the node failed.</summary>
        public bool Failed => Errors.Count > 0;
    }
}
