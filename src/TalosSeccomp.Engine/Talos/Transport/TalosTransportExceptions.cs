namespace TalosSeccomp.Talos.Transport;

/// <summary>Which side of a TLS connection gave up.</summary>
public enum TlsFailureSide
{
    /// <summary>This client refused the node (its certificate, protocol or ALPN).</summary>
    Client,
    /// <summary>The node refused this client (typically its certificate).</summary>
    Node,
}

/// <summary>
/// A TLS failure on a connection to an endpoint, raised by the transport so that the error mapping can
/// tell users which side refused and why even after HttpClient and gRPC have wrapped it.
/// </summary>
public sealed class TalosTlsException : IOException
{
    /// <summary>Creates the exception.</summary>
    public TalosTlsException(TlsFailureSide side, string endpoint, string reason, Exception? inner = null)
        : base($"TLS with {endpoint} failed: {(side == TlsFailureSide.Client ? "this client refused the node" : "the node refused this client")}: {reason}", inner)
    {
        Side = side;
        Endpoint = endpoint;
        Reason = reason;
    }

    /// <summary>The side that refused.</summary>
    public TlsFailureSide Side { get; }

    /// <summary>The endpoint (<c>host:port</c>).</summary>
    public string Endpoint { get; }

    /// <summary>Why, in words.</summary>
    public string Reason { get; }
}

/// <summary>No endpoint of a connection could be reached (TCP connect failed or timed out on each).</summary>
public sealed class TalosEndpointsUnreachableException : IOException
{
    /// <summary>Creates the exception.</summary>
    public TalosEndpointsUnreachableException(IReadOnlyList<string> endpoints, string reasons, Exception? inner = null)
        : base($"No endpoint could be reached ({reasons}).", inner)
    {
        Endpoints = endpoints;
        Reasons = reasons;
    }

    /// <summary>The endpoints tried.</summary>
    public IReadOnlyList<string> Endpoints { get; }

    /// <summary>What went wrong per endpoint.</summary>
    public string Reasons { get; }
}

/// <summary>Carries the reason this client rejected a node certificate through BouncyCastle's alert.</summary>
internal sealed class TalosCertificateRejectedException : Exception
{
    public TalosCertificateRejectedException(string reason) : base(reason) { }
}
