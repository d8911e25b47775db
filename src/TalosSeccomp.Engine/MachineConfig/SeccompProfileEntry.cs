using System.Text.Json.Nodes;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// One entry of <c>machine.seccompProfiles</c>: the file name Talos writes under
/// <c>/var/lib/kubelet/seccomp/profiles/</c> and the profile JSON it writes there.
/// </summary>
/// <param name="Name">The profile (file) name, e.g. <c>audit.json</c>.</param>
/// <param name="Value">The profile as JSON; numbers keep the exact value written in the config.</param>
public sealed record SeccompProfileEntry(string Name, JsonObject Value)
{
    /// <summary>The profile JSON on one line, as shown in tables.</summary>
    internal string ValueJson => Value.ToJsonString();
}
