using System.Text;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Talos.Deployment;

/// <summary>
/// The planned read–modify–write of one node's machine config: the config text and resource version it was computed
/// from, the new text, and per edit what changes (for <c>-WhatIf</c>/<c>-Confirm</c> and the result objects).
/// </summary>
public sealed class SeccompProfilePlan
{
    private SeccompProfilePlan(string? node, string displayNode, IReadOnlyList<SeccompProfileEdit> edits, string configVersion, string originalText,
        IReadOnlyList<MachineConfigEdit> steps)
    {
        Node = node;
        DisplayNode = displayNode;
        Edits = edits;
        ConfigVersion = configVersion;
        OriginalText = originalText;
        Steps = steps;
        NewText = steps.Count == 0 ? originalText : steps[^1].NewText;
    }

    /// <summary>The node as sent in the <c>node</c> metadata (null = the endpoint's own node).</summary>
    public string? Node { get; }

    /// <summary>The node as shown in output.</summary>
    public string DisplayNode { get; }

    /// <summary>The edits, in the order they apply.</summary>
    public IReadOnlyList<SeccompProfileEdit> Edits { get; }

    /// <summary>The MachineConfig resource version the plan was computed from.</summary>
    public string ConfigVersion { get; }

    /// <summary>The whole config as read.</summary>
    public string OriginalText { get; }

    /// <summary>The whole config to apply.</summary>
    public string NewText { get; }

    /// <summary>One text edit per <see cref="Edits"/> entry, each applied to the result of the previous one.</summary>
    public IReadOnlyList<MachineConfigEdit> Steps { get; }

    /// <summary>What the edits did that the user should hear about (<see cref="MachineConfigEdit.Warnings"/> of every step).</summary>
    public IReadOnlyList<string> Warnings => Steps.SelectMany(s => s.Warnings).ToList();

    /// <summary>False when the config already is as wanted: nothing will be sent.</summary>
    public bool Changed => !string.Equals(OriginalText, NewText, StringComparison.Ordinal);

    /// <summary>The readable diff of the changed seccompProfiles entries, every edit's in turn; empty when nothing changes.</summary>
    public string Diff
    {
        get
        {
            var sb = new StringBuilder();
            foreach (var step in Steps.Where(s => s.Changed))
            {
                sb.Append(step.Diff);
            }

            return sb.ToString();
        }
    }

    /// <summary>
    /// The profiles that remove edits match by a wildcard pattern (not by exact name), in config order. When there are
    /// several, the removal is a high-impact change the caller should confirm (<c>-Name '*'</c> removes everything).
    /// </summary>
    public IReadOnlyList<string> WildcardRemovals => Edits
        .SelectMany((e, i) => e.Kind == SeccompProfileEditKind.Remove ? Steps[i].Before.Select(b => b.Name).Where(e.MatchesByWildcard) : [])
        .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>One phrase per edit: "set audit.json (replace)", "remove a.json, b.json", "remove *.tmp (nothing matches)".</summary>
    public string Summary => string.Join("; ", Edits.Select((e, i) => Describe(e, Steps[i], ActionOf(i))));

    /// <summary>What edit <paramref name="index"/> does to the config.</summary>
    public SeccompProfileChangeAction ActionOf(int index)
    {
        var step = Steps[index];
        if (!step.Changed)
        {
            return SeccompProfileChangeAction.Unchanged;
        }

        return Edits[index].Kind == SeccompProfileEditKind.Remove ? SeccompProfileChangeAction.Removed
            : step.Before.Count > 0 ? SeccompProfileChangeAction.Replaced
            : SeccompProfileChangeAction.Added;
    }

    /// <summary>Plans <paramref name="edits"/> against a config text (the safety-checked splice of <see cref="MachineConfigSeccompEditor"/>).</summary>
    /// <exception cref="Errors.TalosSeccompException">The patch errors, e.g. <c>MachineConfigMissingV1Alpha1</c>, naming the node;
    /// <c>SeccompProfileDefaultWouldReplace</c> (InvalidOperation) when an <see cref="SeccompProfileEdit.AddOnly"/> edit meets an
    /// entry with another value.</exception>
    public static SeccompProfilePlan Create(string? node, string displayNode, IReadOnlyList<SeccompProfileEdit> edits, string configText, string configVersion)
    {
        ArgumentNullException.ThrowIfNull(edits);
        ArgumentNullException.ThrowIfNull(configText);
        var steps = new List<MachineConfigEdit>(edits.Count);
        var text = configText;
        foreach (var edit in edits)
        {
            var step = edit.ApplyTo(text, displayNode);
            if (edit.AddOnly && step.Changed && step.Before.Count > 0)
            {
                throw new TalosSeccompException(ErrorIds.SeccompProfileDefaultWouldReplace, ErrorKind.InvalidOperation,
                    $"{displayNode} already has a seccomp profile '{edit.Name}' that differs from the default audit profile {SeccompProfile.AuditProfileJson}, "
                    + "and no profile was given (-Profile, -Value or -Path), so it was not replaced. Nothing was applied. "
                    + "Give the profile to deploy, or use -Force to replace it with the audit profile.",
                    displayNode);
            }

            steps.Add(step);
            text = step.NewText;
        }

        var plan = new SeccompProfilePlan(node, displayNode, edits, configVersion, configText, steps);
        if (plan.Changed)
        {
            RequireSendable(plan.NewText, displayNode);
        }

        return plan;
    }

    /// <summary>
    /// Bytes an ApplyConfiguration request may carry besides the config: the field tags and lengths, the mode, dry-run
    /// and try-timeout fields (together under 32 bytes).
    /// </summary>
    internal const int ApplyRequestOverhead = 64;

    /// <summary>
    /// Refuses a config that the ApplyConfiguration message could not carry (the client's send limit, equal to
    /// apid's receive limit), before anything is sent: the call would otherwise fail half way with a transport error.
    /// </summary>
    /// <exception cref="Errors.TalosSeccompException"><c>MachineConfigTooLarge</c> (LimitsExceeded).</exception>
    internal static void RequireSendable(string configText, string displayNode)
    {
        var bytes = Encoding.UTF8.GetByteCount(configText);
        if ((long)bytes + ApplyRequestOverhead > TalosConnection.MaxReceiveMessageSize)
        {
            throw new Errors.TalosSeccompException(ErrorIds.MachineConfigTooLarge, Errors.ErrorKind.LimitsExceeded,
                $"The edited machine config of {displayNode} would be {bytes:N0} bytes, more than the {TalosConnection.MaxReceiveMessageSize / (1024 * 1024)} MiB a Talos API message may carry. "
                + "Nothing was sent. Make the profiles smaller (merge rules with many names, drop unused profiles) or move some to other nodes.",
                displayNode);
        }
    }

    /// <summary>The same edits planned again against a config another writer changed.</summary>
    internal SeccompProfilePlan Replan(string configText, string configVersion) => Create(Node, DisplayNode, Edits, configText, configVersion);

    private static string Describe(SeccompProfileEdit edit, MachineConfigEdit step, SeccompProfileChangeAction action) => action switch
    {
        SeccompProfileChangeAction.Added => $"set {edit.Name} (add{From(edit)})",
        SeccompProfileChangeAction.Replaced => $"set {edit.Name} (replace{From(edit)})",
        SeccompProfileChangeAction.Removed => "remove " + string.Join(", ", step.Before.Select(e => e.Name).Distinct(StringComparer.Ordinal)),
        _ when edit.Kind == SeccompProfileEditKind.Remove => $"remove {edit.Name} (nothing matches)",
        _ => $"set {edit.Name} (no change)",
    };

    private static string From(SeccompProfileEdit edit) => string.IsNullOrEmpty(edit.Source) ? string.Empty : $", from {edit.Source}";
}
