using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands;

/// <summary>Gets the Talos nodes of a talosconfig context, or the members of the cluster as a node sees them.</summary>
/// <remarks>
/// <para>Without -FromCluster, Get-TalosNode lists the nodes the context targets: the talosconfig 'nodes' (or -Node),
/// and the endpoints when the context has no nodes. It makes no network call.</para>
/// <para>With -FromCluster, it lists the cluster members (the Members.cluster.talos.dev resources in namespace
/// 'cluster') as seen by one node: the first -Node, or the endpoint's own node. Members exist only when cluster
/// discovery is enabled. Each member comes with its hostname, addresses, machine type and operating system.</para>
/// <para>Every TalosNode carries its Connection (and its Endpoint, Context and TalosConfig), so piping it into another
/// Talos cmdlet (Get-TalosVersion, Get-TalosSeccompProfile) targets that node over the same connection, even when the
/// talosconfig was given as text to Connect-Talos and a $PSDefaultParameterValues entry names another one.</para>
/// </remarks>
/// <example>
/// <code>Get-TalosNode</code>
/// <para>Lists the nodes of the current context of the default talosconfig.</para>
/// </example>
/// <example>
/// <code>Get-TalosNode -TalosConfig ./talosconfig -Context prod | Get-TalosVersion</code>
/// <para>Gets the Talos version of every node of the 'prod' context, all nodes at once over one connection.</para>
/// </example>
/// <example>
/// <code>Get-TalosNode -FromCluster -Node 10.5.0.2 | Where-Object MachineType -eq worker</code>
/// <para>Lists the worker members of the cluster as node 10.5.0.2 sees them.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "TalosNode", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(TalosNode))]
public sealed class GetTalosNodeCommand : TalosNodeCommandBase
{
    /// <summary>List the cluster members (COSI Members.cluster.talos.dev) instead of the talosconfig nodes.</summary>
    [Parameter]
    public SwitchParameter FromCluster { get; set; }

    /// <inheritdoc />
    private protected override IReadOnlyList<string?> SelectTargets(TalosTargetGroup group)
    {
        if (FromCluster)
        {
            // One node's view of the membership is the whole list; asking each node would only repeat it.
            return new[] { group.RequestedNodes.Count > 0 ? group.RequestedNodes[0] : null };
        }

        var targets = base.SelectTargets(group);
        return targets is [null] ? group.Settings.Endpoints.Select(e => (string?)e.Host).ToList() : targets;
    }

    /// <inheritdoc />
    private protected override async Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken)
    {
        if (!FromCluster)
        {
            sink.Object(TalosNodes.Configured(target.Settings, target.DisplayNode, target.Connection));
            return;
        }

        foreach (var member in await TalosNodes.ListClusterMembersAsync(target.Client, target.Settings, target.Node, cancellationToken, target.Connection).ConfigureAwait(false))
        {
            // Members get the view with hostname, machine type, OS and addresses; talosconfig nodes have none of those.
            var node = PSObject.AsPSObject(member);
            node.TypeNames.Insert(0, typeof(TalosNode).FullName + "#ClusterMember");
            sink.Object(node);
        }
    }
}
