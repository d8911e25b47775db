using BenchmarkDotNet.Running;

namespace TalosSeccomp.Benchmarks;

// A named entry class: the fake node's top-level program already brings a public Program type.
internal static class BenchmarkProgram
{
    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == LargeProfileReplace.Switch)
        {
            return LargeProfileReplace.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
