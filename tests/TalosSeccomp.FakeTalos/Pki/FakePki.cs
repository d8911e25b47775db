using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.IO.Pem;
using Org.BouncyCastle.X509;
using BcX509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// The fake node's PKI, generated at start like Talos's <c>gen secrets</c>: an OS CA (O=talos), a server
/// certificate for the endpoint and client certificates whose Organization values are the Talos roles.
/// Keys follow the CA's algorithm (Ed25519 by default) and are written as Talos writes them.
/// </summary>
public sealed class FakePki
{
    /// <summary>Key algorithm names the fake understands.</summary>
    public static readonly IReadOnlyList<string> KeyAlgorithms = ["Ed25519", "EcdsaP256", "Rsa2048"];

    private static readonly SecureRandom Random = new();
    private readonly AsymmetricCipherKeyPair caKeyPair;
    private readonly AsymmetricCipherKeyPair serverKeyPair;
    private readonly Lazy<(BcX509Certificate Certificate, AsymmetricCipherKeyPair Key)> otherCa;

    internal FakePki(string keyAlgorithm, IReadOnlyList<string> serverSans)
    {
        if (!KeyAlgorithms.Contains(keyAlgorithm))
        {
            throw new ArgumentException($"Unknown key algorithm '{keyAlgorithm}'; use one of {string.Join(", ", KeyAlgorithms)}.", nameof(keyAlgorithm));
        }

        KeyAlgorithm = keyAlgorithm;
        var now = DateTime.UtcNow;
        caKeyPair = GenerateKeyPair(keyAlgorithm);
        CaCertificate = CreateCaCertificate(caKeyPair, "talos", now);
        serverKeyPair = GenerateKeyPair(keyAlgorithm);
        ServerCertificate = CreateServerCertificate(serverSans, now);
        otherCa = new Lazy<(BcX509Certificate, AsymmetricCipherKeyPair)>(() =>
        {
            var key = GenerateKeyPair(keyAlgorithm);
            return (CreateCaCertificate(key, "talos", DateTime.UtcNow), key);
        });

        Admin = Issue(new FakeClientIdentityOptions { Organizations = ["os:admin"] });
        Reader = Issue(new FakeClientIdentityOptions { Organizations = ["os:reader"] });
        Operator = Issue(new FakeClientIdentityOptions { Organizations = ["os:operator"] });
    }

    /// <summary>The CA and server key algorithm: Ed25519, EcdsaP256 or Rsa2048.</summary>
    public string KeyAlgorithm { get; }

    /// <summary>The OS CA certificate as PEM.</summary>
    public string CaCertificatePem => ToPem(CaCertificate);

    /// <summary>The OS CA private key as PEM (Talos labels).</summary>
    public string CaKeyPem => ToPem(caKeyPair.Private);

    /// <summary>The endpoint's server certificate as PEM.</summary>
    public string ServerCertificatePem => ToPem(ServerCertificate);

    /// <summary>The server private key as PEM (Talos labels).</summary>
    public string ServerKeyPem => ToPem(serverKeyPair.Private);

    /// <summary>Client identity with O=os:admin.</summary>
    public FakeClientIdentity Admin { get; }

    /// <summary>Client identity with O=os:reader.</summary>
    public FakeClientIdentity Reader { get; }

    /// <summary>Client identity with O=os:operator.</summary>
    public FakeClientIdentity Operator { get; }

    internal BcX509Certificate CaCertificate { get; }

    internal BcX509Certificate ServerCertificate { get; }

    internal AsymmetricKeyParameter ServerPrivateKey => serverKeyPair.Private;

    /// <summary>Issues a client certificate and key with the given properties (signed by the OS CA unless told otherwise).</summary>
    public FakeClientIdentity Issue(FakeClientIdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keyAlgorithm = options.KeyAlgorithm ?? KeyAlgorithm;
        var key = GenerateKeyPair(keyAlgorithm);
        var (issuerCert, issuerKey) = options.SignedByOtherCa ? otherCa.Value : (CaCertificate, caKeyPair);
        var notBefore = (options.NotBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5)).UtcDateTime;
        var notAfter = (options.NotAfter ?? DateTimeOffset.UtcNow.AddYears(1)).UtcDateTime;

        var generator = NewGenerator(Subject(options.Organizations, options.CommonName), issuerCert.SubjectDN, key.Public, notBefore, notAfter);
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        if (options.ExtendedKeyUsages.Count > 0)
        {
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false,
                new ExtendedKeyUsage(options.ExtendedKeyUsages.Select(ParseKeyPurpose).ToArray()));
        }

        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerKey.Public));
        var certificate = generator.Generate(SignatureFactory(issuerKey.Private));
        return new FakeClientIdentity(ToPem(certificate), ToPem(key.Private), ToPem(issuerCert), options.Organizations, keyAlgorithm);
    }

    /// <summary>
    /// Writes a private key as Talos does: Ed25519 → <c>ED25519 PRIVATE KEY</c> holding a 48-byte PKCS#8 body
    /// (no public key, like Go's MarshalPKCS8PrivateKey); ECDSA → SEC1 <c>EC PRIVATE KEY</c>; RSA → PKCS#1.
    /// </summary>
    internal static string ToPem(AsymmetricKeyParameter privateKey)
    {
        return privateKey switch
        {
            Ed25519PrivateKeyParameters ed => Pem("ED25519 PRIVATE KEY",
                new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(ed.GetEncoded())).GetEncoded()),
            ECPrivateKeyParameters => Pem("EC PRIVATE KEY",
                PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).ParsePrivateKey().GetEncoded()),
            RsaPrivateCrtKeyParameters => Pem("RSA PRIVATE KEY",
                PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).ParsePrivateKey().GetEncoded()),
            _ => throw new NotSupportedException(privateKey.GetType().Name),
        };
    }

    internal static string ToPem(BcX509Certificate certificate) => Pem("CERTIFICATE", certificate.GetEncoded());

    internal static AsymmetricCipherKeyPair GenerateKeyPair(string keyAlgorithm)
    {
        IAsymmetricCipherKeyPairGenerator generator;
        switch (keyAlgorithm)
        {
            case "Ed25519":
                generator = new Ed25519KeyPairGenerator();
                generator.Init(new Ed25519KeyGenerationParameters(Random));
                break;
            case "EcdsaP256":
                generator = new ECKeyPairGenerator("EC");
                generator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, Random));
                break;
            case "Rsa2048":
                generator = new RsaKeyPairGenerator();
                generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), Random, 2048, 64));
                break;
            default:
                throw new ArgumentException($"Unknown key algorithm '{keyAlgorithm}'.", nameof(keyAlgorithm));
        }

        return generator.GenerateKeyPair();
    }

    private BcX509Certificate CreateServerCertificate(IReadOnlyList<string> sans, DateTime now)
    {
        var generator = NewGenerator(new X509Name("CN=talos-fake.local"), CaCertificate.SubjectDN, serverKeyPair.Public, now.AddMinutes(-5), now.AddYears(1));
        var keyUsage = KeyAlgorithm == "Rsa2048" ? KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment : KeyUsage.DigitalSignature;
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(keyUsage));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        var names = sans.Select(san => IPAddress.TryParse(san, out _)
            ? new GeneralName(GeneralName.IPAddress, san)
            : new GeneralName(GeneralName.DnsName, san)).ToArray();
        if (names.Length > 0)
        {
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names));
        }

        return generator.Generate(SignatureFactory(caKeyPair.Private));
    }

    private static BcX509Certificate CreateCaCertificate(AsymmetricCipherKeyPair key, string organization, DateTime now)
    {
        var name = new X509Name([X509Name.O], [organization]);
        var generator = NewGenerator(name, name, key.Public, now.AddMinutes(-5), now.AddYears(10));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(key.Public));
        return generator.Generate(SignatureFactory(key.Private));
    }

    private static X509V3CertificateGenerator NewGenerator(X509Name subject, X509Name issuer, AsymmetricKeyParameter publicKey, DateTime notBefore, DateTime notAfter)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(128, Random));
        generator.SetSubjectDN(subject);
        generator.SetIssuerDN(issuer);
        generator.SetNotBefore(notBefore);
        generator.SetNotAfter(notAfter);
        generator.SetPublicKey(publicKey);
        return generator;
    }

    private static X509Name Subject(IReadOnlyList<string> organizations, string commonName)
    {
        var oids = new List<DerObjectIdentifier>();
        var values = new List<string>();
        foreach (var organization in organizations)
        {
            oids.Add(X509Name.O);
            values.Add(organization);
        }

        oids.Add(X509Name.CN);
        values.Add(commonName);
        return new X509Name(oids, values);
    }

    private static ISignatureFactory SignatureFactory(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        Ed25519PrivateKeyParameters => new Asn1SignatureFactory("Ed25519", privateKey, Random),
        ECPrivateKeyParameters => new Asn1SignatureFactory("SHA256WITHECDSA", privateKey, Random),
        _ => new Asn1SignatureFactory("SHA256WITHRSA", privateKey, Random),
    };

    private static KeyPurposeID ParseKeyPurpose(string name) => name switch
    {
        "clientAuth" => KeyPurposeID.id_kp_clientAuth,
        "serverAuth" => KeyPurposeID.id_kp_serverAuth,
        "codeSigning" => KeyPurposeID.id_kp_codeSigning,
        _ => throw new ArgumentException($"Unknown extended key usage '{name}'; use clientAuth, serverAuth or codeSigning."),
    };

    private static string Pem(string label, byte[] der)
    {
        using var writer = new StringWriter();
        var pem = new PemWriter(writer);
        pem.WriteObject(new PemObject(label, der));
        pem.Writer.Flush();
        return writer.ToString().Replace("\r\n", "\n");
    }
}

/// <summary>What <see cref="FakePki.Issue"/> puts into a client certificate (defaults: a valid admin certificate).</summary>
public sealed record FakeClientIdentityOptions
{
    /// <summary>Subject Organization values, i.e. the Talos roles.</summary>
    public IReadOnlyList<string> Organizations { get; init; } = ["os:admin"];

    /// <summary>Subject common name.</summary>
    public string CommonName { get; init; } = "fake-client";

    /// <summary>Client key algorithm (Ed25519, EcdsaP256, Rsa2048); null = the CA's.</summary>
    public string? KeyAlgorithm { get; init; }

    /// <summary>Start of validity; null = five minutes ago.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity; null = in one year. Set it in the past for an expired certificate.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Extended key usages by name (clientAuth, serverAuth, codeSigning); Talos wants exactly clientAuth.</summary>
    public IReadOnlyList<string> ExtendedKeyUsages { get; init; } = ["clientAuth"];

    /// <summary>Sign with a second, untrusted CA that has the same subject as the real one.</summary>
    public bool SignedByOtherCa { get; init; }
}

/// <summary>A client certificate and key as PEM, with the CA that signed it.</summary>
/// <param name="CertificatePem">The client certificate.</param>
/// <param name="KeyPem">The client private key (Talos PEM labels).</param>
/// <param name="IssuerCertificatePem">The certificate of the CA that signed it.</param>
/// <param name="Organizations">Its Organization values (roles).</param>
/// <param name="KeyAlgorithm">Its key algorithm.</param>
public sealed record FakeClientIdentity(string CertificatePem, string KeyPem, string IssuerCertificatePem, IReadOnlyList<string> Organizations, string KeyAlgorithm);
