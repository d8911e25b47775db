using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using BcX509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace TalosSeccomp.FakeTalos.Tls;

/// <summary>
/// The server half of the handshake, configured like apid (siderolabs/crypto <c>tls.New</c>): TLS 1.2–1.3,
/// ALPN <c>h2</c> only, client certificate required and verified against the OS CA, and every non-CA
/// certificate in the client chain must carry exactly the clientAuth extended key usage.
/// </summary>
internal sealed class FakeTlsServer : DefaultTlsServer
{
    private static readonly int[] EcdsaSuites =
    [
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private static readonly int[] RsaSuites =
    [
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private readonly FakePki pki;

    public FakeTlsServer(BcTlsCrypto crypto, FakePki pki)
        : base(crypto)
    {
        this.pki = pki;
    }

    /// <summary>Organization values of the verified client certificate (the caller's roles).</summary>
    public IReadOnlyList<string> ClientOrganizations { get; private set; } = [];

    /// <summary>The ALPN protocol agreed in the handshake, or null.</summary>
    public string? ApplicationProtocol { get; private set; }

    /// <summary>The TLS version agreed, e.g. "TLSv1.3".</summary>
    public string? NegotiatedVersion { get; private set; }

    private bool IsRsa => pki.KeyAlgorithm == "Rsa2048";

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv13.DownTo(ProtocolVersion.TLSv12);

    protected override IList<ProtocolName> GetProtocolNames() => [ProtocolName.Http_2_Tls];

    protected override int[] GetSupportedCipherSuites() =>
        TlsUtilities.GetSupportedCipherSuites(Crypto, IsRsa ? RsaSuites : EcdsaSuites);

    public override TlsCredentials GetCredentials()
    {
        var tls13 = TlsUtilities.IsTlsV13(m_context);
        var clientAlgorithms = m_context.SecurityParameters.ClientSigAlgs ?? [];
        SignatureAndHashAlgorithm algorithm;
        switch (pki.KeyAlgorithm)
        {
            case "Ed25519":
                algorithm = SignatureAndHashAlgorithm.ed25519;
                break;
            case "EcdsaP256":
                algorithm = SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);
                break;
            default:
                algorithm = tls13 || clientAlgorithms.Contains(SignatureAndHashAlgorithm.rsa_pss_rsae_sha256)
                    ? SignatureAndHashAlgorithm.rsa_pss_rsae_sha256
                    : SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.rsa);
                break;
        }

        if (clientAlgorithms.Count > 0 && !clientAlgorithms.Contains(algorithm))
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, $"client does not accept {algorithm} signatures");
        }

        var crypto = (BcTlsCrypto)Crypto;
        var entry = crypto.CreateCertificate(pki.ServerCertificate.GetEncoded());
        var certificate = tls13
            ? new Certificate(TlsUtilities.EmptyBytes, [new CertificateEntry(entry, null)])
            : new Certificate([entry]);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), crypto, pki.ServerPrivateKey, certificate, algorithm);
    }

    public override CertificateRequest GetCertificateRequest()
    {
        var signatureAlgorithms = TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context);
        var authorities = new List<X509Name> { pki.CaCertificate.SubjectDN };
        if (TlsUtilities.IsTlsV13(m_context))
        {
            return new CertificateRequest(TlsUtilities.EmptyBytes, signatureAlgorithms, null, authorities);
        }

        return new CertificateRequest([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], signatureAlgorithms, authorities);
    }

    public override void NotifyClientCertificate(Certificate clientCertificate)
    {
        if (clientCertificate is null || clientCertificate.IsEmpty)
        {
            // Go: "tls: client didn't provide a certificate".
            throw new TlsFatalAlert(TlsUtilities.IsTlsV13(m_context) ? AlertDescription.certificate_required : AlertDescription.bad_certificate);
        }

        var chain = clientCertificate.GetCertificateList()
            .Select(entry => new BcX509Certificate(X509CertificateStructure.GetInstance(entry.GetEncoded())))
            .ToArray();
        ClientOrganizations = VerifyClientChain(chain, pki.CaCertificate);
        TlsUtilities.CheckPeerSigAlgs(m_context, clientCertificate.GetCertificateList());
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        ApplicationProtocol = m_context.SecurityParameters.ApplicationProtocol?.GetUtf8Decoding();
        NegotiatedVersion = m_context.ServerVersion?.ToString();
    }

    /// <summary>
    /// Verifies a client chain like Go's <c>x509.Verify</c> plus apid's <c>verifyExtKeyUsage</c>: each certificate is
    /// signed by the next (the last by the trusted CA), all are currently valid, and each non-CA certificate has
    /// EKU exactly [clientAuth]. Returns the leaf's Organization values.
    /// </summary>
    internal static IReadOnlyList<string> VerifyClientChain(IReadOnlyList<BcX509Certificate> chain, BcX509Certificate trustedCa)
    {
        for (var i = 0; i < chain.Count; i++)
        {
            var certificate = chain[i];
            if (certificate.Equals(trustedCa))
            {
                break;
            }

            var issuer = i + 1 < chain.Count ? chain[i + 1] : trustedCa;
            try
            {
                certificate.Verify(issuer.GetPublicKey());
            }
            catch (Exception e) when (e is GeneralSecurityException or CertificateException or ArgumentException or InvalidOperationException)
            {
                throw new TlsFatalAlert(AlertDescription.unknown_ca, "certificate signed by unknown authority", e);
            }

            if (!certificate.IsValidNow)
            {
                throw new TlsFatalAlert(AlertDescription.certificate_expired, "certificate has expired or is not yet valid");
            }

            var isCa = certificate.GetBasicConstraints() >= 0;
            if (!isCa)
            {
                var usages = certificate.GetExtendedKeyUsage();
                if (usages is null || usages.Count != 1 || !usages[0].Equals(KeyPurposeID.id_kp_clientAuth))
                {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate is missing the client auth extended key usage");
                }
            }

            if (i + 1 >= chain.Count)
            {
                break;
            }
        }

        return chain[0].SubjectDN.GetValueList(X509Name.O).ToArray();
    }
}
