using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on profiles given as objects (-InputObject, from the pipeline) or as files
/// (-Path with wildcards, -LiteralPath, FileInfo objects from the pipeline).
/// </summary>
public abstract class ProfileSourceCommand : TalosSeccompCmdlet
{
    /// <summary>Parameter set of profile objects.</summary>
    protected const string InputObjectSet = "InputObject";

    /// <summary>Parameter set of paths with wildcards.</summary>
    protected const string PathSet = "Path";

    /// <summary>Parameter set of literal paths.</summary>
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>The profile: an object from New-SeccompProfile or Import-SeccompProfile, usually from the
    /// pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public SeccompProfile[] InputObject { get; set; } = [];

    /// <summary>Paths of profile JSON files; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Paths of profile JSON files, used exactly as written. FileInfo objects bind here through their
    /// PSPath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>
    /// The profiles of the current pipeline record: the objects given, or the files read (a file that cannot be
    /// read goes to <see cref="OnUnreadableFile"/> and the others are still returned).
    /// </summary>
    /// <param name="lenient">Keep unknown action/operator/architecture spellings so that validation can report
    /// them.</param>
    protected IEnumerable<SeccompProfile> CurrentProfiles(bool lenient = false) =>
        ParameterSetName == InputObjectSet
            ? InputObject
            : ProfileInput.ReadFiles(this, ParameterSetName == PathSet ? Path : LiteralPath, ParameterSetName == LiteralPathSet, lenient, OnUnreadableFile);

    /// <summary>Called for a profile file that cannot be read; writes a non-terminating error by default.</summary>
    protected virtual void OnUnreadableFile(TalosSeccompException exception, string target) => WriteEngineError(exception, target);
}
