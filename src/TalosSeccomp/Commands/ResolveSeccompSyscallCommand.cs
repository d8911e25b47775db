using System.Globalization;
using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Commands;

/// <summary>Resolves syscall names to numbers and numbers to names on one or more architectures, as libseccomp
/// does.</summary>
/// <remarks>
/// <para>Resolve-SeccompSyscall looks syscalls up in the tables TalosSeccomp carries for every architecture libseccomp
/// knows (x86_64, aarch64, x32, x86, arm, riscv64, ppc64le, s390x, loongarch64, m68k, sh, the MIPS and PA-RISC ABIs,
/// ...). The tables are generated from libseccomp's syscall table (src/syscalls.csv, vendored with the module's build
/// tools; it covers syscalls up to Linux 7.1, such as mseal, listmount and file_getattr), so the answers are the ones
/// seccomp profiles and audit records use. Each result also has KernelVersion, the Linux version that added the
/// syscall on that architecture where libseccomp's table records it; the current table records none yet, so it is
/// empty.</para>
/// <para>By default it answers for x86_64 and aarch64, the architectures Talos Linux runs on. Use -Architecture to name
/// others, by libseccomp name (x32), profile name (SCMP_ARCH_PPC64LE) or common alias (amd64, arm64, i686); wildcards
/// are allowed and * means every architecture.</para>
/// <para>-Name accepts wildcards (epoll*) and, like scmp_sys_resolver, numbers: a value that is a decimal or
/// 0x-prefixed
/// hexadecimal number is resolved as a number. Names are matched without regard to case. Syscall numbers include
/// the ABI's offset, so x32's read is 0x40000000 (1073741824) and MIPS o32's read is 4003.</para>
/// <para>A name or number that is not a syscall on an architecture writes a non-terminating SyscallNotFound error
/// naming
/// both; a wildcard that matches nothing writes nothing. An unknown architecture writes an UnknownArchitecture
/// error.</para>
/// </remarks>
/// <example>
/// <code>Resolve-SeccompSyscall -Name execve, openat</code>
/// <para>Shows the numbers of execve and openat on x86_64 and aarch64.</para>
/// </example>
/// <example>
/// <code>Resolve-SeccompSyscall -Number 56 -Architecture arm64</code>
/// <para>Names syscall 56 on aarch64 (openat), for instance from an audit record.</para>
/// </example>
/// <example>
/// <code>Resolve-SeccompSyscall 'epoll*' -Architecture *</code>
/// <para>Lists every epoll syscall on every architecture.</para>
/// </example>
/// <example>
/// <code>'read', 'write', 59 | Resolve-SeccompSyscall -Architecture x32</code>
/// <para>Resolves names and a number from the pipeline on the x32 ABI; 59 is resolved as a number.</para>
/// </example>
/// <example>
/// <code>Resolve-SeccompSyscall open -Architecture x86_64, aarch64 -ErrorAction SilentlyContinue</code>
/// <para>Resolves open where it exists (x86_64) and suppresses the error for aarch64, which only has openat.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Resolve, "SeccompSyscall", DefaultParameterSetName = NameSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SyscallInfo))]
public sealed class ResolveSeccompSyscallCommand : TalosSeccompCmdlet
{
    private const string NameSet = "Name";
    private const string NumberSet = "Number";

    /// <summary>
    /// Syscall names to resolve to numbers; wildcards are allowed and case is ignored. A value that is a number
    /// (decimal, or hexadecimal with 0x) is resolved to a name instead. Accepts pipeline input, also from the
    /// Name or Syscall property of objects such as audit records.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Syscall")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SyscallNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Syscall numbers to resolve to names, with the ABI's offset (x32 read is 1073741824; MIPS o32 read is
    /// 4003).</summary>
    [Parameter(Mandatory = true, ParameterSetName = NumberSet)]
    public long[] Number { get; set; } = [];

    /// <summary>
    /// The architectures to answer for: libseccomp names (x86_64, aarch64, x32, ...), SCMP_ARCH_* names or aliases
    /// (amd64, arm64, i686, ...); wildcards are allowed and * means all. Defaults to x86_64 and aarch64, the
    /// architectures Talos Linux runs on. Accepts the Architecture property of piped objects.
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Arch")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SeccompArchitectureCompleter))]
    public string[]? Architecture { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var architectures = ArchitectureArgument.Expand(Architecture, ex => WriteEngineError(ex));
        if (ParameterSetName == NumberSet)
        {
            foreach (var number in Number)
            {
                ResolveNumber(number, architectures);
            }

            return;
        }

        foreach (var value in Name)
        {
            if (TryParseNumber(value, out var number))
            {
                ResolveNumber(number, architectures);
            }
            else if (CompilePattern(value) is not { } pattern)
            {
                continue;
            }
            else if (pattern.HasWildcards)
            {
                foreach (var architecture in architectures)
                {
                    foreach (var syscall in SyscallTables.GetSyscalls(architecture.Name))
                    {
                        if (pattern.IsMatch(syscall.Name))
                        {
                            WriteObject(syscall);
                        }
                    }
                }
            }
            else
            {
                foreach (var architecture in architectures)
                {
                    Write(() => SyscallTables.GetSyscall(architecture.Name, value.Trim()));
                }
            }
        }
    }

    /// <summary>The name as a case-insensitive pattern, or null (and an error) when it is no valid pattern.</summary>
    private Wildcard? CompilePattern(string value)
    {
        try
        {
            return Wildcard.Compile(value, ignoreCase: true, target: value);
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex);
            return null;
        }
    }

    private void ResolveNumber(long number, List<SeccompArchitecture> architectures)
    {
        foreach (var architecture in architectures)
        {
            Write(() => SyscallTables.GetSyscall(architecture.Name, number));
        }
    }

    private void Write(Func<SyscallInfo> lookup)
    {
        try
        {
            WriteObject(lookup());
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex);
        }
    }

    /// <summary>Decimal, or hexadecimal with a 0x prefix, as scmp_sys_resolver reads a number argument.</summary>
    private static bool TryParseNumber(string value, out long number)
    {
        var text = value.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out number);
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
    }
}
