using System.Globalization;

namespace TalosSeccomp.Audit.Attribution;

/// <summary>
/// The pod and container a process belongs to, read from its <c>/proc/&lt;pid&gt;/cgroup</c>. Talos runs the kubelet with
/// the cgroupfs driver, so a container's processes sit at <c>/kubepods[/burstable|/besteffort]/pod&lt;UID&gt;/&lt;container
/// id&gt;</c>; the systemd driver's spelling (<c>kubepods-besteffort-pod&lt;uid with _&gt;.slice/cri-containerd-&lt;id&gt;.scope</c>)
/// is recognised too, so a non-Talos layout is not mistaken for "not a container".
/// </summary>
public static class KubepodsCgroup
{
    /// <summary>
    /// Finds the pod UID and the 64-hex container id in the text of a cgroup file: the unified (<c>0::</c>) line, or
    /// on a cgroup v1 host any controller line that has a kubepods path.
    /// </summary>
    /// <param name="cgroupFile">The whole file, one <c>hierarchy-id:controllers:path</c> line per hierarchy.</param>
    /// <param name="podUid">The pod's UID with dashes (the systemd spelling's underscores turned back into dashes).</param>
    /// <param name="containerId">The container id (or the sandbox id for the pod's pause process).</param>
    /// <returns>False when no line has a kubepods path: the process is not in a Kubernetes pod.</returns>
    public static bool TryParse(string cgroupFile, out string podUid, out string containerId)
    {
        ArgumentNullException.ThrowIfNull(cgroupFile);
        podUid = containerId = string.Empty;
        foreach (var rawLine in cgroupFile.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var second = line.IndexOf(':', line.IndexOf(':') + 1);
            if (second < 0)
            {
                continue;
            }

            if (TryParsePath(line[(second + 1)..], out podUid, out containerId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses one cgroup path (see <see cref="TryParse"/>).</summary>
    public static bool TryParsePath(string path, out string podUid, out string containerId)
    {
        ArgumentNullException.ThrowIfNull(path);
        podUid = containerId = string.Empty;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            // cgroupfs: kubepods[/burstable|/besteffort]/pod<uid>/<id>
            if (parts[i] == "kubepods")
            {
                int pod = i + 1;
                if (pod < parts.Length && parts[pod] is "burstable" or "besteffort")
                {
                    pod++;
                }

                if (pod + 1 < parts.Length && parts[pod].StartsWith("pod", StringComparison.Ordinal) && IsContainerId(parts[pod + 1]))
                {
                    podUid = parts[pod][3..];
                    containerId = parts[pod + 1];
                    return podUid.Length > 0;
                }

                return false;
            }

            // systemd: kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/cri-containerd-<id>.scope
            if (parts[i].StartsWith("kubepods", StringComparison.Ordinal) && parts[i].EndsWith(".slice", StringComparison.Ordinal)
                && parts[i].IndexOf("-pod", StringComparison.Ordinal) is var at and >= 0 && i + 1 < parts.Length)
            {
                var scope = parts[i + 1];
                var dash = scope.LastIndexOf('-');
                if (scope.EndsWith(".scope", StringComparison.Ordinal) && dash >= 0)
                {
                    var id = scope[(dash + 1)..^".scope".Length];
                    if (IsContainerId(id))
                    {
                        podUid = parts[i][(at + 4)..^".slice".Length].Replace('_', '-');
                        containerId = id;
                        return podUid.Length > 0;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The start time of a process, field 22 of <c>/proc/&lt;pid&gt;/stat</c> (clock ticks after boot), read after the last
    /// <c>)</c> because the comm in parentheses may hold spaces and parentheses.
    /// </summary>
    /// <param name="statFile">The stat file's text.</param>
    /// <param name="startTime">The start time in clock ticks.</param>
    public static bool TryParseStartTime(string statFile, out ulong startTime)
    {
        ArgumentNullException.ThrowIfNull(statFile);
        startTime = 0;
        var close = statFile.LastIndexOf(')');
        if (close < 0 || close + 2 > statFile.Length)
        {
            return false;
        }

        // After ") ": state is field 3, so starttime (field 22) is the 20th.
        var fields = statFile[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out startTime);
    }

    private static bool IsContainerId(string text)
    {
        if (text.Length != 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
