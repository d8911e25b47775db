// DEVELOPMENT SCAFFOLDING for build/New-MamlHelp.ps1 and the Pester contract tests; deleted before merge.
using System.Collections;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using TalosSeccomp.Commands.Infrastructure;

namespace TalosSeccomp.Commands.Samples;

/// <summary>What kind of widget a sample command works on.</summary>
public enum SampleWidgetKind
{
    /// <summary>A small widget.</summary>
    Small,
    /// <summary>A large widget.</summary>
    Large,
}

/// <summary>A sample output object.</summary>
public sealed class SampleWidget
{
    /// <summary>The widget's name.</summary>
    public string Name { get; set; } = "";
    /// <summary>The widget's number.</summary>
    public int Id { get; set; }
    /// <summary>The widget's kind.</summary>
    public SampleWidgetKind Kind { get; set; }
}

/// <summary>Base for sample commands that talk to a node; its parameters are inherited.</summary>
public abstract class SampleNodeCommandBase : TalosSeccompCmdlet
{
    /// <summary>Path of the talosconfig file to read. Defaults to the standard lookup ($TALOSCONFIG, then ~/.talos/config).</summary>
    [Parameter]
    [Alias("Config")]
    public string? TalosConfig { get; set; }

    /// <summary>The talosconfig context to use instead of the file's current context.</summary>
    [Parameter]
    public string? Context { get; set; }
}

/// <summary>Gets sample widgets by name or by number.</summary>
/// <remarks>
/// <para>Gets widgets. This is the first paragraph of the description, with <c>code</c> and a
/// <see cref="SampleWidget"/> reference.</para>
/// <para>This is the second paragraph.</para>
/// </remarks>
/// <example>
/// <code>Get-SampleWidget -Name w*</code>
/// <para>Gets every widget whose name starts with w.</para>
/// </example>
/// <example>
/// <code>
/// 1, 2 | Get-SampleWidget -Kind Large
/// </code>
/// <para>Gets widgets 1 and 2 as large widgets.</para>
/// </example>
/// <seealso cref="SetSampleWidgetCommand"/>
[Cmdlet(VerbsCommon.Get, "SampleWidget", DefaultParameterSetName = ByName)]
[OutputType(typeof(SampleWidget))]
public sealed class GetSampleWidgetCommand : SampleNodeCommandBase
{
    private const string ByName = "ByName";
    private const string ById = "ById";
    private const string FromYaml = "FromYaml";

    /// <summary>Names of the widgets to get. Wildcards are permitted.</summary>
    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [Alias("WidgetName")]
    public string[] Name { get; set; } = ["*"];

    /// <summary>Numbers of the widgets to get.</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipeline = true)]
    public int[] Id { get; set; } = [];

    /// <summary>A YAML file holding a list of widget names.</summary>
    [Parameter(ParameterSetName = FromYaml, Mandatory = true)]
    public string Path { get; set; } = "";

    /// <summary>The kind of widget to return.</summary>
    [Parameter]
    public SampleWidgetKind Kind { get; set; } = SampleWidgetKind.Small;

    /// <summary>Also returns hidden widgets.</summary>
    [Parameter]
    public SwitchParameter IncludeHidden { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == FromYaml)
        {
            foreach (var name in ReadNamesThroughModuleContext(GetUnresolvedProviderPathFromPSPath(Path)))
            {
                WriteObject(new SampleWidget { Name = name, Kind = Kind });
            }
            return;
        }

        if (ParameterSetName == ById)
        {
            foreach (var id in Id) WriteObject(new SampleWidget { Id = id, Name = "w" + id, Kind = Kind });
            return;
        }

        foreach (var name in Name) WriteObject(new SampleWidget { Name = name, Kind = Kind });
    }

    // Stands in for the engine's YAML parsing until the real cmdlets land: YamlDotNet from the module context.
    private static IEnumerable<string> ReadNamesThroughModuleContext(string file)
    {
        _ = typeof(TalosSeccomp.Talos.TalosConnectionPool).Assembly; // loads the engine, creating the context
        var context = AssemblyLoadContext.All.Single(c => c.Name == "TalosSeccomp");
        var yaml = context.LoadFromAssemblyName(new AssemblyName("YamlDotNet"));
        var deserializer = Activator.CreateInstance(yaml.GetType("YamlDotNet.Serialization.Deserializer", true)!)!;
        var method = deserializer.GetType().GetMethods()
            .Single(m => m.Name == "Deserialize" && !m.IsGenericMethod && m.GetParameters().Length == 1 && m.GetParameters()[0].ParameterType == typeof(string));
        var result = (IEnumerable)method.Invoke(deserializer, [File.ReadAllText(file)])!;
        foreach (var item in result) yield return item!.ToString()!;
    }
}

/// <summary>Changes a sample widget.</summary>
/// <remarks>
/// <para>Changes a widget on the node. Supports -WhatIf and -Confirm.</para>
/// <list type="bullet">
/// <item><description>First point.</description></item>
/// <item><description>Second point.</description></item>
/// </list>
/// </remarks>
/// <example>
/// <code>Get-SampleWidget -Id 3 | Set-SampleWidget -Color red -PassThru</code>
/// <para>Paints widget 3 red and returns it.</para>
/// </example>
/// <example>
/// <code>Set-SampleWidget -Name a -Color blue -Tag x, y -WhatIf</code>
/// <para>Shows what painting widget a blue would do.</para>
/// <para>A second remark paragraph.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "SampleWidget", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "ByName")]
[OutputType(typeof(SampleWidget))]
public sealed class SetSampleWidgetCommand : SampleNodeCommandBase
{
    /// <summary>The widget to change, as returned by Get-SampleWidget.</summary>
    [Parameter(ParameterSetName = "ByObject", Mandatory = true, ValueFromPipeline = true)]
    public SampleWidget? InputObject { get; set; }

    /// <summary>Name of the widget to change.</summary>
    [Parameter(ParameterSetName = "ByName", Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>The new colour.</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("red", "green", "blue")]
    public string Color { get; set; } = "";

    /// <summary>Tags to attach.</summary>
    [Parameter]
    public string[]? Tag { get; set; }

    /// <summary>How many seconds to wait for the node.</summary>
    [Parameter]
    [PSDefaultValue(Value = 30, Help = "30 seconds")]
    public int TimeoutSeconds { get; set; } = 30;

    [Parameter(DontShow = true)]
    public string? InternalUseOnly { get; set; }

    /// <summary>An optional limit.</summary>
    [Parameter]
    public int? Limit { get; set; }

    /// <summary>Extra settings as a hashtable.</summary>
    [Parameter]
    public System.Collections.Hashtable? Setting { get; set; }

    /// <summary>Returns the changed widget.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var widget = InputObject ?? new SampleWidget { Name = Name };
        if (ShouldProcess(widget.Name, "Paint " + Color) && PassThru)
        {
            WriteObject(widget);
        }
    }
}
