using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Reads seccomp profiles from JSON files or text.</summary>
/// <remarks>
/// <para>Import-SeccompProfile parses OCI/containerd seccomp profiles (and Docker ones: their extra keys are kept) into
/// profile objects. Every key is kept, including ones the OCI spec does not define, and numbers stay exact up to
/// 18446744073709551615, so Import-SeccompProfile followed by Export-SeccompProfile loses nothing.</para>
/// <para>Parsing is strict: malformed JSON, a value of the wrong type, or an unknown action, operator, architecture or
/// flag is an error naming the file and the JSON path (line and position for syntax errors). To list every problem of a
/// broken file at once, use Test-SeccompProfile -Path.</para>
/// <para>The profile's Name is set to the file name, which is the name it would have on a node.</para>
/// </remarks>
/// <example>
/// <code>Import-SeccompProfile ./profiles/*.json</code>
/// <para>Reads every JSON file in ./profiles.</para>
/// </example>
/// <example>
/// <code>Get-ChildItem ./profiles -Filter *.json | Import-SeccompProfile | Test-SeccompProfile</code>
/// <para>Reads the files Get-ChildItem finds and validates them.</para>
/// </example>
/// <example>
/// <code>Import-SeccompProfile -Json '{"defaultAction":"SCMP_ACT_LOG"}' -Name audit.json</code>
/// <para>Parses profile JSON held in a string and names the profile.</para>
/// </example>
[Cmdlet(VerbsData.Import, "SeccompProfile", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfile))]
public sealed class ImportSeccompProfileCommand : TalosSeccompCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string JsonSet = "Json";

    /// <summary>Paths of profile files; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Paths of profile files, used exactly as written (no wildcards). FileInfo objects bind here through
    /// their PSPath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Profile JSON text.</summary>
    [Parameter(Mandatory = true, ParameterSetName = JsonSet)]
    [ValidateNotNullOrEmpty]
    public string Json { get; set; } = string.Empty;

    /// <summary>The name to give a profile read from -Json (its file name on the node).</summary>
    [Parameter(ParameterSetName = JsonSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == JsonSet)
        {
            try
            {
                var profile = SeccompProfile.Parse(Json);
                profile.Name = Name is null ? null : ProfileName.Validate(Name);
                WriteObject(profile);
            }
            catch (TalosSeccompException ex)
            {
                ThrowEngineError(ex);
            }

            return;
        }

        var literal = ParameterSetName == LiteralPathSet;
        foreach (var profile in ProfileInput.ReadFiles(this, literal ? LiteralPath : Path, literal, lenient: false, (ex, target) => WriteEngineError(ex, target)))
        {
            WriteObject(profile);
        }
    }
}
