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

/// <summary>
/// Compares two profiles by behaviour, per syscall, argument values and architecture, as runc loads them (see
/// <see cref="SeccompFilterModel"/>): a rule that runc skips or that an earlier unconditional rule shadows changes
/// nothing, so it is no difference. A syscall difference names the architectures where the syscall exists, both
/// filters apply and the behaviour differs.
/// </summary>
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

        // Each filter also applies to the architecture of the node it runs on, whatever it lists.
        CompareSyscalls(reference, difference, allArchitectures.Union(ShortNames(SeccompArchitectureName.TalosNodeArchitectures), StringComparer.Ordinal).ToList(), results);
        return results;
    }

    private static void CompareSyscalls(SeccompProfile reference, SeccompProfile difference, List<string> architectures, List<SeccompProfileDifference> results)
    {
        var before = new SeccompFilterModel(reference);
        var after = new SeccompFilterModel(difference);
        var names = reference.Syscalls.Concat(difference.Syscalls).SelectMany(r => r.Names).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var syscall in names)
        {
            // Only where both filters apply and the syscall exists; an architecture one filter lacks is reported once, above.
            var where = architectures.Where(a => before.Covers(a) && after.Covers(a) && Syscalls.SyscallTables.TryGetNumber(a, syscall, out _)).ToList();
            var conditions = where.SelectMany(a => before.Conditions(a, syscall).Concat(after.Conditions(a, syscall))).ToList();
            var cells = ArgumentSpace.Partition(conditions);
            var differs = new List<string>();
            var beforeEffects = new List<SeccompEffect>();
            var afterEffects = new List<SeccompEffect>();
            var sameActions = true;
            foreach (var architecture in where)
            {
                var changed = false;
                foreach (var cell in cells)
                {
                    if (cell.Witness(SeccompFilterModel.IsThirtyTwoBit(SeccompArchitectureName.Normalize(architecture, nameof(architecture)))) is not { } witness)
                    {
                        continue;
                    }

                    var x = before.Evaluate(architecture, syscall, witness)!;
                    var y = after.Evaluate(architecture, syscall, witness)!;
                    beforeEffects.AddRange(x.Effects);
                    afterEffects.AddRange(y.Effects);
                    if (!x.Effects.SequenceEqual(y.Effects))
                    {
                        changed = true;
                        sameActions &= x.Effects.Select(e => e.Action).SequenceEqual(y.Effects.Select(e => e.Action));
                    }
                }

                if (changed)
                {
                    differs.Add(architecture);
                }
            }

            if (differs.Count == 0)
            {
                continue; // shadowed, skipped or regrouped rules: no behaviour changes
            }

            var first = differs[0];
            var hadRule = where.Any(a => before.HasRule(a, syscall));
            var hasRule = where.Any(a => after.HasRule(a, syscall));
            var was = Describe(beforeEffects);
            var now = Describe(afterEffects);
            var shown = differs.Select(SeccompArchitectureName.ToShortName).ToList();
            if (!hadRule && hasRule)
            {
                results.Add(new(SeccompDifferenceKind.SyscallAdded, syscall, shown, was, now,
                    $"A rule now makes {syscall} {DescribeRules(after, first, syscall)} (it fell to the default {reference.DefaultAction})."));
            }
            else if (hadRule && !hasRule)
            {
                results.Add(new(SeccompDifferenceKind.SyscallRemoved, syscall, shown, was, now,
                    $"The rule making {syscall} {DescribeRules(before, first, syscall)} is gone; it falls to the default {difference.DefaultAction}."));
            }
            else if (sameActions)
            {
                results.Add(new(SeccompDifferenceKind.ErrnoRetChanged, syscall, shown, was, now,
                    $"{syscall}: errnoRet changes from {string.Join("/", beforeEffects.Distinct())} to {string.Join("/", afterEffects.Distinct())}."));
            }
            else if (beforeEffects.Select(e => e.Action).ToHashSet().SetEquals(afterEffects.Select(e => e.Action)) && cells.Count > 1)
            {
                results.Add(new(SeccompDifferenceKind.ArgumentsChanged, syscall, shown, was, now,
                    $"{syscall}: argument conditions change from {DescribeRules(before, first, syscall)} to {DescribeRules(after, first, syscall)}."));
            }
            else
            {
                results.Add(new(SeccompDifferenceKind.ActionChanged, syscall, shown, was, now,
                    $"{syscall} changes from {DescribeRules(before, first, syscall)} to {DescribeRules(after, first, syscall)}."));
            }
        }
    }

    /// <summary>The actions a syscall takes: one, or several joined by "/" and marked conditional.</summary>
    private static string Describe(List<SeccompEffect> effects)
    {
        var actions = effects.Select(e => e.Action).Distinct().ToList();
        return actions.Count == 1 ? actions[0] : string.Join("/", actions) + " (conditional)";
    }

    /// <summary>The rules for a syscall that take effect, in words ("Errno(38) always", "Allow when arg0 == 0x8").</summary>
    private static string DescribeRules(SeccompFilterModel model, string architecture, string syscall)
    {
        var rules = model.EffectiveRules(architecture, syscall);
        if (rules.Count == 0)
        {
            return $"{model.DefaultEffect} (the default)";
        }

        return string.Join("; ", rules.Select(i => model.Profile.Syscalls[i - 1]).Select(r =>
        {
            var effect = SeccompEffect.Of(r.Action, r.ErrnoRet);
            return r.Args.Count == 0 ? $"{effect} always" : $"{effect} when {string.Join(" && ", r.Args)}";
        }));
    }

    private static List<string> ShortNames(IEnumerable<string> scmpNames) => scmpNames.Select(SeccompArchitectureName.ToShortName).ToList();

    private static string Show<T>(T? value) => value?.ToString() ?? "(none)";
}
