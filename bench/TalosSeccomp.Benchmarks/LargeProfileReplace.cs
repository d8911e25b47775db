using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using TalosSeccomp.MachineConfig;

namespace TalosSeccomp.Benchmarks;

/// <summary>
/// Replaces a profile of <c>n</c> syscall names in a machine config (100,000 names: a 2.5 MB config) with one where every
/// tenth name differs, and prints the wall time and the process's peak working set. Peak memory is a property of a
/// whole process, so this runs once per fresh process (bench/large-profile.bench.ps1), not inside BenchmarkDotNet,
/// whose MemoryDiagnoser counts allocations, not the peak. The edit includes everything Set-TalosSeccompProfile does
/// locally: parse, splice, verification re-parse and the -WhatIf diff.
/// </summary>
internal static class LargeProfileReplace
{
    public const string Switch = "--large-profile-replace";

    public static int Run(int names)
    {
        var config = Config(names);
        var value = Value(names);
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var watch = Stopwatch.StartNew();
        var edit = MachineConfigSeccompEditor.Set(config, "big.json", value);
        watch.Stop();
        if (!edit.Changed)
        {
            throw new InvalidOperationException("the replace changed nothing");
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"replace of a {names:N0}-name profile ({config.Length / 1024.0 / 1024.0:0.0} MB config): {watch.Elapsed.TotalSeconds:0.00} s, peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MiB (before the edit {before / 1048576.0:N0} MiB)");
        return 0;
    }

    private static string Config(int names)
    {
        var sb = new StringBuilder("version: v1alpha1\nmachine:\n    type: worker\n    seccompProfiles:\n        - name: big.json\n          value:\n            defaultAction: SCMP_ACT_ERRNO\n            syscalls:\n              - action: SCMP_ACT_ALLOW\n                names:\n");
        for (var i = 0; i < names; i++)
        {
            sb.Append("                  - syscall_").Append(i).Append('\n');
        }

        return sb.Append("cluster:\n    clusterName: demo\n").ToString();
    }

    private static JsonObject Value(int names)
    {
        var list = new JsonArray();
        for (var i = 0; i < names; i++)
        {
            list.Add(i % 10 == 0 ? "changed_" + i : "syscall_" + i);
        }

        return new JsonObject { ["defaultAction"] = "SCMP_ACT_ERRNO", ["syscalls"] = new JsonArray(new JsonObject { ["action"] = "SCMP_ACT_ALLOW", ["names"] = list }) };
    }
}
