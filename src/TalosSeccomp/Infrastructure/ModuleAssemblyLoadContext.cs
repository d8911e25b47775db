using System.Reflection;
using System.Runtime.Loader;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// The module's private AssemblyLoadContext. It loads TalosSeccomp.Engine and every library the engine
/// needs (YamlDotNet, Google.Protobuf, Grpc, BouncyCastle) from the module's Dependencies folder, so the
/// versions we ship never clash with the ones other modules load into the same PowerShell process.
/// </summary>
internal sealed class ModuleAssemblyLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;

    internal ModuleAssemblyLoadContext(string dependencyDirectory)
        : base("TalosSeccomp", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Prefer our own copy of anything we ship; fall back to the default context (framework, PowerShell).
        string candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}
