using System.Collections;
using System.Management.Automation;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using TalosSeccomp.Talos.Deployment;

namespace TalosSeccomp.Commands;

/// <summary>Puts a seccomp profile on Talos nodes, replacing the profile of the same name, and changes nothing else in
/// their config.</summary>
/// <remarks>
/// <para>Set-TalosSeccompProfile edits machine.seccompProfiles in each node's machine config by read–modify–write: it
/// reads the whole multi-document config (MachineConfigs.config.talos.dev v1alpha1, which needs the os:admin role),
/// replaces the entry with the given name or adds it, and applies the whole config with ApplyConfiguration. Unlike
/// talosctl patch mc, whose strategic merge appends a second entry with the same name, the entry is replaced; every
/// other document comes back byte for byte and every other field of the v1alpha1 document, comments included, is left
/// as it was. When the node already has the profile with this value, nothing is sent and the result says
/// Unchanged.</para>
/// <para>The profile comes from -Profile (an object from New-SeccompProfile or Import-SeccompProfile, also from the
/// pipeline), -Value (a hashtable in the profile's JSON shape) or -Path (a JSON file). With none of them, the Talos
/// seccomp guide's audit profile {"defaultAction":"SCMP_ACT_LOG"} is deployed (-Verbose says so), but only added: a
/// node whose profile of that name has another value gives the error SeccompProfileDefaultWouldReplace and keeps its
/// profile (a forgotten -Profile must not turn a strict profile into log-everything), unless -Force is given. The name
/// defaults to the profile's own name (its file name) and must be a plain file name: letters, digits, '.', '_' and '-',
/// because Talos writes /var/lib/kubelet/seccomp/profiles/NAME without checking. A profile that Test-SeccompProfile
/// reports errors for is refused unless -Force is given. All of this is checked before any call.</para>
/// <para>The apply mode is always sent: Auto by default (seccomp profiles never need a reboot), or -Mode NoReboot, Try
/// (with -TryTimeout) or Staged; a reboot is never requested. -DryRun lets each node check the config and return its
/// own summary without applying it. -WhatIf shows, per node, the diff of the seccompProfiles entries that would change,
/// and -Confirm asks per node with that diff. -Wait watches each node's SeccompProfile resource (COSI) until it shows
/// exactly the new value, up to -TimeoutSec; -PassThru adds that resource to the result.</para>
/// <para>Lost updates: Talos has no compare-and-swap for the machine config. Right before applying, the command reads
/// the config's resource version again; if another writer changed it since it was read (for instance while -Confirm
/// waited), the edit is redone on the fresh config (up to three times, then SeccompProfileConcurrentUpdate), so a
/// change that was read is never overwritten. A write that lands in the remaining window, between that last version
/// check and the node receiving the apply (one round trip), can still be overwritten.</para>
/// <para>Duplicates: when a node's config already holds several entries with the name (Talos uses only one of them),
/// they are replaced by the one new entry and a warning names their lines; -WhatIf shows the warning too.</para>
/// <para>Staged configs: the command edits the active config, and an apply in any mode but Try replaces the node's
/// persistent config. When the node has a staged config (applied with -Mode Staged, waiting for a reboot) that differs
/// from the active one, the command refuses with SeccompProfileStagedConfigPending and applies nothing, because the
/// staged change would be lost; reboot the node first, or give -Force to discard the staged config (a warning says it
/// was). A config applied with -Mode Try and not yet made permanent is made permanent by the next apply, with a
/// warning.</para>
/// <para>Unknown outcomes: when ApplyConfiguration times out or loses its connection, the command reads the node's
/// config back; if it holds the change, the result says Applied with a warning, otherwise the error
/// SeccompProfileApplyOutcomeUnknown says what was read and how to check (Get-TalosSeccompProfile, the MachineConfig
/// version). Ctrl+C during the apply reports the same error (as a warning on the host, since the pipeline has
/// stopped).</para>
/// <para>Nodes come from -Node, from the pipeline (node names as strings, or TalosNode objects from Get-TalosNode), or
/// from the talosconfig context; a piped profile binds to -Profile, never to -Node. They are done concurrently, up to
/// -ThrottleLimit (16) at a time, with a progress bar; each node gives one result object per profile, and a node that
/// fails gives one error naming it while the others complete. Results and errors come out in the order the nodes were
/// given, each as soon as its node and every node before it are done.</para>
/// <para>Partial results: with -ErrorAction Stop (or $ErrorActionPreference = 'Stop') the first failure starts no
/// further node, the nodes in flight finish (an apply is never cut off), every completed result is written, and then one
/// terminating error, with the failing node's ErrorId and the node as its target, says which nodes were changed and which
/// were not ("Changed: n1, n2. Not changed: n3 (failed), n4 (not started)."). PowerShell assigns nothing to $r in
/// $r = Set-TalosSeccompProfile ... when the statement throws; the results are in -OutVariable, down the pipeline, and
/// in the error's Exception.PartialResults.</para>
/// <para>Copying: Get-TalosSeccompProfile output pipes in (its Profile property binds to -Profile), so
/// Get-TalosSeccompProfile -Node n1 | Set-TalosSeccompProfile -Node n2 copies n1's profiles to n2 exactly, numbers and
/// unknown fields included; -WhatIf names each copy's source (from n1:NAME). -Node on the command line wins over the
/// piped objects' Node property; without -Node, each piped profile goes back to the node it was read from.</para>
/// </remarks>
/// <example>
/// <code>Get-TalosNode | Set-TalosSeccompProfile -Name audit.json</code>
/// <para>Deploys the Talos guide's audit profile {"defaultAction":"SCMP_ACT_LOG"} as audit.json to every node of the
/// current context, so pods can use localhostProfile: profiles/audit.json.</para>
/// </example>
/// <example>
/// <code>$p = Import-SeccompProfile ./app.json; Get-TalosNode | Set-TalosSeccompProfile -Name app.json -Profile $p -WhatIf</code>
/// <para>Shows, per node, the seccompProfiles lines that would change, without changing anything.</para>
/// </example>
/// <example>
/// <code>Set-TalosSeccompProfile -Node 10.5.0.2 -Name deny-ptrace.json -Value @{ defaultAction = 'SCMP_ACT_ALLOW'; syscalls = @(@{ names = @('ptrace'); action = 'SCMP_ACT_ERRNO'; errnoRet = 1 }) } -Wait -PassThru</code>
/// <para>Sets a profile given as a hashtable, waits until the node's SeccompProfile resource shows it and returns that
/// resource in the result.</para>
/// </example>
/// <example>
/// <code>Get-TalosSeccompProfile -Node 10.5.0.2 -Name 'app-*' | Set-TalosSeccompProfile -Node 10.5.0.3, 10.5.0.4 -WhatIf</code>
/// <para>Shows how 10.5.0.2's app-* profiles would be copied to two other nodes; run it without -WhatIf to copy
/// them.</para>
/// </example>
/// <example>
/// <code>try { Set-TalosSeccompProfile -Path ./app.json -ErrorAction Stop -OutVariable done } catch { $_.Exception.Message; $_.Exception.PartialResults }</code>
/// <para>In a runbook: stops at the first failing node; the error says which nodes were changed, and $done (like
/// PartialResults) holds the results of the nodes that completed.</para>
/// </example>
/// <example>
/// <code>Set-TalosSeccompProfile -Path ./profiles/app.json -Mode Try -TryTimeout 00:05:00 -Confirm:$false</code>
/// <para>Tries the profile on the context's nodes for five minutes (the nodes roll back unless it is applied again),
/// without prompting, as in a runbook.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "TalosSeccompProfile", SupportsShouldProcess = true, DefaultParameterSetName = ProfileSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(SeccompProfileChange))]
public sealed class SetTalosSeccompProfileCommand : SeccompProfileDeploymentCommandBase
{
    private const string ProfileSet = "Profile";
    private const string ValueSet = "Value";
    private const string PathSet = "Path";
    private readonly List<SeccompProfileEdit> _edits = new();
    private readonly Dictionary<string, List<SeccompProfileEdit>> _editsByNode = new(StringComparer.OrdinalIgnoreCase);
    private bool _nodeOnCommandLine;
    private bool _profileOnCommandLine;

    /// <summary>The profile's name on the nodes, its file name in /var/lib/kubelet/seccomp/profiles (e.g. audit.json).
    /// Defaults to the profile's own name; audit.json for the audit profile.</summary>
    [Parameter(Position = 0)]
    [Alias("ProfileName")]
    [ArgumentCompleter(typeof(TalosSeccompProfileNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The profile, from New-SeccompProfile or Import-SeccompProfile; also taken from the pipeline, as is the
    /// Profile property of Get-TalosSeccompProfile's output (which copies a node's profile). Without -Profile, -Value or
    /// -Path: the audit profile {"defaultAction":"SCMP_ACT_LOG"}.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ProfileSet)]
    [Alias("InputObject")]
    public SeccompProfile? Profile { get; set; }

    /// <summary>The profile as a hashtable in its JSON shape, e.g. @{ defaultAction = 'SCMP_ACT_LOG' }; numbers up to
    /// 2^64-1 stay exact.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ValueSet)]
    [ValidateNotNull]
    public IDictionary? Value { get; set; }

    /// <summary>The path of a profile JSON file (wildcards allowed if they match one file).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Deploy a profile even though Test-SeccompProfile reports errors for it, apply even though the node has a
    /// staged config, which is then discarded, and, when no profile is given, replace the node's profile of that name
    /// with the audit profile.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Add each node's SeccompProfile resource (as Get-TalosSeccompProfile returns it) to the result's
    /// Resource property; with -Wait it is the resource showing the new value.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }


    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        // Only command-line arguments are bound here; pipeline input is bound per record, later.
        _nodeOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Node));
        _profileOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Profile));
        base.BeginProcessing();
    }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var profile = ParameterSetName switch
            {
                ValueSet => SeccompProfileDictionary.ToProfile(Value!, v => v is PSObject wrapped ? wrapped.BaseObject : v),
                PathSet => ReadPath(Path!),
                _ => Profile,
            };
            if (profile is not null)
            {
                var name = Name ?? profile.Name ?? throw new TalosSeccompException(ErrorIds.SeccompProfileNameMissing, ErrorKind.InvalidArgument,
                    "The profile has no name: give -Name (the file name the nodes will write, e.g. app.json).", profile.Source ?? "Name");
                if (ParameterSetName == ProfileSet && !_profileOnCommandLine && !_nodeOnCommandLine && Node is { Length: > 0 })
                {
                    // A record that brought both its profile and its node (Get-TalosSeccompProfile output) goes back to
                    // that node only; -Node on the command line sends every piped profile to the nodes it names.
                    foreach (var node in Node.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()))
                    {
                        if (!_editsByNode.TryGetValue(node, out var own))
                        {
                            _editsByNode[node] = own = new List<SeccompProfileEdit>();
                        }

                        AddEdit(own, name, profile);
                    }
                }
                else
                {
                    AddEdit(_edits, name, profile);
                }
            }
        }
        catch (TalosSeccompException ex)
        {
            // Refused before any call: nothing is half-applied.
            ThrowEngineError(ex);
        }

        base.ProcessRecord();
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        try
        {
            if (_edits.Count == 0 && _editsByNode.Count == 0)
            {
                var name = Name ?? "audit.json";
                WriteVerbose($"No profile given: deploying the Talos guide's audit profile {SeccompProfile.AuditProfileJson} as {name}.");
                var edit = SeccompProfileEdit.SetDefault(name, replaceExisting: Force);
                WarnAbout(edit);
                _edits.Add(edit);
            }

            SeccompProfileDeployer.ValidateOptions(ApplyOptions(PassThru, Force));
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
        }

        base.EndProcessing();
    }

    /// <inheritdoc />
    private protected override Task ProcessNodeAsync(TalosNodeTarget target, PipelineSink sink, CancellationToken cancellationToken)
    {
        // A profile piped with this node wins over one of the same name for every node.
        var own = target.Node is not null && _editsByNode.TryGetValue(target.Node, out var edits) ? edits : [];
        var all = _edits.Where(e => !own.Exists(o => o.Name == e.Name)).Concat(own).ToList();
        return DeployAsync(target, sink, all, ApplyOptions(PassThru, Force), cancellationToken);
    }

    private void AddEdit(List<SeccompProfileEdit> edits, string name, SeccompProfile profile)
    {
        var edit = SeccompProfileEdit.Set(name, profile, Force);
        var same = edits.FindIndex(e => e.Name == name);
        if (same >= 0)
        {
            if (ReferenceEquals(edits[same].Value, edit.Value) || edits[same].Value!.ToJsonString() == edit.Value!.ToJsonString())
            {
                return;
            }

            WriteWarning($"The profile '{name}' was given more than once; the last one is deployed.");
            edits.RemoveAt(same);
        }
        else
        {
            WarnAbout(edit);
        }

        edits.Add(edit);
    }

    private SeccompProfile ReadPath(string path)
    {
        var files = ProfileInput.ResolveExisting(this, path, literal: false);
        if (files.Count != 1)
        {
            throw new TalosSeccompException(ErrorIds.AmbiguousSeccompProfilePath, ErrorKind.InvalidArgument,
                $"-Path '{path}' matches {files.Count} files; name exactly one profile file (pipe Import-SeccompProfile for several).", path);
        }

        return SeccompProfileFile.Read(files[0], lenient: true);
    }
}
