using CsCheck;
using TalosSeccomp.Profiles;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Tests.Profiles;

/// <summary>One call the probe makes: ABI ("64" or "i386"), syscall name, arguments.</summary>
internal sealed record ProbeCall(string Abi, string Syscall, ulong[] Args)
{
    public string Architecture => Abi == "i386" ? "x86" : "x86_64";

    public string Line => $"{Abi} {SyscallTables.GetSyscall(Architecture, Syscall).Number} {string.Join(' ', Args.Select(a => "0x" + a.ToString("x")))}";

    public override string ToString() => $"{Syscall}({string.Join(", ", Args.Select(a => "0x" + a.ToString("x")))}) [{Architecture}]";
}

/// <summary>
/// Random small profiles over a few syscalls whose results are easy to tell apart from seccomp's (invalid
/// arguments give EINVAL, EBADF, EFAULT or ESRCH when the call runs), and the calls that probe them.
/// </summary>
internal static class ProbeProfiles
{
    /// <summary>Syscalls the random rules are about; everything else is allowed so that runc and the probe run.</summary>
    public static readonly string[] Probed = ["getpriority", "socket", "personality", "clone3", "setns", "acct", "getpgid", "unshare", "ioprio_get"];

    /// <summary>
    /// Argument values the conditions draw from. None above 32 bits: on 32-bit architectures libseccomp compares
    /// the low 32 bits, so such a condition means something else there, which one rule cannot say per architecture.
    /// The calls also pass 0x100000000.
    /// </summary>
    public static readonly ulong[] Values = [0, 1, 2, 3, 9, 16, 38, 40, 0xfffffffe, 0xffffffff, 99999];

    /// <summary>errno values the random ERRNO actions use; none is a result the probed calls give when they run.</summary>
    public static readonly uint[] Errnos = [1, 5, 101, 102];

    public static IReadOnlyList<ProbeCall> Calls { get; } = BuildCalls();

    private static List<ProbeCall> BuildCalls()
    {
        var calls = new List<ProbeCall>();
        foreach (var syscall in Probed)
        {
            foreach (var (a0, a1, a2) in new (ulong, ulong, ulong)[] { (0, 0, 0), (1, 0, 0), (2, 1, 0), (16, 3, 9), (16, 3, 0), (40, 1, 0), (38, 2, 9), (0xffffffff, 99999, 1), (3, 40, 16), (0x100000000, 9, 2), (0xfffffffe, 0x1ffffffff, 40) })
            {
                // acct(0) would switch process accounting off on the host; 1 is a bad address (EFAULT) instead.
                calls.Add(new ProbeCall("64", syscall, [syscall == "acct" && a0 == 0 ? 1 : a0, a1, a2]));
            }

            calls.Add(new ProbeCall("i386", syscall, [2, 1, 0]));
            calls.Add(new ProbeCall("i386", syscall, [40, 0, 9]));
        }

        return calls;
    }

    private static readonly Gen<string> Action = Gen.OneOfConst(SeccompAction.Allow, SeccompAction.Log, SeccompAction.Errno, SeccompAction.Errno, SeccompAction.Errno, SeccompAction.Trace, SeccompAction.KillProcess, SeccompAction.Trap);

    private static readonly Gen<SeccompArgument> Condition =
        // One argument only (arg0): libseccomp 2.5.4 mis-compiles some sets of rules with conditions on several
        // arguments (measured: a call matching exactly one such rule got the default action), which no rule order fixes.
        Gen.Select(Gen.Const(0u), Gen.OneOfConst(SeccompOperator.All.ToArray()), Gen.OneOfConst(Values), Gen.OneOfConst(Values), (index, op, value, two) =>
            op == SeccompOperator.MaskedEqual ? new SeccompArgument(index, value is 0 or 0xffffffff or 0xfffffffe or 99999 ? 0x28UL : value, op, two) : new SeccompArgument(index, value, op));

    private static readonly Gen<SeccompRule> Rule =
        Gen.Select(Gen.OneOfConst(Probed).Array[1, 2], Action, Gen.OneOfConst(Errnos), Gen.Frequency((2, Gen.Const(0)), (3, Gen.Const(1)), (1, Gen.Const(2))), Condition.Array[2], (names, action, errno, count, conditions) =>
            new SeccompRule(names.Distinct(), action, SeccompAction.TakesErrnoRet(action) && action != SeccompAction.Trace ? errno : null, conditions.Take(count)));

    private static readonly Gen<string[]> Architectures = Gen.OneOfConst<string[]>([], ["SCMP_ARCH_X86_64"], ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"]);

    private static readonly Gen<(string Action, uint? Errno)> Default = Gen.OneOf(
        Gen.Const((SeccompAction.Allow, (uint?)null)),
        Gen.Const((SeccompAction.Log, (uint?)null)),
        Gen.OneOfConst(Errnos).Select(e => (SeccompAction.Errno, (uint?)e)),
        Gen.Const((SeccompAction.Errno, (uint?)null)),
        Gen.Const((SeccompAction.KillProcess, (uint?)null)));

    /// <summary>A random profile: random rules for the probed syscalls, then everything else allowed.</summary>
    public static readonly Gen<SeccompProfile> Profile =
        Gen.Select(Default, Architectures, Rule.Array[0, 5], (defaults, architectures, rules) =>
        {
            var profile = new SeccompProfile(defaults.Action) { DefaultErrnoRet = defaults.Errno };
            profile.Architectures.AddRange(architectures);
            profile.Syscalls.AddRange(rules);
            profile.Syscalls.Add(new SeccompRule(SyscallTables.GetNames("x86_64").Except(Probed).Order(StringComparer.Ordinal), SeccompAction.Allow));
            return profile;
        });

    /// <summary>
    /// True for a 32-bit call to a syscall one of the profiles has conditional rules for: the merge splits the
    /// 64-bit argument space, libseccomp compares 32 bits there, so the guarantees are not claimed (the merger warns).
    /// </summary>
    public static bool NarrowAndConditional(ProbeCall call, params SeccompProfile[] profiles) =>
        call.Abi == "i386" && profiles.Any(p => p.Syscalls.Any(r => r.IsConditional && r.Names.Contains(call.Syscall)));

    /// <summary>The effects the model says a call may have.</summary>
    public static IReadOnlyList<SeccompEffect> Predict(SeccompProfile profile, ProbeCall call)
    {
        SeccompFilterModel model;
        lock (Models)
        {
            model = Models.GetValue(profile, p => new SeccompFilterModel(p, "x86_64"));
        }

        lock (model)
        {
            return model.Evaluate(call.Architecture, call.Syscall, call.Args)!.Effects;
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SeccompProfile, SeccompFilterModel> Models = [];
}
