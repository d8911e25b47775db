using System.Runtime.CompilerServices;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>Closes what the engine holds open for the session, without loading the engine just to do so.</summary>
internal static class SessionCleanup
{
    internal static void Run()
    {
        if (AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "TalosSeccomp.Engine"))
        {
            CloseConnections();
        }
    }

    // Kept out of Run so the JIT resolves the engine type only when the engine is already loaded.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CloseConnections() => TalosSeccomp.Talos.TalosConnectionPool.CloseAll();
}
