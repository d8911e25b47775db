using BenchmarkDotNet.Attributes;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Benchmarks;

/// <summary>Syscall table lookups as the audit parser and the profile validator make them.</summary>
[MemoryDiagnoser]
public class SyscallsBenchmarks
{
    private string[] _names = [];
    private long[] _numbers = [];

    /// <summary>Every x86_64 syscall, by name and by number.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var syscalls = SyscallTables.GetSyscalls("x86_64");
        _names = syscalls.Select(s => s.Name).ToArray();
        _numbers = syscalls.Select(s => s.Number).ToArray();
    }

    /// <summary>Name to number for every x86_64 syscall, architecture given by SCMP name as in a profile.</summary>
    [Benchmark]
    public long NameToNumber()
    {
        long sum = 0;
        foreach (var name in _names)
        {
            SyscallTables.TryGetNumber("SCMP_ARCH_X86_64", name, out var number);
            sum += number;
        }

        return sum;
    }

    /// <summary>AUDIT_ARCH and number to name for every x86_64 syscall, as for audit records.</summary>
    [Benchmark]
    public int AuditNumberToName()
    {
        var length = 0;
        foreach (var number in _numbers)
        {
            if (SyscallTables.TryGetArchitectureFromAudit(0xc000003e, number, out var arch) && SyscallTables.TryGetName(arch, number, out var name))
            {
                length += name.Length;
            }
        }

        return length;
    }

    /// <summary>The validator's "is this a syscall anywhere" check for every x86_64 name.</summary>
    [Benchmark]
    public int KnownOnAnyArchitecture() => _names.Count(SyscallTables.IsKnownOnAnyArchitecture);
}
