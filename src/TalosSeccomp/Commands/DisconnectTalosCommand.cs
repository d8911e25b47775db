using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands;

/// <summary>Ends a Talos connection: the session's connection from Connect-Talos, or the one given.</summary>
/// <remarks>
/// <para>Disconnect-Talos closes the TLS connection behind a connection object (the pooled one; a later command with
/// the same talosconfig opens a new one) and, when it is the session's connection, clears it, so commands without
/// -Connection or -TalosConfig fall back to $env:TALOSCONFIG and ~/.talos/config again. It returns the connections it
/// ended, like Disconnect-AzAccount. It changes no node, so it has no -WhatIf.</para>
/// <para>Without a session connection and without -Connection it does nothing.</para>
/// </remarks>
/// <example>
/// <code>Connect-Talos -TalosConfigText $text
/// Get-TalosVersion
/// Disconnect-Talos</code>
/// <para>Ends the session's connection at the end of a runbook.</para>
/// </example>
/// <example>
/// <code>$staging | Disconnect-Talos</code>
/// <para>Ends a connection kept in a variable; the session's connection, if another, stays.</para>
/// </example>
[Cmdlet(VerbsCommunications.Disconnect, "Talos", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(TalosConnectionInfo))]
public sealed class DisconnectTalosCommand : TalosSeccompCmdlet
{
    /// <summary>The connection to end (from Connect-Talos, or a TalosNode's Connection); without it, the session's
    /// connection.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public TalosConnectionInfo? Connection { get; set; }

    /// <summary>Closes the connection and clears the session's connection when it is that one.</summary>
    protected override void ProcessRecord()
    {
        var current = TalosSessionConnection.Current;
        var connection = Connection ?? current;
        if (connection is null)
        {
            WriteVerbose("There is no session connection to end.");
            return;
        }

        TalosConnectionPool.Close(connection.GetSettings());
        if (current is not null && current.GetSettings().IdentityKey == connection.GetSettings().IdentityKey)
        {
            TalosSessionConnection.Set(null);
        }

        WriteVerbose($"Disconnected: {connection}.");
        WriteObject(connection);
    }
}
