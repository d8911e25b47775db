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

    /// <summary>Thread-safe queue of pipeline writes produced by background work.</summary>
    protected sealed class PipelineSink
    {
        private readonly BlockingCollection<Action<TalosSeccompCmdlet>> _writes;
        private readonly CancellationToken _cancelled;

        internal PipelineSink(int boundedCapacity, CancellationToken cancelled)
        {
            _writes = boundedCapacity > 0 ? new(boundedCapacity) : new();
            _cancelled = cancelled;
        }

        /// <summary>Queues an output object.</summary>
        public void Object(object value) => Add(c => c.WriteObject(value));

        /// <summary>Queues a non-terminating error for an engine failure.</summary>
        public void Error(Exception exception, object? target = null) => Add(c => c.WriteEngineError(exception, target));

        /// <summary>Queues a warning.</summary>
        public void Warning(string text) => Add(c => c.WriteWarning(text));

        /// <summary>Queues a verbose message.</summary>
        public void Verbose(string text) => Add(c => c.WriteVerbose(text));

        /// <summary>Queues a progress record.</summary>
        public void Progress(ProgressRecord record) => Add(c => c.WriteProgress(record));

        /// <summary>Queues any action that must run on the pipeline thread (ShouldProcess, for instance).</summary>
        public void OnPipelineThread(Action<TalosSeccompCmdlet> action) => Add(action);

        internal void Complete() => _writes.CompleteAdding();

        internal IEnumerable<Action<TalosSeccompCmdlet>> Drain() => _writes.GetConsumingEnumerable();

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
}
