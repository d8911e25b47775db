using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// The module's private AssemblyLoadContext. It loads TalosSeccomp.Engine and every library the engine
/// needs (YamlDotNet, Google.Protobuf, Grpc, BouncyCastle) from the module's Dependencies folder, so the
/// versions we ship never clash with the ones other modules load into the same PowerShell process.
/// </summary>
/// <remarks>
/// Dependencies/ holds the IL build, which runs everywhere. Beside it, Dependencies/net8.0-linux-x64/,
/// net8.0-win-x64/, net10.0-linux-x64/ and net10.0-win-x64/ hold the same assemblies as ReadyToRun images
/// (precompiled, so the first call skips most of its JIT). A runtime uses only images compiled for its own
/// major version (.NET 10 ignores .NET 8's), so a folder is picked by runtime major version, OS and process
/// architecture; anything else (macOS, Arm64, .NET 9) loads the IL build.
/// </remarks>
internal sealed class ModuleAssemblyLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;
    private readonly string _assemblyDirectory;

    internal ModuleAssemblyLoadContext(string dependencyDirectory)
        : base("TalosSeccomp", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
        _assemblyDirectory = SelectAssemblyDirectory(dependencyDirectory);
    }

    /// <summary>
    /// The ReadyToRun folder for this runtime and platform when the module ships one (it holds the engine), else
    /// <paramref name="dependencyDirectory"/> itself.
    /// </summary>
    internal static string SelectAssemblyDirectory(string dependencyDirectory)
    {
        var os = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux"
            : RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
            : null;
        if (os is null || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return dependencyDirectory;
        }

        var candidate = Path.Combine(dependencyDirectory, $"net{Environment.Version.Major}.0-{os}-x64");
        return File.Exists(Path.Combine(candidate, "TalosSeccomp.Engine.dll")) ? candidate : dependencyDirectory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Prefer our own copy of anything we ship; fall back to the default context (framework, PowerShell).
        string candidate = Path.Combine(_assemblyDirectory, assemblyName.Name + ".dll");
        if (!File.Exists(candidate))
        {
            candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        }

        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}
