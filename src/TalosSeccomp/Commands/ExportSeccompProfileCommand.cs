using System.Management.Automation;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands;

/// <summary>Writes a seccomp profile to a file, byte for byte as a Talos node would.</summary>
/// <remarks>
/// <para>Export-SeccompProfile writes exactly the bytes a Talos node writes to
/// /var/lib/kubelet/seccomp/profiles/&lt;name&gt;: compact JSON, keys sorted, HTML characters escaped, no trailing
/// newline. A file exported this way compares equal to the node's copy. Use -Indent for a file meant for people
/// (indented, trailing newline).</para>
/// <para>When -Path is an existing directory, each profile is written into it under its own Name (the file name a node
/// would use), so several piped profiles give several files; a profile without a name is then an error.</para>
/// <para>An existing file is replaced unless -NoClobber is given; a read-only file only with -Force. The file is
/// written to a temporary name and moved into place, so a failure never leaves a half-written profile. -WhatIf shows
/// what would be written without writing.</para>
/// </remarks>
/// <example>
/// <code>New-SeccompProfile -DefaultAction Log | Export-SeccompProfile -Path ./audit.json</code>
/// <para>Writes {"defaultAction":"SCMP_ACT_LOG"} to ./audit.json.</para>
/// </example>
/// <example>
/// <code>Watch-TalosAudit -Node 10.5.0.3 -Namespace shop -Duration 00:10:00 | New-SeccompProfile -FromAuditEvent -PerWorkload | Export-SeccompProfile -Path ./profiles</code>
/// <para>Writes one file per workload container into the existing directory ./profiles, each under its profile's name
/// (shop_web_app.json, ...).</para>
/// </example>
/// <example>
/// <code>Import-SeccompProfile ./docker-default.json | Export-SeccompProfile ./docker-default.pretty.json -Indent -NoClobber</code>
/// <para>Writes an indented copy for review, refusing to overwrite an existing file.</para>
/// </example>
[Cmdlet(VerbsData.Export, "SeccompProfile", SupportsShouldProcess = true, DefaultParameterSetName = PathSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(FileInfo))]
public sealed class ExportSeccompProfileCommand : TalosSeccompCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The profile to write.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SeccompProfile InputObject { get; set; } = null!;

    /// <summary>The file to write; an existing directory takes each profile under its own name.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The file to write, used exactly as written (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = string.Empty;

    /// <summary>Write indented JSON with a trailing newline instead of the node's exact bytes.</summary>
    [Parameter]
    public SwitchParameter Indent { get; set; }

    /// <summary>Replace a read-only file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Do not replace an existing file.</summary>
    [Parameter]
    [Alias("NoOverwrite")]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Output the written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var requested = ParameterSetName == LiteralPathSet ? LiteralPath : Path;
        try
        {
            var path = ProfileInput.ResolveForWrite(this, requested, ParameterSetName == LiteralPathSet);
            if (Directory.Exists(path))
            {
                // A directory takes each profile under its own name, as the node's profiles directory does.
                var name = InputObject.Name ?? throw new TalosSeccompException(ErrorIds.SeccompProfileNameMissing, ErrorKind.InvalidArgument,
                    $"'{requested}' is a directory and the profile has no name to write it under; give a file path, or name the profile (New-SeccompProfile -Name).", requested);
                path = System.IO.Path.Combine(path, MachineConfig.ProfileName.Validate(name));
            }

            var form = Indent ? "indented JSON" : "node JSON";
            if (!ShouldProcess(path, $"Write seccomp profile ({form})"))
            {
                return;
            }

            SeccompProfileFile.Write(InputObject, path, Indent, NoClobber, Force);
            if (PassThru)
            {
                WriteObject(new FileInfo(path));
            }
        }
        catch (TalosSeccompException ex)
        {
            WriteEngineError(ex, requested);
        }
    }
}
