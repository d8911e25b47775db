using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TalosSeccomp.Syscalls;
using Xunit;
using Xunit.Abstractions;

namespace TalosSeccomp.Tests.Syscalls;

/// <summary>A fact that needs libseccomp's scmp_sys_resolver; skipped, saying why, when it is not installed.</summary>
public sealed class ResolverFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the resolver is missing.</summary>
    public ResolverFactAttribute()
    {
        if (ScmpSysResolver.Path is null)
        {
            Skip = "scmp_sys_resolver is not installed (Debian: apt-get install seccomp; build/install-prerequisites.sh does it), so the tables cannot be compared with libseccomp.";
        }
    }
}

/// <summary>Batch access to scmp_sys_resolver: one shell loop per architecture, queries on stdin.</summary>
internal static class ScmpSysResolver
{
    public static readonly string? Path = FindOnPath("scmp_sys_resolver") is { } resolver && FindOnPath("bash") is not null ? resolver : null;

    private const string Loop = "r=$1; a=$2; while IFS= read -r q; do printf '%s\\t' \"$q\"; \"$r\" -a \"$a\" \"$q\" || echo '?'; done";

    /// <summary>True when the installed libseccomp has the architecture (Debian's 2.5.4 lacks loongarch64, m68k, sh).</summary>
    public static async Task<bool> KnowsArchitectureAsync(string architecture)
    {
        var start = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-a");
        start.ArgumentList.Add(architecture);
        start.ArgumentList.Add("read");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        return process.ExitCode == 0 && long.TryParse((await stdout).Trim(), out _);
    }

    /// <summary>Asks the resolver every query on one architecture; returns query → answer.</summary>
    public static async Task<Dictionary<string, string>> ResolveAsync(string architecture, IReadOnlyCollection<string> queries)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-c", Loop, "resolver", Path!, architecture })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var writing = Task.Run(async () =>
        {
            foreach (var query in queries)
            {
                await process.StandardInput.WriteLineAsync(query);
            }

            process.StandardInput.Close();
        });
        var errors = process.StandardError.ReadToEndAsync();
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var tab = line.IndexOf('\t');
            answers[line[..tab]] = line[(tab + 1)..];
        }

        await writing;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"resolver loop for {architecture} failed: {await errors}");
        return answers;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

public class SyscallTablesResolverTests(ITestOutputHelper output)
{
    /// <summary>
    /// Where the vendored syscalls.csv is newer than the installed libseccomp on purpose: upstream corrected these
    /// entries after Debian's release, so the older resolver's answer is the stale one. Each must still differ, or
    /// it no longer belongs here.
    /// </summary>
    private static readonly HashSet<string> KnownCorrections = new(StringComparer.Ordinal)
    {
        // libseccomp 7e95f5b (Linux v7.1.0-rc4), after kernel da3680f564bd: _llseek is 32-bit parisc only
        // (both directions: the name, and the number 140).
        "parisc64 _llseek", "parisc64 140",
        // libseccomp f01e675 (Linux v6.12-rc5): map_shadow_stack is "common" in the kernel's syscall_64.tbl, so x32
        // has it too (453 | the x32 bit); 2.5.4 had no x32 entry.
        "x32 map_shadow_stack", "x32 453", "x32 1073742277",
    };

    /// <summary>
    /// Every entry of every table against the installed libseccomp, both directions, wherever that libseccomp knows
    /// the architecture and the name: every number in and around each table's ranges resolves to the name we give it
    /// (or to nothing where we have nothing), and every syscall name any architecture knows resolves on each
    /// architecture to the number we give it (or to nothing). Names and architectures the older libseccomp does not
    /// know (our tables are newer) are not compared but listed in the test output.
    /// </summary>
    [ResolverFact]
    public async Task EveryEntryMatchesScmpSysResolver()
    {
        var allNames = SyscallTables.Architectures.SelectMany(a => SyscallTables.GetNames(a.Name)).ToHashSet(StringComparer.Ordinal);
        var mismatches = new ConcurrentBag<string>();
        var corrections = new ConcurrentBag<string>();
        var unknownNames = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var unknownArchitectures = new ConcurrentBag<string>();
        var compared = 0;

        await Parallel.ForEachAsync(SyscallTables.Architectures, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (architecture, _) =>
        {
            var arch = architecture.Name;
            if (!await ScmpSysResolver.KnowsArchitectureAsync(arch))
            {
                unknownArchitectures.Add(arch);
                return;
            }

            var numbers = NumbersToCheck(SyscallTables.GetSyscalls(arch).Select(s => s.Number));
            if (arch == "x32")
            {
                // libseccomp also reads x32 numbers without the ABI bit; so must we.
                numbers.AddRange(numbers.Where(n => n >= SyscallTables.X32SyscallBit).Select(n => n & ~SyscallTables.X32SyscallBit).ToList());
            }

            var queries = numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)).Concat(allNames).ToArray();
            var answers = await ScmpSysResolver.ResolveAsync(arch, queries);
            Interlocked.Add(ref compared, queries.Length);

            // __NR_SCMP_ERROR (-1): the resolver has no such name on any architecture (pseudo-syscalls are <= -100).
            bool ResolverKnows(string syscall) => answers[syscall] != "-1";

            void Differ(string key, string difference)
            {
                if (KnownCorrections.Contains(key))
                {
                    corrections.Add(key);
                }
                else
                {
                    mismatches.Add(difference);
                }
            }

            foreach (var number in numbers)
            {
                var text = number.ToString(CultureInfo.InvariantCulture);
                var resolved = answers[text];
                var ours = SyscallTables.TryGetName(arch, number, out var name) ? name : "UNKNOWN";
                if (resolved != ours && !(resolved == "UNKNOWN" && !ResolverKnows(ours)))
                {
                    Differ($"{arch} {text}", $"{arch} {number}: resolver '{resolved}', table '{ours}'");
                }
            }

            foreach (var syscall in allNames)
            {
                if (!ResolverKnows(syscall))
                {
                    unknownNames.AddOrUpdate(syscall, 1, (_, n) => n + 1);
                    continue;
                }

                var resolved = long.Parse(answers[syscall], CultureInfo.InvariantCulture);
                var known = SyscallTables.TryGetNumber(arch, syscall, out var number);
                if (resolved >= 0 ? !known || number != resolved : known && !ResolvesToName(answers, number, syscall))
                {
                    // A negative answer is a libseccomp pseudo-syscall: the name is absent, or multiplexed (socket via
                    // socketcall on x86) while the kernel also has it directly, which the number direction confirms.
                    Differ($"{arch} {syscall}", $"{arch} {syscall}: resolver {resolved}, table {(known ? number : "none")}");
                }
            }
        });

        output.WriteLine($"Tables from {SyscallTables.Source}; compared {compared} resolver answers.");
        output.WriteLine($"Architectures the installed scmp_sys_resolver does not know ({unknownArchitectures.Count}): {string.Join(" ", unknownArchitectures.Order(StringComparer.Ordinal))}");
        output.WriteLine($"Names it does not know ({unknownNames.Count}): {string.Join(" ", unknownNames.Keys.Order(StringComparer.Ordinal))}");
        output.WriteLine($"Newer entries upstream corrected ({corrections.Distinct().Count()}): {string.Join(" ", corrections.Distinct().Order(StringComparer.Ordinal))}");

        Assert.True(compared > 10_000, $"only {compared} resolver answers compared");
        Assert.True(mismatches.IsEmpty, $"{mismatches.Count} differences from scmp_sys_resolver, e.g.:\n" + string.Join("\n", mismatches.Take(25)));
        var stale = KnownCorrections.Where(k => !corrections.Contains(k)).ToList();
        Assert.True(stale.Count == 0, $"listed as corrected upstream but the resolver agrees (or the architecture was not compared): {string.Join(", ", stale)}");
    }

    private static bool ResolvesToName(Dictionary<string, string> answers, long number, string name) =>
        answers.TryGetValue(number.ToString(CultureInfo.InvariantCulture), out var resolved) && resolved == name;

    /// <summary>Each cluster of numbers (clusters split where numbers jump by more than 1024) walked from its low to past its high end.</summary>
    private static List<long> NumbersToCheck(IEnumerable<long> tableNumbers)
    {
        var sorted = tableNumbers.Order().ToList();
        var result = new List<long>();
        var clusterStart = sorted[0];
        for (var i = 0; i < sorted.Count; i++)
        {
            var last = i == sorted.Count - 1 || sorted[i + 1] - sorted[i] > 1024;
            if (last)
            {
                for (var n = Math.Max(0, clusterStart - 16); n <= sorted[i] + 16; n++)
                {
                    result.Add(n);
                }

                if (i < sorted.Count - 1)
                {
                    clusterStart = sorted[i + 1];
                }
            }
        }

        return result;
    }
}
