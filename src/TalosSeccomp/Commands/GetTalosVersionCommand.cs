using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands;

/// <summary>Gets the Talos version of nodes.</summary>
/// <remarks>
/// <para>Get-TalosVersion calls MachineService.Version on every target node at once (up to -ThrottleLimit in flight)
/// and returns one TalosVersionInfo per node: tag, commit, architecture, platform, Go version and build time. A node
/// that fails gives one error naming it; the others still answer.</para>
/// <para>Calls in one PowerShell session share one TLS connection per endpoint set, so repeated calls skip the
/// handshake. Nodes come from -Node, from the pipeline (node names as strings, or TalosNode objects from
/// Get-TalosNode), or from the talosconfig context.</para>
/// </remarks>
/// <example>
/// <code>Get-TalosVersion -Node 10.5.0.2, 10.5.0.3</code>
/// <para>Gets the version of two nodes through the current context's endpoint.</para>
/// </example>
/// <example>
/// <code>Get-TalosNode | Get-TalosVersion | Group-Object Tag</code>
/// <para>Shows which Talos versions run in the cluster of the current context.</para>
/// </example>
/// <example>
/// <code>Get-Content ./nodes.txt | Get-TalosVersion</code>
/// <para>Gets the version of the nodes listed one per line in a file: piped strings are node names.</para>
/// </example>
/// <example>
/// <code>Get-TalosVersion -Endpoint 192.168.1.10 -Node 192.168.1.11 -TimeoutSec 5 -ErrorAction Stop</code>
/// <para>Asks one node through an explicit endpoint, failing after five seconds.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "TalosVersion", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(TalosVersionInfo))]
public sealed class GetTalosVersionCommand : TalosNodeCommandBase
{

    /// <inheritdoc />
    private protected override async Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken)
    {
        var version = await target.Client.VersionAsync(target.Node, cancellationToken).ConfigureAwait(false);
        sink.Object(TalosVersionInfo.FromWire(target.DisplayNode, version));
    }
}
