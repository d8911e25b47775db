using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace TalosSeccomp.FakeTalos.Tls;

/// <summary>The verified client certificate's identity, set on each TLS connection for the gRPC services' RBAC.</summary>
public interface IClientIdentityFeature
{
    /// <summary>Organization values of the client certificate (Talos roles such as os:admin).</summary>
    IReadOnlyList<string> Organizations { get; }

    /// <summary>The TLS version agreed.</summary>
    string? TlsVersion { get; }
}

internal sealed record ClientIdentityFeature(IReadOnlyList<string> Organizations, string? TlsVersion) : IClientIdentityFeature;

/// <summary>
/// Kestrel connection middleware that terminates TLS with BouncyCastle (Kestrel's own HTTPS cannot do Ed25519),
/// then hands the plaintext HTTP/2 connection to the next middleware.
/// </summary>
internal sealed class TlsConnectionMiddleware
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);
    private readonly FakePki pki;
    private readonly ILogger logger;
    private readonly Action onHandshakeCompleted;
    private readonly SecureRandom random = new();

    public TlsConnectionMiddleware(FakePki pki, ILogger logger, Action onHandshakeCompleted)
    {
        this.pki = pki;
        this.logger = logger;
        this.onHandshakeCompleted = onHandshakeCompleted;
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var originalTransport = connection.Transport;
        var tls = new BouncyTlsServerStream(originalTransport.Input.AsStream(), originalTransport.Output.AsStream());
        var server = new FakeTlsServer(new BcTlsCrypto(random), pki);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
            timeout.CancelAfter(HandshakeTimeout);
            await tls.HandshakeAsync(server, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // TlsFatalAlert is an IOException: the client was refused (bad certificate, no h2, ...).
            logger.LogInformation("TLS handshake with {Remote} failed: {Message}", connection.RemoteEndPoint, e.Message);
            await tls.DisposeAsync().ConfigureAwait(false);
            return;
        }

        if (server.ApplicationProtocol != "h2")
        {
            // grpc-go drops connections that did not negotiate h2.
            logger.LogInformation("Closing connection from {Remote}: ALPN h2 was not negotiated", connection.RemoteEndPoint);
            await tls.DisposeAsync().ConfigureAwait(false);
            return;
        }

        onHandshakeCompleted();
        connection.Features.Set<IClientIdentityFeature>(new ClientIdentityFeature(server.ClientOrganizations, server.NegotiatedVersion));
        var plaintext = new DuplexPipe(
            PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true)));
        connection.Transport = plaintext;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await plaintext.Input.CompleteAsync().ConfigureAwait(false);
                await plaintext.Output.CompleteAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The TLS connection is already closed; there is nothing left to flush.
            }

            await tls.DisposeAsync().ConfigureAwait(false);
            connection.Transport = originalTransport;
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
