using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.X509;

namespace TalosSeccomp.Talos.Transport;

/// <summary>
/// Verifies a node's certificate chain the way talosctl (Go crypto/tls) does: it must chain, with valid
/// signatures (Ed25519 included), to a CA from the talosconfig; every certificate must be within its
/// validity period; intermediates must be CAs; the leaf must allow serverAuth; and the endpoint host
/// (IP or DNS name) must be one of the leaf's SANs. There is deliberately no way to skip any of it.
/// </summary>
internal static class TalosServerCertificateValidator
{
    private const int MaxChainLength = 8;

    /// <summary>Throws <see cref="TlsFatalAlert"/> carrying a <see cref="TalosCertificateRejectedException"/> when the chain is not acceptable.</summary>
    /// <param name="presented">The chain the node sent, leaf first.</param>
    /// <param name="trustedCas">The talosconfig CA certificates.</param>
    /// <param name="endpoint">The endpoint dialled: its host must be in the leaf's SANs.</param>
    /// <param name="now">The time to check validity at (UTC).</param>
    public static void Validate(IReadOnlyList<X509Certificate> presented, IReadOnlyList<X509Certificate> trustedCas, TalosEndpoint endpoint, DateTime now)
    {
        if (presented.Count == 0)
        {
            throw Reject(AlertDescription.certificate_required, "the node sent no certificate");
        }

        var leaf = presented[0];
        CheckValidity(leaf, now, "the node's certificate");
        CheckServerAuth(leaf);
        CheckHost(leaf, endpoint);

        var current = leaf;
        for (var depth = 0; depth < MaxChainLength; depth++)
        {
            var trusted = trustedCas.FirstOrDefault(ca => ca.SubjectDN.Equivalent(current.IssuerDN) && SignedBy(current, ca));
            if (trusted is not null)
            {
                CheckValidity(trusted, now, $"the talosconfig CA '{trusted.SubjectDN}'");
                return;
            }

            var intermediate = presented.Skip(1).FirstOrDefault(c => c.SubjectDN.Equivalent(current.IssuerDN) && SignedBy(current, c));
            if (intermediate is null || ReferenceEquals(intermediate, current))
            {
                break;
            }

            if (intermediate.GetBasicConstraints() < 0)
            {
                throw Reject(AlertDescription.bad_certificate, $"the intermediate '{intermediate.SubjectDN}' is not a CA");
            }

            CheckValidity(intermediate, now, $"the intermediate certificate '{intermediate.SubjectDN}'");
            current = intermediate;
        }

        throw Reject(AlertDescription.unknown_ca,
            $"the node's certificate (issuer '{current.IssuerDN}') is not signed by the talosconfig CA ({string.Join("; ", trustedCas.Select(c => c.SubjectDN.ToString()))}); the talosconfig belongs to another cluster or is out of date");
    }

    private static bool SignedBy(X509Certificate certificate, X509Certificate issuer)
    {
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.Certificates.CertificateException or Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static void CheckValidity(X509Certificate certificate, DateTime now, string what)
    {
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            throw Reject(AlertDescription.bad_certificate, $"{what} is not valid before {certificate.NotBefore.ToUniversalTime():u} (check the clocks)");
        }

        if (now > certificate.NotAfter.ToUniversalTime())
        {
            throw Reject(AlertDescription.certificate_expired, $"{what} expired on {certificate.NotAfter.ToUniversalTime():u}");
        }
    }

    private static void CheckServerAuth(X509Certificate leaf)
    {
        IList<DerObjectIdentifier>? usages;
        try
        {
            usages = leaf.GetExtendedKeyUsage();
        }
        catch (Exception)
        {
            throw Reject(AlertDescription.bad_certificate, "the node's certificate has a malformed extended key usage");
        }

        if (usages is { Count: > 0 } && !usages.Contains(KeyPurposeID.id_kp_serverAuth) && !usages.Contains(KeyPurposeID.AnyExtendedKeyUsage))
        {
            throw Reject(AlertDescription.unsupported_certificate, "the node's certificate is not valid for server authentication (extended key usage)");
        }
    }

    private static void CheckHost(X509Certificate leaf, TalosEndpoint endpoint)
    {
        var names = leaf.GetSubjectAlternativeNameExtension()?.GetNames() ?? Array.Empty<GeneralName>();
        var ipNames = names.Where(n => n.TagNo == GeneralName.IPAddress)
            .Select(n => Asn1OctetString.GetInstance(n.Name).GetOctets())
            .Where(b => b.Length is 4 or 16)
            .Select(b => new IPAddress(b))
            .ToList();
        var dnsNames = names.Where(n => n.TagNo == GeneralName.DnsName).Select(n => n.Name.ToString()!).ToList();

        if (IPAddress.TryParse(endpoint.Host, out var ip))
        {
            var wanted = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
            if (ipNames.Any(n => n.Equals(wanted)))
            {
                return;
            }
        }
        else if (dnsNames.Any(pattern => HostMatches(pattern, endpoint.Host)))
        {
            return;
        }

        var known = string.Join(", ", ipNames.Select(a => a.ToString()).Concat(dnsNames));
        throw Reject(AlertDescription.bad_certificate,
            $"the node's certificate is not valid for '{endpoint.Host}' (its SANs: {(known.Length == 0 ? "none" : known)}); add the endpoint to machine.certSANs or connect through a listed name");
    }

    private static bool HostMatches(string pattern, string host)
    {
        pattern = pattern.TrimEnd('.');
        host = host.TrimEnd('.');
        if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Go: a wildcard only as the whole left-most label, matching exactly one label.
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var dot = host.IndexOf('.');
            return dot > 0 && string.Equals(pattern[1..], host[dot..], StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    private static TlsFatalAlert Reject(short alert, string reason) =>
        new(alert, reason, new TalosCertificateRejectedException(reason));
}
