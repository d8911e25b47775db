using System.Text.Json.Nodes;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// Renders the machine-config patch users write by hand in the Talos seccomp guide, for
/// <c>talosctl patch mc -p @patch.yaml</c>:
/// <code>
/// machine:
///   seccompProfiles:
///     - name: audit.json
///       value:
///         defaultAction: SCMP_ACT_LOG
/// </code>
/// Note that talosctl's strategic merge appends list entries, so applying this patch for a name that already
/// exists adds a second entry; <see cref="MachineConfigSeccompEditor.Set(string, string, JsonObject, string?)"/> replaces instead.
/// </summary>
public static class TalosConfigPatchRenderer
{
    /// <summary>Renders the patch for the given profiles (names validated, values in block style with keys in object order).</summary>
    /// <param name="profiles">The profiles, in the order they should appear.</param>
    public static string Render(IEnumerable<(string Name, JsonObject Value)> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var list = profiles.ToList();
        foreach (var (name, value) in list)
        {
            ProfileName.Validate(name);
            ArgumentNullException.ThrowIfNull(value, nameof(profiles));
        }

        // The same entry rendering (and read-back check) as the in-place edits use.
        return list.Count == 0
            ? "machine:\n  seccompProfiles: []\n"
            : "machine:\n  seccompProfiles:\n" + MachineConfigSeccompEditor.RenderEntries(list.Select(p => new SeccompProfileEntry(p.Name, p.Value)), 4, 2, "\n");
    }
}
