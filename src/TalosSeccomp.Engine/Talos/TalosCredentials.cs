using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.IO.Pem;
using Org.BouncyCastle.X509;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Talos;

/// <summary>
/// The decoded credentials of a context: trusted CA certificates, the client certificate chain and its
/// private key (Ed25519, ECDSA or RSA), and the roles the certificate carries. Key material never leaves
/// this type except into the TLS signer; <see cref="Fingerprint"/> identifies it without exposing it.
/// </summary>
internal sealed class TalosCredentials
{
    private TalosCredentials(IReadOnlyList<X509Certificate> caCertificates, IReadOnlyList<X509Certificate> clientChain,
        AsymmetricKeyParameter privateKey, string fingerprint)
    {
        CaCertificates = caCertificates;
        ClientChain = clientChain;
        PrivateKey = privateKey;
        Fingerprint = fingerprint;
        Roles = clientChain[0].SubjectDN.GetValueList(X509Name.O).Cast<string>().ToList();
        KeyAlgorithm = privateKey switch
        {
            Ed25519PrivateKeyParameters => "Ed25519",
            ECPrivateKeyParameters ec => "ECDSA " + (ec.PublicKeyParamSet is null ? $"{ec.Parameters.Curve.FieldSize}-bit" : ECNamedCurveTable.GetName(ec.PublicKeyParamSet) ?? ec.PublicKeyParamSet.Id),
            RsaKeyParameters rsa => $"RSA {rsa.Modulus.BitLength}",
            _ => privateKey.GetType().Name,
        };
    }

    /// <summary>The CAs the node certificate must chain to (talosconfig <c>ca</c>).</summary>
    public IReadOnlyList<X509Certificate> CaCertificates { get; }

    /// <summary>The client certificate first, then any intermediates from the <c>crt</c> field.</summary>
    public IReadOnlyList<X509Certificate> ClientChain { get; }

    /// <summary>The client private key.</summary>
    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>Subject Organization values of the client certificate = Talos roles (e.g. <c>os:admin</c>).</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>"Ed25519", "ECDSA secp256r1", "RSA 2048".</summary>
    public string KeyAlgorithm { get; }

    /// <summary>SHA-256 (hex) over CA, certificate and key encodings: an identity that reveals nothing.</summary>
    public string Fingerprint { get; }

    /// <summary>Decodes the talosconfig fields (base64 of PEM).</summary>
    /// <exception cref="TalosSeccompException">TalosConfigMissingCredentials, TalosConfigBadBase64, TalosConfigBadPem, TalosConfigUnsupportedKey, TalosConfigKeyMismatch.</exception>
    public static TalosCredentials FromContext(TalosContext context, string? configPath)
    {
        var target = configPath ?? context.Name;
        if (string.IsNullOrWhiteSpace(context.CaBase64) || string.IsNullOrWhiteSpace(context.CertificateBase64) || string.IsNullOrWhiteSpace(context.KeyBase64))
        {
            var missing = string.Join(", ", new[] { ("ca", context.CaBase64), ("crt", context.CertificateBase64), ("key", context.KeyBase64) }
                .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1));
            throw new TalosSeccompException(ErrorIds.TalosConfigMissingCredentials, ErrorKind.InvalidData,
                $"The context '{context.Name}' has no {missing}" + (context.HasOtherAuth ? " (it uses 'auth' — basic or Omni — which this module does not support; use a talosconfig with a client certificate)." : "."),
                target);
        }

        return FromPem(
            DecodeBase64(context.CaBase64!, "ca", context.Name, target),
            DecodeBase64(context.CertificateBase64!, "crt", context.Name, target),
            DecodeBase64(context.KeyBase64!, "key", context.Name, target),
            $"context '{context.Name}'",
            target);
    }

    /// <summary>Builds credentials from PEM text.</summary>
    /// <param name="caPem">One or more CA certificates.</param>
    /// <param name="certificatePem">The client certificate (optionally followed by intermediates).</param>
    /// <param name="keyPem">The client private key.</param>
    /// <param name="source">Where the PEM came from, for messages (e.g. "context 'prod'").</param>
    /// <param name="target">The error target (config path).</param>
    public static TalosCredentials FromPem(string caPem, string certificatePem, string keyPem, string source, string target)
    {
        var caCertificates = ReadCertificates(caPem, "ca", source, target);
        var clientChain = ReadCertificates(certificatePem, "crt", source, target);
        var key = ReadPrivateKey(keyPem, source, target);
        EnsureKeyMatches(clientChain[0], key, source, target);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var der in caCertificates.Concat(clientChain).Select(c => c.GetEncoded()))
        {
            hash.AppendData(der);
        }

        hash.AppendData(PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded());
        return new TalosCredentials(caCertificates, clientChain, key, Convert.ToHexString(hash.GetHashAndReset()));
    }

    private static string DecodeBase64(string value, string field, string context, string target)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value.Trim()));
        }
        catch (FormatException ex)
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigBadBase64, ErrorKind.InvalidData,
                $"The '{field}' field of context '{context}' is not valid base64 (it must be the standard base64 encoding of PEM text).", target, ex);
        }
    }

    private static List<PemObject> ReadPem(string pem, string field, string source, string target)
    {
        var objects = new List<PemObject>();
        try
        {
            using var reader = new PemReader(new StringReader(pem));
            while (reader.ReadPemObject() is { } item)
            {
                objects.Add(item);
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or ArgumentException)
        {
            throw BadPem(field, source, target, "it is not well-formed PEM", ex);
        }

        if (objects.Count == 0)
        {
            throw BadPem(field, source, target, "it holds no PEM block");
        }

        return objects;
    }

    private static List<X509Certificate> ReadCertificates(string pem, string field, string source, string target)
    {
        var certificates = new List<X509Certificate>();
        foreach (var item in ReadPem(pem, field, source, target))
        {
            if (item.Type != "CERTIFICATE")
            {
                throw BadPem(field, source, target, $"expected CERTIFICATE blocks, found '{item.Type}'");
            }

            try
            {
                certificates.Add(new X509Certificate(X509CertificateStructure.GetInstance(item.Content)));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException or InvalidOperationException)
            {
                throw BadPem(field, source, target, "a CERTIFICATE block is not a valid X.509 certificate", ex);
            }
        }

        return certificates;
    }

    private static AsymmetricKeyParameter ReadPrivateKey(string pem, string source, string target)
    {
        var item = ReadPem(pem, "key", source, target)[0];
        AsymmetricKeyParameter key;
        try
        {
            key = item.Type switch
            {
                // Go writes Ed25519 keys as PKCS#8 under this label; any other "* PRIVATE KEY" label is PKCS#8 too.
                "RSA PRIVATE KEY" => FromPkcs1(item.Content),
                "EC PRIVATE KEY" => FromSec1(item.Content),
                "ENCRYPTED PRIVATE KEY" => throw Unsupported(source, target, "the key is encrypted; talosconfig keys are never encrypted"),
                _ when item.Type.EndsWith("PRIVATE KEY", StringComparison.Ordinal) => PrivateKeyFactory.CreateKey(item.Content),
                _ => throw BadPem("key", source, target, $"expected a PRIVATE KEY block, found '{item.Type}'"),
            };
        }
        catch (TalosSeccompException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw BadPem("key", source, target, $"the '{item.Type}' block cannot be decoded", ex);
        }

        return key switch
        {
            Ed25519PrivateKeyParameters or RsaPrivateCrtKeyParameters => key,
            ECPrivateKeyParameters ec when ec.Parameters.Curve.FieldSize is 256 or 384 or 521 => key,
            _ => throw Unsupported(source, target, $"{key.GetType().Name.Replace("PrivateKeyParameters", string.Empty, StringComparison.Ordinal)} keys are not supported (use Ed25519, ECDSA P-256/P-384/P-521 or RSA)"),
        };
    }

    private static AsymmetricKeyParameter FromPkcs1(byte[] der)
    {
        var rsa = RsaPrivateKeyStructure.GetInstance(der);
        return new RsaPrivateCrtKeyParameters(rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);
    }

    private static AsymmetricKeyParameter FromSec1(byte[] der)
    {
        var sec1 = ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(der));
        var parameters = sec1.Parameters ?? throw new ArgumentException("the SEC1 key names no curve");
        var info = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, parameters), sec1);
        return PrivateKeyFactory.CreateKey(info);
    }

    private static void EnsureKeyMatches(X509Certificate certificate, AsymmetricKeyParameter key, string source, string target)
    {
        var certificateKey = certificate.GetPublicKey();
        var matches = (key, certificateKey) switch
        {
            (Ed25519PrivateKeyParameters k, Ed25519PublicKeyParameters p) => k.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual(p.GetEncoded()),
            (ECPrivateKeyParameters k, ECPublicKeyParameters p) => k.Parameters.G.Multiply(k.D).Normalize().Equals(p.Q.Normalize()),
            (RsaPrivateCrtKeyParameters k, RsaKeyParameters p) => k.Modulus.Equals(p.Modulus) && k.PublicExponent.Equals(p.Exponent),
            _ => false,
        };

        if (!matches)
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigKeyMismatch, ErrorKind.InvalidData,
                $"The client key of {source} does not belong to its client certificate ({certificate.SubjectDN}).", target);
        }
    }

    private static TalosSeccompException BadPem(string field, string source, string target, string why, Exception? inner = null) =>
        new(ErrorIds.TalosConfigBadPem, ErrorKind.InvalidData, $"The '{field}' field of {source} is not usable PEM: {why}.", target, inner);

    private static TalosSeccompException Unsupported(string source, string target, string why) =>
        new(ErrorIds.TalosConfigUnsupportedKey, ErrorKind.InvalidData, $"The client key of {source} cannot be used: {why}.", target);
}
