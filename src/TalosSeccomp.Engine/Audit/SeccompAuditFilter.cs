using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Audit;

/// <summary>
/// Which seccomp records to keep, by process name, executable, syscall name and action, and by the Kubernetes
/// namespace, pod and container an attributed event came from, each a list of PowerShell-style wildcard patterns
/// matched without regard to case. A record is kept when every non-empty list has a matching pattern; an event that
/// is not attributed to a container matches no namespace, pod or container pattern. Patterns are compiled once here;
/// the parser applies the record filters before it allocates an event, so rejected records cost no allocation, and a
/// stream applies the pod filters as soon as the pid's container is known (before allocation once it is cached).
/// </summary>
public sealed class SeccompAuditFilter
{
    private static readonly string[] ActionNames = Enum.GetNames<SeccompAuditAction>();

    private readonly Wildcard[] _processName;
    private readonly Wildcard[] _executable;
    private readonly Wildcard[] _syscall;
    private readonly bool[]? _actions;
    private readonly Wildcard[] _namespace;
    private readonly Wildcard[] _pod;
    private readonly Wildcard[] _container;

    /// <summary>Compiles the patterns.</summary>
    /// <param name="processName">Patterns for the process name (<c>comm</c>).</param>
    /// <param name="executable">Patterns for the executable path; a record without one is matched as an empty string.</param>
    /// <param name="syscall">Patterns for the syscall name; a number the tables do not name is matched as its decimal text.</param>
    /// <param name="action">Patterns for the action names of <see cref="SeccompAuditAction"/> (KillProcess, Kill*, Errno, …).</param>
    /// <param name="kubernetesNamespace">Patterns for the pod's Kubernetes namespace (attributed events only).</param>
    /// <param name="pod">Patterns for the pod's name (attributed events only).</param>
    /// <param name="container">Patterns for the container's name (attributed events only).</param>
    /// <exception cref="TalosSeccompException">InvalidWildcardPattern for an unclosed bracket; InvalidSeccompAuditAction for an action pattern that names no action.</exception>
    public SeccompAuditFilter(
        IEnumerable<string>? processName = null,
        IEnumerable<string>? executable = null,
        IEnumerable<string>? syscall = null,
        IEnumerable<string>? action = null,
        IEnumerable<string>? kubernetesNamespace = null,
        IEnumerable<string>? pod = null,
        IEnumerable<string>? container = null)
    {
        _namespace = Compile(kubernetesNamespace, "Namespace");
        _pod = Compile(pod, "Pod");
        _container = Compile(container, "Container");
        _processName = Compile(processName, "ProcessName");
        _executable = Compile(executable, "Executable");
        _syscall = Compile(syscall, "Syscall");

        var actionPatterns = Compile(action, "Action");
        if (actionPatterns.Length > 0)
        {
            _actions = new bool[ActionNames.Length];
            foreach (var pattern in actionPatterns)
            {
                // A profile action name (Kill, SCMP_ACT_ERRNO, ...) means the same here as in New-SeccompRule.
                if (!pattern.HasWildcards && FromProfileAction(pattern.Pattern) is { } named)
                {
                    _actions[(int)named] = true;
                    continue;
                }

                bool any = false;
                for (int i = 0; i < ActionNames.Length; i++)
                {
                    if (pattern.IsMatch(ActionNames[i]))
                    {
                        _actions[i] = true;
                        any = true;
                    }
                }

                if (!any)
                {
                    throw new TalosSeccompException(ErrorIds.InvalidSeccompAuditAction, ErrorKind.InvalidArgument,
                        $"'{pattern.Pattern}' matches no seccomp audit action. Valid actions: {string.Join(", ", ActionNames)}.", "Action");
                }
            }
        }
    }

    /// <summary>The audit action a profile action (<see cref="Profiles.SeccompAction"/> spellings) is logged as; null for a name that is no profile action.</summary>
    /// <param name="name">Allow, Log, Kill, KillThread, SCMP_ACT_NOTIFY, ... in any case.</param>
    public static SeccompAuditAction? FromProfileAction(string name) =>
        !Profiles.SeccompAction.TryNormalize(name, out var action) ? null : action switch
        {
            Profiles.SeccompAction.Allow => SeccompAuditAction.Allow,
            Profiles.SeccompAction.Log => SeccompAuditAction.Log,
            Profiles.SeccompAction.Trace => SeccompAuditAction.Trace,
            Profiles.SeccompAction.Notify => SeccompAuditAction.Notify,
            Profiles.SeccompAction.Errno => SeccompAuditAction.Errno,
            Profiles.SeccompAction.Trap => SeccompAuditAction.Trap,
            Profiles.SeccompAction.Kill or Profiles.SeccompAction.KillThread => SeccompAuditAction.KillThread,
            Profiles.SeccompAction.KillProcess => SeccompAuditAction.KillProcess,
            _ => null,
        };

    /// <summary>True when the filter keeps every record.</summary>
    public bool IsEmpty => _processName.Length == 0 && _executable.Length == 0 && _syscall.Length == 0 && _actions is null && !FiltersWorkload;

    /// <summary>True when the filter has namespace, pod or container patterns (it needs attributed events).</summary>
    public bool FiltersWorkload => _namespace.Length > 0 || _pod.Length > 0 || _container.Length > 0;

    /// <summary>
    /// Whether an event attributed as <paramref name="attribution"/> to this namespace, pod and container passes the
    /// namespace, pod and container patterns; anything not attributed to a container fails any of them.
    /// </summary>
    public bool MatchesWorkload(AuditAttribution attribution, string? kubernetesNamespace, string? pod, string? container)
    {
        if (!FiltersWorkload)
        {
            return true;
        }

        if (attribution != AuditAttribution.Container)
        {
            return false;
        }

        return (_namespace.Length == 0 || (kubernetesNamespace is not null && MatchesAny(_namespace, kubernetesNamespace)))
            && (_pod.Length == 0 || (pod is not null && MatchesAny(_pod, pod)))
            && (_container.Length == 0 || (container is not null && MatchesAny(_container, container)));
    }

    /// <summary>Whether <paramref name="evt"/>'s Kubernetes fields pass the namespace, pod and container patterns.</summary>
    public bool MatchesWorkload(SeccompAuditEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return MatchesWorkload(evt.Attribution, evt.Namespace, evt.Pod, evt.Container);
    }

    internal bool FiltersProcessName => _processName.Length > 0;

    internal bool FiltersExecutable => _executable.Length > 0;

    internal bool FiltersSyscall => _syscall.Length > 0;

    internal bool MatchesAction(SeccompAuditAction action) => _actions is null || _actions[(int)action];

    internal bool MatchesProcessName(ReadOnlySpan<char> value) => MatchesAny(_processName, value);

    internal bool MatchesExecutable(ReadOnlySpan<char> value) => MatchesAny(_executable, value);

    internal bool MatchesSyscall(ReadOnlySpan<char> value) => MatchesAny(_syscall, value);

    /// <summary>True when the filter keeps <paramref name="evt"/> (for events built elsewhere; the parser filters spans).</summary>
    public bool Matches(SeccompAuditEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return MatchesAction(evt.Action)
            && MatchesWorkload(evt)
            && MatchesProcessName(evt.ProcessName)
            && MatchesExecutable(evt.Executable)
            && MatchesSyscall(evt.Syscall ?? evt.SyscallNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool MatchesAny(Wildcard[] patterns, ReadOnlySpan<char> value)
    {
        if (patterns.Length == 0)
        {
            return true;
        }

        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    private static Wildcard[] Compile(IEnumerable<string>? patterns, string parameter) =>
        patterns is null
            ? []
            : patterns.Where(p => p is not null).Select(p => Wildcard.Compile(p, ignoreCase: true, parameter)).ToArray();
}
