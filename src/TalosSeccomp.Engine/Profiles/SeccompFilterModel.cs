using System.Globalization;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Profiles;

/// <summary>
/// What the kernel does with one syscall under a loaded filter: the action, with the errno an ERRNO returns (or
/// the value a TRACE passes). KILL is spelled KILL_THREAD, and an ERRNO or TRACE without errnoRet carries EPERM, as
/// runc hands them to libseccomp, so two effects are equal exactly when libseccomp's actions are.
/// </summary>
/// <param name="Action">The action in SCMP_ACT_* spelling.</param>
/// <param name="Value">The errno of an ERRNO, the value of a TRACE; null for the other actions.</param>
public sealed record SeccompEffect(string Action, uint? Value)
{
    /// <summary>The errno libseccomp's ERRNO and TRACE carry when the profile names none (runc: EPERM).</summary>
    public const uint DefaultValue = 1;

    /// <summary>ENOSYS, which runc returns for syscalls newer than any the profile names.</summary>
    public const uint Enosys = 38;

    /// <summary>The effect of an action and errnoRet as runc converts them for libseccomp.</summary>
    public static SeccompEffect Of(string action, uint? errnoRet) => action switch
    {
        SeccompAction.Kill or SeccompAction.KillThread => new(SeccompAction.KillThread, null),
        SeccompAction.Errno or SeccompAction.Trace => new(action, errnoRet ?? DefaultValue),
        _ => new(action, null),
    };

    /// <summary>True when the syscall runs (ALLOW, LOG).</summary>
    public bool Runs => SeccompAction.LetsSyscallRun(Action);

    /// <summary>The rank of the action (<see cref="SeccompAction.Restrictiveness"/>).</summary>
    public int Restrictiveness => SeccompAction.Restrictiveness(Action);

    /// <summary>Short action name with its value, e.g. <c>Errno(38)</c>.</summary>
    public override string ToString() => Value is { } value
        ? string.Create(CultureInfo.InvariantCulture, $"{SeccompAction.ToShortName(Action)}({value})")
        : SeccompAction.ToShortName(Action);
}

/// <summary>
/// What a profile does with a syscall call: the effect, or, where conditional rules with different actions both
/// match, every effect libseccomp's rule tree may settle on (most permissive first).
/// </summary>
/// <param name="Effects">One effect, or the candidates when the outcome depends on libseccomp's tree order.</param>
/// <param name="Reason">Which rule or default decides, in words.</param>
public sealed record SeccompEvaluation(IReadOnlyList<SeccompEffect> Effects, string Reason)
{
    /// <summary>The effect (the most permissive candidate when <see cref="IsAmbiguous"/>).</summary>
    public SeccompEffect Effect => Effects[0];

    /// <summary>True when several effects are possible: libseccomp, not the rule order, decides between them.</summary>
    public bool IsAmbiguous => Effects.Count > 1;

    /// <summary>The effect, or the candidates separated by " or ".</summary>
    public override string ToString() => string.Join(" or ", Effects);
}

/// <summary>
/// The behaviour of a profile as runc (1.1, libcontainer/seccomp/seccomp_linux.go and patchbpf/enosys_linux.go)
/// loads it through libseccomp (2.5, src/db.c), checked against runc on a real kernel by the tests:
/// <list type="bullet">
/// <item>A rule whose action (with errnoRet) equals the default action is skipped; so is a name the syscall table of an architecture lacks.</item>
/// <item>A rule with two conditions on the same argument becomes one rule per condition (they match when any holds); a MASKED_EQ with mask 0 is no condition.</item>
/// <item>Per syscall, the first unconditional rule wins over every other rule for it, earlier or later, conditional or not.</item>
/// <item>Otherwise the conditional rules that match decide; where matching rules disagree, libseccomp's rule tree (argument, operator and value order, sometimes insertion order) picks one, so the model gives every candidate.</item>
/// <item>No matching rule: the default action; on an architecture the profile lists, with a default that denies and a defaultErrnoRet other than ENOSYS, runc returns ENOSYS for syscall numbers above the largest the profile names.</item>
/// <item>An architecture the filter does not cover (not listed, not the node's own) gets libseccomp's bad-architecture action, KILL_THREAD.</item>
/// <item>On a 32-bit architecture (x86, x32, arm, ...) the outcome of conditional rules is not modelled: every effect of the syscall's rules, and the default, is a candidate.</item>
/// <item>Where two or more rules of a syscall test one argument and one orders it (GT, GE, LT, LE) against a value of 0xffffffff or more, libseccomp's shared 64-bit (high-word, low-word) comparisons decide (measured with runc): every effect of the rules, and the default, is a candidate.</item>
/// <item>Known gap, measured with runc 1.1.5 / libseccomp 2.5.4: some sets of rules with conditions on several arguments of one syscall are mis-compiled (a call matching exactly one rule gets the default action); the model gives what the rules say.</item>
/// </list>
/// </summary>
public sealed class SeccompFilterModel
{
    private static readonly HashSet<string> ThirtyTwoBit = new(StringComparer.Ordinal)
    {
        "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_S390", "SCMP_ARCH_PARISC", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    };

    /// <summary>True for an architecture whose syscall arguments are 32 bits wide (libseccomp compares the low 32 bits there).</summary>
    internal static bool IsThirtyTwoBit(string scmpArchitecture) => ThirtyTwoBit.Contains(scmpArchitecture);

    private readonly SeccompProfile _profile;
    private readonly string? _native;
    private readonly SeccompEffect _default;
    private readonly Dictionary<string, Dictionary<string, List<LoadedRule>>> _rulesByArchitecture = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _largestNamed = new(StringComparer.Ordinal);

    /// <summary>Models <paramref name="profile"/> as loaded on a node.</summary>
    /// <param name="profile">The profile.</param>
    /// <param name="nativeArchitecture">
    /// The node's architecture, which libseccomp always covers. Null: each Talos node architecture counts as native
    /// on its own nodes (a profile's rules apply to aarch64 on an aarch64 node whatever it lists).
    /// </param>
    public SeccompFilterModel(SeccompProfile profile, string? nativeArchitecture = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profile = profile;
        _native = nativeArchitecture is null ? null : SeccompArchitectureName.Normalize(nativeArchitecture, nameof(nativeArchitecture));
        _default = SeccompEffect.Of(profile.DefaultAction, profile.DefaultErrnoRet);
    }

    /// <summary>The profile modelled.</summary>
    public SeccompProfile Profile => _profile;

    /// <summary>The default action as an effect.</summary>
    public SeccompEffect DefaultEffect => _default;

    /// <summary>True when the filter covers the architecture (SCMP_ARCH_* or short name): listed, or native.</summary>
    public bool Covers(string architecture)
    {
        var scmp = SeccompArchitectureName.Normalize(architecture, nameof(architecture));
        if (_profile.Architectures.Contains(scmp, StringComparer.Ordinal))
        {
            return true;
        }

        return _native is null ? SeccompArchitectureName.TalosNodeArchitectures.Contains(scmp, StringComparer.Ordinal) : _native == scmp;
    }

    /// <summary>
    /// The effect of calling <paramref name="syscall"/> with <paramref name="args"/> (missing arguments are 0) on
    /// <paramref name="architecture"/>; null when the syscall does not exist there.
    /// </summary>
    public SeccompEvaluation? Evaluate(string architecture, string syscall, IReadOnlyList<ulong>? args = null)
    {
        var scmp = SeccompArchitectureName.Normalize(architecture, nameof(architecture));
        if (!SyscallTables.TryGetNumber(scmp, syscall, out var number))
        {
            return null;
        }

        if (!Covers(scmp))
        {
            return new([new(SeccompAction.KillThread, null)], $"the filter does not cover {SeccompArchitectureName.ToShortName(scmp)} (libseccomp's bad-architecture action)");
        }

        var values = new ulong[6];
        for (var i = 0; i < 6 && args is not null && i < args.Count; i++)
        {
            values[i] = ThirtyTwoBit.Contains(scmp) ? args[i] & 0xffffffff : args[i];
        }

        if (!RulesFor(scmp).TryGetValue(syscall, out var rules))
        {
            return DefaultFor(scmp, number);
        }

        if (rules.FirstOrDefault(r => r.Conditions.Count == 0) is { } unconditional)
        {
            return new([unconditional.Effect], $"rule #{unconditional.Index + 1} ({unconditional.Effect}, unconditional)");
        }

        if (ThirtyTwoBit.Contains(scmp))
        {
            // libseccomp's 32-bit comparisons do not always mean what the rules say (measured with runc: a rule
            // with conditions on two arguments can fail to match on x86), so any of the rules or the default may apply.
            var possible = rules.Select(r => r.Effect).Append(_default).Distinct().OrderBy(e => e.Restrictiveness).ToList();
            if (possible.Count > 1)
            {
                return new(possible, "conditional rules on a 32-bit architecture: libseccomp's 32-bit comparisons decide");
            }
        }

        if (ComparesHighWordAcrossRules(rules))
        {
            // libseccomp 2.5.4 splits 64-bit comparisons into high and low words and shares the high-word tests of
            // rules on the same argument; where a value reaches the high word, measured with runc, a call can take
            // another rule's action. Any of the rules or the default may apply.
            var possible = rules.Select(r => r.Effect).Append(_default).Distinct().OrderBy(e => e.Restrictiveness).ToList();
            if (possible.Count > 1)
            {
                return new(possible, "several rules test one argument, one ordering it against a value of 2^32-1 or more: libseccomp's 64-bit comparisons decide");
            }
        }

        var matching = rules.Where(r => r.Conditions.All(c => Holds(c, values, scmp))).ToList();
        if (matching.Count == 0)
        {
            return new([_default], "no rule matches: the default action");
        }

        var effects = matching.Select(r => r.Effect).Distinct().OrderBy(e => e.Restrictiveness).ToList();
        return new(effects, effects.Count == 1
            ? $"rule #{matching[0].Index + 1} ({effects[0]}, conditional)"
            : $"rules #{string.Join(", #", matching.Select(r => r.Index + 1))} match with different actions; libseccomp's rule tree decides");
    }

    /// <summary>
    /// The argument conditions the rules for <paramref name="syscall"/> that runc loads test, as libseccomp sees
    /// them (no-op conditions dropped); empty when the syscall's effect does not depend on its arguments.
    /// </summary>
    public IReadOnlyList<SeccompArgument> Conditions(string architecture, string syscall)
    {
        var scmp = SeccompArchitectureName.Normalize(architecture, nameof(architecture));
        if (!RulesFor(scmp).TryGetValue(syscall, out var rules) || rules.Any(r => r.Conditions.Count == 0))
        {
            return [];
        }

        return rules.SelectMany(r => r.Conditions).ToList();
    }

    /// <summary>True when runc loads at least one rule for the syscall on the architecture (one not skipped).</summary>
    public bool HasRule(string architecture, string syscall) =>
        RulesFor(SeccompArchitectureName.Normalize(architecture, nameof(architecture))).ContainsKey(syscall);

    /// <summary>The 1-based positions of the rules for the syscall that take effect somewhere (not skipped, not shadowed by an unconditional rule).</summary>
    public IReadOnlyList<int> EffectiveRules(string architecture, string syscall)
    {
        if (!RulesFor(SeccompArchitectureName.Normalize(architecture, nameof(architecture))).TryGetValue(syscall, out var rules))
        {
            return [];
        }

        var unconditional = rules.FirstOrDefault(r => r.Conditions.Count == 0);
        return unconditional is not null ? [unconditional.Index + 1] : rules.Select(r => r.Index + 1).Distinct().ToList();
    }

    /// <summary>True when the condition holds for the argument values (libseccomp masks a MASKED_EQ value with the mask).</summary>
    internal static bool Holds(SeccompArgument condition, IReadOnlyList<ulong> args, string? architecture = null)
    {
        var wide = architecture is null || !ThirtyTwoBit.Contains(architecture);
        var x = args[(int)condition.Index];
        var v = wide ? condition.Value : condition.Value & 0xffffffff;
        return condition.Op switch
        {
            SeccompOperator.Equal => x == v,
            SeccompOperator.NotEqual => x != v,
            SeccompOperator.LessThan => x < v,
            SeccompOperator.LessOrEqual => x <= v,
            SeccompOperator.GreaterThan => x > v,
            SeccompOperator.GreaterOrEqual => x >= v,
            SeccompOperator.MaskedEqual => (x & v) == ((condition.ValueTwo ?? 0) & v),
            _ => false,
        };
    }

    private SeccompEvaluation DefaultFor(string architecture, long number)
    {
        // runc's -ENOSYS stub (patchbpf): only for listed architectures, a default that is not ALLOW/LOG/TRACE, and
        // a defaultErrnoRet other than ENOSYS; "largest" counts every name of every rule, skipped or not.
        if (_profile.DefaultErrnoRet != SeccompEffect.Enosys
            && _profile.DefaultAction is not (SeccompAction.Allow or SeccompAction.Log or SeccompAction.Trace)
            && _profile.Architectures.Contains(architecture, StringComparer.Ordinal)
            && LargestNamed(architecture) is > 0 and var largest && number > largest)
        {
            return new([new(SeccompAction.Errno, SeccompEffect.Enosys)], $"no rule, and the syscall is newer than any the profile names (runc returns ENOSYS)");
        }

        return new([_default], "no rule: the default action");
    }

    private long LargestNamed(string architecture)
    {
        if (!_largestNamed.TryGetValue(architecture, out var largest))
        {
            largest = 0;
            foreach (var name in _profile.Syscalls.SelectMany(r => r.Names))
            {
                if (SyscallTables.TryGetNumber(architecture, name, out var n) && n > largest)
                {
                    largest = n;
                }
            }

            _largestNamed[architecture] = largest;
        }

        return largest;
    }

    /// <summary>
    /// Two or more rules (each given by its conditions) test one argument, and one of them orders it (GT, GE, LT, LE)
    /// against a value of 0xffffffff or more: libseccomp 2.5.4 shares the high-word tests of such rules and, measured
    /// with runc, can give a call another rule's action. The merge avoids emitting such rules.
    /// </summary>
    internal static bool ComparesHighWordAcrossRules(IEnumerable<IReadOnlyList<SeccompArgument>> ruleConditions)
    {
        var rules = ruleConditions.ToList();
        return rules.SelectMany(conditions => conditions.Select(c => c.Index).Distinct())
            .GroupBy(index => index)
            .Any(g => g.Count() > 1 && rules.Any(conditions => conditions.Any(c => c.Index == g.Key && IsOrdering(c.Op) && c.Value >= uint.MaxValue)));
    }

    private static bool ComparesHighWordAcrossRules(List<LoadedRule> rules) => ComparesHighWordAcrossRules(rules.Select(r => r.Conditions));

    private static bool IsOrdering(string op) => op is SeccompOperator.GreaterThan or SeccompOperator.GreaterOrEqual or SeccompOperator.LessThan or SeccompOperator.LessOrEqual;

    private sealed record LoadedRule(int Index, SeccompEffect Effect, IReadOnlyList<SeccompArgument> Conditions);

    private Dictionary<string, List<LoadedRule>> RulesFor(string architecture)
    {
        if (_rulesByArchitecture.TryGetValue(architecture, out var loaded))
        {
            return loaded;
        }

        loaded = new Dictionary<string, List<LoadedRule>>(StringComparer.Ordinal);
        for (var i = 0; i < _profile.Syscalls.Count; i++)
        {
            var rule = _profile.Syscalls[i];
            var effect = SeccompEffect.Of(rule.Action, rule.ErrnoRet);
            if (effect == _default)
            {
                continue; // runc: "This rule is redundant, silently skip it"
            }

            // runc splits a rule with two conditions on one argument into one rule per condition.
            var split = rule.Args.GroupBy(a => a.Index).Any(g => g.Count() > 1)
                ? rule.Args.Select(a => (IReadOnlyList<SeccompArgument>)[a]).ToList()
                : [rule.Args];
            foreach (var name in rule.Names)
            {
                if (!SyscallTables.TryGetNumber(architecture, name, out _))
                {
                    continue;
                }

                if (!loaded.TryGetValue(name, out var list))
                {
                    loaded[name] = list = [];
                }

                foreach (var conditions in split)
                {
                    // libseccomp generates no comparison for a MASKED_EQ whose mask is 0.
                    list.Add(new LoadedRule(i, effect, conditions.Where(c => !(c.Op == SeccompOperator.MaskedEqual && c.Value == 0)).ToList()));
                }
            }
        }

        _rulesByArchitecture[architecture] = loaded;
        return loaded;
    }
}
