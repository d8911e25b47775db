using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Converts a seccomp profile to the JSON text a Talos node writes.</summary>
/// <remarks>
/// <para>ConvertTo-SeccompJson returns the profile as one string: by default exactly the content of
/// /var/lib/kubelet/seccomp/profiles/&lt;name&gt; on a Talos node (Go json.Marshal: compact, keys sorted, &lt; &gt;
/// &amp; escaped as \u003c \u003e \u0026, no trailing newline), so it can be compared with what a node holds. -Indent
/// returns indented JSON for reading.</para>
/// </remarks>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Log | ConvertTo-SeccompJson</code>
/// <para>Returns {"defaultAction":"SCMP_ACT_LOG"}.</para>
/// </example>
/// <example>
/// <code>ConvertTo-SeccompJson -Path ./docker-default.json -Indent</code>
/// <para>Shows a profile file as indented JSON, known keys first.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "SeccompJson", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(string))]
public sealed class ConvertToSeccompJsonCommand : ProfileSourceCommand
{
    /// <summary>Return indented JSON for people instead of the node's exact text.</summary>
    [Parameter]
    public SwitchParameter Indent { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (var profile in CurrentProfiles())
        {
            WriteObject(Indent ? profile.ToIndentedJson() : profile.ToNodeJson());
        }
    }
}
