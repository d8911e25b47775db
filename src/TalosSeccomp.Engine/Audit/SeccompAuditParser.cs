using System.Globalization;
using System.Text;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Audit;

/// <summary>
/// The one parser of kernel seccomp audit records (AUDIT_SECCOMP, type 1326), in both forms Talos produces:
/// the audit daemon's <c>type=SECCOMP msg=audit(&lt;sec&gt;.&lt;ms&gt;:&lt;serial&gt;): …</c> (Talos 1.9+, service log
/// <c>auditd</c>) and the kernel log's <c>audit: type=1326 audit(…): …</c> (Dmesg, with or without the
/// <c>kern:  notice: [&lt;time&gt;]: </c> header and talosctl's <c>&lt;node&gt;: </c> prefix). It also recognises
/// the notices that say records were dropped. A Linux auditd's <c>log_format=ENRICHED</c> lines are read from their
/// raw part (the interpretations after the 0x1D separator are ignored), and <c>ausearch -i</c>'s interpreted form
/// (local-time header, names instead of numbers) is read back to numbers where the names allow.
/// </summary>
/// <remarks>
/// <para>Lines are spans; nothing is allocated for lines that are not seccomp records or that the filter
/// rejects. Fields are found by key, so their order and extra fields (newer kernels, LSM <c>subj</c>) do not
/// matter. A line marked as a seccomp record that cannot be parsed yields an <see cref="AuditParseProblem"/>;
/// the parser never throws for any input.</para>
/// <para>The methods are thread-safe.</para>
/// </remarks>
public static class SeccompAuditParser
{
    private const uint UnsetId = uint.MaxValue;
    private const long MaxUnixSeconds = 253402300799; // 9999-12-31T23:59:59Z, DateTimeOffset's limit.

    private static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    // Field slots, by key.
    private const int Auid = 0, Uid = 1, Gid = 2, Ses = 3, Subj = 4, Pid = 5, Comm = 6, Exe = 7, Sig = 8,
        Arch = 9, SyscallNr = 10, CompatFlag = 11, Ip = 12, CodeField = 13, FieldCount = 14;

    private static readonly string[] FieldNames =
        ["auid", "uid", "gid", "ses", "subj", "pid", "comm", "exe", "sig", "arch", "syscall", "compat", "ip", "code"];

    [ThreadStatic]
    private static DecodeBuffers? t_buffers;

    /// <summary>
    /// Parses one line: a seccomp record becomes an event (if <paramref name="filter"/> keeps it), a loss
    /// notice becomes an <see cref="AuditLossNotice"/>, a broken seccomp record an <see cref="AuditParseProblem"/>;
    /// anything else is <see cref="AuditLineKind.Other"/>.
    /// </summary>
    /// <param name="line">One line or one Dmesg message; a trailing line ending and continuation lines are ignored.</param>
    /// <param name="node">The node the line was read from; a talosctl <c>&lt;node&gt;: </c> prefix on the line takes precedence.</param>
    /// <param name="filter">Which records to keep; null keeps all.</param>
    /// <param name="evt">The event, for <see cref="AuditLineKind.Event"/>.</param>
    /// <param name="problem">Why the line was rejected, for <see cref="AuditLineKind.Malformed"/>.</param>
    /// <param name="loss">The loss notice, for <see cref="AuditLineKind.Loss"/>.</param>
    /// <returns>What the line was.</returns>
    public static AuditLineKind Parse(
        ReadOnlySpan<char> line,
        string? node,
        SeccompAuditFilter? filter,
        out SeccompAuditEvent? evt,
        out AuditParseProblem? problem,
        out AuditLossNotice? loss) =>
        ParseGated(line, node, filter, null, out evt, out problem, out loss);

    /// <summary>
    /// <see cref="Parse(ReadOnlySpan{char}, string?, SeccompAuditFilter?, out SeccompAuditEvent?, out AuditParseProblem?, out AuditLossNotice?)"/>
    /// with a per-node <paramref name="gate"/> that may reject a record by its pid and executable before the event is
    /// allocated (the pod filters of a stream, when the pid's container is already known).
    /// </summary>
    internal static AuditLineKind ParseGated(
        ReadOnlySpan<char> line,
        string? node,
        SeccompAuditFilter? filter,
        AuditRecordGate? gate,
        out SeccompAuditEvent? evt,
        out AuditParseProblem? problem,
        out AuditLossNotice? loss)
    {
        evt = null;
        problem = null;
        loss = null;

        line = TrimLineEnding(line);

        // The cheap reject: everything we care about contains "audit" (audit(, kauditd, audit_lost, "audit: …").
        int audit = line.IndexOf("audit", StringComparison.Ordinal);
        if (audit < 0)
        {
            return AuditLineKind.Other;
        }

        int typeAt = FindRecordType(line, out int typeEnd, out bool isSeccomp);
        if (!isSeccomp)
        {
            return TryParseLoss(line, node, out loss) ? AuditLineKind.Loss : AuditLineKind.Other;
        }

        string? failure = TryParseRecord(line, typeAt, typeEnd, node, filter, gate, out evt);
        if (failure is null)
        {
            return evt is null ? AuditLineKind.Filtered : AuditLineKind.Event;
        }

        problem = new AuditParseProblem
        {
            Node = ResolveNode(line[..typeAt], node),
            Reason = failure,
            Raw = new string(line),
        };
        return AuditLineKind.Malformed;
    }

    /// <summary>
    /// Parses one line and returns true when it is a seccomp record the filter keeps. Loss notices are not
    /// reported here; use <see cref="Parse"/> when they matter.
    /// </summary>
    /// <param name="line">One line or one Dmesg message.</param>
    /// <param name="node">The node the line was read from; a prefix on the line takes precedence.</param>
    /// <param name="filter">Which records to keep; null keeps all.</param>
    /// <param name="evt">The event when the method returns true.</param>
    /// <param name="problem">Set when the line is a malformed seccomp record.</param>
    public static bool TryParse(
        ReadOnlySpan<char> line,
        string? node,
        SeccompAuditFilter? filter,
        out SeccompAuditEvent? evt,
        out AuditParseProblem? problem) =>
        Parse(line, node, filter, out evt, out problem, out _) == AuditLineKind.Event;

    /// <summary>Maps a record's <c>code</c> to the seccomp action: <paramref name="code"/> masked with 0xffff0000.</summary>
    public static SeccompAuditAction ActionFromCode(uint code) => (code & 0xffff0000u) switch
    {
        0x80000000u => SeccompAuditAction.KillProcess,
        0x00000000u => SeccompAuditAction.KillThread,
        0x00030000u => SeccompAuditAction.Trap,
        0x00050000u => SeccompAuditAction.Errno,
        0x7fc00000u => SeccompAuditAction.Notify,
        0x7ff00000u => SeccompAuditAction.Trace,
        0x7ffc0000u => SeccompAuditAction.Log,
        0x7fff0000u => SeccompAuditAction.Allow,
        _ => SeccompAuditAction.Unknown,
    };

    private static ReadOnlySpan<char> TrimLineEnding(ReadOnlySpan<char> line)
    {
        // A Dmesg message keeps its '\n' and may carry continuation lines ("\n SUBSYSTEM=…"): keep the first line.
        int newline = line.IndexOf('\n');
        if (newline >= 0)
        {
            line = line[..newline];
        }

        return line.TrimEnd('\r');
    }

    /// <summary>Finds the first <c>type=</c> token; says whether its value is the seccomp record type.</summary>
    private static int FindRecordType(ReadOnlySpan<char> line, out int valueEnd, out bool isSeccomp)
    {
        isSeccomp = false;
        valueEnd = -1;
        int from = 0;
        while (from < line.Length)
        {
            int at = line[from..].IndexOf("type=", StringComparison.Ordinal);
            if (at < 0)
            {
                return -1;
            }

            at += from;
            if (at > 0 && line[at - 1] != ' ')
            {
                from = at + 5;
                continue;
            }

            int start = at + 5;
            int end = line[start..].IndexOf(' ');
            end = end < 0 ? line.Length : start + end;
            var value = line[start..end];
            isSeccomp = value is "1326" or "SECCOMP" or "UNKNOWN[1326]";
            valueEnd = end;
            return at;
        }

        return -1;
    }

    /// <summary>Returns null on success (evt is null when filtered out), else the reason the record is malformed.</summary>
    private static string? TryParseRecord(
        ReadOnlySpan<char> line, int typeAt, int typeEnd, string? node, SeccompAuditFilter? filter, AuditRecordGate? gate, out SeccompAuditEvent? evt)
    {
        evt = null;
        var rest = line[typeEnd..].TrimStart(' ');
        var source = AuditSource.Dmesg;
        if (rest.StartsWith("msg=", StringComparison.Ordinal))
        {
            source = AuditSource.Auditd;
            rest = rest[4..];
        }

        if (!rest.StartsWith("audit(", StringComparison.Ordinal))
        {
            return "missing the audit(<seconds>.<milliseconds>:<serial>) header";
        }

        rest = rest[6..];
        int close = rest.IndexOf(')');
        if (close < 0)
        {
            return "unterminated audit(…) header";
        }

        // ausearch -i prints the header as local "<%x %T>.<ms>:<serial>" and every value interpreted.
        bool interpreted = false;
        if (!TryParseHeader(rest[..close], out var time, out ulong serial))
        {
            if (!TryParseInterpretedHeader(rest[..close], out time, out serial))
            {
                return $"invalid audit header 'audit({Clip(rest[..close])})'";
            }

            interpreted = true;
        }

        var body = rest[(close + 1)..];
        if (interpreted)
        {
            body = body.TrimStart(' ');
        }

        if (body.IsEmpty || body[0] != ':')
        {
            return "missing ':' after the audit(…) header";
        }

        body = body[1..];

        // log_format=ENRICHED: auditd appends its interpretations after a group separator (auditd-event.c
        // format_enrich). The raw fields before it are what the kernel said; they alone are read.
        int separator = body.IndexOf(EnrichedSeparator);
        if (separator >= 0)
        {
            body = body[..separator];
        }

        Span<int> starts = stackalloc int[FieldCount];
        Span<int> lengths = stackalloc int[FieldCount];
        starts.Fill(-1);
        string? tokenFailure = ScanFields(body, starts, lengths);
        if (tokenFailure is not null)
        {
            return tokenFailure;
        }

        for (int i = 0; i < FieldCount; i++)
        {
            if (i != Subj && starts[i] < 0)
            {
                return $"missing field '{FieldNames[i]}'";
            }
        }

        var fields = new RecordFields(body, starts, lengths);
        if (interpreted)
        {
            return TryParseInterpretedRecord(line, typeAt, node, filter, gate, fields, starts[Subj] >= 0, source, time, serial, out evt);
        }

        if (!TryDecimal(fields[Auid], out ulong auid) || auid > uint.MaxValue) return fields.Invalid(Auid);
        if (!TryDecimal(fields[Uid], out ulong uid) || uid > uint.MaxValue) return fields.Invalid(Uid);
        if (!TryDecimal(fields[Gid], out ulong gid) || gid > uint.MaxValue) return fields.Invalid(Gid);
        if (!TryDecimal(fields[Ses], out ulong ses) || ses > uint.MaxValue) return fields.Invalid(Ses);
        if (!TrySigned(fields[Pid], out long pid) || pid is < int.MinValue or > int.MaxValue) return fields.Invalid(Pid);
        if (!TrySigned(fields[Sig], out long sig) || sig is < int.MinValue or > int.MaxValue) return fields.Invalid(Sig);
        if (!TryHex(fields[Arch], out ulong auditArch) || auditArch > uint.MaxValue) return fields.Invalid(Arch);
        if (!TrySigned(fields[SyscallNr], out long syscallNumber)) return fields.Invalid(SyscallNr);
        var compatText = fields[CompatFlag];
        if (compatText is not ("0" or "1")) return fields.Invalid(CompatFlag);
        if (!TryHex(fields[Ip], out ulong ip)) return fields.Invalid(Ip);
        if (!TryHex(fields[CodeField], out ulong codeValue) || codeValue > uint.MaxValue) return fields.Invalid(CodeField);
        uint code = (uint)codeValue;

        AuditSyscallNameCache.Resolve((uint)auditArch, syscallNumber, out string? architecture, out string? syscall);
        var values = new RecordValues((uint)auid, (uint)uid, (uint)gid, (uint)ses, (int)pid, (int)sig, (uint)auditArch, architecture,
            syscallNumber, syscall, compatText[0] == '1', ip, code);
        return Finish(line, typeAt, node, filter, gate, fields, starts[Subj] >= 0, source, time, serial, values, decodeHex: true, out evt);
    }

    /// <summary>The numeric and looked-up values of one record, however they were printed.</summary>
    private readonly record struct RecordValues(
        uint Auid, uint Uid, uint Gid, uint Session, int Pid, int Signal, uint AuditArch, string? Architecture,
        long SyscallNumber, string? Syscall, bool Compat, ulong Ip, uint Code);

    /// <summary>Decodes the strings, applies the filter and builds the event (null when filtered out).</summary>
    private static string? Finish(
        ReadOnlySpan<char> line, int typeAt, string? node, SeccompAuditFilter? filter, AuditRecordGate? gate, RecordFields fields, bool hasSubject,
        AuditSource source, DateTimeOffset time, ulong serial, in RecordValues values, bool decodeHex, out SeccompAuditEvent? evt)
    {
        evt = null;
        var action = ActionFromCode(values.Code);
        var syscall = values.Syscall;
        long syscallNumber = values.SyscallNumber;

        var buffers = t_buffers ??= new DecodeBuffers();
        var commKind = DecodeValue(fields[Comm], ref buffers.Comm, buffers, decodeHex, out var comm);
        if (commKind == ValueKind.Malformed) return fields.Invalid(Comm);
        var exeKind = DecodeValue(fields[Exe], ref buffers.Exe, buffers, decodeHex, out var exe);
        if (exeKind == ValueKind.Malformed) return fields.Invalid(Exe);

        if (filter is not null && !filter.IsEmpty)
        {
            if (!filter.MatchesAction(action))
            {
                return null;
            }

            if (filter.FiltersSyscall)
            {
                Span<char> number = stackalloc char[24];
                var syscallText = syscall is not null
                    ? syscall.AsSpan()
                    : number[..Format(syscallNumber, number)];
                if (!filter.MatchesSyscall(syscallText))
                {
                    return null;
                }
            }

            if (filter.FiltersProcessName && !filter.MatchesProcessName(commKind == ValueKind.Null ? default : comm))
            {
                return null;
            }

            if (filter.FiltersExecutable && !filter.MatchesExecutable(exeKind == ValueKind.Null ? default : exe))
            {
                return null;
            }
        }

        if (gate is not null && gate.Rejects(values.Pid, exeKind == ValueKind.Null ? default : exe, time))
        {
            return null;
        }

        string? subject = null;
        if (hasSubject)
        {
            var subjKind = DecodeValue(fields[Subj], ref buffers.Subject, buffers, decodeHex, out var subj);
            subject = subjKind switch
            {
                ValueKind.Null or ValueKind.Malformed => null,
                _ => AuditStringCache.Get(subj),
            };
        }

        evt = new SeccompAuditEvent
        {
            Node = ResolveNode(line[..typeAt], node),
            Source = source,
            Time = time,
            Serial = serial,
            Pid = values.Pid,
            ProcessName = commKind == ValueKind.Null ? null : AuditStringCache.Get(comm),
            Executable = exeKind == ValueKind.Null ? null : AuditStringCache.Get(exe),
            Uid = values.Uid,
            Gid = values.Gid,
            Auid = values.Auid == UnsetId ? null : values.Auid,
            Session = values.Session == UnsetId ? null : values.Session,
            Architecture = values.Architecture,
            AuditArch = values.AuditArch,
            SyscallNumber = syscallNumber,
            Syscall = syscall,
            Compat = values.Compat,
            InstructionPointer = values.Ip,
            Action = action,
            Code = values.Code,
            Signal = values.Signal,
            Subject = subject,
            Raw = new string(line),
        };
        return null;
    }

    /// <summary>auditd's AUDIT_INTERP_SEPARATOR (lib/libaudit.h): where a log_format=ENRICHED line's interpretations start.</summary>
    private const char EnrichedSeparator = '\u001d';

    // ausearch-report.c prints the header time with strftime("%x %T") in the local zone and locale: %x is
    // MM/DD/YY in the C locale, MM/DD/YYYY in en_US; ISO and German dates are read too.
    private static readonly string[] InterpretedTimeFormats =
        ["MM/dd/yyyy HH:mm:ss", "MM/dd/yy HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "dd.MM.yyyy HH:mm:ss"];

    // auparse/seccomptab.h: the names print_seccomp_code gives the action bits ("kill" before audit 3.1.2).
    private static readonly (string Name, uint Code)[] InterpretedCodes =
    [
        ("kill-process", 0x80000000u), ("kill-thread", 0x00000000u), ("kill", 0x00000000u), ("trap", 0x00030000u),
        ("errno", 0x00050000u), ("user-notify", 0x7fc00000u), ("trace", 0x7ff00000u), ("log", 0x7ffc0000u), ("allow", 0x7fff0000u),
    ];

    // auparse/signaltab.h, in signal-number order (30 is misspelt upstream; the second spelling is the right one).
    private static readonly string[] SignalNames =
    [
        "SIG0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "IGPWR", "SIGSYS",
    ];

    /// <summary>Parses ausearch -i's "&lt;local date&gt; &lt;time&gt;.&lt;ms&gt;:&lt;serial&gt;".</summary>
    private static bool TryParseInterpretedHeader(ReadOnlySpan<char> header, out DateTimeOffset time, out ulong serial)
    {
        time = default;
        serial = 0;
        int colon = header.LastIndexOf(':');
        if (colon < 0 || !TryDecimal(header[(colon + 1)..], out serial))
        {
            return false;
        }

        var stamp = header[..colon];
        int dot = stamp.LastIndexOf('.');
        if (dot < 0 || !TryDecimal(stamp[(dot + 1)..], out ulong milliseconds) || milliseconds > 999
            || !DateTime.TryParseExact(stamp[..dot], InterpretedTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
        {
            return false;
        }

        time = new DateTimeOffset(local).ToUniversalTime().AddMilliseconds(milliseconds);
        return true;
    }

    /// <summary>
    /// The values of an <c>ausearch -i</c> record, where auditd printed names instead of numbers
    /// (auparse/interpret.c): ids as user names (<c>root</c>, <c>unset</c>, <c>unknown(1000)</c>), the
    /// architecture and syscall by name, the signal and the action by name.
    /// </summary>
    private static string? TryParseInterpretedRecord(
        ReadOnlySpan<char> line, int typeAt, string? node, SeccompAuditFilter? filter, AuditRecordGate? gate, RecordFields fields, bool hasSubject,
        AuditSource source, DateTimeOffset time, ulong serial, out SeccompAuditEvent? evt)
    {
        evt = null;
        if (!TryInterpretedId(fields[Auid], out uint auid)) return fields.Invalid(Auid);
        if (!TryInterpretedId(fields[Uid], out uint uid)) return fields.Invalid(Uid);
        if (!TryInterpretedId(fields[Gid], out uint gid)) return fields.Invalid(Gid);
        // print_session: 4294967295 prints as unset, anything else as the number.
        uint ses = UnsetId;
        if (!fields[Ses].SequenceEqual("unset"))
        {
            if (!TryDecimal(fields[Ses], out ulong sesValue) || sesValue > uint.MaxValue) return fields.Invalid(Ses);
            ses = (uint)sesValue;
        }
        if (!TrySigned(fields[Pid], out long pid) || pid is < int.MinValue or > int.MaxValue) return fields.Invalid(Pid);
        if (!TryInterpretedSignal(fields[Sig], out int sig)) return fields.Invalid(Sig);
        var compatText = fields[CompatFlag];
        if (compatText is not ("0" or "1")) return fields.Invalid(CompatFlag);
        if (!TryHex(fields[Ip], out ulong ip)) return fields.Invalid(Ip);
        if (!TryInterpretedCode(fields[CodeField], out uint code)) return fields.Invalid(CodeField);
        if (!TryInterpretedArchitecture(fields[Arch], out uint auditArch, out var arch)) return fields.Invalid(Arch);

        string? architecture = arch?.Name;
        string? syscall = null;
        long syscallNumber = -1;
        var syscallText = fields[SyscallNr];
        if (TryUnwrap(syscallText, "unknown-syscall", out var inner) && TrySigned(inner, out syscallNumber))
        {
            // auditd's table lacked the number; ours may not.
            AuditSyscallNameCache.Resolve(auditArch, syscallNumber, out architecture, out syscall);
        }
        else if (TrySigned(syscallText, out syscallNumber))
        {
            AuditSyscallNameCache.Resolve(auditArch, syscallNumber, out architecture, out syscall);
        }
        else
        {
            // "socketcall(socket)" and "ipc(semop)" name the multiplexer first.
            int paren = syscallText.IndexOf('(');
            var name = paren > 0 ? syscallText[..paren] : syscallText;
            if (name.IsEmpty || name.ContainsAnyExcept(SyscallNameChars)) return fields.Invalid(SyscallNr);
            // The number comes from our table for that architecture; a name it lacks keeps auditd's name, number -1.
            syscall = AuditStringCache.Get(name);
            if (arch is null || !SyscallTables.TryGetNumber(arch, syscall, out syscallNumber))
            {
                syscallNumber = -1;
            }
        }

        var values = new RecordValues(auid, uid, gid, ses, (int)pid, sig, auditArch, architecture, syscallNumber, syscall, compatText[0] == '1', ip, code);
        return Finish(line, typeAt, node, filter, gate, fields, hasSubject, source, time, serial, values, decodeHex: false, out evt);
    }

    private static readonly System.Buffers.SearchValues<char> SyscallNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    /// <summary>
    /// An id as aulookup_uid/gid print it: unset, root, unknown(N) or the number. Another name is a local account
    /// of the machine that ran ausearch, which cannot be mapped back: it reads as unset (4294967295).
    /// </summary>
    private static bool TryInterpretedId(ReadOnlySpan<char> text, out uint id)
    {
        id = UnsetId;
        if (text.SequenceEqual("root"))
        {
            id = 0;
            return true;
        }

        if (TryUnwrap(text, "unknown", out var inner))
        {
            text = inner;
        }

        if (TryDecimal(text, out ulong number))
        {
            if (number > uint.MaxValue)
            {
                return false;
            }

            id = (uint)number;
            return true;
        }

        // unset, or an account name (POSIX portable names plus the '-', '.', '$' systems allow).
        return !text.IsEmpty && !text.ContainsAny(' ', '=', '(');
    }

    private static bool TryInterpretedSignal(ReadOnlySpan<char> text, out int signal)
    {
        signal = 0;
        for (int i = 0; i < SignalNames.Length; i++)
        {
            if (text.SequenceEqual(SignalNames[i]))
            {
                signal = i;
                return true;
            }
        }

        if (text.SequenceEqual("SIGPWR"))
        {
            signal = 30;
            return true;
        }

        if (TryUnwrap(text, "unknown-signal", out var inner))
        {
            text = inner;
        }

        ulong value;
        bool ok = text.StartsWith("0x", StringComparison.Ordinal) ? TryHex(text, out value) : TryDecimal(text, out value);
        if (!ok || value > int.MaxValue)
        {
            return false;
        }

        signal = (int)value;
        return true;
    }

    private static bool TryInterpretedCode(ReadOnlySpan<char> text, out uint code)
    {
        code = 0;
        foreach (var (name, value) in InterpretedCodes)
        {
            if (text.SequenceEqual(name))
            {
                code = value;
                return true;
            }
        }

        if (TryUnwrap(text, "unknown-seccomp-code", out var inner))
        {
            text = inner;
        }

        if (!TryHex(text, out ulong raw) || raw > uint.MaxValue)
        {
            return false;
        }

        code = (uint)raw;
        return true;
    }

    /// <summary>An architecture as print_arch names it (audit_machine_to_name), or unknown-elf-type(&lt;hex&gt;).</summary>
    private static bool TryInterpretedArchitecture(ReadOnlySpan<char> text, out uint auditArch, out SeccompArchitecture? architecture)
    {
        auditArch = 0;
        architecture = null;
        if (TryUnwrap(text, "unknown-elf-type", out var inner) || TryHex(text, out _))
        {
            var hex = inner.IsEmpty ? text : inner;
            if (!TryHex(hex, out ulong value) || value > uint.MaxValue)
            {
                return false;
            }

            auditArch = (uint)value;
            if (SyscallTables.TryGetArchitectureFromAudit(auditArch, 0, out var found))
            {
                architecture = found;
            }

            return true;
        }

        // lib/machinetab.h lists "armeb" first for MACH_ARM, which is any AUDIT_ARCH_ARM (little-endian) record.
        var name = text.SequenceEqual("armeb") ? "arm" : AuditStringCache.Get(text);
        if (!SyscallTables.TryGetArchitecture(name, out var known))
        {
            return false;
        }

        architecture = known;
        auditArch = known.AuditArch;
        return true;
    }

    /// <summary>"prefix(inner)" → inner.</summary>
    private static bool TryUnwrap(ReadOnlySpan<char> text, string prefix, out ReadOnlySpan<char> inner)
    {
        inner = default;
        if (text.Length < prefix.Length + 2 || !text.StartsWith(prefix, StringComparison.Ordinal) || text[prefix.Length] != '(' || text[^1] != ')')
        {
            return false;
        }

        inner = text[(prefix.Length + 1)..^1];
        return true;
    }

    // Ticks (100 ns) per unit of each fraction digit: tenths, hundredths, … down to 100 ns.
    private static readonly long[] FractionTicks = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>Parses "&lt;seconds&gt;[.&lt;fraction&gt;]:&lt;serial&gt;".</summary>
    private static bool TryParseHeader(ReadOnlySpan<char> header, out DateTimeOffset time, out ulong serial)
    {
        time = default;
        serial = 0;
        int colon = header.IndexOf(':');
        if (colon < 0 || !TryDecimal(header[(colon + 1)..], out serial))
        {
            return false;
        }

        var stamp = header[..colon];
        int dot = stamp.IndexOf('.');
        var secondsText = dot < 0 ? stamp : stamp[..dot];
        if (!TryDecimal(secondsText, out ulong seconds) || seconds > MaxUnixSeconds)
        {
            return false;
        }

        long ticks = 0;
        if (dot >= 0)
        {
            // The kernel prints milliseconds as three digits; read any digit count as a decimal fraction.
            var fraction = stamp[(dot + 1)..];
            if (fraction.IsEmpty)
            {
                return false;
            }

            for (int i = 0; i < fraction.Length; i++)
            {
                char c = fraction[i];
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }

                if (i < FractionTicks.Length)
                {
                    ticks += (c - '0') * FractionTicks[i];
                }
            }
        }

        time = DateTimeOffset.FromUnixTimeSeconds((long)seconds).AddTicks(ticks);
        return true;
    }

    /// <summary>
    /// Records where each known key's value sits in <paramref name="body"/>. A token without '=' continues the
    /// previous value: AppArmor contexts print as <c>subj=profile (enforce)</c>.
    /// </summary>
    private static string? ScanFields(ReadOnlySpan<char> body, Span<int> starts, Span<int> lengths)
    {
        int last = -1;
        int i = 0;
        while (i < body.Length)
        {
            if (body[i] == ' ')
            {
                i++;
                continue;
            }

            int tokenStart = i;
            int equals = -1;
            while (i < body.Length && body[i] != ' ' && body[i] != '=')
            {
                i++;
            }

            if (i < body.Length && body[i] == '=')
            {
                equals = i;
            }

            if (equals < 0)
            {
                if (last >= 0)
                {
                    lengths[last] = i - starts[last];
                }

                continue;
            }

            int valueStart = equals + 1;
            i = valueStart;
            if (i < body.Length && body[i] == '"')
            {
                int closing = body[(i + 1)..].IndexOf('"');
                if (closing < 0)
                {
                    return $"unterminated quoted value in field '{Clip(body[tokenStart..equals])}'";
                }

                i += closing + 2;
            }

            while (i < body.Length && body[i] != ' ')
            {
                i++;
            }

            last = FieldIndex(body[tokenStart..equals]);
            if (last >= 0)
            {
                starts[last] = valueStart;
                lengths[last] = i - valueStart;
            }
        }

        return null;
    }

    private static int FieldIndex(ReadOnlySpan<char> key) => key switch
    {
        "auid" => Auid,
        "uid" => Uid,
        "gid" => Gid,
        "ses" => Ses,
        "subj" => Subj,
        "pid" => Pid,
        "comm" => Comm,
        "exe" => Exe,
        "sig" => Sig,
        "arch" => Arch,
        "syscall" => SyscallNr,
        "compat" => CompatFlag,
        "ip" => Ip,
        "code" => CodeField,
        _ => -1,
    };

    private static string Clip(ReadOnlySpan<char> text) =>
        text.Length <= 64 ? new string(text) : string.Concat(text[..64], "…");

    // Hand-rolled because the framework's culture-aware TryParse costs more than the rest of a field's parse.
    private static bool TryDecimal(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
        {
            return false;
        }

        foreach (char c in text)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9)
            {
                return false;
            }

            // Only a 20-digit number can overflow; the bounds are constants, so no division at run time.
            if (value >= ulong.MaxValue / 10 && (value > ulong.MaxValue / 10 || digit > ulong.MaxValue % 10))
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    private static bool TrySigned(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        bool negative = !text.IsEmpty && text[0] == '-';
        if (!TryDecimal(negative ? text[1..] : text, out ulong magnitude)
            || magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    private static bool TryHex(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.Length > 2 && text[0] == '0' && (text[1] | 0x20) == 'x')
        {
            text = text[2..];
        }

        if (text.IsEmpty || text.Length > 16)
        {
            return false;
        }

        foreach (char c in text)
        {
            int digit = c is >= '0' and <= '9' ? c - '0' : (c | 0x20) is >= 'a' and <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        return true;
    }

    private static int Format(long number, Span<char> destination) =>
        number.TryFormat(destination, out int written, default, CultureInfo.InvariantCulture) ? written : 0;

    private enum ValueKind { Text, Null, Malformed }

    /// <summary>
    /// Untrusted strings (comm, exe) are <c>"quoted"</c> when every byte is printable, else uppercase hex of the
    /// raw bytes (decoded here as UTF-8); <c>(null)</c> means absent. Anything else is kept as printed.
    /// </summary>
    private static ValueKind DecodeValue(ReadOnlySpan<char> raw, ref char[] charBuffer, DecodeBuffers buffers, bool decodeHex, out ReadOnlySpan<char> text)
    {
        text = raw;
        if (raw.Length > 0 && raw[0] == '"')
        {
            if (raw.Length < 2 || raw[^1] != '"')
            {
                return ValueKind.Malformed;
            }

            text = raw[1..^1];
            return ValueKind.Text;
        }

        if (raw.SequenceEqual("(null)"))
        {
            return ValueKind.Null;
        }

        // ausearch -i has already decoded hex; "cafe" there is a name, not two bytes.
        if (!decodeHex || raw.Length == 0 || (raw.Length & 1) != 0 || raw.ContainsAnyExcept(HexDigits))
        {
            return ValueKind.Text;
        }

        int byteCount = raw.Length / 2;
        if (buffers.Bytes.Length < byteCount)
        {
            buffers.Bytes = new byte[Math.Max(byteCount, buffers.Bytes.Length * 2)];
        }

        var bytes = buffers.Bytes.AsSpan(0, byteCount);
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((HexValue(raw[2 * i]) << 4) | HexValue(raw[(2 * i) + 1]));
        }

        if (charBuffer.Length < byteCount)
        {
            charBuffer = new char[Math.Max(byteCount, charBuffer.Length * 2)];
        }

        int chars = Encoding.UTF8.GetChars(bytes, charBuffer);
        text = charBuffer.AsSpan(0, chars);
        return ValueKind.Text;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static readonly System.Buffers.SearchValues<char> HexDigits =
        System.Buffers.SearchValues.Create("0123456789ABCDEFabcdef");

    /// <summary>The node named by the line's prefix (talosctl's "&lt;node&gt;: ", auditd's "node=…"), else <paramref name="fallback"/>.</summary>
    private static string? ResolveNode(ReadOnlySpan<char> prefix, string? fallback)
    {
        var node = NodeFromPrefix(prefix);
        return node.IsEmpty ? fallback : AuditStringCache.Get(node);
    }

    private static ReadOnlySpan<char> NodeFromPrefix(ReadOnlySpan<char> prefix)
    {
        prefix = prefix.Trim(' ');
        if (prefix.EndsWith("audit:", StringComparison.Ordinal))
        {
            prefix = prefix[..^6].TrimEnd(' ');
        }

        if (prefix.IsEmpty)
        {
            return default;
        }

        // Talos kernel log: "[<node>: ]<facility>: <priority>: [<RFC3339Nano>]:"
        if (prefix.EndsWith("]:", StringComparison.Ordinal))
        {
            int open = prefix.LastIndexOf('[');
            if (open < 0)
            {
                return default;
            }

            var head = prefix[..open].TrimEnd(' ');
            if (!TryStripLastWord(ref head, out _) || !TryStripLastWord(ref head, out var facility) || !IsFacility(facility))
            {
                return default;
            }

            prefix = head;
            if (prefix.IsEmpty)
            {
                return default;
            }
        }

        // "<node>:" (talosctl) or "node=<name>" (auditd name_format), one token only.
        if (prefix.Contains(' '))
        {
            return default;
        }

        if (prefix.StartsWith("node=", StringComparison.Ordinal))
        {
            return prefix[5..];
        }

        return prefix.Length > 1 && prefix[^1] == ':' ? prefix[..^1] : default;
    }

    /// <summary>Removes "word:" from the end of "… word:"; the word may be right-aligned with spaces.</summary>
    private static bool TryStripLastWord(ref ReadOnlySpan<char> text, out ReadOnlySpan<char> word)
    {
        word = default;
        text = text.TrimEnd(' ');
        if (text.IsEmpty || text[^1] != ':')
        {
            return false;
        }

        text = text[..^1].TrimEnd(' ');
        int space = text.LastIndexOf(' ');
        word = space < 0 ? text : text[(space + 1)..];
        text = space < 0 ? default : text[..space];
        return !word.IsEmpty;
    }

    private static bool IsFacility(ReadOnlySpan<char> word)
    {
        foreach (var facility in Facilities)
        {
            if (word.SequenceEqual(facility))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseLoss(ReadOnlySpan<char> line, string? node, out AuditLossNotice? loss)
    {
        loss = null;
        AuditLossKind kind;
        long? count = null;
        int at;
        if ((at = line.IndexOf("kauditd_printk_skb:", StringComparison.Ordinal)) >= 0)
        {
            kind = AuditLossKind.PrintkSuppressed;
            var after = line[(at + "kauditd_printk_skb:".Length)..].TrimStart(' ');
            int end = after.IndexOf(' ');
            if (end < 0 || !after[end..].TrimStart(' ').StartsWith("callbacks suppressed", StringComparison.Ordinal)
                || !long.TryParse(after[..end], NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                return false;
            }

            count = n;
        }
        else if ((at = line.IndexOf("audit_lost=", StringComparison.Ordinal)) >= 0)
        {
            kind = AuditLossKind.LostTotal;
            var after = line[(at + "audit_lost=".Length)..];
            int end = after.IndexOf(' ');
            if (!long.TryParse(end < 0 ? after : after[..end], NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                return false;
            }

            count = n;
        }
        else if ((at = line.IndexOf("audit: backlog limit exceeded", StringComparison.Ordinal)) >= 0)
        {
            kind = AuditLossKind.BacklogLimitExceeded;
        }
        else if ((at = line.IndexOf("audit backlog limit reached", StringComparison.Ordinal)) >= 0)
        {
            // Talos's auditd (internal/app/auditd) writes this line when its netlink socket overflows (ENOBUFS).
            kind = AuditLossKind.BacklogLimitExceeded;
        }
        else if ((at = line.IndexOf("audit: rate limit exceeded", StringComparison.Ordinal)) >= 0)
        {
            kind = AuditLossKind.RateLimitExceeded;
        }
        else if ((at = line.IndexOf("audit: kauditd hold queue overflow", StringComparison.Ordinal)) >= 0)
        {
            kind = AuditLossKind.HoldQueueOverflow;
        }
        else
        {
            return false;
        }

        loss = new AuditLossNotice
        {
            Node = ResolveNode(line[..at], node),
            Kind = kind,
            Count = count,
            Raw = new string(line),
        };
        return true;
    }

    /// <summary>Where each known field's value sits in the record body.</summary>
    private readonly ref struct RecordFields(ReadOnlySpan<char> body, Span<int> starts, Span<int> lengths)
    {
        private readonly ReadOnlySpan<char> _body = body;
        private readonly Span<int> _starts = starts;
        private readonly Span<int> _lengths = lengths;

        public ReadOnlySpan<char> this[int field] => _body.Slice(_starts[field], _lengths[field]);

        public string Invalid(int field) => $"field '{FieldNames[field]}' has an invalid value '{Clip(this[field])}'";
    }

    private sealed class DecodeBuffers
    {
        public byte[] Bytes = new byte[256];
        public char[] Comm = new char[64];
        public char[] Exe = new char[256];
        public char[] Subject = new char[64];
    }
}
