using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>How <see cref="SeccompProfileMerger"/> settles a syscall (or default action) the profiles disagree on.</summary>
public enum SeccompMergeStrategy
{
    /// <summary>Take the more restrictive action (see <see cref="SeccompAction.Restrictiveness"/>).</summary>
    Strict,
    /// <summary>Take the less restrictive action.</summary>
    Permissive,
}

/// <summary>A disagreement the merge had to settle.</summary>
/// <param name="Syscall">The syscall; null when the default action is meant.</param>
/// <param name="Arguments">The argument conditions of the disputed rules (empty when unconditional).</param>
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
/// Unions several profiles into one. Each syscall keeps the rule the profiles give it; where they give the same
/// syscall (with the same argument conditions) different actions, or disagree on the default action, the
/// <see cref="SeccompMergeStrategy"/> decides, using the order ALLOW &gt; LOG &gt; TRACE = NOTIFY &gt; ERRNO = TRAP
/// &gt; KILL_THREAD = KILL &gt; KILL_PROCESS (permissive to strict); between equally restrictive actions the
/// first profile wins. A syscall only one profile mentions takes that profile's rule: the merge is a union of
/// the rules, not of the default actions. Architectures and flags are unioned; rule keys outside the OCI schema
/// (Docker comments) are not carried over.
/// </summary>
public static class SeccompProfileMerger
{
    /// <summary>Merges the profiles; throws <c>NoSeccompProfilesToMerge</c> when there are none.</summary>
    public static SeccompMergeResult Merge(IReadOnlyList<SeccompProfile> profiles, SeccompMergeStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        if (profiles.Count == 0)
        {
            throw new TalosSeccompException(ErrorIds.NoSeccompProfilesToMerge, ErrorKind.InvalidArgument, "There are no seccomp profiles to merge.", "InputObject");
        }

        var labels = profiles.Select((p, i) => p.Source ?? p.Name ?? $"#{i + 1}").ToList();
        var conflicts = new List<SeccompMergeConflict>();
        var merged = new SeccompProfile();

        var defaultIndex = Choose(profiles.Select(p => p.DefaultAction).ToList(), strategy);
        merged.DefaultAction = profiles[defaultIndex].DefaultAction;
        merged.DefaultErrnoRet = profiles[defaultIndex].DefaultErrnoRet;
        var defaults = profiles.Select(p => p.DefaultAction).Distinct().ToList();
        if (defaults.Count > 1)
        {
            conflicts.Add(new(null, string.Empty, defaults, merged.DefaultAction, labels,
                $"The default actions differ ({string.Join(", ", defaults)}); {strategy} takes {merged.DefaultAction}."));
        }

        foreach (var profile in profiles)
        {
            AddMissing(merged.Architectures, profile.Architectures);
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
        MergeRules(profiles, labels, strategy, merged, conflicts);
        return new SeccompMergeResult(merged, conflicts);
    }

    private sealed record Claim(string Action, uint? ErrnoRet, List<SeccompArgument> Args, int Profile);

    private static void MergeRules(IReadOnlyList<SeccompProfile> profiles, List<string> labels, SeccompMergeStrategy strategy, SeccompProfile merged, List<SeccompMergeConflict> conflicts)
    {
        // Claims per (syscall, conditions), in first-seen order so the output is deterministic.
        var claims = new Dictionary<(string Name, string Args), List<Claim>>();
        var order = new List<(string Name, string Args)>();
        for (var p = 0; p < profiles.Count; p++)
        {
            foreach (var rule in profiles[p].Syscalls)
            {
                foreach (var name in rule.Names)
                {
                    var key = (name, rule.ArgsSignature);
                    if (!claims.TryGetValue(key, out var list))
                    {
                        claims[key] = list = [];
                        order.Add(key);
                    }

                    list.Add(new Claim(rule.Action, rule.ErrnoRet, rule.Args, p));
                }
            }
        }

        var groups = new Dictionary<(string Action, uint? ErrnoRet, string Args), SeccompRule>();
        foreach (var key in order)
        {
            var list = claims[key];
            var chosen = list[Choose(list.Select(c => c.Action).ToList(), strategy)];
            var actions = list.Select(c => c.Action).Distinct().ToList();
            var errnos = list.Where(c => c.Action == chosen.Action).Select(c => c.ErrnoRet).Distinct().ToList();
            if (actions.Count > 1 || errnos.Count > 1)
            {
                var arguments = string.Join(" && ", chosen.Args);
                var sources = list.Select(c => labels[c.Profile]).Distinct().ToList();
                var detail = actions.Count > 1
                    ? $"{key.Name}{(arguments.Length > 0 ? $" when {arguments}" : string.Empty)} is {string.Join(" / ", list.Select(c => $"{c.Action} in {labels[c.Profile]}"))}; {strategy} takes {chosen.Action}."
                    : $"{key.Name} returns errno {string.Join(" / ", errnos.Select(e => e?.ToString() ?? "default"))} in different profiles; the first ({chosen.ErrnoRet?.ToString() ?? "default"}) is kept.";
                conflicts.Add(new(key.Name, arguments, actions, chosen.Action, sources, detail));
            }

            var groupKey = (chosen.Action, chosen.ErrnoRet, key.Args);
            if (!groups.TryGetValue(groupKey, out var rule))
            {
                rule = new SeccompRule { Action = chosen.Action, ErrnoRet = chosen.ErrnoRet };
                rule.Args.AddRange(chosen.Args.Select(a => a.Clone()));
                groups[groupKey] = rule;
                merged.Syscalls.Add(rule);
            }

            if (!rule.Names.Contains(key.Name, StringComparer.Ordinal))
            {
                rule.Names.Add(key.Name);
            }
        }

        foreach (var rule in merged.Syscalls)
        {
            rule.Names.Sort(StringComparer.Ordinal);
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

    private static int Choose(List<string> actions, SeccompMergeStrategy strategy)
    {
        var best = 0;
        for (var i = 1; i < actions.Count; i++)
        {
            var rank = SeccompAction.Restrictiveness(actions[i]);
            var bestRank = SeccompAction.Restrictiveness(actions[best]);
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
