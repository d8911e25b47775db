using BenchmarkDotNet.Running;

namespace TalosSeccomp.Benchmarks;

// A named entry class: the fake node's top-level program already brings a public Program type.
internal static class BenchmarkProgram
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
