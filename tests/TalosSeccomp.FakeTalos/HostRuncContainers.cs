using System.Diagnostics;
using System.Text.Json;
using TalosSeccomp.FakeTalos.State;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// This machine's real runc containers as the node's CRI would list them, for nodes started with
/// <see cref="FakeTalosOptions.ForwardHostRuncContainers"/>. The rows are built from <c>runc --root R list -f json</c>
/// (opencontainers/runc <c>list.go</c> containerState: id, pid, status, annotations) and the Kubernetes annotations
/// containerd's CRI plugin writes into every OCI spec (containerd <c>internal/cri/annotations/annotations.go</c>):
/// a container whose <c>io.kubernetes.cri.container-type</c> is <c>sandbox</c> is a pod (sandbox-name,
/// sandbox-namespace, sandbox-uid), one whose type is <c>container</c> belongs to the pod its
/// <c>io.kubernetes.cri.sandbox-id</c> names (container-name, image-name). Containers without these annotations are
/// not CRI's and are not listed.
/// </summary>
internal static class HostRuncContainers
{
    internal const string ContainerType = "io.kubernetes.cri.container-type";
    internal const string SandboxId = "io.kubernetes.cri.sandbox-id";
    internal const string SandboxName = "io.kubernetes.cri.sandbox-name";
    internal const string SandboxNamespace = "io.kubernetes.cri.sandbox-namespace";
    internal const string SandboxUid = "io.kubernetes.cri.sandbox-uid";
    internal const string ContainerName = "io.kubernetes.cri.container-name";
    internal const string ImageName = "io.kubernetes.cri.image-name";
    internal const string SandboxImageName = "io.kubernetes.cri.podsandbox.image-name";

    /// <summary>One runc container: its id, init pid (0 when stopped), status and annotations.</summary>
    internal sealed record RuncState(string Id, int Pid, string Status, IReadOnlyDictionary<string, string> Annotations);

    /// <summary>
    /// The pods (running sandboxes only: CRI lists SANDBOX_READY ones, upstream <c>internal/pkg/containers/cri/cri.go</c>
    /// Pods) and their containers, with each container's CRI status (runc running or paused → CONTAINER_RUNNING,
    /// created → CONTAINER_CREATED, stopped → CONTAINER_EXITED).
    /// </summary>
    public static (IReadOnlyList<FakeCriPod> Pods, IReadOnlyList<(FakeCriContainer Container, string Status)> Containers) List(string runcRoot) =>
        Build(RuncList(runcRoot));

    /// <summary>The CRI pods and containers of a runc list (see <see cref="List"/>).</summary>
    internal static (IReadOnlyList<FakeCriPod> Pods, IReadOnlyList<(FakeCriContainer Container, string Status)> Containers) Build(IReadOnlyList<RuncState> states)
    {
        var pods = new List<FakeCriPod>();
        var byId = new Dictionary<string, FakeCriPod>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            if (Annotation(state, ContainerType) != "sandbox" || state.Status != "running")
            {
                continue;
            }

            var pod = new FakeCriPod(Annotation(state, SandboxNamespace), Annotation(state, SandboxName), Annotation(state, SandboxUid), state.Id, state.Pid)
            {
                Image = state.Annotations.TryGetValue(SandboxImageName, out var image) ? image : FakeCriPod.DefaultPauseImage,
            };
            pods.Add(pod);
            byId[state.Id] = pod;
        }

        var containers = new List<(FakeCriContainer, string)>();
        foreach (var state in states)
        {
            if (Annotation(state, ContainerType) != "container" || !byId.TryGetValue(Annotation(state, SandboxId), out var pod))
            {
                continue;
            }

            var status = state.Status switch
            {
                "running" or "paused" => "CONTAINER_RUNNING",
                "created" => "CONTAINER_CREATED",
                _ => "CONTAINER_EXITED",
            };
            containers.Add((new FakeCriContainer(pod, Annotation(state, ContainerName), state.Id, Annotation(state, ImageName), state.Pid, status == "CONTAINER_RUNNING"), status));
        }

        return (pods, containers);
    }

    /// <summary>Runs <c>runc --root R list -f json</c>; no containers (runc prints <c>null</c>) or no root directory gives an empty list.</summary>
    internal static IReadOnlyList<RuncState> RuncList(string runcRoot)
    {
        if (!Directory.Exists(runcRoot))
        {
            return [];
        }

        var start = new ProcessStartInfo("runc") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--root", runcRoot, "list", "-f", "json" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("runc did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new InvalidOperationException("runc list did not finish within 10 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"runc --root {runcRoot} list failed: {stderr.Result.Trim()}");
        }

        return Parse(stdout.Result);
    }

    internal static IReadOnlyList<RuncState> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var result = new List<RuncState>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            if (item.TryGetProperty("annotations", out var map) && map.ValueKind == JsonValueKind.Object)
            {
                foreach (var pair in map.EnumerateObject())
                {
                    annotations[pair.Name] = pair.Value.GetString() ?? string.Empty;
                }
            }

            result.Add(new RuncState(item.GetProperty("id").GetString() ?? string.Empty, item.GetProperty("pid").GetInt32(), item.GetProperty("status").GetString() ?? string.Empty, annotations));
        }

        return result;
    }

    private static string Annotation(RuncState state, string key) => state.Annotations.TryGetValue(key, out var value) ? value : string.Empty;
}
