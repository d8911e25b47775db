using TalosSeccomp.Errors;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Profiles;

/// <summary>How <see cref="SeccompProfileMerger"/> settles a syscall (or default action) the profiles disagree on.</summary>
public enum SeccompMergeStrategy
{
    /// <summary>Take the more restrictive action (see <see cref="SeccompAction.Restrictiveness"/>): the merge lets no call run that some input stops.</summary>
    Strict,
    /// <summary>Take the less restrictive action: the merge stops no call that some input lets run.</summary>
    Permissive,
}

/// <summary>A disagreement the merge had to settle.</summary>
/// <param name="Syscall">The syscall; null for a profile-wide setting (default action, defaultErrnoRet, architectures, listener).</param>
/// <param name="Arguments">The argument values disputed, as conditions (empty when the whole syscall is).</param>
/// <param name="Actions">The competing actions, in input order.</param>
/// <param name="ChosenAction">The action the strategy chose.</param>
/// <param name="Sources">The profiles involved (file or name, else their position "#1", "#2", ...).</param>
/// <param name="Detail">A sentence describing the conflict and its resolution.</param>
public sealed record SeccompMergeConflict(string? Syscall, string Arguments, IReadOnlyList<string> Actions, string ChosenAction, IReadOnlyList<string> Sources, string Detail)
{
    /// <summary>The detail sentence.</summary>
    public override string ToString() => Detail;
}

/// <summary>The merged profile and the conflicts settled on the way.</summary>
/// <param name="Profile">The merged profile.</param>
/// <param name="Conflicts">Disagreements between the inputs and how they were settled.</param>
public sealed record SeccompMergeResult(SeccompProfile Profile, IReadOnlyList<SeccompMergeConflict> Conflicts);

/// <summary>
/// Merges profiles by what they do, not by how their rules are written. Each input is read the way runc loads it
/// (see <see cref="SeccompFilterModel"/>: rules equal to the default are skipped, the first unconditional rule for a
/// syscall wins, conditional rules decide only where no unconditional rule exists). Per syscall, the argument space
/// is split by every condition any input tests; in each part, every input's effect is computed and the
/// <see cref="SeccompMergeStrategy"/> picks one in the order ALLOW &gt; LOG &gt; TRACE = NOTIFY &gt; ERRNO = TRAP &gt;
/// KILL_THREAD = KILL &gt; KILL_PROCESS (permissive to strict); between different effects of equal rank (two errno
/// values) the first profile's wins and a conflict says so. The merged rules are written so that runc yields exactly
/// the chosen effects: non-overlapping conditional rules (at most one condition per argument, as runc needs), an
/// unconditional rule where a syscall's effect does not depend on its arguments, none where it is the default.
/// Guarantees, for every syscall, argument values and 64-bit architecture the merged filter covers (on 32-bit ones
/// for syscalls without conditional rules; a warning says when that matters): Strict lets nothing
/// run that an input stops, Permissive stops nothing an input lets run, and a profile merged with
/// copies of itself behaves the same (merged alone, it is returned as it is). Strict keeps an architecture other than the Talos node ones only when every input lists it
/// (elsewhere it is killed); Permissive keeps every listed one. Flags are unioned; rule keys outside the OCI schema
/// (Docker comments, includes, excludes) are not carried over.
/// </summary>
public static class SeccompProfileMerger
{
    /// <summary>The most conditional rules the merge writes for one syscall before it gives the syscall one action.</summary>
    public const int MaxRulesPerSyscall = 16;

    // libseccomp (src/arch-x86.c, arch-s390*.c, arch-ppc*.c) rewrites these into socketcall/ipc on the architectures below.
    private static readonly HashSet<string> Multiplexed = new(StringComparer.Ordinal)
    {
        "socket", "bind", "connect", "listen", "accept", "getsockname", "getpeername", "socketpair", "send", "recv", "sendto",
        "recvfrom", "shutdown", "setsockopt", "getsockopt", "sendmsg", "recvmsg", "accept4", "recvmmsg", "sendmmsg",
        "semop", "semget", "semctl", "semtimedop", "msgsnd", "msgrcv", "msgget", "msgctl", "shmat", "shmdt", "shmget", "shmctl",
    };

    private static readonly HashSet<string> MultiplexingArchitectures = new(StringComparer.Ordinal)
    {
        "SCMP_ARCH_X86", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
    };

    /// <summary>Merges the profiles; throws <c>NoSeccompProfilesToMerge</c> when there are none.</summary>
    public static SeccompMergeResult Merge(IReadOnlyList<SeccompProfile> profiles, SeccompMergeStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        if (profiles.Count == 0)
        {
            throw new TalosSeccompException(ErrorIds.NoSeccompProfilesToMerge, ErrorKind.InvalidArgument, "There are no seccomp profiles to merge.", "InputObject");
        }

        if (profiles.Count == 1)
        {
            // One profile is its own merge: the same rules in the same order make the same filter, also where
            // overlapping conditional rules leave the outcome to libseccomp's rule tree.
            var alone = profiles[0].Clone();
            alone.Name = null;
            alone.Source = null;
            foreach (var rule in alone.Syscalls)
            {
                rule.AdditionalProperties.Clear();
            }

            return new SeccompMergeResult(alone, []);
        }

        var labels = profiles.Select((p, i) => p.Source ?? p.Name ?? $"#{i + 1}").ToList();
        var conflicts = new List<SeccompMergeConflict>();
        var merged = new SeccompProfile();
        var models = profiles.Select(p => new SeccompFilterModel(p)).ToList();

        MergeDefault(profiles, models, labels, strategy, merged, conflicts);
        MergeArchitectures(profiles, labels, strategy, merged, conflicts);
        foreach (var profile in profiles)
        {
            AddMissing(merged.Flags, profile.Flags);
            foreach (var (key, value) in profile.AdditionalProperties)
            {
                if (!merged.AdditionalProperties.ContainsKey(key))
                {
                    merged.AdditionalProperties[key] = value?.DeepClone();
                }
            }
        }

        MergeListener(profiles, labels, merged, conflicts);
        MergeRules(profiles, models, labels, strategy, merged, conflicts);
        return new SeccompMergeResult(merged, conflicts);
    }

    private static void MergeDefault(IReadOnlyList<SeccompProfile> profiles, List<SeccompFilterModel> models, List<string> labels, SeccompMergeStrategy strategy, SeccompProfile merged, List<SeccompMergeConflict> conflicts)
    {
        var defaults = models.Select(m => m.DefaultEffect).ToList();
        var chosen = Choose(defaults, strategy);
        merged.DefaultAction = profiles[chosen].DefaultAction;
        merged.DefaultErrnoRet = profiles[chosen].DefaultErrnoRet;
        if (defaults.Distinct().Count() < 2)
        {
            return;
        }

        var listed = string.Join(", ", defaults.Select((d, i) => $"{d} in {labels[i]}"));
        var tie = defaults.Count(d => d != defaults[chosen] && d.Restrictiveness == defaults[chosen].Restrictiveness) > 0;
        var detail = defaults.Select(d => d.Action).Distinct().Count() == 1
            ? $"defaultErrnoRet differs ({listed}); {labels[chosen]}'s {defaults[chosen]} is kept, as the first profile's. Put the profile whose errno you want first, or set DefaultErrnoRet on the result."
            : tie
                ? $"The default actions differ ({listed}); {strategy} ranks them equal and keeps the first profile's ({defaults[chosen]}). Put the profile whose default you want first."
                : $"The default actions differ ({listed}); {strategy} takes {defaults[chosen]}.";
        conflicts.Add(new(null, string.Empty, defaults.Select(d => d.ToString()).ToList(), merged.DefaultAction, labels, detail));
    }

    private static void MergeArchitectures(IReadOnlyList<SeccompProfile> profiles, List<string> labels, SeccompMergeStrategy strategy, SeccompProfile merged, List<SeccompMergeConflict> conflicts)
    {
        var listed = new List<string>();
        foreach (var profile in profiles)
        {
            AddMissing(listed, profile.Architectures);
        }

        foreach (var architecture in listed)
        {
            // A Talos node architecture is covered by every filter on its own nodes (libseccomp adds the native one).
            var missing = profiles.Select((p, i) => (p, i))
                .Where(x => !x.p.Architectures.Contains(architecture, StringComparer.Ordinal) && !SeccompArchitectureName.TalosNodeArchitectures.Contains(architecture, StringComparer.Ordinal))
                .Select(x => labels[x.i])
                .ToList();
            if (strategy == SeccompMergeStrategy.Permissive || missing.Count == 0)
            {
                merged.Architectures.Add(architecture);
            }
            else
            {
                var shortName = SeccompArchitectureName.ToShortName(architecture);
                conflicts.Add(new(null, string.Empty, [], architecture, missing,
                    $"{string.Join(", ", missing)} does not cover {shortName}, so its {shortName} processes are killed; Strict leaves {shortName} out of the merged filter, which kills them too."));
            }
        }
    }

    private static void MergeRules(IReadOnlyList<SeccompProfile> profiles, List<SeccompFilterModel> models, List<string> labels, SeccompMergeStrategy strategy, SeccompProfile merged, List<SeccompMergeConflict> conflicts)
    {
        var mergedDefault = SeccompEffect.Of(merged.DefaultAction, merged.DefaultErrnoRet);
        var architectures = merged.Architectures.Union(SeccompArchitectureName.TalosNodeArchitectures, StringComparer.Ordinal).ToList();
        var names = new List<string>();
        foreach (var profile in profiles)
        {
            AddMissing(names, profile.Syscalls.SelectMany(r => r.Names));
        }

        var groups = new Dictionary<(SeccompEffect Effect, string Args), SeccompRule>();
        var unknown = new List<string>();
        foreach (var name in names)
        {
            var where = architectures.Where(a => SyscallTables.TryGetNumber(a, name, out _)).ToList();
            if (where.Count == 0)
            {
                unknown.Add(name);
                continue;
            }

            var conditions = where.SelectMany(a => models.SelectMany(m => m.Conditions(a, name))).ToList();
            var cells = ArgumentSpace.Partition(conditions);
            var chosen = new SeccompEffect[cells.Count];
            for (var c = 0; c < cells.Count; c++)
            {
                chosen[c] = ChooseCell(name, cells[c], where, models, labels, strategy, conflicts);
            }

            var emitted = Emit(cells, chosen, mergedDefault, conditions).ToList();
            var multiplexed = Multiplexed.Contains(name) ? merged.Architectures.Where(MultiplexingArchitectures.Contains).ToList() : [];
            var why = emitted.Count > MaxRulesPerSyscall
                // libseccomp builds its rule tree very slowly from hundreds of rules sharing prefixes.
                ? $"would need {emitted.Count} conditional rules to be exact"
                : multiplexed.Count > 0 && emitted.Where(e => e.Args.Count > 0).Select(e => e.Effect).Distinct().Count() > 1
                    // On these architectures libseccomp also filters the multiplexer (socketcall, ipc), whose
                    // arguments it cannot see, and refuses conditional rules with different actions ("file exists").
                    ? $"needs conditional rules with different actions, which libseccomp refuses on {string.Join(", ", multiplexed.Select(SeccompArchitectureName.ToShortName))} (it multiplexes {name})"
                    : SeccompFilterModel.ComparesHighWordAcrossRules(emitted.Where(e => e.Args.Count > 0).Select(e => (IReadOnlyList<SeccompArgument>)e.Args))
                        ? "would need several rules ordering one argument against values of 2^32-1 or more, which libseccomp 2.5.4 compiles wrongly"
                        : null;
            if (why is not null)
            {
                // The strategy's extreme keeps the guarantee, though not every argument keeps its exact effect.
                var extreme = chosen[Choose(chosen, strategy)];
                conflicts.Add(new(name, string.Empty, chosen.Distinct().Select(e => e.ToString()).ToList(), extreme.Action, labels,
                    $"{name} {why}; {strategy} makes it {extreme} for all arguments instead."));
                emitted = extreme == mergedDefault ? [] : [(extreme, [])];
            }

            foreach (var (effect, args) in emitted)
            {
                var key = (effect, string.Join(";", args.Select(a => a.Signature)));
                if (!groups.TryGetValue(key, out var rule))
                {
                    rule = new SeccompRule { Action = effect.Action, ErrnoRet = effect.Value is SeccompEffect.DefaultValue ? null : effect.Value };
                    rule.Args.AddRange(args);
                    groups[key] = rule;
                    merged.Syscalls.Add(rule);
                }

                AddMissing(rule.Names, [name]);
            }
        }

        if (unknown.Count > 0)
        {
            conflicts.Add(new(null, string.Empty, [], merged.DefaultAction, labels,
                $"{unknown.Count} name(s) are no syscall on {string.Join(", ", architectures.Select(SeccompArchitectureName.ToShortName))} ({string.Join(", ", unknown.Take(8))}{(unknown.Count > 8 ? ", ..." : string.Empty)}); runc ignores such names there, and the merge leaves them out."));
        }

        var narrow = merged.Architectures.Where(SeccompFilterModel.IsThirtyTwoBit).Select(SeccompArchitectureName.ToShortName).ToList();
        var conditional = merged.Syscalls.Where(r => r.IsConditional).SelectMany(r => r.Names).Distinct().ToList();
        if (narrow.Count > 0 && conditional.Count > 0)
        {
            conflicts.Add(new(null, string.Empty, [], merged.DefaultAction, labels,
                $"The merged profile has conditional rules ({string.Join(", ", conditional)}); on {string.Join(", ", narrow)} libseccomp's 32-bit comparisons decide them, so there the merge guarantees only what unconditional rules and the default do."));
        }

        KeepEnosysBoundary(profiles, merged, mergedDefault, names);
        foreach (var rule in merged.Syscalls)
        {
            rule.Names.Sort(StringComparer.Ordinal);
        }
    }

    private static SeccompEffect ChooseCell(string name, ArgumentSpace.Cell cell, List<string> architectures, List<SeccompFilterModel> models, List<string> labels, SeccompMergeStrategy strategy, List<SeccompMergeConflict> conflicts)
    {
        SeccompEffect? result = null;
        List<SeccompEffect>? shown = null;
        foreach (var architecture in architectures)
        {
            var narrow = SeccompFilterModel.IsThirtyTwoBit(architecture);
            if ((narrow && cell.Text.Length > 0 && architectures.Any(a => !SeccompFilterModel.IsThirtyTwoBit(a)))
                || cell.Witness(narrow) is not { } witness)
            {
                // Conditional rules on a 32-bit architecture are not modelled (the merge warns); a cell of 64-bit
                // values only is no call that architecture can make.
                continue;
            }

            var perInput = new List<SeccompEffect>();
            foreach (var (model, i) in models.Select((m, i) => (m, i)))
            {
                var evaluation = model.Evaluate(architecture, name, witness)!;
                // Where libseccomp's tree decides, count on the worst (Strict) or the best (Permissive) candidate.
                perInput.Add(strategy == SeccompMergeStrategy.Strict ? evaluation.Effects[^1] : evaluation.Effects[0]);
                if (evaluation.IsAmbiguous && !conflicts.Any(c => c.Syscall == name && c.Sources.Count == 1 && c.Sources[0] == labels[i]))
                {
                    conflicts.Add(new(name, cell.Text, evaluation.Effects.Select(e => e.ToString()).ToList(), perInput[^1].Action, [labels[i]],
                        $"In {labels[i]}, conditional rules for {name} overlap with different actions ({evaluation}){(cell.Text.Length > 0 ? $" when {cell.Text}" : string.Empty)}; libseccomp's rule tree, not the rule order, decides which applies, so {strategy} counts on {perInput[^1]}."));
                }
            }

            var pick = perInput[Choose(perInput, strategy)];
            shown ??= perInput;
            if (result is null || (strategy == SeccompMergeStrategy.Strict ? pick.Restrictiveness > result.Restrictiveness : pick.Restrictiveness < result.Restrictiveness))
            {
                result = pick;
                shown = perInput;
            }
        }

        if (result is null)
        {
            // Only 32-bit architectures carry the syscall, and none can pass these values: any effect will do.
            return models[0].DefaultEffect;
        }

        if (shown!.Distinct().Count() > 1)
        {
            var when = cell.Text.Length > 0 ? $" when {cell.Text}" : string.Empty;
            var tie = shown!.Any(e => e != result && e.Restrictiveness == result!.Restrictiveness);
            var detail = $"{name}{when} is {string.Join(" / ", shown!.Select((e, i) => $"{e} in {labels[i]}"))}; {strategy} takes {result}{(tie ? " (equal rank: the first profile's)" : string.Empty)}.";
            conflicts.Add(new(name, cell.Text, shown!.Select(e => e.ToString()).ToList(), result!.Action, labels, detail));
        }

        return result!;
    }

    /// <summary>Rules (effect, conditions) that make runc give each cell its chosen effect.</summary>
    private static IEnumerable<(SeccompEffect Effect, List<SeccompArgument> Args)> Emit(List<ArgumentSpace.Cell> cells, SeccompEffect[] chosen, SeccompEffect mergedDefault, List<SeccompArgument> conditions)
    {
        if (chosen.Distinct().Count() == 1)
        {
            // Unconditional; a rule equal to the default is left out (runc would skip it anyway).
            if (chosen[0] != mergedDefault)
            {
                yield return (chosen[0], []);
            }

            yield break;
        }

        var indexes = cells[0].Sets.Keys.ToList();
        foreach (var effect in chosen.Distinct().Where(e => e != mergedDefault))
        {
            var mine = cells.Where((_, c) => chosen[c] == effect).ToList();
            if (indexes.Count == 1)
            {
                var index = indexes[0];
                var union = ArgumentSpace.Simplify(mine.SelectMany(c => c.Sets[index]).ToList());
                foreach (var condition in ArgumentSpace.ToConditions(index, union, conditions.Where(c => c.Index == index)))
                {
                    yield return (effect, condition is null ? [] : [condition]);
                }

                continue;
            }

            foreach (var box in Boxes(mine, indexes))
            {
                IEnumerable<List<SeccompArgument>> products = [[]];
                foreach (var index in indexes)
                {
                    var options = ArgumentSpace.ToConditions(index, box[index], conditions.Where(c => c.Index == index));
                    products = products.SelectMany(p => options.Select(o => o is null ? p : [.. p, o])).ToList();
                }

                foreach (var args in products)
                {
                    yield return (effect, args);
                }
            }
        }
    }

    /// <summary>Joins cells that differ in one argument only, until none do: fewer, wider rules for the same values.</summary>
    private static List<Dictionary<uint, List<ArgumentSpace.Cube>>> Boxes(List<ArgumentSpace.Cell> cells, List<uint> indexes)
    {
        var boxes = cells.Select(c => indexes.ToDictionary(i => i, i => c.Sets[i])).ToList();
        static string Key(List<ArgumentSpace.Cube> set) => string.Join(",", set.Select(c => $"{c.Mask:x}/{c.Bits:x}"));
        bool changed;
        do
        {
            changed = false;
            foreach (var k in indexes)
            {
                var groups = boxes.GroupBy(b => string.Join("|", indexes.Where(i => i != k).Select(i => Key(b[i])))).ToList();
                if (groups.Count < boxes.Count)
                {
                    boxes = groups.Select(g =>
                    {
                        var joined = new Dictionary<uint, List<ArgumentSpace.Cube>>(g.First());
                        joined[k] = ArgumentSpace.Simplify(g.SelectMany(b => b[k]).ToList());
                        return joined;
                    }).ToList();
                    changed = true;
                }
            }
        }
        while (changed);

        return boxes;
    }

    /// <summary>
    /// runc returns ENOSYS for syscalls above the largest number a profile names (patchbpf). A merge that leaves a
    /// default-valued rule out would move that boundary, so the highest named syscall is kept in a rule with the
    /// default action, which runc skips when it loads the filter but counts for the boundary.
    /// </summary>
    private static void KeepEnosysBoundary(IReadOnlyList<SeccompProfile> profiles, SeccompProfile merged, SeccompEffect mergedDefault, List<string> names)
    {
        if (merged.Architectures.Count == 0 || merged.DefaultErrnoRet == SeccompEffect.Enosys
            || merged.DefaultAction is SeccompAction.Allow or SeccompAction.Log or SeccompAction.Trace)
        {
            return;
        }

        var keep = new List<string>();
        foreach (var architecture in merged.Architectures)
        {
            long Largest(IEnumerable<string> candidates) => candidates.Select(n => SyscallTables.TryGetNumber(architecture, n, out var number) ? number : 0).DefaultIfEmpty(0).Max();
            var wanted = Largest(names);
            if (wanted > Largest(merged.Syscalls.SelectMany(r => r.Names).Concat(keep)))
            {
                keep.Add(names.First(n => SyscallTables.TryGetNumber(architecture, n, out var number) && number == wanted));
            }
        }

        if (keep.Count > 0)
        {
            var rule = new SeccompRule { Action = merged.DefaultAction, ErrnoRet = merged.DefaultErrnoRet };
            rule.Names.AddRange(keep.Distinct(StringComparer.Ordinal));
            merged.Syscalls.Add(rule);
        }
    }

    private static void MergeListener(IReadOnlyList<SeccompProfile> profiles, List<string> labels, SeccompProfile merged, List<SeccompMergeConflict> conflicts)
    {
        var withListener = profiles.Select((p, i) => (p, i)).Where(x => x.p.ListenerPath is not null).ToList();
        if (withListener.Count == 0)
        {
            merged.ListenerMetadata = profiles.Select(p => p.ListenerMetadata).FirstOrDefault(m => m is not null);
            return;
        }

        merged.ListenerPath = withListener[0].p.ListenerPath;
        merged.ListenerMetadata = withListener[0].p.ListenerMetadata;
        var paths = withListener.Select(x => x.p.ListenerPath!).Distinct().ToList();
        if (paths.Count > 1)
        {
            conflicts.Add(new(null, string.Empty, [], merged.DefaultAction, withListener.Select(x => labels[x.i]).ToList(),
                $"The profiles name different notify listeners ({string.Join(", ", paths)}); the first ({merged.ListenerPath}) is kept."));
        }
    }

    /// <summary>The index of the most (Strict) or least (Permissive) restrictive effect; the first among equals.</summary>
    private static int Choose(IReadOnlyList<SeccompEffect> effects, SeccompMergeStrategy strategy)
    {
        var best = 0;
        for (var i = 1; i < effects.Count; i++)
        {
            var rank = effects[i].Restrictiveness;
            var bestRank = effects[best].Restrictiveness;
            if (strategy == SeccompMergeStrategy.Strict ? rank > bestRank : rank < bestRank)
            {
                best = i;
            }
        }

        return best;
    }

    private static void AddMissing(List<string> target, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            if (!target.Contains(value, StringComparer.Ordinal))
            {
                target.Add(value);
            }
        }
    }
}
