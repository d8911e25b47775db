using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Converts a seccomp profile to the JSON text a Talos node writes.</summary>
/// <remarks>
/// <para>ConvertTo-SeccompJson returns the profile as one string: by default exactly the content of /var/lib/kubelet/seccomp/profiles/&lt;name&gt; on a Talos node (Go json.Marshal: compact, keys sorted, &lt; &gt; &amp; escaped as \u003c \u003e \u0026, no trailing newline), so it can be compared with what a node holds. -Indent returns indented JSON for reading.</para>
/// </remarks>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Log | ConvertTo-SeccompJson</code>
/// <para>Returns {"defaultAction":"SCMP_ACT_LOG"}.</para>
/// </example>
/// <example>
/// <code>ConvertTo-SeccompJson -Path ./docker-default.json -Indent</code>
/// <para>Shows a profile file as indented JSON, known keys first.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "SeccompJson", DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(string))]
public sealed class ConvertToSeccompJsonCommand : TalosSeccompCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The profile to convert.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public SeccompProfile InputObject { get; set; } = null!;

    /// <summary>Paths of profile files to convert; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Paths of profile files to convert, used exactly as written. FileInfo objects bind here through their PSPath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Return indented JSON for people instead of the node's exact text.</summary>
    [Parameter]
    public SwitchParameter Indent { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var profiles = ParameterSetName == InputObjectSet
            ? [InputObject]
            : ProfileInput.ReadFiles(this, ParameterSetName == PathSet ? Path : LiteralPath, ParameterSetName == LiteralPathSet, lenient: false, (ex, target) => WriteEngineError(ex, target));
        foreach (var profile in profiles)
        {
            WriteObject(Indent ? profile.ToIndentedJson() : profile.ToNodeJson());
        }
    }
}
