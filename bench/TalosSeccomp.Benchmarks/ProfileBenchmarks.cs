using BenchmarkDotNet.Attributes;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Benchmarks;

/// <summary>
/// Parse, validate and render a Docker-default-sized profile (about 400 syscall names, conditional rules,
/// Docker-only keys): the work behind Import-SeccompProfile, Test-SeccompProfile and Export-SeccompProfile.
/// </summary>
[MemoryDiagnoser]
public class ProfileBenchmarks
{
    private string _json = string.Empty;
    private SeccompProfile _profile = null!;

    /// <summary>Loads the test profile and warms the syscall tables.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(FindRepositoryRoot(), "tests", "TalosSeccomp.Tests", "TestData", "large-profile.json");
        _json = File.ReadAllText(path);
        _profile = SeccompProfile.Parse(_json);
        SeccompProfileValidator.Validate(_profile);
    }

    /// <summary>Strict parse.</summary>
    [Benchmark]
    public SeccompProfile Parse() => SeccompProfile.Parse(_json);

    /// <summary>Validation of an already parsed profile.</summary>
    [Benchmark]
    public int Validate() => SeccompProfileValidator.Validate(_profile).Count;

    /// <summary>Parse then validate, as Test-SeccompProfile -Path does.</summary>
    [Benchmark]
    public int ParseAndValidate() => SeccompProfileValidator.Validate(SeccompProfile.ParseLenient(_json)).Count;

    /// <summary>The node's exact bytes.</summary>
    [Benchmark]
    public byte[] RenderNodeJson() => _profile.ToNodeJsonBytes();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TalosSeccomp.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("TalosSeccomp.slnx not found above " + AppContext.BaseDirectory);
    }
}
