using Org.BouncyCastle.Tls;

namespace TalosSeccomp.FakeTalos.Tls;

/// <summary>
/// A TLS server connection over Kestrel's transport, driven by BouncyCastle's <see cref="TlsServerProtocol"/>
/// in non-blocking mode: ciphertext read from the transport is offered to the protocol and the records it
/// produces are written back. (BouncyCastle's blocking stream mode stalls Kestrel's I/O threads.)
/// Reads and writes may run concurrently (HTTP/2 does); the protocol object is guarded by a lock that is
/// never held across an await, and one gate keeps outgoing records in order.
/// </summary>
internal sealed class BouncyTlsServerStream : Stream
{
    private readonly Stream transportInput;
    private readonly Stream transportOutput;
    private readonly TlsServerProtocol protocol = new();
    private readonly object protocolLock = new();
    private readonly SemaphoreSlim outputGate = new(1, 1);
    private readonly byte[] receiveBuffer = new byte[16 * 1024];
    private bool disposed;

    public BouncyTlsServerStream(Stream transportInput, Stream transportOutput)
    {
        this.transportInput = transportInput;
        this.transportOutput = transportOutput;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Runs the handshake to completion; a TLS alert from the server side is sent before the exception propagates.</summary>
    public async Task HandshakeAsync(TlsServer server, CancellationToken cancellationToken)
    {
        try
        {
            lock (protocolLock)
            {
                protocol.Accept(server);
            }

            await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                lock (protocolLock)
                {
                    if (!protocol.IsHandshaking)
                    {
                        break;
                    }
                }

                var read = await transportInput.ReadAsync(receiveBuffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException("The client closed the connection during the TLS handshake.");
                }

                lock (protocolLock)
                {
                    protocol.OfferInput(receiveBuffer, 0, read);
                }

                await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TlsException)
        {
            await TryFlushAlertAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            lock (protocolLock)
            {
                var available = protocol.GetAvailableInputBytes();
                if (available > 0)
                {
                    var chunk = new byte[Math.Min(available, buffer.Length)];
                    var count = protocol.ReadInput(chunk, 0, chunk.Length);
                    chunk.AsSpan(0, count).CopyTo(buffer.Span);
                    return count;
                }

                if (protocol.IsClosed)
                {
                    return 0;
                }
            }

            var read = await transportInput.ReadAsync(receiveBuffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return 0;
            }

            try
            {
                lock (protocolLock)
                {
                    protocol.OfferInput(receiveBuffer, 0, read);
                }
            }
            catch (TlsException)
            {
                await TryFlushAlertAsync().ConfigureAwait(false);
                throw;
            }

            // The protocol may answer by itself (close_notify, key update).
            await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await outputGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] records;
            lock (protocolLock)
            {
                protocol.WriteApplicationData(buffer.Span);
                records = DrainOutput();
            }

            await transportOutput.WriteAsync(records, cancellationToken).ConfigureAwait(false);
            await transportOutput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            outputGate.Release();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        try
        {
            lock (protocolLock)
            {
                if (!protocol.IsClosed)
                {
                    protocol.Close();
                }
            }

            await TryFlushAlertAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The peer is gone; nothing to tell it.
        }

        outputGate.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task FlushOutputAsync(CancellationToken cancellationToken)
    {
        await outputGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] records;
            lock (protocolLock)
            {
                records = DrainOutput();
            }

            if (records.Length > 0)
            {
                await transportOutput.WriteAsync(records, cancellationToken).ConfigureAwait(false);
                await transportOutput.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            outputGate.Release();
        }
    }

    private async Task TryFlushAlertAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await FlushOutputAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Best effort: the alert is a courtesy to the client.
        }
    }

    private byte[] DrainOutput()
    {
        var available = protocol.GetAvailableOutputBytes();
        if (available == 0)
        {
            return [];
        }

        var records = new byte[available];
        var count = protocol.ReadOutput(records, 0, available);
        return count == available ? records : records[..count];
    }
}
