using System.Globalization;
using System.Text;

namespace TalosSeccomp.FakeTalos.State;

/// <summary>
/// One process in a fake node's process table: what MachineService.Processes lists (upstream
/// <c>internal/pkg/miniprocfs/processes.go</c> reads it from /proc) and what Read serves as
/// <c>/proc/&lt;pid&gt;/{cgroup,stat,status,comm,cmdline}</c>.
/// </summary>
/// <param name="Pid">The host pid (what audit records and Processes report).</param>
/// <param name="Ppid">The parent's host pid.</param>
/// <param name="Command">The comm (at most 15 characters, as the kernel keeps it).</param>
/// <param name="Executable">The exe link target.</param>
/// <param name="Args">The command line, arguments joined with spaces (Processes' <c>args</c>).</param>
/// <param name="Cgroup">The cgroup v2 path, e.g. <c>/kubepods/besteffort/pod&lt;uid&gt;/&lt;64-hex id&gt;</c>, <c>/system/runtime</c>, <c>/init</c>.</param>
public sealed record FakeProcess(int Pid, int Ppid, string Command, string Executable, string Args, string Cgroup)
{
    /// <summary>The state letter of /proc/&lt;pid&gt;/stat (R, S, D, Z, …).</summary>
    public string State { get; init; } = "S";

    /// <summary>Number of threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Start time in clock ticks after boot (field 22 of /proc/&lt;pid&gt;/stat); 0 lets the node assign the next one,
    /// so a pid reused by a new process always gets a later start time, as on a real kernel.
    /// </summary>
    public ulong StartTime { get; init; }

    /// <summary>
    /// The pid inside the pod sandbox's PID namespace (Talos 1.14 workload isolation, where CRI and pods run in
    /// sandboxd's namespace); null lets the node number container processes itself.
    /// </summary>
    public int? SandboxPid { get; init; }

    /// <summary>The LSM label (Processes' <c>label</c>, /proc/&lt;pid&gt;/attr/current).</summary>
    public string Label { get; init; } = string.Empty;

    /// <summary>Virtual memory size in bytes.</summary>
    public ulong VirtualMemory { get; init; } = 8_388_608;

    /// <summary>Resident pages (times the page size in Processes' <c>resident_memory</c>).</summary>
    public ulong ResidentPages { get; init; } = 256;

    /// <summary>User and system CPU time in clock ticks (100 per second).</summary>
    public ulong CpuTicks { get; init; }

    /// <summary>
    /// <c>/proc/&lt;pid&gt;/stat</c> as the kernel prints it (fs/proc/array.c do_task_stat): pid, (comm), state, ppid and
    /// 48 more fields; utime is field 14, num_threads 20, starttime 22, vsize 23, rss 24.
    /// </summary>
    public string StatLine()
    {
        var f = new string[52];
        Array.Fill(f, "0");
        f[0] = Pid.ToString(CultureInfo.InvariantCulture);
        f[1] = "(" + Command + ")";
        f[2] = State;
        f[3] = Ppid.ToString(CultureInfo.InvariantCulture);
        f[4] = Pid.ToString(CultureInfo.InvariantCulture); // pgrp
        f[5] = Pid.ToString(CultureInfo.InvariantCulture); // session
        f[7] = "-1"; // tpgid
        f[8] = "4194560"; // flags
        f[13] = CpuTicks.ToString(CultureInfo.InvariantCulture);
        f[17] = "20"; // priority
        f[19] = Threads.ToString(CultureInfo.InvariantCulture);
        f[21] = StartTime.ToString(CultureInfo.InvariantCulture);
        f[22] = VirtualMemory.ToString(CultureInfo.InvariantCulture);
        f[23] = ResidentPages.ToString(CultureInfo.InvariantCulture);
        f[24] = "18446744073709551615"; // rsslim
        return string.Join(' ', f) + "\n";
    }

    /// <summary>
    /// <c>/proc/&lt;pid&gt;/status</c> (the lines tools read): Name, State, Tgid, Pid, PPid, NSpid (host pid, then the pid in
    /// the sandbox namespace when <paramref name="sandboxPid"/> is given) and Threads.
    /// </summary>
    public string StatusText(int? sandboxPid)
    {
        var ns = sandboxPid is { } inner ? $"{Pid}\t{inner}" : Pid.ToString(CultureInfo.InvariantCulture);
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"Name:\t{Command}\n");
        builder.Append(CultureInfo.InvariantCulture, $"State:\t{State} ({StateName(State)})\n");
        builder.Append(CultureInfo.InvariantCulture, $"Tgid:\t{Pid}\nNgid:\t0\nPid:\t{Pid}\nPPid:\t{Ppid}\n");
        builder.Append(CultureInfo.InvariantCulture, $"NStgid:\t{ns}\nNSpid:\t{ns}\n");
        builder.Append(CultureInfo.InvariantCulture, $"Threads:\t{Threads}\n");
        return builder.ToString();
    }

    private static string StateName(string state) => state switch
    {
        "R" => "running",
        "D" => "disk sleep",
        "Z" => "zombie",
        "T" => "stopped",
        "I" => "idle",
        _ => "sleeping",
    };
}
