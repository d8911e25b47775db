using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Talos.Deployment;

/// <summary>
/// Reads the seccomp profiles a node has: the <c>SeccompProfiles.cri.talos.dev</c> resources (COSI List, any reader
/// role) and, on request, the files the node wrote for them (MachineService.Read, admin only).
/// </summary>
public static class NodeSeccompProfiles
{
    /// <summary>Lists the node's profiles whose name matches one of <paramref name="namePatterns"/> (all when empty), ordered by name.</summary>
    /// <param name="client">The client.</param>
    /// <param name="node">Target node (null = the endpoint's own node).</param>
    /// <param name="displayNode">The node as shown in output.</param>
    /// <param name="namePatterns">Names or wildcard patterns (case-sensitive, like the file names).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<IReadOnlyList<TalosSeccompProfile>> ListAsync(TalosClient client, string? node, string displayNode,
        IReadOnlyList<string>? namePatterns = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var patterns = (namePatterns ?? Array.Empty<string>()).Select(p => Wildcard.Compile(p, ignoreCase: false)).ToList();
        var profiles = new List<TalosSeccompProfile>();
        await foreach (var resource in client.ListResourcesAsync(node, TalosResources.CriNamespace, TalosResources.SeccompProfileType, cancellationToken).ConfigureAwait(false))
        {
            var id = resource.Metadata?.Id ?? string.Empty;
            if (patterns.Count == 0 || patterns.Any(p => p.IsMatch(id)))
            {
                profiles.Add(TalosSeccompProfile.FromResource(resource, displayNode));
            }
        }

        return profiles.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Gets one profile resource, or null when the node has none with that name.</summary>
    public static async Task<TalosSeccompProfile?> GetAsync(TalosClient client, string? node, string displayNode, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var resource = await client.GetResourceAsync(node, TalosResources.CriNamespace, TalosResources.SeccompProfileType, name, cancellationToken).ConfigureAwait(false);
            return TalosSeccompProfile.FromResource(resource, displayNode);
        }
        catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the profile files of <paramref name="profiles"/> and records on each whether it matches the configured value
    /// byte for byte. Without the admin role nothing is sent: each profile's <see cref="TalosSeccompProfile.ContentError"/>
    /// says why, and the method returns that explanation (null when every file could be read or was missing).
    /// </summary>
    public static async Task<string?> ReadContentAsync(TalosClient client, string? node, IReadOnlyList<TalosSeccompProfile> profiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(profiles);
        var roles = client.Connection.Settings.Roles;
        string? denied = TalosRpc.IsAllowed(TalosRpc.Read.Method, roles)
            ? null
            : $"Reading profile files needs the {string.Join(" or ", TalosRpc.Read.Roles)} role (MachineService.Read); the client certificate has {RoleList(roles)}, so the file contents were not read.";
        foreach (var profile in profiles)
        {
            if (denied is not null)
            {
                profile.ContentError = denied;
                continue;
            }

            try
            {
                profile.SetContent(await client.ReadFileAsync(node, profile.Path, cancellationToken).ConfigureAwait(false));
            }
            catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.NotFound)
            {
                profile.ContentMatches = false;
                profile.ContentError = $"{profile.Path} does not exist on the node (not written yet, or /var is not mounted).";
            }
            catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.PermissionDenied)
            {
                denied = ex.Message;
                profile.ContentError = denied;
            }
        }

        return denied;
    }

    /// <summary>"roles os:reader, os:operator" or "no roles".</summary>
    internal static string RoleList(IReadOnlyList<string> roles) => roles.Count == 0 ? "no roles" : "roles " + string.Join(", ", roles);
}
