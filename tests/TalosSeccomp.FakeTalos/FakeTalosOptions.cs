namespace TalosSeccomp.FakeTalos;

/// <summary>How a <see cref="FakeTalosServer"/> is set up.</summary>
public sealed record FakeTalosOptions
{
    /// <summary>Number of virtual nodes (10.5.0.2, 10.5.0.3, ...) behind the one endpoint; the first is the endpoint's own node.</summary>
    public int NodeCount { get; init; } = 1;

    /// <summary>CA and server key type: Ed25519 (Talos default), EcdsaP256 or Rsa2048.</summary>
    public string KeyAlgorithm { get; init; } = "Ed25519";

    /// <summary>Subject alternative names of the server certificate (IP addresses or DNS names).</summary>
    public IReadOnlyList<string> ServerSans { get; init; } = ["127.0.0.1", "localhost"];

    /// <summary>The Talos version the nodes report.</summary>
    public string TalosVersion { get; init; } = "v1.11.5";

    /// <summary>When root on Linux with a readable /dev/kmsg: the Dmesg and auditd streams also carry this machine's kernel records.</summary>
    public bool ForwardHostKernelLog { get; init; }

    /// <summary>
    /// Every node's Processes and Read of <c>/proc/…</c> answer from this machine's real /proc (instead of the node's
    /// in-memory process table), so real processes' cgroups and start times can be read.
    /// </summary>
    public bool ForwardHostProcesses { get; init; }

    /// <summary>
    /// Every node's Containers (driver CRI, namespace k8s.io) lists this machine's runc containers under
    /// <see cref="RuncRoot"/> that carry containerd's CRI annotations, instead of the node's in-memory CRI list.
    /// </summary>
    public bool ForwardHostRuncContainers { get; init; }

    /// <summary>The runc root directory (<c>runc --root</c>) whose containers <see cref="ForwardHostRuncContainers"/> lists.</summary>
    public string RuncRoot { get; init; } = "/run/runc";

    /// <summary>Every node starts with Talos 1.14 workload isolation on (see <see cref="FakeNode.WorkloadIsolation"/>).</summary>
    public bool WorkloadIsolation { get; init; }

    /// <summary>TCP port to listen on (loopback only); 0 picks a free one.</summary>
    public int Port { get; init; }
}

/// <summary>One ApplyConfiguration call a node received, in arrival order.</summary>
/// <param name="Data">The configuration text sent.</param>
/// <param name="Mode">The requested mode name (REBOOT, AUTO, NO_REBOOT, STAGED, TRY).</param>
/// <param name="DryRun">Whether it was a dry run.</param>
/// <param name="TryModeTimeout">The try-mode timeout sent, if any.</param>
/// <param name="Outcome">What the node did: Applied, DryRun, Staged or the error it returned.</param>
public sealed record AppliedConfiguration(string Data, string Mode, bool DryRun, TimeSpan? TryModeTimeout, string Outcome);
