using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Deployment;
using Xunit;

namespace TalosSeccomp.Tests.Talos.Deployment;

/// <summary>Applies whose outcome the reply does not tell (timeouts, Ctrl+C), and staged configs a later apply would discard (issue 12).</summary>
public sealed class ApplyOutcomeAndStagedConfigTests : DeploymentTestBase
{
    private const string AuditJson = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";

    private SeccompProfileDeployer ShortDeadlineDeployer() =>
        new(new TalosClient(new TalosConnection(TalosConnectionSettings.Resolve(AdminConfig)), TimeSpan.FromSeconds(5)));

    [Fact]
    public async Task AnApplyWhoseReplyTimesOutButThatTookEffectIsReportedAppliedAfterReadingBack()
    {
        var node = FakeNode(0);
        // The node has applied but holds its reply until the client has given up and read back.
        using var release = new ManualResetEventSlim();
        node.AfterApply = _ => release.Wait(TimeSpan.FromSeconds(30));
        var deployer = ShortDeadlineDeployer();
        var plan = await deployer.PlanAsync(node.Address, node.Address, [Set("late.json", AuditJson)]);

        var change = Assert.Single(await deployer.ApplyAsync(plan, new SeccompApplyOptions()));
        release.Set();

        Assert.True(change.Applied);
        Assert.Contains(change.Warnings, w => w.Contains("read back afterwards holds the change", StringComparison.Ordinal));
        Assert.Contains("late.json", MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Select(e => e.Name));
    }

    [Fact]
    public async Task AnApplyThatTimesOutBeforeTakingEffectSaysTheOutcomeIsUnknownAndHowToCheck()
    {
        var node = FakeNode(1);
        // The node holds the apply until the client has given up and read back: no race with the machine's load.
        using var release = new ManualResetEventSlim();
        node.BeforeApply = _ => release.Wait(TimeSpan.FromSeconds(30));
        var deployer = ShortDeadlineDeployer();
        var plan = await deployer.PlanAsync(node.Address, node.Address, [Set("slow.json", AuditJson)]);

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => deployer.ApplyAsync(plan, new SeccompApplyOptions()));
        release.Set();

        Assert.Equal(("SeccompProfileApplyOutcomeUnknown", ErrorKind.OperationTimeout, node.Address), (error.ErrorId, error.Kind, error.Target));
        Assert.Contains("still the old one", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Get-TalosSeccompProfile -Node {node.Address}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"version moved on from {plan.ConfigVersion}", error.Message, StringComparison.Ordinal);

        // And indeed the node applies it a moment later: "unknown" was the truth, "failed" would have been wrong.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Any(e => e.Name == "slow.json") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains("slow.json", MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Select(e => e.Name));
    }

    [Fact]
    public async Task StoppingDuringTheApplySaysTheOutcomeIsUnknown()
    {
        var node = FakeNode(2);
        using var stop = new CancellationTokenSource();
        node.BeforeApply = _ =>
        {
            stop.Cancel();
            Thread.Sleep(TimeSpan.FromMilliseconds(300));
        };
        var deployer = Deployer();
        var plan = await deployer.PlanAsync(node.Address, node.Address, [Set("stopped.json", AuditJson)]);

        var error = await Assert.ThrowsAsync<TalosSeccompException>(() => deployer.ApplyAsync(plan, new SeccompApplyOptions(), stop.Token));

        Assert.Equal(("SeccompProfileApplyOutcomeUnknown", ErrorKind.OperationStopped), (error.ErrorId, error.Kind));
        Assert.Contains("Ctrl+C", error.Message, StringComparison.Ordinal);
        Assert.Contains("Get-TalosSeccompProfile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANormalApplyRefusesToDiscardAStagedConfigUnlessForced()
    {
        var node = FakeNode(0);
        var staged = Assert.Single(await DeployAsync(node.Address, new SeccompApplyOptions { Mode = SeccompApplyMode.Staged }, Set("staged.json", AuditJson)));
        Assert.True(staged.Applied);
        Assert.DoesNotContain("staged.json", MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Select(e => e.Name));

        foreach (var mode in new[] { SeccompApplyMode.Auto, SeccompApplyMode.Staged })
        {
            var error = await Assert.ThrowsAsync<TalosSeccompException>(() => DeployAsync(node.Address, new SeccompApplyOptions { Mode = mode }, Set("next.json", AuditJson)));
            Assert.Equal(("SeccompProfileStagedConfigPending", ErrorKind.InvalidOperation, node.Address), (error.ErrorId, error.Kind, error.Target));
            Assert.Contains("-Force", error.Message, StringComparison.Ordinal);
            Assert.Single(node.Applied);
        }

        var forced = Assert.Single(await DeployAsync(node.Address, new SeccompApplyOptions { DiscardStagedConfig = true }, Set("next.json", AuditJson)));
        Assert.True(forced.Applied);
        Assert.Contains(forced.Warnings, w => w.Contains("discarded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnApplyAfterATryWarnsThatItMakesTheTriedConfigPermanent()
    {
        var node = FakeNode(1);
        Assert.Single(await DeployAsync(node.Address, new SeccompApplyOptions { Mode = SeccompApplyMode.Try, TryTimeout = TimeSpan.FromMinutes(5) }, Set("tried.json", AuditJson)));

        var change = Assert.Single(await DeployAsync(node.Address, null, Set("next.json", AuditJson)));

        Assert.True(change.Applied);
        Assert.Contains(change.Warnings, w => w.Contains("-Mode Try", StringComparison.Ordinal));
        Assert.Equal(["tried.json", "next.json"], MachineConfigSeccompEditor.ReadSeccompProfiles(node.MachineConfig).Select(e => e.Name).Where(n => n is "tried.json" or "next.json"));
    }
}
