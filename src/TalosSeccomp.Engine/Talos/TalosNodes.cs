namespace TalosSeccomp.Talos;

/// <summary>
/// The nodes Get-TalosNode reports: a node of the talosconfig, or the cluster members one node sees. Each carries its
/// connection (endpoints, context, talosconfig) so it can be piped into another Talos cmdlet.
/// </summary>
public static class TalosNodes
{
    /// <summary>A node the talosconfig (or -Node) names, reached over <paramref name="settings"/>; no network call.</summary>
    /// <param name="settings">The connection the node is reached through.</param>
    /// <param name="node">The node address.</param>
    /// <param name="connection">The connection object the node carries down the pipeline, or null.</param>
    public static TalosNode Configured(TalosConnectionSettings settings, string node, TalosConnectionInfo? connection = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(node);
        return new TalosNode { Node = node, Endpoint = Endpoints(settings), Context = settings.ContextName, TalosConfig = settings.ConfigPath, Connection = connection };
    }

    /// <summary>
    /// The cluster members (Members.cluster.talos.dev in namespace 'cluster') as <paramref name="node"/> sees them,
    /// ordered by hostname, each reached over <paramref name="settings"/>. Empty when cluster discovery is off.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="settings">The connection the members are reached through (the pooled client's connection may
    /// have been opened for another context with the same endpoints and credentials).</param>
    /// <param name="node">The node to ask (null = the endpoint's own node).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="connection">The connection object the members carry down the pipeline, or null.</param>
    public static async Task<IReadOnlyList<TalosNode>> ListClusterMembersAsync(TalosClient client, TalosConnectionSettings settings, string? node,
        CancellationToken cancellationToken = default, TalosConnectionInfo? connection = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        var members = new List<TalosClusterMember>();
        await foreach (var resource in client.ListResourcesAsync(node, TalosResources.ClusterNamespace, TalosResources.MemberType, cancellationToken).ConfigureAwait(false))
        {
            members.Add(TalosResources.DecodeMember(resource, node));
        }

        var endpoints = Endpoints(settings);
        return members.OrderBy(m => m.Hostname, StringComparer.Ordinal).Select(member => new TalosNode
        {
            Node = member.Addresses.FirstOrDefault() ?? member.Hostname,
            Endpoint = endpoints,
            Context = settings.ContextName,
            TalosConfig = settings.ConfigPath,
            Connection = connection,
            Hostname = member.Hostname,
            Addresses = member.Addresses.ToArray(),
            MachineType = member.MachineType,
            OperatingSystem = member.OperatingSystem,
        }).ToList();
    }

    private static string[] Endpoints(TalosConnectionSettings settings) => settings.Endpoints.Select(e => e.ToString()).ToArray();
}
