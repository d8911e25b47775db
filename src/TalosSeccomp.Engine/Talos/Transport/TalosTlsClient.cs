using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using Org.BouncyCastle.X509;

namespace TalosSeccomp.Talos.Transport;

/// <summary>
/// BouncyCastle TLS client for apid: TLS 1.3 or 1.2, ALPN <c>h2</c> only, the talosconfig client
/// certificate (Ed25519, ECDSA or RSA), and node verification by <see cref="TalosServerCertificateValidator"/>.
/// </summary>
internal sealed class TalosTlsClient : DefaultTlsClient
{
    private readonly TalosCredentials _credentials;
    private readonly TalosEndpoint _endpoint;
    private readonly BcTlsCrypto _crypto;

    public TalosTlsClient(BcTlsCrypto crypto, TalosCredentials credentials, TalosEndpoint endpoint)
        : base(crypto)
    {
        _crypto = crypto;
        _credentials = credentials;
        _endpoint = endpoint;
    }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv13.DownTo(ProtocolVersion.TLSv12);

    protected override IList<ProtocolName> GetProtocolNames() => new List<ProtocolName> { ProtocolName.Http_2_Tls };

    protected override IList<ServerName>? GetSniServerNames() =>
        _endpoint.IsIpAddress ? null : new List<ServerName> { new(NameType.host_name, Encoding.ASCII.GetBytes(_endpoint.Host)) };

    /// <summary>The negotiated TLS version once the handshake completed, e.g. "TLS 1.3".</summary>
    public string? NegotiatedVersion { get; private set; }

    /// <summary>The subject of the node's (leaf) certificate once it was validated, for -Verbose.</summary>
    public string? ServerCertificateSubject { get; private set; }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        NegotiatedVersion = m_context.ServerVersion?.ToString();
        // grpc-go drops connections that did not negotiate h2; refuse a node that picked nothing or something else.
        var selected = m_context.SecurityParameters.ApplicationProtocol;
        if (selected is null || !selected.Equals(ProtocolName.Http_2_Tls))
        {
            var reason = selected is null ? "the node negotiated no ALPN protocol (h2 is required)" : $"the node chose ALPN '{selected.GetUtf8Decoding()}' instead of h2";
            throw new TlsFatalAlert(AlertDescription.no_application_protocol, reason, new TalosCertificateRejectedException(reason));
        }
    }

    private sealed class Authentication : TlsAuthentication
    {
        private readonly TalosTlsClient _owner;

        public Authentication(TalosTlsClient owner) => _owner = owner;

        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            var chain = serverCertificate.Certificate.GetCertificateList()
                .Select(c => new X509Certificate(c.GetEncoded()))
                .ToList();
            TalosServerCertificateValidator.Validate(chain, _owner._credentials.CaCertificates, _owner._endpoint, DateTime.UtcNow);
            _owner.ServerCertificateSubject = chain.Count > 0 ? chain[0].SubjectDN.ToString() : null;
        }

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest)
        {
            var context = _owner.m_context;
            var key = _owner._credentials.PrivateKey;
            var tlsCertificates = _owner._credentials.ClientChain.Select(c => _owner._crypto.CreateCertificate(c.GetEncoded())).ToArray();
            var certificate = TlsUtilities.IsTlsV13(context)
                ? new Certificate(certificateRequest.GetCertificateRequestContext(), tlsCertificates.Select(c => new CertificateEntry(c, null)).ToArray())
                : new Certificate(tlsCertificates);
            var algorithm = ChooseSignatureAlgorithm(key, certificateRequest.SupportedSignatureAlgorithms, TlsUtilities.IsTlsV13(context));
            return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), _owner._crypto, key, certificate, algorithm);
        }

        private static SignatureAndHashAlgorithm ChooseSignatureAlgorithm(Org.BouncyCastle.Crypto.AsymmetricKeyParameter key,
            IList<SignatureAndHashAlgorithm>? offered, bool tls13)
        {
            var preferred = key switch
            {
                Ed25519PrivateKeyParameters => new[] { SignatureAndHashAlgorithm.ed25519 },
                ECPrivateKeyParameters ec => ec.Parameters.Curve.FieldSize switch
                {
                    // TLS 1.3 binds the hash to the curve; TLS 1.2 accepts any, so prefer the matching one first.
                    384 => tls13 ? new[] { Ecdsa(HashAlgorithm.sha384) } : new[] { Ecdsa(HashAlgorithm.sha384), Ecdsa(HashAlgorithm.sha256), Ecdsa(HashAlgorithm.sha512) },
                    521 => tls13 ? new[] { Ecdsa(HashAlgorithm.sha512) } : new[] { Ecdsa(HashAlgorithm.sha512), Ecdsa(HashAlgorithm.sha384), Ecdsa(HashAlgorithm.sha256) },
                    _ => tls13 ? new[] { Ecdsa(HashAlgorithm.sha256) } : new[] { Ecdsa(HashAlgorithm.sha256), Ecdsa(HashAlgorithm.sha384), Ecdsa(HashAlgorithm.sha512) },
                },
                _ => tls13
                    ? new[] { SignatureAndHashAlgorithm.rsa_pss_rsae_sha256, SignatureAndHashAlgorithm.rsa_pss_rsae_sha384, SignatureAndHashAlgorithm.rsa_pss_rsae_sha512 }
                    : new[] { SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.rsa), SignatureAndHashAlgorithm.rsa_pss_rsae_sha256, SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha384, SignatureAlgorithm.rsa) },
            };

            if (offered is null)
            {
                return preferred[0];
            }

            var chosen = preferred.FirstOrDefault(offered.Contains);
            if (chosen is null)
            {
                const string reason = "the node accepts no signature algorithm usable with the client key";
                throw new TlsFatalAlert(AlertDescription.handshake_failure, reason, new TalosCertificateRejectedException(reason));
            }

            return chosen;
        }

        private static SignatureAndHashAlgorithm Ecdsa(short hash) => SignatureAndHashAlgorithm.GetInstance(hash, SignatureAlgorithm.ecdsa);
    }
}
