namespace TalosSeccomp.Talos.Deployment;

/// <summary>What a set or remove did to one node's <c>machine.seccompProfiles</c>.</summary>
public enum SeccompProfileChangeAction
{
    /// <summary>The profile was not there and was added.</summary>
    Added,
    /// <summary>The profile was there with another value (or more than once) and was replaced by one entry.</summary>
    Replaced,
    /// <summary>Matching profiles were removed.</summary>
    Removed,
    /// <summary>The config already was as wanted; nothing was sent.</summary>
    Unchanged,
}

/// <summary>How the node applies the new config (ApplyConfiguration mode). There is deliberately no Reboot: seccomp profiles never need one.</summary>
public enum SeccompApplyMode
{
    /// <summary>AUTO: the node decides; for seccomp profiles that is always without a reboot.</summary>
    Auto,
    /// <summary>NO_REBOOT: apply now, fail if a reboot would be needed.</summary>
    NoReboot,
    /// <summary>TRY: apply now and roll back after the try timeout unless confirmed by another apply.</summary>
    Try,
    /// <summary>STAGED: store the config, apply it at the next reboot.</summary>
    Staged,
}

/// <summary>How <see cref="SeccompProfileDeployer.ApplyAsync"/> applies a plan.</summary>
public sealed class SeccompApplyOptions
{
    /// <summary>ApplyConfiguration mode (default Auto).</summary>
    public SeccompApplyMode Mode { get; init; } = SeccompApplyMode.Auto;

    /// <summary>Ask the node to validate and diff without applying (<c>dry_run</c>).</summary>
    public bool DryRun { get; init; }

    /// <summary>How long a Try apply lasts before the node rolls it back; null = the node's default (1 minute).</summary>
    public TimeSpan? TryTimeout { get; init; }

    /// <summary>Wait until the node's SeccompProfile resources show the change (COSI Watch).</summary>
    public bool Wait { get; init; }

    /// <summary>Bound of the wait.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Read the node's SeccompProfile resource of each set profile into <see cref="SeccompProfileChange.Resource"/>.</summary>
    public bool ReturnResources { get; init; }

    /// <summary>
    /// Apply even though the node has a staged config (its persistent config, newer than the active one, differs from it):
    /// an apply in any mode but Try replaces the persistent config, so the staged change is discarded.
    /// </summary>
    public bool DiscardStagedConfig { get; init; }

    /// <summary>Read–modify–write rounds before giving up on a config other writers keep changing (at least 1).</summary>
    public int MaxAttempts { get; init; } = SeccompProfileDeployer.DefaultMaxAttempts;
}

/// <summary>The result of one edit on one node (Set-/Remove-TalosSeccompProfile output).</summary>
public sealed class SeccompProfileChange
{
    /// <summary>The node.</summary>
    public string Node { get; init; } = string.Empty;

    /// <summary>The profile set, or the profiles removed (the patterns when nothing matched).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Added, Replaced, Removed or Unchanged.</summary>
    public SeccompProfileChangeAction Action { get; init; }

    /// <summary>The mode the node reports it used (AUTO comes back as NoReboot); empty when nothing was sent.</summary>
    public string Mode { get; init; } = string.Empty;

    /// <summary>The node's description of the apply (for a dry run, its summary and config diff); empty when nothing was sent.</summary>
    public string ModeDetails { get; init; } = string.Empty;

    /// <summary>Warnings the node returned.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>Diff of the seccompProfiles entries this edit changes (<c>-</c> old, <c>+</c> new lines); empty when unchanged.</summary>
    public string Diff { get; init; } = string.Empty;

    /// <summary>True when the config was only checked by the node (<c>-DryRun</c>).</summary>
    public bool DryRun { get; init; }

    /// <summary>True when the node accepted the new config (not for a dry run or when nothing changed).</summary>
    public bool Applied { get; init; }

    /// <summary>Read–modify–write rounds it took (above 1 when another writer changed the config in between).</summary>
    public int Attempts { get; init; }

    /// <summary>The MachineConfig resource version the change was computed from.</summary>
    public string ConfigVersion { get; init; } = string.Empty;

    /// <summary>True when <c>-Wait</c> saw the node's SeccompProfile resources reflect the change.</summary>
    public bool Confirmed { get; init; }

    /// <summary>The node's SeccompProfile resource after the change (with -PassThru, for a set).</summary>
    public TalosSeccompProfile? Resource { get; init; }

    /// <summary>"node: Added audit.json".</summary>
    public override string ToString() => $"{Node}: {Action} {Name}";
}
