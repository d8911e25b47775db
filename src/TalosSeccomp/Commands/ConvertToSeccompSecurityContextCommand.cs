using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Produces the Kubernetes securityContext that makes a pod or container use a Talos seccomp
/// profile.</summary>
/// <remarks>
/// <para>ConvertTo-SeccompSecurityContext writes the seccompProfile setting of type Localhost for a profile deployed on
/// Talos nodes. The kubelet resolves localhostProfile relative to /var/lib/kubelet/seccomp and Talos writes profiles to
/// its profiles/ subdirectory, so a profile named audit.json becomes localhostProfile: profiles/audit.json.</para>
/// <para>By default it returns YAML text: for -Level Pod (the default) the spec: fragment of a pod, as in the Talos
/// seccomp guide; for -Level Container the securityContext: block of a container entry. -AsObject returns an object
/// instead, whose ToDictionary() gives the securityContext value for building manifests. Profile names bind from the
/// pipeline by property name (Name), so profile objects from Import-SeccompProfile or Get-TalosSeccompProfile can be
/// piped in.</para>
/// </remarks>
/// <example>
/// <code>ConvertTo-SeccompSecurityContext -Name audit.json</code>
/// <para>Returns the pod spec fragment with type: Localhost and localhostProfile: profiles/audit.json.</para>
/// </example>
/// <example>
/// <code>Import-SeccompProfile ./app.json | ConvertTo-SeccompSecurityContext -Level Container</code>
/// <para>Returns the securityContext block for a container, for the profile deployed as app.json.</para>
/// </example>
/// <example>
/// <code>$ctx = ConvertTo-SeccompSecurityContext -LocalhostProfile profiles/app.json -AsObject; $pod.spec.securityContext = $ctx.ToDictionary()</code>
/// <para>Sets the securityContext of a pod object being built in PowerShell.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "SeccompSecurityContext", DefaultParameterSetName = NameSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(string), typeof(SeccompSecurityContext))]
public sealed class ConvertToSeccompSecurityContextCommand : TalosSeccompCmdlet
{
    private const string NameSet = "Name";
    private const string LocalhostProfileSet = "LocalhostProfile";

    /// <summary>The profile's name on the Talos nodes, e.g. audit.json.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ProfileName")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The localhostProfile path relative to /var/lib/kubelet/seccomp, e.g. profiles/audit.json.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LocalhostProfileSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string LocalhostProfile { get; set; } = string.Empty;

    /// <summary>Pod (spec.securityContext, the default) or Container (a container's securityContext).</summary>
    /// <remarks>A string, not the engine's enum: an engine value type in a field of this class would make PowerShell
    /// load the
    /// engine while it scans the module, before the module's load context is hooked up.</remarks>
    [Parameter]
    [ValidateSet(nameof(SecurityContextLevel.Pod), nameof(SecurityContextLevel.Container))]
    public string Level { get; set; } = nameof(SecurityContextLevel.Pod);

    /// <summary>Return an object instead of YAML text.</summary>
    [Parameter]
    public SwitchParameter AsObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var level = Enum.Parse<SecurityContextLevel>(Level, ignoreCase: true);
            var context = ParameterSetName == NameSet
                ? SeccompSecurityContext.ForProfileName(Name, level)
                : SeccompSecurityContext.ForLocalhostProfile(LocalhostProfile, level);
            WriteObject(AsObject ? context : context.ToYaml());
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex);
        }
    }
}
