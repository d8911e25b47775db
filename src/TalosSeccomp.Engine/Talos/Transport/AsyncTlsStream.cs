using System.Buffers;
using System.Runtime.InteropServices;
using Org.BouncyCastle.Tls;

namespace TalosSeccomp.Talos.Transport;

/// <summary>
/// A fully asynchronous TLS client stream over a transport stream, driven by BouncyCastle's non-blocking
/// <see cref="TlsClientProtocol"/> (OfferInput / ReadOutput). SocketsHttpHandler reads and writes HTTP/2
/// frames on it concurrently; BouncyCastle's own blocking stream would hang under that, so every protocol
/// call here is short and synchronous under a lock and all I/O is awaited outside it.
/// </summary>
internal sealed class AsyncTlsStream : Stream
{
    private readonly Stream _transport;
    private readonly string _endpoint;
    private readonly TlsClientProtocol _protocol = new();
    private readonly object _protocolLock = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly byte[] _receiveBuffer = new byte[(1 << 14) + 2048];
    private readonly byte[] _sendBuffer = new byte[(1 << 14) + 2048];
    private bool _receivedApplicationData;
    private int _disposed;

    private AsyncTlsStream(Stream transport, string endpoint)
    {
        _transport = transport;
        _endpoint = endpoint;
    }

    /// <summary>Runs the handshake over <paramref name="transport"/> and returns the decrypted stream.</summary>
    /// <exception cref="TalosTlsException">The handshake failed; says which side refused and why.</exception>
    public static async Task<AsyncTlsStream> ConnectAsync(Stream transport, TlsClient client, string endpoint, CancellationToken cancellationToken)
    {
        var stream = new AsyncTlsStream(transport, endpoint);
        try
        {
            await stream.HandshakeAsync(client, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The negotiated protocol version, e.g. "TLS 1.3".</summary>
    public string? ProtocolVersion { get; private set; }

    /// <summary>The subject of the node's certificate, once the handshake completed.</summary>
    public string? ServerCertificateSubject { get; private set; }

    private async Task HandshakeAsync(TlsClient client, CancellationToken cancellationToken)
    {
        try
        {
            lock (_protocolLock)
            {
                _protocol.Connect(client);
            }

            await SendPendingAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                lock (_protocolLock)
                {
                    if (!_protocol.IsHandshaking)
                    {
                        break;
                    }
                }

                var read = await _transport.ReadAsync(_receiveBuffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new TalosTlsException(TlsFailureSide.Node, _endpoint, "the node closed the connection during the TLS handshake (is it a Talos API endpoint?)");
                }

                Offer(read);
                await SendPendingAsync(cancellationToken).ConfigureAwait(false);
            }

            ProtocolVersion = (client as TalosTlsClient)?.NegotiatedVersion;
            ServerCertificateSubject = (client as TalosTlsClient)?.ServerCertificateSubject;
        }
        catch (Exception ex) when (ex is TlsException or IOException && ex is not TalosTlsException)
        {
            await TrySendAlertAsync().ConfigureAwait(false);
            throw Classify(ex, handshakeDone: false);
        }
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                lock (_protocolLock)
                {
                    if (_protocol.GetAvailableInputBytes() > 0)
                    {
                        _receivedApplicationData = true;
                        return ReadDecrypted(buffer);
                    }

                    if (_protocol.IsClosed)
                    {
                        return 0;
                    }
                }

                var read = await _transport.ReadAsync(_receiveBuffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (!_receivedApplicationData)
                    {
                        // An HTTP/2 server always speaks first (SETTINGS); silence then EOF means it dropped us.
                        throw new TalosTlsException(TlsFailureSide.Node, _endpoint,
                            "the node closed the connection right after the TLS handshake without a word; it most likely refused the client certificate");
                    }

                    return 0;
                }

                Offer(read);
                await SendPendingAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is TlsException or IOException && ex is not TalosTlsException)
        {
            await TrySendAlertAsync().ConfigureAwait(false);
            throw Classify(ex, handshakeDone: true);
        }
        finally
        {
            _readLock.Release();
        }
    }

    private int ReadDecrypted(Memory<byte> buffer)
    {
        if (MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
        {
            return _protocol.ReadInput(segment.Array!, segment.Offset, segment.Count);
        }

        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var count = _protocol.ReadInput(rented, 0, buffer.Length);
            rented.AsSpan(0, count).CopyTo(buffer.Span);
            return count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            lock (_protocolLock)
            {
                _protocol.WriteApplicationData(buffer.Span);
            }

            await SendPendingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TlsException or IOException && ex is not TalosTlsException)
        {
            throw Classify(ex, handshakeDone: true);
        }
    }

    private void Offer(int count)
    {
        lock (_protocolLock)
        {
            _protocol.OfferInput(_receiveBuffer, 0, count);
        }
    }

    private async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                int count;
                lock (_protocolLock)
                {
                    var available = _protocol.GetAvailableOutputBytes();
                    if (available == 0)
                    {
                        return;
                    }

                    count = _protocol.ReadOutput(_sendBuffer, 0, Math.Min(available, _sendBuffer.Length));
                }

                await _transport.WriteAsync(_sendBuffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task TrySendAlertAsync()
    {
        // BouncyCastle queues the alert it raised; deliver it so the node logs why we left.
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await SendPendingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or TlsException)
        {
        }
    }

    private TalosTlsException Classify(Exception ex, bool handshakeDone)
    {
        switch (ex)
        {
            case TlsFatalAlertReceived received:
                var description = AlertDescription.GetText(received.AlertDescription);
                var refusedCertificate = received.AlertDescription is AlertDescription.bad_certificate or AlertDescription.unsupported_certificate
                    or AlertDescription.certificate_revoked or AlertDescription.certificate_expired or AlertDescription.certificate_unknown
                    or AlertDescription.unknown_ca or AlertDescription.access_denied or AlertDescription.certificate_required;
                var reason = refusedCertificate
                    ? $"it rejected the client certificate ({description}); check the talosconfig belongs to this cluster, has not expired and has EKU clientAuth only"
                    : $"it sent the alert {description}" + (handshakeDone ? " after the handshake" : string.Empty);
                return new TalosTlsException(TlsFailureSide.Node, _endpoint, reason, ex);
            case TlsFatalAlert { InnerException: TalosCertificateRejectedException rejected } alert:
                return new TalosTlsException(TlsFailureSide.Client, _endpoint, rejected.Message, alert);
            case TlsFatalAlert alert:
                return new TalosTlsException(TlsFailureSide.Client, _endpoint,
                    $"TLS protocol error ({AlertDescription.GetText(alert.AlertDescription)}{(string.IsNullOrEmpty(alert.Message) ? string.Empty : ": " + alert.Message)})", ex);
            case TlsNoCloseNotifyException:
                return new TalosTlsException(TlsFailureSide.Node, _endpoint, "the node closed the connection without a TLS close_notify", ex);
            case IOException when !handshakeDone:
                return new TalosTlsException(TlsFailureSide.Node, _endpoint, $"the connection was lost during the TLS handshake ({ex.Message})", ex);
            case IOException when !_receivedApplicationData:
                // The node checks our certificate after the TLS 1.3 handshake; a refusal can arrive as a reset instead of an alert.
                return new TalosTlsException(TlsFailureSide.Node, _endpoint,
                    $"the node dropped the connection right after the TLS handshake ({ex.Message}); it most likely refused the client certificate", ex);
            default:
                return new TalosTlsException(TlsFailureSide.Client, _endpoint, ex.Message, ex);
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            lock (_protocolLock)
            {
                if (!_protocol.IsClosed)
                {
                    _protocol.Close(); // queues close_notify
                }
            }

            await TrySendAlertAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TlsException)
        {
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => SendPendingAsync(cancellationToken);

    /// <inheritdoc />
    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
}
