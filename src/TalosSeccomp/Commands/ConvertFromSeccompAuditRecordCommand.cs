using System.Management.Automation;
using TalosSeccomp.Audit;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Commands;

/// <summary>Converts kernel seccomp audit records from saved logs into SeccompAuditEvent objects.</summary>
/// <remarks>
/// <para>ConvertFrom-SeccompAuditRecord reads text lines, such as the Talos auditd service log (type=SECCOMP
/// msg=audit(...): ...), the output of talosctl dmesg with its node prefix, util-linux dmesg or journal output, and
/// turns every seccomp audit record (type 1326) into a TalosSeccomp.Audit.SeccompAuditEvent object. Each object holds
/// the time, node, process, executable, architecture, syscall name and the seccomp action.</para>
/// <para>Logs of a Linux auditd work too: the default raw format, log_format=ENRICHED lines (the interpretations auditd
/// appends after a 0x1D separator are ignored; the kernel's raw fields before it are read), and the interpreted output
/// of ausearch -i (msg=audit(12/02/2026 10:11:12.123:456) : ... arch=x86_64 syscall=mkdir ... code=log). ausearch -i
/// prints local time in the locale's date format; MM/DD/YY, MM/DD/YYYY (C and en_US locales), YYYY-MM-DD and DD.MM.YYYY
/// are read, in this computer's time zone. It also prints user names instead of ids: root, unset and unknown(N) are
/// read back, another account name gives Uid 4294967295. Run ausearch -i with LC_ALL=C and TZ set as on the logging
/// host, or use ausearch without -i, for exact values.</para>
/// <para>Lines that are not seccomp records are skipped. A line that looks like a seccomp record but cannot be parsed
/// becomes a warning. So does a notice that the kernel dropped audit records (kauditd_printk_skb: N callbacks
/// suppressed, audit_lost=N, backlog limit exceeded), because a recording built from that log is incomplete.</para>
/// <para>The ProcessName, Executable, Syscall and Action parameters accept wildcards. They filter records before
/// objects are created, so filtering large logs is fast. A line can hold several records separated by line breaks, so
/// Get-Content -Raw works too.</para>
/// <para>The node of each event comes from the line's talosctl prefix ("10.5.0.3: ..."). If the line has no prefix, the
/// Node parameter supplies it.</para>
/// </remarks>
/// <example>
/// <code>Get-Content ./auditd.log | ConvertFrom-SeccompAuditRecord -Node 10.5.0.3</code>
/// <para>Converts a saved Talos auditd service log to events and tags each one with the node it came from.</para>
/// </example>
/// <example>
/// <code>talosctl -n 10.5.0.3 dmesg | ConvertFrom-SeccompAuditRecord -Action Kill* | Group-Object Syscall -NoElement</code>
/// <para>Counts, by syscall, the calls that a seccomp profile killed on the node. Kernel lines that are not seccomp
/// records are skipped.</para>
/// </example>
/// <example>
/// <code>Get-Content ./dmesg.txt | ConvertFrom-SeccompAuditRecord -ProcessName nginx -Action Log | Sort-Object Syscall -Unique | Select-Object Architecture, Syscall</code>
/// <para>Lists the distinct syscalls that nginx made under a logging (SCMP_ACT_LOG) profile, which is the starting
/// point of a least-privilege profile.</para>
/// </example>
/// <example>
/// <code>Get-Content ./auditd.log -Raw | ConvertFrom-SeccompAuditRecord -Syscall open*, execve -WarningVariable lost | Format-List</code>
/// <para>Shows every field of the open and execve records, and collects the parse and loss warnings in $lost.</para>
/// </example>
[Cmdlet(VerbsData.ConvertFrom, "SeccompAuditRecord", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompAuditEvent))]
public sealed class ConvertFromSeccompAuditRecordCommand : TalosSeccompCmdlet
{
    private SeccompAuditFilter? _filter;
    private long _events;
    private long _filtered;
    private long _malformed;
    private long _losses;

    /// <summary>The log lines to convert: auditd log lines, Dmesg lines with or without the talosctl node prefix, or
    /// several lines in one string.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    [AllowNull]
    public string[]? InputObject { get; set; }

    /// <summary>Keeps only records whose process name (comm) matches one of these wildcard patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ProcessName { get; set; }

    /// <summary>Keeps only records whose executable path matches one of these wildcard patterns. A record without an
    /// executable is matched as an empty string.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Executable { get; set; }

    /// <summary>Keeps only records whose syscall name matches one of these wildcard patterns. A syscall number that no
    /// table names is matched as its decimal number.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SyscallNameCompleter))]
    public string[]? Syscall { get; set; }

    /// <summary>Keeps only records with one of these seccomp actions: KillProcess, KillThread, Trap, Errno, Notify,
    /// Trace, Log, Allow or Unknown. The names New-SeccompRule takes (Kill for KillThread, SCMP_ACT_* spellings) work
    /// too. Wildcards are allowed, for example Kill*.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SeccompAuditActionCompleter))]
    public string[]? Action { get; set; }

    /// <summary>The node to record on events from lines that have no talosctl "&lt;node&gt;: " prefix.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Node { get; set; }

    /// <summary>Compiles the filter once.</summary>
    protected override void BeginProcessing()
    {
        try
        {
            var filter = new SeccompAuditFilter(ProcessName, Executable, Syscall, Action);
            _filter = filter.IsEmpty ? null : filter;
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }

    /// <summary>Converts each line of each input string.</summary>
    protected override void ProcessRecord()
    {
        if (InputObject is null)
        {
            return;
        }

        foreach (string? text in InputObject)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            foreach (var line in text.AsSpan().EnumerateLines())
            {
                ConvertLine(line);
            }
        }
    }

    /// <summary>Summarises what was read.</summary>
    protected override void EndProcessing() =>
        WriteVerbose($"{_events} seccomp events written, {_filtered} filtered out, {_malformed} malformed records, {_losses} loss notices.");

    private void ConvertLine(ReadOnlySpan<char> line)
    {
        switch (SeccompAuditParser.Parse(line, Node, _filter, out var evt, out var problem, out var loss))
        {
            case AuditLineKind.Event:
                _events++;
                WriteObject(evt);
                break;
            case AuditLineKind.Filtered:
                _filtered++;
                break;
            case AuditLineKind.Malformed:
                _malformed++;
                WriteWarning(problem!.ToString());
                break;
            case AuditLineKind.Loss:
                _losses++;
                WriteWarning(loss!.ToString());
                break;
        }
    }
}
