using System.Management.Automation;
using System.Text.Json.Nodes;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Writes the machine-config patch that puts seccomp profiles on Talos nodes, as YAML.</summary>
/// <remarks>
/// <para>ConvertTo-TalosConfigPatch renders the patch the Talos seccomp guide asks users to write by hand
/// (machine.seccompProfiles with name and value entries), for talosctl patch mc -p @patch.yaml, for machine-config
/// templates, or for review. Profiles come from -Profile or the pipeline; each is named by -Name or by its own Name
/// property. With no profile at all it renders the guide's audit profile, {"defaultAction":"SCMP_ACT_LOG"}.</para>
/// <para>Note that talosctl's strategic merge appends list entries: applying this patch for a name that already exists
/// on a node adds a second entry instead of replacing it. Set-TalosSeccompProfile replaces by name and leaves the rest
/// of the config untouched.</para>
/// </remarks>
/// <example>
/// <code>ConvertTo-TalosConfigPatch -Name audit.json</code>
/// <para>Returns the patch of the Talos guide: machine: seccompProfiles: - name: audit.json value: defaultAction:
/// SCMP_ACT_LOG.</para>
/// </example>
/// <example>
/// <code>Import-SeccompProfile ./profiles/*.json | ConvertTo-TalosConfigPatch | Set-Content patch.yaml</code>
/// <para>Writes one patch holding every profile in the folder, each named after its file.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "TalosConfigPatch", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(string))]
public sealed class ConvertToTalosConfigPatchCommand : TalosSeccompCmdlet
{
    private readonly List<(string Name, JsonObject Value)> _profiles = [];

    /// <summary>The profile's name on the nodes (its file name, e.g. audit.json). Defaults to the profile's own
    /// Name.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The profile (from New-SeccompProfile or Import-SeccompProfile); also taken from the pipeline. Omitted:
    /// the audit profile {"defaultAction":"SCMP_ACT_LOG"}.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public SeccompProfile[] Profile { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var profile in Profile)
        {
            var name = Name ?? profile.Name;
            if (name is null)
            {
                WriteEngineError(new TalosSeccompException(ErrorIds.SeccompProfileNameMissing, ErrorKind.InvalidArgument,
                    "The profile has no name: give -Name (the file name the node will write, e.g. audit.json).", profile.Source));
                continue;
            }

            _profiles.Add((name, profile.ToJsonNode()));
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        try
        {
            if (_profiles.Count == 0 && !MyInvocation.BoundParameters.ContainsKey(nameof(Profile)) && !MyInvocation.ExpectingInput)
            {
                var name = Name ?? "audit.json";
                WriteVerbose($"No profile given: using the Talos guide's audit profile {SeccompProfile.AuditProfileJson} as {name}.");
                _profiles.Add((name, SeccompProfile.CreateAuditProfile().ToJsonNode()));
            }

            if (_profiles.Count > 0)
            {
                WriteObject(TalosConfigPatchRenderer.Render(_profiles));
            }
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }
    }
}
