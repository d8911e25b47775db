namespace TalosSeccomp.FakeTalos.State;

/// <summary>
/// A Kubernetes pod as the node's CRI (containerd, namespace k8s.io) knows it: what MachineService.Containers with
/// driver CRI lists as the pod's sandbox row (upstream <c>internal/pkg/containers/cri/cri.go</c>).
/// </summary>
/// <param name="Namespace">The pod's Kubernetes namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="Uid">The pod's UID (the sandbox row's <c>uid</c>).</param>
/// <param name="SandboxId">The sandbox's 64-hex id (the sandbox row's <c>internal_id</c>).</param>
/// <param name="Pid">The pause process's pid as CRI reports it.</param>
public sealed record FakeCriPod(string Namespace, string Name, string Uid, string SandboxId, int Pid)
{
    /// <summary>The pause image Talos configures for CRI sandboxes (the sandbox row's <c>image</c>).</summary>
    public const string DefaultPauseImage = "registry.k8s.io/pause:3.10";

    /// <summary>The sandbox row's image: the pause image's tag, which CRI's image list maps the sandbox's image digest to.</summary>
    public string Image { get; init; } = DefaultPauseImage;
}

/// <summary>One container of a <see cref="FakeCriPod"/>, as MachineService.Containers with driver CRI lists it.</summary>
/// <param name="Pod">The pod it belongs to.</param>
/// <param name="Name">The container's name in the pod spec.</param>
/// <param name="Id">The 64-hex container id (the row's <c>internal_id</c>).</param>
/// <param name="Image">The image reference.</param>
/// <param name="Pid">The init pid as CRI reports it (inside the sandbox's PID namespace under Talos 1.14 workload isolation).</param>
/// <param name="Running">CONTAINER_RUNNING when true, CONTAINER_EXITED otherwise.</param>
public sealed record FakeCriContainer(FakeCriPod Pod, string Name, string Id, string Image, int Pid, bool Running);
