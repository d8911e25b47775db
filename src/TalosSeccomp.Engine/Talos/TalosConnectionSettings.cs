using System.Security.Cryptography;
using System.Text;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Talos;

/// <summary>
/// Everything needed to open a connection: the endpoints, the default nodes, the decoded credentials, the
/// context name and the config path. <see cref="IdentityKey"/> keys the connection pool; it is a hash, so
/// the settings can be logged or compared without exposing key material.
/// </summary>
public sealed class TalosConnectionSettings
{
    internal TalosConnectionSettings(string? configPath, string contextName, IReadOnlyList<TalosEndpoint> endpoints,
        IReadOnlyList<string> nodes, TalosCredentials credentials)
    {
        ConfigPath = configPath;
        ContextName = contextName;
        Endpoints = endpoints;
        Nodes = nodes;
        Credentials = credentials;
        var identity = string.Join("\n", endpoints.Select(e => e.ToString())) + "\n" + credentials.Fingerprint;
        IdentityKey = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
    }

    /// <summary>The talosconfig file the settings came from; null when built from PEM or from talosconfig text.</summary>
    public string? ConfigPath { get; }

    /// <summary>Where the settings came from, for messages and -Verbose: <c>talosconfig '/path'</c>, "talosconfig
    /// text", a vault secret, or "PEM".</summary>
    public string ConfigSource { get; private init; } = "PEM";

    /// <summary>The context name.</summary>
    public string ContextName { get; }

    /// <summary>Endpoints in the order they are tried.</summary>
    public IReadOnlyList<TalosEndpoint> Endpoints { get; }

    /// <summary>Default target nodes (talosconfig <c>nodes</c>, or the override).</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>Roles of the client certificate (its Subject O values).</summary>
    public IReadOnlyList<string> Roles => Credentials.Roles;

    /// <summary>Algorithm of the client key, e.g. "Ed25519".</summary>
    public string KeyAlgorithm => Credentials.KeyAlgorithm;

    /// <summary>Hash of (endpoints, CA, certificate, key): equal settings share one pooled connection.</summary>
    public string IdentityKey { get; }

    internal TalosCredentials Credentials { get; }

    /// <summary>
    /// Resolves settings from a talosconfig like talosctl: locate the file, pick the context (override or
    /// current), apply endpoint and node overrides, decode the credentials.
    /// </summary>
    /// <param name="configPath">Explicit talosconfig path, or null to locate it.</param>
    /// <param name="context">Context override, or null for the current context.</param>
    /// <param name="endpoints">Endpoint override, or null/empty for the context's endpoints.</param>
    /// <param name="nodes">Node override, or null/empty for the context's nodes.</param>
    /// <exception cref="TalosSeccompException">Any talosconfig error (TalosConfig*, TalosContext*, TalosEndpoint*).</exception>
    public static TalosConnectionSettings Resolve(string? configPath = null, string? context = null,
        IReadOnlyList<string>? endpoints = null, IReadOnlyList<string>? nodes = null) =>
        FromContext(TalosConfigFile.Load(configPath), context, endpoints, nodes);

    /// <summary>Resolves settings from an already parsed talosconfig.</summary>
    /// <inheritdoc cref="Resolve" path="/param"/>
    public static TalosConnectionSettings FromContext(TalosConfigFile file, string? context = null,
        IReadOnlyList<string>? endpoints = null, IReadOnlyList<string>? nodes = null)
    {
        var selected = file.GetContext(context);
        var endpointTexts = endpoints is { Count: > 0 } ? endpoints : selected.Endpoints;
        if (endpointTexts.Count == 0)
        {
            throw new TalosSeccompException(ErrorIds.TalosEndpointsNotSet, ErrorKind.InvalidData,
                $"The context '{selected.Name}' in the {file.Description} has no endpoints; pass -Endpoint or add endpoints to the talosconfig.", file.Path);
        }

        var parsed = endpointTexts.Select(TalosEndpoint.Parse).Distinct().ToList();
        var credentials = file.CredentialsOf(selected);
        return new TalosConnectionSettings(file.IsFile ? file.Path : null, selected.Name, parsed,
            nodes is { Count: > 0 } ? nodes.ToList() : selected.Nodes, credentials)
        {
            ConfigSource = file.Description,
        };
    }

    /// <summary>Builds settings from PEM text directly (tests, tools that hold credentials elsewhere).</summary>
    /// <param name="endpoints">Endpoints to dial.</param>
    /// <param name="caPem">CA certificate(s), PEM.</param>
    /// <param name="certificatePem">Client certificate, PEM.</param>
    /// <param name="keyPem">Client private key, PEM.</param>
    /// <param name="nodes">Default nodes.</param>
    /// <param name="contextName">A name for messages.</param>
    public static TalosConnectionSettings FromPem(IReadOnlyList<string> endpoints, string caPem, string certificatePem, string keyPem,
        IReadOnlyList<string>? nodes = null, string contextName = "pem")
    {
        if (endpoints.Count == 0)
        {
            throw new TalosSeccompException(ErrorIds.TalosEndpointsNotSet, ErrorKind.InvalidArgument, "No endpoints were given.", contextName);
        }

        var credentials = TalosCredentials.FromPem(caPem, certificatePem, keyPem, $"context '{contextName}'", contextName);
        return new TalosConnectionSettings(null, contextName, endpoints.Select(TalosEndpoint.Parse).Distinct().ToList(), nodes ?? Array.Empty<string>(), credentials);
    }

    /// <summary>Describes the settings without key material.</summary>
    public override string ToString() => $"{ContextName} → {string.Join(", ", Endpoints)} ({KeyAlgorithm}, roles {string.Join(",", Roles)})";
}
