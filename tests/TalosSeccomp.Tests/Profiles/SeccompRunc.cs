using System.Diagnostics;
using System.Text.Json.Nodes;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

/// <summary>A fact that runs containers with runc; skipped, saying why, where it cannot.</summary>
public sealed class RuncFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when runc, root or the C compiler is missing.</summary>
    public RuncFactAttribute()
    {
        if (SeccompRunc.Missing is { } missing)
        {
            Skip = $"The runc oracle needs {missing} (build/install-prerequisites.sh installs runc, gcc and libc6-dev; CI runs as root).";
        }
    }
}

/// <summary>
/// runc on this machine's kernel as the judge of what a profile does: the probe (tests/probe/seccomp-probe.c),
/// compiled statically, runs in a container under the profile and makes the calls it is given, one forked child
/// per call, so a killing action ends only that call.
/// </summary>
internal static class SeccompRunc
{
    private static readonly Lazy<string> Probe = new(Compile);
    private static readonly Lazy<JsonObject> BaseConfig = new(CreateBaseConfig);
    private static int _runs;

    /// <summary>What is missing for the oracle, or null.</summary>
    public static string? Missing { get; } = FindMissing();

    /// <summary>Containers started so far.</summary>
    public static int Runs => _runs;

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Linux";
        }

        if (Environment.UserName != "root" && !File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t", StringComparison.Ordinal))
        {
            return "root";
        }

        if (Which("runc") is null)
        {
            return "runc (apt-get install runc)";
        }

        if (Which("gcc") is null)
        {
            return "gcc (apt-get install gcc libc6-dev)";
        }

        return Directory.GetDirectories("/usr/lib").Any(d => File.Exists(Path.Combine(d, "libc.a"))) ? null : "a static libc for the probe (apt-get install libc6-dev)";
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    /// <summary>Runs the probe with the calls under the profile (null: no seccomp); one result per call ("ok", "e22", "sig31").</summary>
    public static string[] Run(SeccompProfile? profile, IReadOnlyList<ProbeCall> calls)
    {
        var n = Interlocked.Increment(ref _runs);
        var bundle = Path.Combine(Path.GetTempPath(), $"talosseccomp-probe-{Environment.ProcessId}-{n}");
        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(rootfs);
        try
        {
            File.Copy(Probe.Value, Path.Combine(rootfs, "seccomp-probe"));
            if (OperatingSystem.IsLinux()) File.SetUnixFileMode(Path.Combine(rootfs, "seccomp-probe"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
            File.WriteAllLines(Path.Combine(rootfs, "probes.txt"), calls.Select(c => c.Line));
            var config = (JsonObject)BaseConfig.Value.DeepClone();
            if (profile is not null)
            {
                // Through the node bytes: exactly what a Talos node writes and containerd reads.
                config["linux"]!["seccomp"] = JsonNode.Parse(profile.ToNodeJson());
            }

            File.WriteAllText(Path.Combine(bundle, "config.json"), config.ToJsonString());
            var id = Path.GetFileName(bundle);
            int code;
            string output;
            try
            {
                (code, output) = Exec("runc", "run", "--bundle", bundle, id);
            }
            finally
            {
                Exec("runc", "delete", "-f", id);
            }

            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var results = new string[calls.Count];
            foreach (var line in lines)
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && int.TryParse(parts[0], out var index) && index >= 1 && index <= calls.Count)
                {
                    results[index - 1] = parts[1];
                }
            }

            if (code != 0 || results.Any(r => r is null))
            {
                throw new RuncStartException($"runc exited {code} with: {output.Trim()}\nprofile: {profile?.ToNodeJson()}");
            }

            return results;
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }

    /// <summary>The result the model's effect gives for a call whose unconfined result is <paramref name="ran"/>.</summary>
    public static string Expected(SeccompEffect effect, string ran) => effect.Action switch
    {
        SeccompAction.Allow or SeccompAction.Log => ran,
        SeccompAction.Errno => $"e{effect.Value}",
        SeccompAction.Trace => "e38", // no tracer: the kernel fails the call with ENOSYS
        _ => "sig31", // KILL_THREAD, KILL_PROCESS, TRAP: SIGSYS
    };

    private static string Compile()
    {
        var source = Path.Combine(RepoRoot(), "tests", "probe", "seccomp-probe.c");
        var output = Path.Combine(Path.GetTempPath(), $"talosseccomp-seccomp-probe-{Environment.ProcessId}");
        var (code, text) = Exec("gcc", "-static", "-O1", "-o", output, source);
        Assert.True(code == 0, $"gcc could not build the probe statically (is libc6-dev installed?): {text}");
        return output;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TalosSeccomp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (TalosSeccomp.slnx) is not above " + AppContext.BaseDirectory);
    }

    private static JsonObject CreateBaseConfig()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"talosseccomp-spec-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            var (code, text) = Exec("runc", "spec", "--bundle", dir);
            Assert.True(code == 0, "runc spec failed: " + text);
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
            config["process"]!["terminal"] = false;
            config["process"]!["args"] = new JsonArray("/seccomp-probe", "/probes.txt");
            // Capabilities, so that acct, setns and socket fail on their arguments, not on a missing capability.
            var caps = new[] { "CAP_SYS_ADMIN", "CAP_SYS_PACCT", "CAP_NET_RAW", "CAP_AUDIT_WRITE", "CAP_SYS_NICE", "CAP_SETUID", "CAP_SETGID" };
            foreach (var set in new[] { "bounding", "effective", "permitted" })
            {
                config["process"]!["capabilities"]![set] = new JsonArray(caps.Select(c => (JsonNode)c).ToArray());
            }

            return config;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Code, string Output) Exec(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new RuncStartException($"{file} {string.Join(' ', args)} did not finish within 60 s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>runc did not start the container (for example libseccomp refused the rules: "file exists").</summary>
internal sealed class RuncStartException(string message) : Exception(message);
