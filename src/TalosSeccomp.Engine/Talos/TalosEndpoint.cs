using System.Globalization;
using System.Net;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Talos;

/// <summary>
/// An apid address to dial. Parsed from the forms talosctl accepts: a bare host (port 50000),
/// <c>host:port</c>, <c>https://host[:port]</c> (443 when no port) and IPv6 literals (<c>fd00::1</c>, <c>[fd00::1]:50000</c>).
/// </summary>
/// <param name="Host">Host name or IP address literal, without brackets.</param>
/// <param name="Port">TCP port.</param>
public readonly record struct TalosEndpoint(string Host, int Port)
{
    /// <summary>The port apid listens on.</summary>
    public const int DefaultPort = 50000;

    /// <summary>True when <see cref="Host"/> is an IP literal (verified against IP SANs, no SNI).</summary>
    public bool IsIpAddress => IPAddress.TryParse(Host, out _);

    /// <summary>Parses one endpoint.</summary>
    /// <exception cref="TalosSeccompException">TalosEndpointInvalid.</exception>
    public static TalosEndpoint Parse(string endpoint)
    {
        var text = endpoint?.Trim() ?? string.Empty;
        var defaultPort = DefaultPort;
        if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            text = text["https://".Length..].TrimEnd('/');
            defaultPort = 443;
        }

        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                throw Invalid(endpoint!, "the IPv6 literal has no closing ']'");
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    throw Invalid(endpoint!, "unexpected text after the IPv6 literal");
                }

                portText = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') > 1)
        {
            host = text; // a bare IPv6 literal
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '?' or '#' or '@'))
        {
            throw Invalid(endpoint!, "it has no valid host");
        }

        if (host.Contains(':') && !IPAddress.TryParse(host, out _))
        {
            throw Invalid(endpoint!, "it is not a valid IPv6 address");
        }

        var port = defaultPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw Invalid(endpoint!, $"'{portText}' is not a port number");
        }

        return new TalosEndpoint(host, port);
    }

    /// <summary><c>host:port</c>, with brackets around IPv6 literals.</summary>
    public override string ToString() =>
        Host.Contains(':') ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    private static TalosSeccompException Invalid(string endpoint, string why) =>
        new(ErrorIds.TalosEndpointInvalid, ErrorKind.InvalidArgument, $"The endpoint '{endpoint}' is not valid: {why}.", endpoint);
}
