using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Runs when the module is imported and removed. On import it routes the one assembly the cmdlets
/// reference, TalosSeccomp.Engine, into <see cref="ModuleAssemblyLoadContext"/>; on removal it closes the
/// gRPC channels the session opened.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "TalosSeccomp.Engine";

    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");

    private static readonly Lazy<ModuleAssemblyLoadContext> LoadContext =
        new(() => new ModuleAssemblyLoadContext(DependencyDirectory));

    /// <summary>Hooks the default context's resolving event for the engine assembly.</summary>
    public void OnImport()
    {
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    /// <summary>Closes pooled connections and unhooks the resolver.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        SessionCleanup.Run();
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        // Only the engine is routed; its own dependencies are then found by the module context's Load.
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal))
        {
            return null;
        }

        return LoadContext.Value.LoadFromAssemblyName(name);
    }
}
