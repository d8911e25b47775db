using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Grpc.Net.Client;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TalosSeccomp.Talos.Transport;

namespace TalosSeccomp.Talos;

/// <summary>
/// One gRPC channel to a set of endpoints with one set of credentials. HTTP/2 runs over our own TLS
/// (BouncyCastle, through <see cref="SocketsHttpHandler.ConnectCallback"/>), so the channel address is
/// <c>http://</c>. When an endpoint is unreachable the connect callback tries the next one and remembers the
/// one that worked. Get instances from <see cref="TalosConnectionPool"/>, which shares them per session.
/// </summary>
public sealed class TalosConnection : IDisposable
{
    /// <summary>apid's maximum message size; the client accepts as much.</summary>
    public const int MaxReceiveMessageSize = 32 * 1024 * 1024;

    private static readonly TimeSpan EndpointConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly SocketsHttpHandler _handler;
    private int _preferredEndpoint;
    private int _handshakes;

    /// <summary>Opens (lazily: the first call connects) a channel for <paramref name="settings"/>.</summary>
    public TalosConnection(TalosConnectionSettings settings)
    {
        Settings = settings;
        _handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            EnableMultipleHttp2Connections = false,
            // Keep the one connection for the session: cmdlet calls minutes apart still skip the handshake.
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };

        var first = settings.Endpoints[0];
        Channel = GrpcChannel.ForAddress(new UriBuilder(Uri.UriSchemeHttp, first.Host, first.Port).Uri, new GrpcChannelOptions
        {
            HttpHandler = _handler,
            HttpVersion = HttpVersion.Version20,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            MaxReceiveMessageSize = MaxReceiveMessageSize,
            MaxSendMessageSize = MaxReceiveMessageSize,
            DisposeHttpClient = true,
        });
    }

    /// <summary>The settings this connection was opened with.</summary>
    public TalosConnectionSettings Settings { get; }

    /// <summary>The gRPC channel; use it with the generated clients or through <see cref="TalosClient"/>.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The endpoint that answered last (the first one until a connection is made).</summary>
    public TalosEndpoint CurrentEndpoint => Settings.Endpoints[Volatile.Read(ref _preferredEndpoint)];

    /// <summary>TLS handshakes this connection completed (1 while the connection stays up).</summary>
    internal int HandshakeCount => Volatile.Read(ref _handshakes);

    /// <summary>The TLS version of the last handshake, e.g. "TLS 1.3".</summary>
    public string? TlsVersion { get; private set; }

    /// <summary>The subject of the node certificate of the last handshake (e.g. "O=..., CN=..."), for -Verbose.</summary>
    public string? ServerCertificateSubject { get; private set; }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoints = Settings.Endpoints;
        var start = Volatile.Read(ref _preferredEndpoint);
        var failures = new List<string>();
        Exception? last = null;
        for (var attempt = 0; attempt < endpoints.Count; attempt++)
        {
            var index = (start + attempt) % endpoints.Count;
            var endpoint = endpoints[index];
            Socket? socket = null;
            try
            {
                socket = await OpenSocketAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or IOException)
            {
                socket?.Dispose();
                failures.Add($"{endpoint}: {ex.Message}");
                last = ex;
                continue;
            }

            // A TLS failure is not an outage: report it instead of trying the next endpoint.
            var stream = await HandshakeAsync(socket, endpoint, Settings.Credentials, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _handshakes);
            TlsVersion = stream.ProtocolVersion;
            ServerCertificateSubject = stream.ServerCertificateSubject;
            Volatile.Write(ref _preferredEndpoint, index);
            return stream;
        }

        throw new TalosEndpointsUnreachableException(endpoints.Select(e => e.ToString()).ToList(), string.Join("; ", failures), last);
    }

    /// <summary>Runs our TLS client over a connected socket (which the returned stream owns).</summary>
    internal static async Task<AsyncTlsStream> HandshakeAsync(Socket socket, TalosEndpoint endpoint, TalosCredentials credentials, CancellationToken cancellationToken)
    {
        var client = new TalosTlsClient(TlsCrypto, credentials, endpoint);
        return await AsyncTlsStream.ConnectAsync(new NetworkStream(socket, ownsSocket: true), client, endpoint.ToString(), cancellationToken).ConfigureAwait(false);
    }

    // One crypto provider for every handshake, its randomness straight from the OS generator (thread-safe, nothing to
    // seed): BouncyCastle's default SecureRandom builds and seeds a digest generator per instance, on the first call's path.
    private static readonly BcTlsCrypto TlsCrypto = new(new SecureRandom(new CryptoApiRandomGenerator()));

    internal static async Task<Socket> OpenSocketAsync(TalosEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EndpointConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(endpoint.Host, endpoint.Port), timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no TCP connection within {EndpointConnectTimeout.TotalSeconds:0} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Closes the channel and its connection.</summary>
    public void Dispose()
    {
        Channel.Dispose();
        _handler.Dispose();
    }
}
