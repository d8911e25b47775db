using System.Collections.Concurrent;
using System.Management.Automation;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Base of every TalosSeccomp cmdlet: error mapping, Ctrl+C cancellation, and a pump that lets
/// background work (concurrent node calls, streams) write to the pipeline from the pipeline thread.
/// </summary>
public abstract class TalosSeccompCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    /// <inheritdoc />
    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Writes a non-terminating error for an engine failure.</summary>
    protected void WriteEngineError(Exception exception, object? target = null) =>
        WriteError(ErrorMapping.ToErrorRecord(exception, target));

    /// <summary>Stops the command with a terminating error for an engine failure.</summary>
    protected void ThrowEngineError(Exception exception, object? target = null) =>
        ThrowTerminatingError(ErrorMapping.ToErrorRecord(exception, target));

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and drains what it writes onto the pipeline thread
    /// until it completes. A terminating write (e.g. WriteError under -ErrorAction Stop) cancels the work.
    /// </summary>
    /// <param name="work">The background work; it writes through the sink.</param>
    /// <param name="boundedCapacity">
    /// 0: the sink never blocks. Otherwise at most this many writes wait for the pipeline thread, and the work's
    /// writes block beyond that (backpressure for endless streams), until the work is cancelled.
    /// </param>
    protected void RunPumped(Func<PipelineSink, CancellationToken, Task> work, int boundedCapacity = 0)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var sink = new PipelineSink(boundedCapacity, linked.Token);
        var task = Task.Run(async () =>
        {
            try
            {
                await work(sink, linked.Token).ConfigureAwait(false);
            }
            finally
            {
                sink.Complete();
            }
        });

        try
        {
            foreach (var write in sink.Drain())
            {
                write(this);
            }
        }
        catch
        {
            linked.Cancel();
            try { task.Wait(); } catch (AggregateException) { }
            throw;
        }

        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }

    /// <summary>Disposes the cancellation source.</summary>
    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Thread-safe queue of pipeline writes produced by background work. A sink made by <see cref="Hold"/> holds its
    /// output (objects and errors, in order) for its owner to release, and passes everything else straight on.
    /// </summary>
    protected sealed class PipelineSink
    {
        private readonly BlockingCollection<Action<TalosSeccompCmdlet>> _writes;
        private readonly CancellationToken _cancelled;
        private readonly List<HeldOutput>? _held;

        internal PipelineSink(int boundedCapacity, CancellationToken cancelled)
        {
            _writes = boundedCapacity > 0 ? new(boundedCapacity) : new();
            _cancelled = cancelled;
        }

        private PipelineSink(PipelineSink parent)
        {
            _writes = parent._writes;
            _cancelled = parent._cancelled;
            _held = new List<HeldOutput>();
        }

        /// <summary>Queues an output object (holds it, in a sink made by <see cref="Hold"/>).</summary>
        public void Object(object value)
        {
            if (!TryHold(new HeldOutput(value, null, null)))
            {
                Add(c => c.WriteObject(value));
            }
        }

        /// <summary>Queues a non-terminating error for an engine failure (holds it, in a sink made by <see cref="Hold"/>).</summary>
        public void Error(Exception exception, object? target = null)
        {
            if (!TryHold(new HeldOutput(null, exception, target)))
            {
                Add(c => c.WriteEngineError(exception, target));
            }
        }

        /// <summary>Queues a warning.</summary>
        public void Warning(string text) => Add(c => c.WriteWarning(text));

        /// <summary>Queues a verbose message.</summary>
        public void Verbose(string text) => Add(c => c.WriteVerbose(text));

        /// <summary>Queues a progress record.</summary>
        public void Progress(ProgressRecord record) => Add(c => c.WriteProgress(record));

        /// <summary>Queues any action that must run on the pipeline thread (ShouldProcess, for instance).</summary>
        public void OnPipelineThread(Action<TalosSeccompCmdlet> action) => Add(action);

        /// <summary>
        /// A sink over the same queue that holds objects and errors until <see cref="TakeHeld"/> (so output can be
        /// released in node order); warnings, verbose messages, progress and pipeline-thread actions pass straight on.
        /// </summary>
        internal PipelineSink Hold() => new(this);

        /// <summary>True when this holding sink holds an error.</summary>
        internal bool HoldsError
        {
            get
            {
                lock (_held!)
                {
                    return _held.Exists(h => h.Error is not null);
                }
            }
        }

        /// <summary>Takes the held objects and errors, in the order they were written.</summary>
        internal IReadOnlyList<HeldOutput> TakeHeld()
        {
            lock (_held!)
            {
                var taken = _held.ToList();
                _held.Clear();
                return taken;
            }
        }

        internal void Complete() => _writes.CompleteAdding();

        internal IEnumerable<Action<TalosSeccompCmdlet>> Drain() => _writes.GetConsumingEnumerable();

        private bool TryHold(HeldOutput output)
        {
            if (_held is null)
            {
                return false;
            }

            lock (_held)
            {
                _held.Add(output);
            }

            return true;
        }

        private void Add(Action<TalosSeccompCmdlet> write)
        {
            try
            {
                _writes.Add(write, _cancelled);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // The pipeline is gone (stopped or failed); drop late writes.
            }
        }
    }

    /// <summary>An object or an error (with its target) held by a holding <see cref="PipelineSink"/>.</summary>
    internal readonly record struct HeldOutput(object? Value, Exception? Error, object? Target);
}
