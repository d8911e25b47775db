using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos.Wire.Machine;
using CosiResource = TalosSeccomp.Talos.Wire.Cosi.Resource;
using WireMode = TalosSeccomp.Talos.Wire.Machine.ApplyConfigurationRequest.Types.Mode;

namespace TalosSeccomp.Talos.Deployment;

/// <summary>
/// Sets and removes seccomp profiles in one node's machine config by read–modify–write, like <c>talosctl patch mc</c>
/// but replacing by name and touching nothing else: read the whole multi-document config
/// (<c>MachineConfigs.config.talos.dev/v1alpha1</c>), splice only <c>machine.seccompProfiles</c> in the v1alpha1 document
/// (<see cref="MachineConfigSeccompEditor"/>), re-read the resource version right before applying and redo the edit on the
/// fresh text when another writer changed it, then apply the whole config with an explicit mode.
/// </summary>
/// <remarks>
/// Talos has no compare-and-swap for the config: a write that lands between the version re-check and the apply is
/// still overwritten. The re-check narrows that window to one round trip; it cannot close it.
/// </remarks>
public sealed class SeccompProfileDeployer
{
    /// <summary>Read–modify–write rounds before <c>SeccompProfileConcurrentUpdate</c>.</summary>
    public const int DefaultMaxAttempts = 3;

    private readonly TalosClient _client;

    /// <summary>Creates a deployer over <paramref name="client"/>.</summary>
    public SeccompProfileDeployer(TalosClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>
    /// Throws <c>TalosPermissionDenied</c> naming the certificate's roles unless it has <c>os:admin</c>: the MachineConfig
    /// resource is Sensitive and ApplyConfiguration is admin-only, so nothing is sent without it.
    /// </summary>
    public void RequireAdmin(string displayNode)
    {
        var roles = _client.Connection.Settings.Roles;
        if (!TalosRpc.IsAllowed(TalosRpc.ApplyConfiguration.Method, roles) || !TalosRpc.IsAllowed(TalosRpc.StateGet.Method, roles, TalosResources.MachineConfigType))
        {
            throw new TalosSeccompException(ErrorIds.TalosPermissionDenied, ErrorKind.PermissionDenied,
                $"Changing seccomp profiles on {displayNode} needs the {TalosRoles.Admin} role (the machine config is a Sensitive resource and ApplyConfiguration is admin-only), "
                + $"but the client certificate has {NodeSeccompProfiles.RoleList(roles)}. Nothing was sent. Use a talosconfig context with an os:admin certificate.",
                displayNode) { Classification = ErrorClass.PermissionDenied };
        }
    }

    /// <summary>Reads the node's config and plans <paramref name="edits"/> on it. Checks the role first.</summary>
    /// <param name="node">Target node (null = the endpoint's own node).</param>
    /// <param name="displayNode">The node as shown in output and errors.</param>
    /// <param name="edits">The edits, applied in order.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<SeccompProfilePlan> PlanAsync(string? node, string displayNode, IReadOnlyList<SeccompProfileEdit> edits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edits);
        RequireAdmin(displayNode);
        var (text, version) = await ReadConfigAsync(node, displayNode, cancellationToken).ConfigureAwait(false);
        return SeccompProfilePlan.Create(node, displayNode, edits, text, version);
    }

    /// <summary>
    /// Applies a plan: re-reads the config version (redoing the edit on fresh text when it moved, at most
    /// <see cref="SeccompApplyOptions.MaxAttempts"/> rounds), sends nothing when nothing changes, else ApplyConfiguration with
    /// the whole config and the mode always set; then optionally waits for the SeccompProfile resources and reads them.
    /// Returns one change per edit.
    /// </summary>
    /// <exception cref="TalosSeccompException">
    /// <c>SeccompProfileConcurrentUpdate</c> (ResourceBusy) when other writers kept changing the config;
    /// <c>SeccompProfileWaitTimeout</c>; <c>SeccompProfileWaitStaged</c>; <c>SeccompProfileStagedConfigPending</c> (InvalidOperation)
    /// when a staged config would be discarded; <c>SeccompProfileApplyOutcomeUnknown</c> when ApplyConfiguration timed out,
    /// lost its connection or was stopped and reading the config back did not show the change; the node's own refusals.
    /// </exception>
    public async Task<IReadOnlyList<SeccompProfileChange>> ApplyAsync(SeccompProfilePlan plan, SeccompApplyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options, plan.DisplayNode);
        var current = plan;
        var attempts = 1;
        var warnings = new List<string>();
        while (current.Changed)
        {
            // The persistent config is read with the version re-check, in parallel: no extra round trip.
            var activeRead = ReadConfigResourceAsync(current.Node, TalosResources.ActiveMachineConfigId, cancellationToken);
            var persistentRead = !options.DryRun && options.Mode != SeccompApplyMode.Try
                ? ReadPersistentAsync(current.Node, cancellationToken)
                : Task.FromResult<CosiResource?>(null);
            var active = await activeRead.ConfigureAwait(false);
            var persistent = await persistentRead.ConfigureAwait(false);
            var (text, version) = (MachineConfigBody.FromResource(active, current.DisplayNode), active.Metadata?.Version ?? string.Empty);
            if (version == current.ConfigVersion && string.Equals(text, current.OriginalText, StringComparison.Ordinal))
            {
                // Judged only on a round where the active config did not move: another writer's apply changes both
                // configs, and the two reads could straddle it, which would look like a staged config.
                if (persistent is not null)
                {
                    CheckPersistent(current.DisplayNode, active, text, persistent, options, warnings);
                }

                break;
            }

            if (attempts >= Math.Max(1, options.MaxAttempts))
            {
                throw new TalosSeccompException(ErrorIds.SeccompProfileConcurrentUpdate, ErrorKind.ResourceBusy,
                    $"The machine config of {current.DisplayNode} kept changing while the seccomp profiles were being edited (version {current.ConfigVersion} became {version}; {attempts} attempts): "
                    + "another writer (talosctl, Omni, another run) is changing it. Nothing was applied, so no change was overwritten; run the command again.",
                    current.DisplayNode);
            }

            attempts++;
            current = current.Replan(text, version);
        }

        ApplyConfiguration? reply = null;
        var readBackApplied = false;
        var confirmed = false;
        if (current.Changed)
        {
            var request = new ApplyConfigurationRequest
            {
                Data = ByteString.CopyFromUtf8(current.NewText),
                Mode = ToWire(options.Mode),
                DryRun = options.DryRun,
            };
            if (options.Mode == SeccompApplyMode.Try && options.TryTimeout is { } tryTimeout)
            {
                request.TryModeTimeout = Duration.FromTimeSpan(tryTimeout);
            }

            try
            {
                reply = await _client.ApplyConfigurationAsync(current.Node, request, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && !options.DryRun)
            {
                throw OutcomeUnknown(current, ErrorKind.OperationStopped, "was stopped (Ctrl+C) after the config had been sent", null, ex);
            }
            catch (TalosSeccompException ex) when (!options.DryRun && ex.IsTransient)
            {
                // The request may have reached the node: read back what it has now rather than guess.
                await RequireAppliedByReadBackAsync(current, options, ex, cancellationToken).ConfigureAwait(false);

                readBackApplied = true;
                warnings.Add($"ApplyConfiguration did not answer ({ex.Message}), but the node's config read back afterwards holds the change: it was applied.");
            }

            if (options.Wait && !options.DryRun)
            {
                await WaitAsync(current, options.WaitTimeout, cancellationToken).ConfigureAwait(false);
                confirmed = true;
            }
        }

        var changes = new List<SeccompProfileChange>(current.Edits.Count);
        for (var i = 0; i < current.Edits.Count; i++)
        {
            var edit = current.Edits[i];
            var step = current.Steps[i];
            var action = current.ActionOf(i);
            TalosSeccompProfile? resource = null;
            if (options.ReturnResources && edit.Kind == SeccompProfileEditKind.Set)
            {
                resource = await NodeSeccompProfiles.GetAsync(_client, current.Node, current.DisplayNode, edit.Name, cancellationToken).ConfigureAwait(false);
            }

            changes.Add(new SeccompProfileChange
            {
                Node = current.DisplayNode,
                Name = edit.Kind == SeccompProfileEditKind.Remove && step.Before.Count > 0
                    ? string.Join(", ", step.Before.Select(e => e.Name).Distinct(StringComparer.Ordinal))
                    : edit.Name,
                Action = action,
                Mode = reply is null ? string.Empty : reply.Mode.ToString(),
                ModeDetails = reply?.ModeDetails ?? string.Empty,
                Warnings = warnings.Concat(reply?.Warnings ?? Enumerable.Empty<string>()).ToList(),
                Diff = step.Diff,
                DryRun = reply is not null && options.DryRun,
                Applied = (reply is not null || readBackApplied) && !options.DryRun && action != SeccompProfileChangeAction.Unchanged,
                Attempts = attempts,
                ConfigVersion = current.ConfigVersion,
                Confirmed = confirmed && action != SeccompProfileChangeAction.Unchanged,
                Resource = resource,
            });
        }

        return changes;
    }

    /// <summary>Refuses option combinations that cannot work, before any call.</summary>
    /// <exception cref="TalosSeccompException"><c>SeccompProfileWaitStaged</c>, <c>InvalidTryTimeout</c>.</exception>
    public static void ValidateOptions(SeccompApplyOptions options, string? target = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Wait && options.Mode == SeccompApplyMode.Staged && !options.DryRun)
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfileWaitStaged, ErrorKind.InvalidArgument,
                "-Wait cannot be combined with -Mode Staged: a staged config only takes effect at the next reboot, so the profiles would never change while waiting.", target ?? "Wait");
        }

        if (options.TryTimeout is { } t && (options.Mode != SeccompApplyMode.Try || t <= TimeSpan.Zero))
        {
            throw new TalosSeccompException(ErrorIds.InvalidTryTimeout, ErrorKind.InvalidArgument,
                "-TryTimeout needs -Mode Try and a positive duration.", target ?? "TryTimeout");
        }
    }

    /// <summary>
    /// After a failed or unanswered ApplyConfiguration: re-reads the config the mode writes (the persistent one for Staged,
    /// else the active one) with a fresh deadline. Returns when it holds the new config (applied); otherwise throws
    /// <c>SeccompProfileApplyOutcomeUnknown</c> saying what the node had and how to check again: an old config does not
    /// prove the request was lost, the node may still be applying it.
    /// </summary>
    private async Task RequireAppliedByReadBackAsync(SeccompProfilePlan plan, SeccompApplyOptions options, TalosSeccompException failure, CancellationToken cancellationToken)
    {
        string? found = null;
        string? version = null;
        try
        {
            var id = options.Mode == SeccompApplyMode.Staged ? TalosResources.PersistentMachineConfigId : TalosResources.ActiveMachineConfigId;
            var resource = await ReadConfigResourceAsync(plan.Node, id, cancellationToken).ConfigureAwait(false);
            found = MachineConfigBody.FromResource(resource, plan.DisplayNode);
            version = resource.Metadata?.Version;
        }
        catch (TalosSeccompException)
        {
            // the node cannot be read either: unknown
        }

        if (found is not null && string.Equals(found, plan.NewText, StringComparison.Ordinal))
        {
            return;
        }

        var seen = found is null
            ? "Reading its config back failed too."
            : string.Equals(found, plan.OriginalText, StringComparison.Ordinal)
                ? $"Read back right afterwards, its config was still the old one (version {version}), but the node may still apply the change."
                : $"Read back right afterwards, its config (version {version}) was neither the old nor the new one: another writer changed it.";
        throw OutcomeUnknown(plan, failure.Kind, $"failed ({failure.Message})", seen, failure);
    }

    private static TalosSeccompException OutcomeUnknown(SeccompProfilePlan plan, ErrorKind kind, string what, string? seen, Exception inner) =>
        new("SeccompProfileApplyOutcomeUnknown", kind,
            $"ApplyConfiguration on {plan.DisplayNode} {what}, so whether the change ({plan.Summary}) was applied is unknown. "
            + (seen is null ? string.Empty : seen + " ")
            + $"Check with Get-TalosSeccompProfile -Node {plan.DisplayNode}, or see whether the MachineConfig resource version moved on from {plan.ConfigVersion}, before running the command again.",
            plan.DisplayNode, inner);

    /// <summary>
    /// A persistent config that differs from the active one is a staged change waiting for a reboot when the persistent
    /// one is the newer (mode Staged writes only it), or a Try apply not yet confirmed when the active one is (mode Try
    /// writes only that; upstream <c>pkg/machinery/resources/config/machine_config.go</c>, <c>PersistentID</c>). Every mode
    /// but Try replaces the persistent config with the edit of the active one, so a staged change would be lost:
    /// refused unless <see cref="SeccompApplyOptions.DiscardStagedConfig"/>. A pending Try is made permanent: a warning.
    /// </summary>
    private static void CheckPersistent(string displayNode, CosiResource active, string activeText, CosiResource persistent, SeccompApplyOptions options, List<string> warnings)
    {
        var persistentText = MachineConfigBody.FromResource(persistent, displayNode);
        if (string.Equals(persistentText, activeText, StringComparison.Ordinal))
        {
            return;
        }

        var staged = persistent.Metadata?.Updated is { } p && active.Metadata?.Updated is { } a ? p.ToDateTime() >= a.ToDateTime() : true;
        if (!staged)
        {
            warnings.Add($"{displayNode} runs a config applied with -Mode Try that is not yet permanent; this apply (mode {options.Mode}) edits it and makes it permanent.");
            return;
        }

        if (options.DiscardStagedConfig)
        {
            warnings.Add($"{displayNode} had a staged config (persistent version {persistent.Metadata?.Version}) that differed from the active one; it was discarded (-Force).");
            return;
        }

        throw new TalosSeccompException(ErrorIds.SeccompProfileStagedConfigPending, ErrorKind.InvalidOperation,
            $"{displayNode} has a staged machine config (persistent version {persistent.Metadata?.Version}, applied with -Mode Staged, waiting for a reboot) that differs from the active one (version {active.Metadata?.Version}). "
            + $"This command edits the active config and its apply (mode {options.Mode}) would replace the staged one, losing its changes. Nothing was applied. "
            + "Reboot the node to make the staged config active first, or use -Force to discard the staged config.",
            displayNode);
    }

    private async Task<CosiResource?> ReadPersistentAsync(string? node, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadConfigResourceAsync(node, TalosResources.PersistentMachineConfigId, cancellationToken).ConfigureAwait(false);
        }
        catch (TalosSeccompException ex) when (ex.Classification == ErrorClass.NotFound)
        {
            return null; // nothing persisted apart from the active config
        }
    }

    private Task<CosiResource> ReadConfigResourceAsync(string? node, string id, CancellationToken cancellationToken) =>
        _client.GetResourceAsync(node, TalosResources.ConfigNamespace, TalosResources.MachineConfigType, id, cancellationToken);

    /// <summary>The node's whole config text and the MachineConfig resource version.</summary>
    public async Task<(string Text, string Version)> ReadConfigAsync(string? node, string displayNode, CancellationToken cancellationToken = default)
    {
        var resource = await _client.GetResourceAsync(node, TalosResources.ConfigNamespace, TalosResources.MachineConfigType, TalosResources.ActiveMachineConfigId, cancellationToken)
            .ConfigureAwait(false);
        return (MachineConfigBody.FromResource(resource, displayNode), resource.Metadata?.Version ?? string.Empty);
    }

    /// <summary>
    /// Watches the node's SeccompProfile resources until every set profile shows exactly its new value and every removed
    /// profile is gone (compared on the YAML spec, numbers exact).
    /// </summary>
    private async Task WaitAsync(SeccompProfilePlan plan, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, JsonObject?>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Edits.Count; i++)
        {
            var edit = plan.Edits[i];
            if (edit.Kind == SeccompProfileEditKind.Set)
            {
                wanted[edit.Name] = edit.Value;
            }
            else
            {
                foreach (var removed in plan.Steps[i].Before)
                {
                    wanted[removed.Name] = null;
                }
            }
        }

        var present = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        bool Satisfied() => wanted.All(w => w.Value is null
            ? !present.ContainsKey(w.Key)
            : present.TryGetValue(w.Key, out var value) && JsonText.SemanticEquals(value, w.Value));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var bootstrapped = false;
        try
        {
            await foreach (var change in _client.WatchResourcesAsync(plan.Node, TalosResources.CriNamespace, TalosResources.SeccompProfileType,
                options: new WatchOptions { BootstrapContents = true }, cancellationToken: deadline.Token).ConfigureAwait(false))
            {
                var id = change.Resource?.Metadata?.Id ?? string.Empty;
                switch (change.EventType)
                {
                    case EventType.Bootstrapped:
                        bootstrapped = true;
                        break;
                    case EventType.Destroyed:
                        present.Remove(id);
                        break;
                    case EventType.Created or EventType.Updated when wanted.ContainsKey(id):
                        present[id] = TalosSeccompProfile.FromResource(change.Resource!, plan.DisplayNode).Value;
                        break;
                    case EventType.Errored:
                        throw new TalosSeccompException(ErrorIds.SeccompProfileWatchFailed, ErrorKind.NotSpecified,
                            $"Watching the seccomp profiles of {plan.DisplayNode} failed: {change.Error}", plan.DisplayNode);
                }

                if (bootstrapped && Satisfied())
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the deadline passed: reported below
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new TalosSeccompException(ErrorIds.SeccompProfileWaitTimeout, ErrorKind.OperationTimeout,
            $"{plan.DisplayNode} accepted the config, but its SeccompProfile resources did not show the change within {timeout.TotalSeconds:0.###} s "
            + $"(waiting for: {string.Join(", ", wanted.Keys)}). Check with Get-TalosSeccompProfile -Node {plan.DisplayNode}.",
            plan.DisplayNode);
    }

    private static WireMode ToWire(SeccompApplyMode mode) => mode switch
    {
        SeccompApplyMode.Auto => WireMode.Auto,
        SeccompApplyMode.NoReboot => WireMode.NoReboot,
        SeccompApplyMode.Try => WireMode.Try,
        SeccompApplyMode.Staged => WireMode.Staged,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown apply mode."),
    };
}
