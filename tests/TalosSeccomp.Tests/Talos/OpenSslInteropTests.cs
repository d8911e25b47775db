using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Transport;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>
/// Our BouncyCastle TLS client against Debian's <c>openssl s_server</c> with Ed25519 certificates, ALPN h2
/// and a required client certificate: an independent TLS implementation accepts our handshake and certificate.
/// </summary>
public sealed class OpenSslInteropTests : IClassFixture<FakeTalosFixture>
{
    private readonly FakeTalosFixture _fake;

    public OpenSslInteropTests(FakeTalosFixture fake) => _fake = fake;

    public static TheoryData<string> Versions => new() { "-tls1_3", "-tls1_2" };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task OpenSslAcceptsOurEd25519HandshakeAndClientCertificate(string versionFlag)
    {
        SkipIfNoOpenSsl();
        using var server = await OpenSslServer.StartAsync(_fake.Server.Pki, versionFlag, "-alpn", "h2");
        var credentials = Credentials(_fake.Server.Pki.Admin);
        var endpoint = new TalosEndpoint("127.0.0.1", server.Port);

        await using var tls = await TalosConnection.HandshakeAsync(await TalosConnection.OpenSocketAsync(endpoint, default), endpoint, credentials, default);
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"));
        var page = await ReadToEndAsync(tls);

        Assert.Equal(versionFlag == "-tls1_3" ? "TLS 1.3" : "TLS 1.2", tls.ProtocolVersion);
        // s_server -www describes the session it negotiated, including the client certificate it verified.
        Assert.Contains("Client certificate", page);
        Assert.Contains("Subject: O=os:admin, CN=fake-client", page);
        Assert.Contains("Verify return code: 0 (ok)", page);
        Assert.Contains("Peer signature type: ed25519", page);
        Assert.Contains(versionFlag == "-tls1_3" ? "TLSv1.3" : "TLSv1.2", page);
    }

    [Fact]
    public async Task ServerWithoutAlpnIsRefused()
    {
        SkipIfNoOpenSsl();
        using var server = await OpenSslServer.StartAsync(_fake.Server.Pki);
        var endpoint = new TalosEndpoint("127.0.0.1", server.Port);

        var error = await Assert.ThrowsAsync<TalosTlsException>(async () =>
            await TalosConnection.HandshakeAsync(await TalosConnection.OpenSocketAsync(endpoint, default), endpoint, Credentials(_fake.Server.Pki.Admin), default));

        Assert.Equal(TlsFailureSide.Client, error.Side);
        Assert.Contains("h2", error.Reason);
    }

    [Fact]
    public async Task ServerRefusingOurCertificateIsReportedAsTheNodeSide()
    {
        SkipIfNoOpenSsl();
        using var server = await OpenSslServer.StartAsync(_fake.Server.Pki, "-tls1_3", "-alpn", "h2");
        var stranger = _fake.Server.IssueClientIdentity(new FakeClientIdentityOptions { SignedByOtherCa = true });
        var endpoint = new TalosEndpoint("127.0.0.1", server.Port);

        var error = await Assert.ThrowsAsync<TalosTlsException>(async () =>
        {
            await using var tls = await TalosConnection.HandshakeAsync(await TalosConnection.OpenSocketAsync(endpoint, default), endpoint, Credentials(stranger, _fake.Server.Pki.CaCertificatePem), default);
            await tls.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"));
            await ReadToEndAsync(tls); // TLS 1.3: the refusal arrives as an alert on the first read
        });

        Assert.Equal(TlsFailureSide.Node, error.Side);
        Assert.Contains("rejected the client certificate", error.Reason);
    }

    private static TalosCredentials Credentials(FakeClientIdentity identity, string? caPem = null) =>
        TalosCredentials.FromPem(caPem ?? identity.IssuerCertificatePem, identity.CertificatePem, identity.KeyPem, "test", "test");

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void SkipIfNoOpenSsl()
    {
        Assert.True(File.Exists("/usr/bin/openssl"), "Debian's openssl is required (apt-get install openssl).");
    }

    /// <summary>Runs <c>openssl s_server -www</c> with the fake PKI's Ed25519 server certificate, requiring a client certificate.</summary>
    private sealed class OpenSslServer : IDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private OpenSslServer(Process process, string directory, int port)
        {
            _process = process;
            _directory = directory;
            Port = port;
        }

        public int Port { get; }

        public static async Task<OpenSslServer> StartAsync(FakePki pki, params string[] extra)
        {
            var directory = Directory.CreateTempSubdirectory("talos-openssl-").FullName;
            // OpenSSL reads PKCS#8 only under the generic label; Talos writes Ed25519 keys as "ED25519 PRIVATE KEY".
            await File.WriteAllTextAsync(Path.Combine(directory, "server.key"), pki.ServerKeyPem.Replace("ED25519 PRIVATE KEY", "PRIVATE KEY"));
            await File.WriteAllTextAsync(Path.Combine(directory, "server.crt"), pki.ServerCertificatePem);
            await File.WriteAllTextAsync(Path.Combine(directory, "ca.crt"), pki.CaCertificatePem);
            var port = FreePort();
            var info = new ProcessStartInfo("/usr/bin/openssl")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = directory,
            };
            foreach (var arg in new[] { "s_server", "-accept", $"127.0.0.1:{port}", "-cert", "server.crt", "-key", "server.key", "-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error", "-www", "-naccept", "1" }.Concat(extra))
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new OpenSslServer(process, directory, port);
            for (var attempt = 0; attempt < 200; attempt++)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"openssl s_server exited with {process.ExitCode}");
                }

                if (IPGlobalPropertiesListening(port))
                {
                    return server;
                }

                await Task.Delay(50);
            }

            server.Dispose();
            throw new InvalidOperationException("openssl s_server did not start listening");
        }

        private static bool IPGlobalPropertiesListening(int port) =>
            System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(e => e.Port == port);

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
