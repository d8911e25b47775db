using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// The safety net behind every edit: re-parses the spliced text and proves that (a) every document other than
/// v1alpha1 is byte-identical, (b) the v1alpha1 tree is unchanged outside <c>machine.seccompProfiles</c> and (c)
/// the list holds exactly the intended entries. Anything else throws <c>MachineConfigPatchVerificationFailed</c>,
/// so a faulty splice can fail an edit but never hand back a damaged config.
/// </summary>
internal static class MachineConfigEditVerifier
{
    public static void Verify(ParsedMachineConfig original, string newText, IReadOnlyList<SeccompProfileEntry> expectedEntries, string? source)
    {
        ParsedMachineConfig edited;
        SeccompProfileLayout editedLayout;
        try
        {
            edited = ParsedMachineConfig.Parse(newText, source);
            editedLayout = SeccompProfileLayout.Locate(edited, source);
        }
        catch (TalosSeccompException ex)
        {
            throw Failed($"the edited config does not read back ({ex.Message})", source, ex);
        }

        if (edited.Documents.Count != original.Documents.Count || edited.V1Alpha1Index != original.V1Alpha1Index)
        {
            throw Failed($"the document count or order changed ({original.Documents.Count} → {edited.Documents.Count})", source);
        }

        for (var i = 0; i < original.Documents.Count; i++)
        {
            if (i != original.V1Alpha1Index && !string.Equals(original.Documents[i].Text, edited.Documents[i].Text, StringComparison.Ordinal))
            {
                throw Failed($"document {i + 1} ({original.Documents[i]}) changed", source);
            }
        }

        if (!SameOutsideProfiles(original.V1Alpha1Root, edited.V1Alpha1Root))
        {
            throw Failed("the v1alpha1 document changed outside machine.seccompProfiles", source);
        }

        var actual = editedLayout.Entries;
        if (actual.Count != expectedEntries.Count)
        {
            throw Failed($"machine.seccompProfiles has {actual.Count} entries where {expectedEntries.Count} were intended", source);
        }

        for (var i = 0; i < actual.Count; i++)
        {
            var got = actual[i].Entry;
            var want = expectedEntries[i];
            if (got.Name != want.Name || !JsonText.SemanticEquals(got.Value, want.Value))
            {
                throw Failed($"entry {i + 1} reads back as '{got.Name}' with a different value than intended for '{want.Name}'", source);
            }
        }
    }

    public static TalosSeccompException Failed(string why, string? source, Exception? inner = null) =>
        new(
            ErrorIds.MachineConfigPatchVerificationFailed,
            ErrorKind.InvalidOperation,
            $"The seccomp profile edit was not applied because the result failed verification: {why}. The config was left untouched; please report this.",
            source,
            inner);

    /// <summary>Compares two v1alpha1 roots, ignoring <c>machine.seccompProfiles</c>; an absent, null or empty <c>machine</c> are alike.</summary>
    private static bool SameOutsideProfiles(YMapping before, YMapping after)
    {
        if (!SamePairs(Without(before.Pairs, "machine"), Without(after.Pairs, "machine")))
        {
            return false;
        }

        return SamePairs(MachinePairsWithoutProfiles(before), MachinePairsWithoutProfiles(after));
    }

    private static List<(YNode Key, YNode Value)> MachinePairsWithoutProfiles(YMapping root)
    {
        var machine = root.Find("machine")?.Value;
        return machine is null ? new() : YAlias.Resolve(machine) switch
        {
            YMapping mapping => Without(mapping.Pairs, "seccompProfiles"),
            YScalar { IsPlain: true, Tag: null } scalar when YamlScalarResolver.ResolvePlain(scalar.Value).Kind == ScalarKind.Null => new(),
            var other => new() { (new YScalar { Value = "machine" }, other) },
        };
    }

    private static List<(YNode Key, YNode Value)> Without(List<(YNode Key, YNode Value)> pairs, string key) =>
        pairs.Where(p => !(YAlias.Resolve(p.Key) is YScalar s && s.Value == key)).ToList();

    private static bool SamePairs(List<(YNode Key, YNode Value)> a, List<(YNode Key, YNode Value)> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!SameTree(a[i].Key, b[i].Key) || !SameTree(a[i].Value, b[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Structural equality: same kinds, same scalar text, tag and plainness (what decides resolution), same order.</summary>
    private static bool SameTree(YNode a, YNode b)
    {
        a = YAlias.Resolve(a);
        b = YAlias.Resolve(b);
        if (!string.Equals(a.Tag, b.Tag, StringComparison.Ordinal))
        {
            return false;
        }

        switch (a)
        {
            case YScalar sa when b is YScalar sb:
                return sa.Value == sb.Value && sa.IsPlain == sb.IsPlain;
            case YSequence qa when b is YSequence qb:
                if (qa.Items.Count != qb.Items.Count)
                {
                    return false;
                }

                for (var i = 0; i < qa.Items.Count; i++)
                {
                    if (!SameTree(qa.Items[i], qb.Items[i]))
                    {
                        return false;
                    }
                }

                return true;
            case YMapping ma when b is YMapping mb:
                return SamePairs(ma.Pairs, mb.Pairs);
            default:
                return false;
        }
    }
}
