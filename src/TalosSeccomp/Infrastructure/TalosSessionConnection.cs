using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// The session's default connection, set by Connect-Talos and cleared by Disconnect-Talos. It belongs to the runspace
/// (like a variable would), so parallel runspaces (ForEach-Object -Parallel, jobs) each connect on their own.
/// </summary>
internal static class TalosSessionConnection
{
    private static readonly ConditionalWeakTable<Runspace, Holder> ByRunspace = new();

    /// <summary>The current runspace's default connection, or null.</summary>
    internal static TalosConnectionInfo? Current =>
        Runspace.DefaultRunspace is { } runspace && ByRunspace.TryGetValue(runspace, out var holder) ? holder.Connection : null;

    /// <summary>Makes <paramref name="connection"/> the current runspace's default (null clears it).</summary>
    internal static void Set(TalosConnectionInfo? connection)
    {
        if (Runspace.DefaultRunspace is { } runspace)
        {
            ByRunspace.GetOrCreateValue(runspace).Connection = connection;
        }
    }

    private sealed class Holder
    {
        public TalosConnectionInfo? Connection { get; set; }
    }
}
