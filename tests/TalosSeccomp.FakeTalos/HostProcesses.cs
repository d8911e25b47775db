using System.Globalization;
using System.Text;
using TalosSeccomp.Talos.Wire.Machine;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// This machine's real /proc, for nodes started with <see cref="FakeTalosOptions.ForwardHostProcesses"/>: the process
/// table as machined's Processes builds it and /proc files as Read serves them, so end-to-end tests can attribute
/// real kernel seccomp records to real runc containers.
/// </summary>
internal static class HostProcesses
{
    private const int UserHz = 100; // miniprocfs userHz

    /// <summary>
    /// Every process of /proc as upstream <c>internal/pkg/miniprocfs/processes.go</c> reads it: in directory order, a
    /// process whose exe link, comm, cmdline or stat cannot be read (kernel threads, a process that just exited) is
    /// skipped; args are cmdline with NULs as spaces; cpu_time is (utime+stime)/100; resident_memory is rss × page
    /// size; label is attr/current trimmed of NULs and newlines.
    /// </summary>
    public static IEnumerable<ProcessInfo> List(string root = "/proc")
    {
        var pageSize = (ulong)Environment.SystemPageSize;
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(directory);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            ProcessInfo? info;
            try
            {
                info = Read(directory, pid, pageSize);
            }
            catch (IOException)
            {
                info = null;
            }
            catch (UnauthorizedAccessException)
            {
                info = null;
            }

            if (info is not null)
            {
                yield return info;
            }
        }
    }

    /// <summary>
    /// Reads one /proc file as machined's Read does (<c>v1alpha1_server.go</c> Read: os.Stat, then regular files
    /// only): the content, or null with <paramref name="isDirectory"/> telling "not a regular file" from "missing".
    /// </summary>
    public static string? ReadFile(string path, out bool isDirectory)
    {
        isDirectory = Directory.Exists(path);
        if (isDirectory)
        {
            return null;
        }

        try
        {
            // /proc files report size 0: read to the end, not by length.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // ESRCH while the process exits: the same as gone.
            return null;
        }
    }

    private static ProcessInfo? Read(string directory, int pid, ulong pageSize)
    {
        var executable = ReadLink(Path.Combine(directory, "exe"));
        if (executable is null)
        {
            return null;
        }

        var command = File.ReadAllText(Path.Combine(directory, "comm")).Trim();
        var cmdline = File.ReadAllText(Path.Combine(directory, "cmdline"));
        var args = cmdline.TrimEnd('\0').Replace('\0', ' ');
        var stat = File.ReadAllText(Path.Combine(directory, "stat"));
        var rbracket = stat.LastIndexOf(')');
        if (rbracket < 0 || rbracket + 2 > stat.Length)
        {
            return null;
        }

        var fields = stat[(rbracket + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 22)
        {
            return null;
        }

        var label = string.Empty;
        try
        {
            label = File.ReadAllText(Path.Combine(directory, "attr", "current")).Trim('\0', '\n');
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return new ProcessInfo
        {
            Pid = pid,
            Ppid = int.Parse(fields[1], CultureInfo.InvariantCulture),
            State = fields[0],
            Threads = int.Parse(fields[17], CultureInfo.InvariantCulture),
            CpuTime = (ulong.Parse(fields[11], CultureInfo.InvariantCulture) + ulong.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)UserHz,
            VirtualMemory = ulong.Parse(fields[20], CultureInfo.InvariantCulture),
            ResidentMemory = ulong.Parse(fields[21], CultureInfo.InvariantCulture) * pageSize,
            Command = command,
            Executable = executable,
            Args = args,
            Label = label,
        };
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
