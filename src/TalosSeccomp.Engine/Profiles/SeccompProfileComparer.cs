namespace TalosSeccomp.Profiles;

/// <summary>What a <see cref="SeccompProfileDifference"/> reports.</summary>
public enum SeccompDifferenceKind
{
    /// <summary>The default action differs.</summary>
    DefaultActionChanged,
    /// <summary>defaultErrnoRet differs.</summary>
    DefaultErrnoRetChanged,
    /// <summary>The difference profile targets an architecture the reference does not.</summary>
    ArchitectureAdded,
    /// <summary>The reference targets an architecture the difference profile does not.</summary>
    ArchitectureRemoved,
    /// <summary>A filter flag only the difference profile sets.</summary>
    FlagAdded,
    /// <summary>A filter flag only the reference sets.</summary>
    FlagRemoved,
    /// <summary>listenerPath or listenerMetadata differs.</summary>
    ListenerChanged,
    /// <summary>A syscall only the difference profile has a rule for (the reference left it to its default action).</summary>
    SyscallAdded,
    /// <summary>A syscall only the reference has a rule for (the difference profile leaves it to its default action).</summary>
    SyscallRemoved,
    /// <summary>Both have rules for the syscall, with different actions.</summary>
    ActionChanged,
    /// <summary>Same actions, different argument conditions.</summary>
    ArgumentsChanged,
    /// <summary>Same actions and conditions, different errnoRet.</summary>
    ErrnoRetChanged,
}

/// <summary>One semantic difference between two profiles, as <see cref="SeccompProfileComparer"/> reports it.</summary>
/// <param name="Kind">What differs.</param>
/// <param name="Syscall">The syscall concerned; null for profile-wide differences.</param>
/// <param name="Architecture">Short names of the architectures the difference applies to (where the syscall exists).</param>
/// <param name="ReferenceAction">The reference profile's action (its default when it has no rule); null when not applicable.</param>
/// <param name="DifferenceAction">The difference profile's action (its default when it has no rule); null when not applicable.</param>
/// <param name="Detail">A sentence describing the difference.</param>
public sealed record SeccompProfileDifference(
    SeccompDifferenceKind Kind,
    string? Syscall,
    IReadOnlyList<string> Architecture,
    string? ReferenceAction,
    string? DifferenceAction,
    string Detail)
{
    /// <summary>Kind, syscall and detail on one line.</summary>
    public override string ToString() => Syscall is null ? $"{Kind}: {Detail}" : $"{Kind} {Syscall}: {Detail}";
}

/// <summary>Semantic comparison of two profiles: per syscall, action, conditions and architecture; no text diff.</summary>
public static class SeccompProfileComparer
{
    /// <summary>Every difference between <paramref name="reference"/> and <paramref name="difference"/>, profile-wide ones first, then by syscall name.</summary>
    public static IReadOnlyList<SeccompProfileDifference> Compare(SeccompProfile reference, SeccompProfile difference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(difference);
        var results = new List<SeccompProfileDifference>();
        var referenceArchitectures = ShortNames(reference.EffectiveArchitectures);
        var differenceArchitectures = ShortNames(difference.EffectiveArchitectures);
        var allArchitectures = referenceArchitectures.Union(differenceArchitectures, StringComparer.Ordinal).ToList();

        if (reference.DefaultAction != difference.DefaultAction)
        {
            results.Add(new(SeccompDifferenceKind.DefaultActionChanged, null, allArchitectures, reference.DefaultAction, difference.DefaultAction,
                $"The default action changes from {reference.DefaultAction} to {difference.DefaultAction}."));
        }

        if (reference.DefaultErrnoRet != difference.DefaultErrnoRet)
        {
            results.Add(new(SeccompDifferenceKind.DefaultErrnoRetChanged, null, allArchitectures, reference.DefaultAction, difference.DefaultAction,
                $"defaultErrnoRet changes from {Show(reference.DefaultErrnoRet)} to {Show(difference.DefaultErrnoRet)}."));
        }

        foreach (var added in differenceArchitectures.Except(referenceArchitectures, StringComparer.Ordinal))
        {
            results.Add(new(SeccompDifferenceKind.ArchitectureAdded, null, [added], null, null, $"The filter now also covers {added}."));
        }

        foreach (var removed in referenceArchitectures.Except(differenceArchitectures, StringComparer.Ordinal))
        {
            results.Add(new(SeccompDifferenceKind.ArchitectureRemoved, null, [removed], null, null, $"The filter no longer covers {removed}."));
        }

        foreach (var added in difference.Flags.Except(reference.Flags, StringComparer.Ordinal))
        {
            results.Add(new(SeccompDifferenceKind.FlagAdded, null, allArchitectures, null, null, $"Flag {added} is set."));
        }

        foreach (var removed in reference.Flags.Except(difference.Flags, StringComparer.Ordinal))
        {
            results.Add(new(SeccompDifferenceKind.FlagRemoved, null, allArchitectures, null, null, $"Flag {removed} is no longer set."));
        }

        if (reference.ListenerPath != difference.ListenerPath || reference.ListenerMetadata != difference.ListenerMetadata)
        {
            results.Add(new(SeccompDifferenceKind.ListenerChanged, null, allArchitectures, null, null,
                $"The notify listener changes from {Show(reference.ListenerPath)} ({Show(reference.ListenerMetadata)}) to {Show(difference.ListenerPath)} ({Show(difference.ListenerMetadata)})."));
        }

        var referenceRules = Index(reference);
        var differenceRules = Index(difference);
        // A rule applies only where its profile's filter does: an added rule on the difference's architectures, a
        // removed one on the reference's, a changed one where both filters apply.
        var sharedArchitectures = referenceArchitectures.Intersect(differenceArchitectures, StringComparer.Ordinal).ToList();
        foreach (var syscall in referenceRules.Keys.Union(differenceRules.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            referenceRules.TryGetValue(syscall, out var before);
            differenceRules.TryGetValue(syscall, out var after);
            var where = ArchitecturesOf(syscall,
                before is null ? differenceArchitectures
                : after is null ? referenceArchitectures
                : sharedArchitectures.Count > 0 ? sharedArchitectures : allArchitectures);
            if (before is null)
            {
                results.Add(new(SeccompDifferenceKind.SyscallAdded, syscall, where, reference.DefaultAction, Describe(after!),
                    $"A rule now makes {syscall} {Describe(after!)} (it fell to the default {reference.DefaultAction})."));
            }
            else if (after is null)
            {
                results.Add(new(SeccompDifferenceKind.SyscallRemoved, syscall, where, Describe(before), difference.DefaultAction,
                    $"The rule making {syscall} {Describe(before)} is gone; it falls to the default {difference.DefaultAction}."));
            }
            else if (!before.Select(e => e.Action).ToHashSet().SetEquals(after.Select(e => e.Action)) || Unconditional(before) != Unconditional(after))
            {
                results.Add(new(SeccompDifferenceKind.ActionChanged, syscall, where, Describe(before), Describe(after),
                    $"{syscall} changes from {Describe(before)} to {Describe(after)}."));
            }
            else if (!Conditions(before).SetEquals(Conditions(after)))
            {
                results.Add(new(SeccompDifferenceKind.ArgumentsChanged, syscall, where, Describe(before), Describe(after),
                    $"{syscall}: argument conditions change from {DescribeConditions(before)} to {DescribeConditions(after)}."));
            }
            else if (!before.Select(e => (e.Args, e.ErrnoRet)).ToHashSet().SetEquals(after.Select(e => (e.Args, e.ErrnoRet))))
            {
                results.Add(new(SeccompDifferenceKind.ErrnoRetChanged, syscall, where, Describe(before), Describe(after),
                    $"{syscall}: errnoRet changes from {string.Join("/", before.Select(e => Show(e.ErrnoRet)))} to {string.Join("/", after.Select(e => Show(e.ErrnoRet)))}."));
            }
        }

        return results;
    }

    private sealed record Entry(string Action, uint? ErrnoRet, string Args, string ArgsText);

    private static Dictionary<string, List<Entry>> Index(SeccompProfile profile)
    {
        var index = new Dictionary<string, List<Entry>>(StringComparer.Ordinal);
        foreach (var rule in profile.Syscalls)
        {
            var entry = new Entry(rule.Action, rule.ErrnoRet, rule.ArgsSignature, string.Join(" && ", rule.Args));
            foreach (var name in rule.Names.Distinct(StringComparer.Ordinal))
            {
                if (!index.TryGetValue(name, out var list))
                {
                    index[name] = list = [];
                }

                if (!list.Contains(entry))
                {
                    list.Add(entry);
                }
            }
        }

        return index;
    }

    private static string? Unconditional(List<Entry> entries) => entries.FirstOrDefault(e => e.Args.Length == 0)?.Action;

    private static HashSet<(string Args, string Action)> Conditions(List<Entry> entries) => entries.Select(e => (e.Args, e.Action)).ToHashSet();

    private static string Describe(List<Entry> entries)
    {
        var unconditional = Unconditional(entries);
        var conditional = entries.Where(e => e.Args.Length > 0).Select(e => e.Action).Distinct().ToList();
        if (conditional.Count == 0)
        {
            return unconditional!;
        }

        var text = string.Join("/", conditional) + " (conditional)";
        return unconditional is null ? text : $"{unconditional}; {text}";
    }

    private static string DescribeConditions(List<Entry> entries) =>
        string.Join("; ", entries.Select(e => e.ArgsText.Length == 0 ? $"{e.Action} always" : $"{e.Action} when {e.ArgsText}"));

    private static List<string> ShortNames(IEnumerable<string> scmpNames) => scmpNames.Select(SeccompArchitectureName.ToShortName).ToList();

    private static IReadOnlyList<string> ArchitecturesOf(string syscall, List<string> architectures)
    {
        var known = architectures.Where(a => Syscalls.SyscallTables.TryGetNumber(a, syscall, out _)).ToList();
        return known.Count > 0 ? known : architectures;
    }

    private static string Show<T>(T? value) => value?.ToString() ?? "(none)";
}
