using TalosSeccomp.MachineConfig;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Profiles;

/// <summary>
/// Checks a profile the way containerd, runc and the kernel will treat it on a Talos node, and reports every
/// finding as a <see cref="SeccompDiagnostic"/> instead of stopping at the first.
/// </summary>
public static class SeccompProfileValidator
{
    /// <summary>
    /// Syscalls every container start needs once the filter is in place, on both x86_64 and aarch64. runc
    /// installs the filter in its init process (as late as just before exec when NoNewPrivileges is set), so:
    /// <c>execve</c> to start the container's program; <c>exit_group</c> for any process to exit; and for runc's
    /// Go init until the exec: <c>futex</c> (thread parking), <c>rt_sigreturn</c> and <c>rt_sigprocmask</c>
    /// (the Go runtime's signal handling and preemption signals). Deliberately small: a profile that blocks any
    /// of these fails every container, whatever the image.
    /// </summary>
    public static IReadOnlyList<string> ContainerStartSyscalls { get; } = ["execve", "exit_group", "futex", "rt_sigreturn", "rt_sigprocmask"];

    /// <summary>Docker profile keys containerd drops at the top level, with the consequence of dropping each.</summary>
    private static readonly Dictionary<string, (SeccompDiagnosticSeverity Severity, string Consequence)> DockerProfileKeys = new(StringComparer.Ordinal)
    {
        ["archMap"] = (SeccompDiagnosticSeverity.Warning, "the sub-architectures it lists are not added; list every architecture in 'architectures' instead"),
        ["includes"] = (SeccompDiagnosticSeverity.Warning, "its conditions are not applied"),
        ["excludes"] = (SeccompDiagnosticSeverity.Warning, "its conditions are not applied"),
        ["comment"] = (SeccompDiagnosticSeverity.Information, "it is documentation only"),
        ["name"] = (SeccompDiagnosticSeverity.Information, "it has no effect"),
    };

    /// <summary>Docker rule keys containerd drops, with the consequence of dropping each.</summary>
    private static readonly Dictionary<string, (SeccompDiagnosticSeverity Severity, string Consequence)> DockerRuleKeys = new(StringComparer.Ordinal)
    {
        ["includes"] = (SeccompDiagnosticSeverity.Warning, "the rule applies unconditionally, whatever capabilities, architectures or kernel it was limited to"),
        ["excludes"] = (SeccompDiagnosticSeverity.Warning, "the rule applies unconditionally, including where it was excluded"),
        ["comment"] = (SeccompDiagnosticSeverity.Information, "it is documentation only"),
        ["name"] = (SeccompDiagnosticSeverity.Warning, "the singular 'name' is ignored; put the syscall in 'names'"),
    };

    /// <summary>Validates a profile; <paramref name="profileName"/>, when given, is checked as the name it will be deployed under.</summary>
    public static IReadOnlyList<SeccompDiagnostic> Validate(SeccompProfile profile, string? profileName = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var context = new Context(profile.Source ?? profile.Name);
        if (profileName is not null && !ProfileName.IsSafe(profileName))
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.UnsafeProfileName, ProfileName.Explain(profileName), string.Empty);
        }

        CheckTopLevel(profile, context);
        var architectures = CheckArchitectures(profile, context);
        for (var i = 0; i < profile.Syscalls.Count; i++)
        {
            CheckRule(profile, profile.Syscalls[i], $"syscalls[{i}]", architectures, context);
        }

        CheckDuplicates(profile, context);
        CheckContainerStart(profile, context);
        return context.Diagnostics;
    }

    private static void CheckTopLevel(SeccompProfile profile, Context context)
    {
        if (!SeccompAction.All.Contains(profile.DefaultAction))
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.UnknownAction, UnknownActionMessage(profile.DefaultAction), "defaultAction");
        }
        else if (profile.DefaultAction == SeccompAction.Notify)
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.NotifyAsDefaultAction,
                "runc refuses SCMP_ACT_NOTIFY as the default action (it would apply to the syscalls the listener itself needs); notify individual syscalls instead.", "defaultAction");
        }

        if (profile.DefaultErrnoRet is not null && !SeccompAction.TakesErrnoRet(profile.DefaultAction))
        {
            context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.ErrnoRetIgnored,
                $"defaultErrnoRet only applies to an SCMP_ACT_ERRNO or SCMP_ACT_TRACE default; with {profile.DefaultAction} it is ignored.", "defaultErrnoRet");
        }

        for (var i = 0; i < profile.Flags.Count; i++)
        {
            if (!SeccompFilterFlag.All.Contains(profile.Flags[i]))
            {
                context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.UnknownFlag,
                    $"'{profile.Flags[i]}' is not a seccomp filter flag; use one of {string.Join(", ", SeccompFilterFlag.All)}.", $"flags[{i}]");
            }
        }

        if (profile.ListenerMetadata is not null && profile.ListenerPath is null)
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.ListenerMetadataWithoutPath,
                "listenerMetadata is only sent to a listener; set listenerPath too, or remove listenerMetadata.", "listenerMetadata");
        }

        foreach (var (key, _) in profile.AdditionalProperties)
        {
            CheckUnmodelledKey(key, SeccompProfileReader.ProfileKeys, DockerProfileKeys, key, context);
        }
    }

    private static List<string> CheckArchitectures(SeccompProfile profile, Context context)
    {
        var known = new List<string>();
        for (var i = 0; i < profile.Architectures.Count; i++)
        {
            var value = profile.Architectures[i];
            if (SyscallTables.TryGetArchitecture(value, out var architecture) && architecture.ScmpName == value)
            {
                known.Add(architecture.Name);
            }
            else
            {
                context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.UnknownArchitecture,
                    $"'{value}' is not an architecture containerd accepts; use the SCMP_ARCH_* spelling, e.g. SCMP_ARCH_X86_64 or SCMP_ARCH_AARCH64.", $"architectures[{i}]");
            }
        }

        return profile.Architectures.Count > 0
            ? known
            : SeccompArchitectureName.TalosNodeArchitectures.Select(SeccompArchitectureName.ToShortName).ToList();
    }

    private static void CheckRule(SeccompProfile profile, SeccompRule rule, string path, List<string> architectures, Context context)
    {
        if (rule.Names.Count == 0)
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.EmptySyscallName, "The rule names no syscall; 'names' needs at least one.", $"{path}.names");
        }

        for (var n = 0; n < rule.Names.Count; n++)
        {
            var name = rule.Names[n];
            if (string.IsNullOrWhiteSpace(name))
            {
                context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.EmptySyscallName, "The syscall name is empty.", $"{path}.names[{n}]");
            }
            else if (architectures.Count > 0 && !architectures.Any(a => SyscallTables.TryGetNumber(a, name, out _)))
            {
                context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.UnknownSyscall,
                    $"'{name}' is not a syscall on {string.Join(" or ", architectures)}; runc skips it, so the rule does nothing for it. Check the spelling.",
                    $"{path}.names[{n}]");
            }
        }

        if (!SeccompAction.All.Contains(rule.Action))
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.UnknownAction, UnknownActionMessage(rule.Action), $"{path}.action");
        }
        else if (rule.Action == SeccompAction.Notify && profile.ListenerPath is null)
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.NotifyWithoutListener,
                "SCMP_ACT_NOTIFY needs a listener: set listenerPath to the agent's unix socket, or use another action.", $"{path}.action");
        }

        if (rule.ErrnoRet is not null && !SeccompAction.TakesErrnoRet(rule.Action))
        {
            context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.ErrnoRetIgnored,
                $"errnoRet only applies to SCMP_ACT_ERRNO (or the trace value of SCMP_ACT_TRACE); with {rule.Action} it is ignored.", $"{path}.errnoRet");
        }

        for (var a = 0; a < rule.Args.Count; a++)
        {
            var argument = rule.Args[a];
            if (argument.Index > 5)
            {
                context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.ArgumentIndexOutOfRange,
                    $"Argument index {argument.Index} does not exist; syscalls have arguments 0 to 5.", $"{path}.args[{a}].index");
            }

            if (!SeccompOperator.All.Contains(argument.Op))
            {
                context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.UnknownOperator,
                    $"'{argument.Op}' is not a comparison operator; use one of {string.Join(", ", SeccompOperator.All)}.", $"{path}.args[{a}].op");
            }

            foreach (var (key, _) in argument.AdditionalProperties)
            {
                CheckUnmodelledKey(key, SeccompProfileReader.ArgumentKeys, null, $"{path}.args[{a}].{key}", context);
            }
        }

        foreach (var (key, _) in rule.AdditionalProperties)
        {
            CheckUnmodelledKey(key, SeccompProfileReader.RuleKeys, DockerRuleKeys, $"{path}.{key}", context);
        }
    }

    private static void CheckDuplicates(SeccompProfile profile, Context context)
    {
        // Same name + same conditions in two rules: libseccomp cannot honour both actions, and which one wins
        // is not what a reader of the profile expects.
        var seen = new Dictionary<(string Name, string Args), (string Action, string Location)>();
        for (var i = 0; i < profile.Syscalls.Count; i++)
        {
            var rule = profile.Syscalls[i];
            var args = rule.ArgsSignature;
            for (var n = 0; n < rule.Names.Count; n++)
            {
                var key = (rule.Names[n], args);
                var location = $"syscalls[{i}].names[{n}]";
                if (!seen.TryGetValue(key, out var first))
                {
                    seen[key] = (rule.Action, location);
                }
                else if (first.Action != rule.Action)
                {
                    context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.ConflictingDuplicateRule,
                        $"'{rule.Names[n]}' is {rule.Action} here but {first.Action} at {first.Location} with the same argument conditions; keep one rule.",
                        location);
                }
            }
        }
    }

    private static void CheckContainerStart(SeccompProfile profile, Context context)
    {
        var listenerPresent = profile.ListenerPath is not null;
        bool Runs(string action) => SeccompAction.LetsSyscallRun(action) || (action == SeccompAction.Notify && listenerPresent);

        var blocked = new List<string>();
        foreach (var syscall in ContainerStartSyscalls)
        {
            // Unconditional rules decide; a rule with argument conditions only covers some calls.
            var unconditional = profile.Syscalls.Where(r => r.Args.Count == 0 && r.Names.Contains(syscall, StringComparer.Ordinal)).Select(r => r.Action).ToList();
            var runs = unconditional.Count > 0 ? unconditional.All(Runs) : Runs(profile.DefaultAction);
            if (!runs)
            {
                blocked.Add(syscall);
            }
        }

        if (blocked.Count > 0)
        {
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.BlocksContainerStart,
                $"No container could start with this profile: runc needs {string.Join(", ", blocked)} after the filter is installed. Allow them (e.g. New-SeccompRule -Name {string.Join(",", blocked)} -Action Allow).",
                profile.Syscalls.Count == 0 ? "defaultAction" : "syscalls");
        }
    }

    private static void CheckUnmodelledKey(
        string key,
        string[] knownKeys,
        Dictionary<string, (SeccompDiagnosticSeverity Severity, string Consequence)>? dockerKeys,
        string location,
        Context context)
    {
        if (knownKeys.Contains(key, StringComparer.Ordinal))
        {
            return; // an explicit null of a known key, kept only to reproduce the bytes
        }

        if (dockerKeys is not null && dockerKeys.TryGetValue(key, out var docker))
        {
            context.Add(docker.Severity, SeccompDiagnosticCode.DockerOnlyKey,
                $"'{key}' is a Docker profile key; containerd ignores it, so {docker.Consequence}.", location);
            return;
        }

        var caseMatch = knownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
        var message = caseMatch is null
            ? $"'{key}' is not part of the OCI seccomp schema; containerd ignores it."
            : $"'{key}' differs from '{caseMatch}' only in case; Go reads it case-insensitively, but this tool and other readers do not. Write '{caseMatch}'.";
        context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.UnknownKey, message, location);
    }

    private static string UnknownActionMessage(string action) =>
        $"'{action}' is not a seccomp action; use one of {string.Join(", ", SeccompAction.All)}.";

    private sealed class Context(string? source)
    {
        internal List<SeccompDiagnostic> Diagnostics { get; } = [];

        internal void Add(SeccompDiagnosticSeverity severity, string code, string message, string location) =>
            Diagnostics.Add(new SeccompDiagnostic(severity, code, message, location, source));
    }
}
