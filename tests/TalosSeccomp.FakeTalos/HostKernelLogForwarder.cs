using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// Reads this machine's <c>/dev/kmsg</c> from its end and forwards each record to every fake node: all of them to
/// Dmesg (and the kernel service log), and seccomp audit records (type=1326) also to the auditd log in the form
/// Talos's auditd writes (<c>type=SECCOMP msg=audit(...): ...</c>). This is how end-to-end tests see real
/// kernel seccomp records. Needs root on Linux; the kernel prints audit records only while no audit daemon runs.
/// </summary>
internal sealed class HostKernelLogForwarder : IDisposable
{
    private const string KmsgPath = "/dev/kmsg";
    private const int OpenReadOnlyNonBlocking = 0x0000 | 0x0800; // O_RDONLY | O_NONBLOCK
    private const int SeekEnd = 2;
    private const short PollIn = 0x0001;
    private const int EAgain = 11;
    private const int EPipe = 32; // records were overwritten before we read them

    private static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
        "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] Priorities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    private readonly FakeTalosServer server;
    private readonly ILogger logger;
    private readonly int fd;
    private readonly Thread thread;
    private readonly DateTime bootTime;
    private volatile bool stopping;

    private HostKernelLogForwarder(FakeTalosServer server, ILogger logger, int fd)
    {
        this.server = server;
        this.logger = logger;
        this.fd = fd;
        bootTime = ReadBootTime();
        thread = new Thread(Run) { IsBackground = true, Name = "fake-talos-kmsg" };
        thread.Start();
    }

    /// <summary>Starts forwarding when possible (Linux, root, /dev/kmsg readable); otherwise logs why not and returns null.</summary>
    public static HostKernelLogForwarder? TryStart(FakeTalosServer server, ILogger logger)
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            logger.LogWarning("Host kernel log forwarding needs root on Linux; not forwarding.");
            return null;
        }

        var fd = open(KmsgPath, OpenReadOnlyNonBlocking);
        if (fd < 0)
        {
            logger.LogWarning("Cannot open {Path} (errno {Errno}); not forwarding.", KmsgPath, Marshal.GetLastPInvokeError());
            return null;
        }

        lseek(fd, 0, SeekEnd);
        return new HostKernelLogForwarder(server, logger, fd);
    }

    /// <summary>Parses one /dev/kmsg record ("pri,seq,usec,flags;message\n continuation...") into its parts.</summary>
    internal static (string Facility, string Priority, long Microseconds, string Message)? ParseRecord(string record)
    {
        var separator = record.IndexOf(';');
        if (separator < 0)
        {
            return null;
        }

        var fields = record[..separator].Split(',');
        if (fields.Length < 3
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var priority)
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds))
        {
            return null;
        }

        var facility = priority >> 3;
        var message = DecodeEscapes(record[(separator + 1)..]);
        if (!message.EndsWith('\n'))
        {
            message += "\n";
        }

        return (facility < Facilities.Length ? Facilities[facility] : facility.ToString(CultureInfo.InvariantCulture), Priorities[priority & 7], microseconds, message);
    }

    /// <summary>The auditd-log form of a kernel audit record, or null when it is not a seccomp (type=1326) record.</summary>
    internal static string? ToAuditdLine(string message)
    {
        const string Prefix = "audit: type=1326 ";
        if (!message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var firstLine = message.Split('\n')[0];
        return "type=SECCOMP msg=" + firstLine[Prefix.Length..] + "\n";
    }

    public void Dispose()
    {
        stopping = true;
        thread.Join(TimeSpan.FromSeconds(2));
        close(fd);
    }

    private void Run()
    {
        var buffer = new byte[8192];
        var poll = new PollFd { Fd = fd, Events = PollIn };
        while (!stopping)
        {
            if (PollNative(ref poll, 1, 250) <= 0)
            {
                continue;
            }

            var read = ReadRecord(buffer);
            if (read < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is EAgain or EPipe)
                {
                    continue;
                }

                logger.LogWarning("Reading {Path} failed (errno {Errno}); stopping kernel log forwarding.", KmsgPath, errno);
                return;
            }

            var parsed = ParseRecord(Encoding.UTF8.GetString(buffer, 0, read));
            if (parsed is not { } record)
            {
                continue;
            }

            var timestamp = bootTime.AddTicks(record.Microseconds * 10);
            var auditdLine = ToAuditdLine(record.Message);
            foreach (var node in server.Nodes.Values)
            {
                node.InjectKernelRecord(record.Facility, record.Priority, record.Message, timestamp);
                if (auditdLine is not null)
                {
                    node.InjectAuditdLine(auditdLine);
                }
            }
        }
    }

    private unsafe int ReadRecord(byte[] buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return (int)read(fd, pointer, (nint)buffer.Length);
        }
    }

    private static DateTime ReadBootTime()
    {
        var uptimeText = File.ReadAllText("/proc/uptime").Split(' ')[0];
        var uptime = double.Parse(uptimeText, CultureInfo.InvariantCulture);
        var boot = DateTime.UtcNow.AddSeconds(-Math.Floor(uptime));
        return boot.AddTicks(-(boot.Ticks % TimeSpan.TicksPerSecond));
    }

    private static string DecodeEscapes(string text)
    {
        if (!text.Contains("\\x", StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = new List<byte>();
        var raw = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length && raw[i + 1] == 'x'
                && byte.TryParse(Encoding.ASCII.GetString(raw, i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                bytes.Add(value);
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern long lseek(int fd, long offset, int whence);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint read(int fd, byte* buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int PollNative(ref PollFd fds, uint count, int timeout);
}
