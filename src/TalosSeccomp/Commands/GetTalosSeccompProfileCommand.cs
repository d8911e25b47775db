using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Deployment;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Commands;

/// <summary>Gets the seccomp profiles configured on Talos nodes, and optionally checks the files the nodes
/// wrote.</summary>
/// <remarks>
/// <para>Get-TalosSeccompProfile lists the SeccompProfiles.cri.talos.dev resources in namespace cri of each node (COSI
/// List; the os:reader role is enough), as talosctl get seccompprofiles does, and returns one TalosSeccompProfile per
/// profile: Node, Namespace, Type, Id, Version, Name, the typed Profile, the exact Value and LocalhostProfile
/// (profiles/NAME), so the objects pipe into ConvertTo-SeccompSecurityContext and Remove-TalosSeccompProfile. The
/// profile is decoded from the resource's YAML spec, so numbers such as argument values up to 2^64-1 come back exactly
/// (the resource's protobuf Struct would turn them into doubles).</para>
/// <para>-Name filters by name with wildcards (case-sensitive, like the file names). A name without wildcards that a
/// node does not have gives an error naming the node.</para>
/// <para>-Content also reads /var/lib/kubelet/seccomp/profiles/NAME from each node (MachineService.Read, which needs
/// the os:admin role) and sets ContentMatches to whether the file is byte for byte what the node should write for the
/// configured value (compact JSON with sorted keys), so drift between the config and the files shows. Without the admin
/// role the command says so in a warning and still returns the profiles, with ContentError explaining why the content
/// is missing.</para>
/// <para>Nodes come from -Node, from the pipeline (node names as strings, or Get-TalosNode), or from the talosconfig
/// context, and are asked concurrently; the profiles come out in node order. The objects pipe into
/// Set-TalosSeccompProfile -Node to copy profiles to other nodes.</para>
/// </remarks>
/// <example>
/// <code>Get-TalosSeccompProfile</code>
/// <para>Lists the profiles of every node of the current context, as NODE NAMESPACE TYPE ID VERSION.</para>
/// </example>
/// <example>
/// <code>Get-TalosNode | Get-TalosSeccompProfile -Name audit.json -Content | Where-Object ContentMatches -eq $false</code>
/// <para>Finds the nodes whose audit.json file differs from the configured profile.</para>
/// </example>
/// <example>
/// <code>Get-TalosSeccompProfile -Node 10.5.0.3 -Name audit.json | ConvertTo-SeccompSecurityContext</code>
/// <para>Writes the pod securityContext that uses the profile: type Localhost, localhostProfile
/// profiles/audit.json.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "TalosSeccompProfile", HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(TalosSeccompProfile))]
public sealed class GetTalosSeccompProfileCommand : TalosNodeCommandBase
{
    /// <summary>Names of the profiles to get; wildcards (*, ?, [a-z]) match several. All profiles when
    /// omitted.</summary>
    [Parameter(Position = 0)]
    [Alias("ProfileName", "Id")]
    [ArgumentCompleter(typeof(TalosSeccompProfileNameCompleter))]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Also read each profile file from the node (needs os:admin) and report in ContentMatches whether it
    /// matches the configured value byte for byte.</summary>
    [Parameter]
    public SwitchParameter Content { get; set; }


    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        try
        {
            foreach (var name in Name ?? [])
            {
                _ = Wildcard.Compile(name, ignoreCase: false);
            }
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }

        base.BeginProcessing();
    }

    /// <inheritdoc />
    private protected override async Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken)
    {
        var node = target.DisplayNode;
        var profiles = await NodeSeccompProfiles.ListAsync(target.Client, target.Node, node, Name, cancellationToken).ConfigureAwait(false);
        if (Content && profiles.Count > 0)
        {
            var denied = await NodeSeccompProfiles.ReadContentAsync(target.Client, target.Node, profiles, cancellationToken).ConfigureAwait(false);
            if (denied is not null)
            {
                sink.Warning($"{node}: {denied}");
            }
        }

        foreach (var profile in profiles)
        {
            if (profile.FromStruct)
            {
                sink.Warning($"{node}: the profile '{profile.Name}' came without a YAML spec; its numbers were read from a protobuf Struct and may be rounded above 2^53.");
            }

            profile.Connection = target.Connection;
            sink.Object(Content ? WithContentView(profile) : profile);
        }

        foreach (var missing in (Name ?? []).Where(n => !Wildcard.Compile(n, ignoreCase: false).HasWildcards && profiles.All(p => p.Name != n)))
        {
            sink.Error(new TalosSeccompException(ErrorIds.TalosSeccompProfileNotFound, ErrorKind.ObjectNotFound,
                $"{node} has no seccomp profile named '{missing}'.", node));
        }
    }

    // -Content output gets its own default view (MATCHES, SIZE), picked by this extra type name.
    private static PSObject WithContentView(TalosSeccompProfile profile)
    {
        var wrapped = PSObject.AsPSObject(profile);
        wrapped.TypeNames.Insert(0, typeof(TalosSeccompProfile).FullName + "#Content");
        return wrapped;
    }
}
