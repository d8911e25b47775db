using System.Text.Json.Nodes;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Syscalls;

namespace TalosSeccomp.Profiles;

/// <summary>
/// Checks a profile the way containerd, runc and the kernel will treat it on a Talos node, and reports every
/// finding as a <see cref="SeccompDiagnostic"/> instead of stopping at the first.
/// </summary>
public static class SeccompProfileValidator
{
    /// <summary>The runc release the container-start lists were measured with (runc --version on the test machine).</summary>
    public const string ContainerStartRuncVersion = "runc 1.1.5 (libseccomp 2.5.4)";

    /// <summary>
    /// Syscalls runc needs after it installs the filter when the container has NoNewPrivileges (a pod's
    /// <c>allowPrivilegeEscalation: false</c>): runc then installs the filter just before it execs the
    /// container's program, and still opens the exec FIFO and writes to it (<c>openat</c>, <c>write</c>), closes
    /// the file descriptors it does not pass on by listing /proc/self/fd (<c>openat</c>, <c>fstatfs</c>,
    /// <c>getdents64</c>, <c>close</c>) and calls <c>execve</c>; its Go runtime may park a thread at any moment
    /// (<c>futex</c>; a denied futex fails the start only now and then: "futexwakeup ... returned -1") and handle a
    /// signal, such as its preemption signal (<c>rt_sigreturn</c>, likewise only now and then).
    /// Measured with <see cref="ContainerStartRuncVersion"/> by removing one syscall at a time from an allow-list
    /// profile (defaultAction ERRNO) whose program needs nothing but <c>exit</c>;
    /// tests/pester/ContainerStart.Tests.ps1 repeats the derivation.
    /// </summary>
    public static IReadOnlyList<string> ContainerStartSyscallsWithNoNewPrivileges { get; } =
        ["close", "execve", "fstatfs", "futex", "getdents64", "openat", "rt_sigreturn", "write"];

    /// <summary>
    /// Syscalls runc needs after it installs the filter without NoNewPrivileges, which is Kubernetes' default:
    /// runc then installs the filter before it sets up capabilities, user and working directory, so besides
    /// <see cref="ContainerStartSyscallsWithNoNewPrivileges"/> it calls capget, capset, prctl, setgroups, setgid,
    /// setuid, geteuid, chdir, getcwd, getppid, fstat, newfstatat and read (/proc/self/status). Measured like that list.
    /// </summary>
    public static IReadOnlyList<string> ContainerStartSyscalls { get; } =
    [
        "capget", "capset", "chdir", "close", "execve", "fstat", "fstatfs", "futex", "getcwd", "getdents64", "geteuid",
        "getppid", "newfstatat", "openat", "prctl", "read", "rt_sigreturn", "setgid", "setgroups", "setuid", "write",
    ];

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
    /// <param name="profile">The profile.</param>
    /// <param name="profileName">The name it will be deployed under, or null.</param>
    /// <param name="noNewPrivileges">
    /// Check container start for containers with NoNewPrivileges (pod <c>allowPrivilegeEscalation: false</c>);
    /// false (Kubernetes' default) checks the longer list runc needs without it.
    /// </param>
    public static IReadOnlyList<SeccompDiagnostic> Validate(SeccompProfile profile, string? profileName = null, bool noNewPrivileges = false)
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

        CheckOldDockerFormat(profile, context);
        CheckDuplicates(profile, context);
        CheckContainerStart(profile, architectures, noNewPrivileges, context);
        CheckCompanionAbis(profile, context);
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
            else
            {
                var (severity, needs) = SeccompFilterFlag.Requirements(profile.Flags[i]);
                context.Add(severity, SeccompDiagnosticCode.FilterFlagNeedsRuntime, needs, $"flags[{i}]");
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
        if (rule.Names.Count == 0 && !IsOldDockerRule(rule))
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
                var elsewhere = SyscallTables.Architectures.Where(a => SyscallTables.TryGetNumber(a, name, out _)).Select(a => a.Name).ToList();
                if (elsewhere.Count > 0)
                {
                    // Multi-architecture profiles (Docker's, Podman's) name syscalls of every ABI on purpose.
                    context.Add(SeccompDiagnosticSeverity.Information, SeccompDiagnosticCode.UnknownSyscall,
                        $"'{name}' is not a syscall on {string.Join(" or ", architectures)} (it exists on {string.Join(", ", elsewhere)}); runc skips it on the profile's architectures.",
                        $"{path}.names[{n}]");
                }
                else
                {
                    context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.UnknownSyscall,
                        $"'{name}' is not a syscall on {string.Join(" or ", architectures)}; runc skips it, so the rule does nothing for it. Check the spelling.",
                        $"{path}.names[{n}]");
                }
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
            if (key == "name" && IsOldDockerRule(rule))
            {
                continue; // reported once for the profile by CheckOldDockerFormat
            }

            CheckUnmodelledKey(key, SeccompProfileReader.RuleKeys, DockerRuleKeys, $"{path}.{key}", context);
        }
    }

    /// <summary>A rule in Docker's old format: the singular <c>name</c> and no <c>names</c>.</summary>
    private static bool IsOldDockerRule(SeccompRule rule) =>
        rule.Names.Count == 0 && rule.AdditionalProperties["name"] is JsonValue value && value.TryGetValue<string>(out _);

    private static void CheckOldDockerFormat(SeccompProfile profile, Context context)
    {
        var old = Enumerable.Range(0, profile.Syscalls.Count).Where(i => IsOldDockerRule(profile.Syscalls[i])).ToList();
        if (old.Count > 0)
        {
            var shown = string.Join(", ", old.Take(3).Select(i => $"syscalls[{i}]")) + (old.Count > 3 ? ", ..." : string.Empty);
            context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.DockerOnlyKey,
                $"{old.Count} rule{(old.Count == 1 ? " uses" : "s use")} Docker's old singular 'name' ({shown}); containerd ignores it, so these rules name no syscall and do nothing. "
                + "ConvertFrom-DockerSeccompProfile moves 'name' into 'names' as dockerd does.",
                $"syscalls[{old[0]}].name");
        }
    }

    private static void CheckDuplicates(SeccompProfile profile, Context context)
    {
        // Same name + same conditions in two rules with different actions. runc adds the rules in order, except
        // one whose action (errno included) is the default action, which it skips; libseccomp keeps the first rule
        // added for a syscall and conditions and ignores later ones. Measured with runc 1.1.5 / libseccomp 2.5.4:
        // ALLOW then ERRNO allows, ERRNO then ALLOW denies, ERRNO(13) then ERRNO(95) returns 13.
        bool IsDefault(SeccompRule rule) => IsDefaultAction(profile, rule);

        var seen = new Dictionary<(string Name, string Args), (SeccompRule Rule, string Location)>();
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
                    seen[key] = (rule, location);
                    continue;
                }

                if (first.Rule.Action == rule.Action && first.Rule.ErrnoRet == rule.ErrnoRet)
                {
                    continue;
                }

                // The first rule runc actually adds wins; a rule with the default action is never added.
                var firstAdded = IsDefault(first.Rule) ? (IsDefault(rule) ? null : rule) : first.Rule;
                var effect = firstAdded is null
                    ? $"runc adds neither (both equal the default action), so {Describe(profile.DefaultAction, profile.DefaultErrnoRet)} applies"
                    : ReferenceEquals(firstAdded, rule)
                        ? $"runc skips the rule at {first.Location} (it equals the default action), so this one, {Describe(rule.Action, rule.ErrnoRet)}, takes effect"
                        : $"runc adds rules in order and libseccomp keeps the first, so {Describe(first.Rule.Action, first.Rule.ErrnoRet)} from {first.Location} takes effect and this rule does nothing";
                var capabilities = DockerCapabilities(first.Rule).Concat(DockerCapabilities(rule)).Distinct(StringComparer.Ordinal).ToList();
                var docker = capabilities.Count == 0
                    ? " Keep one rule."
                    : $" The rules are Docker's pair for {string.Join(", ", capabilities)} (includes/excludes caps): dockerd keeps only the one that matches the container's capabilities, but containerd drops includes and excludes, so on a Talos node that outcome holds for every container, with or without the capability. Resolve the profile for the capabilities you grant with ConvertFrom-DockerSeccompProfile.";
                context.Add(SeccompDiagnosticSeverity.Warning, SeccompDiagnosticCode.ConflictingDuplicateRule,
                    $"'{rule.Names[n]}' is {Describe(rule.Action, rule.ErrnoRet)} here but {Describe(first.Rule.Action, first.Rule.ErrnoRet)} at {first.Location} with the same argument conditions; {effect}.{docker}",
                    location);
            }
        }
    }

    private static string Describe(string action, uint? errnoRet) =>
        errnoRet is { } errno && SeccompAction.TakesErrnoRet(action) ? $"{action}({errno})" : action;

    /// <summary>The capabilities a Docker rule's includes/excludes name (containerd ignores both).</summary>
    private static IEnumerable<string> DockerCapabilities(SeccompRule rule) =>
        new[] { "includes", "excludes" }
            .Select(k => rule.AdditionalProperties[k] as JsonObject)
            .Where(o => o?["caps"] is JsonArray)
            .SelectMany(o => ((JsonArray)o!["caps"]!).Select(c => c?.GetValue<string>() ?? string.Empty))
            .Where(c => c.Length > 0);

    private static void CheckContainerStart(SeccompProfile profile, List<string> architectures, bool noNewPrivileges, Context context)
    {
        var listenerPresent = profile.ListenerPath is not null;
        bool Runs(string action) => SeccompAction.LetsSyscallRun(action) || (action == SeccompAction.Notify && listenerPresent);

        var needed = noNewPrivileges ? ContainerStartSyscallsWithNoNewPrivileges : ContainerStartSyscalls;
        var blocked = new List<string>();
        foreach (var syscall in needed)
        {
            // A name none of the profile's architectures has (newfstatat on a 32-bit ABI) cannot be blocked there.
            if (architectures.Count > 0 && !architectures.Any(a => SyscallTables.TryGetNumber(a, syscall, out _)))
            {
                continue;
            }

            // The first unconditional rule decides (libseccomp keeps it); conditional rules only cover some calls.
            var unconditional = profile.Syscalls.FirstOrDefault(r => r.Args.Count == 0 && r.Names.Contains(syscall, StringComparer.Ordinal) && !IsDefaultAction(profile, r));
            var runs = Runs(unconditional?.Action ?? profile.DefaultAction);
            if (!runs)
            {
                blocked.Add(syscall);
            }
        }

        if (blocked.Count > 0)
        {
            var mode = noNewPrivileges
                ? "for containers with NoNewPrivileges (allowPrivilegeEscalation: false)"
                : "for containers without NoNewPrivileges (Kubernetes' default; with allowPrivilegeEscalation: false runc needs fewer, check with -NoNewPrivileges)";
            context.Add(SeccompDiagnosticSeverity.Error, SeccompDiagnosticCode.BlocksContainerStart,
                $"No container could start with this profile {mode}: runc needs {string.Join(", ", blocked)} after the filter is installed (measured with {ContainerStartRuncVersion}). Allow them (e.g. New-SeccompRule -Name {string.Join(",", blocked)} -Action Allow).",
                profile.Syscalls.Count == 0 ? "defaultAction" : "syscalls");
        }
    }

    /// <summary>True for a rule runc skips because its action, errno included (EPERM when absent), is the default action's.</summary>
    private static bool IsDefaultAction(SeccompProfile profile, SeccompRule rule) =>
        rule.Action == profile.DefaultAction && (!SeccompAction.TakesErrnoRet(rule.Action) || (rule.ErrnoRet ?? 1) == (profile.DefaultErrnoRet ?? 1));

    /// <summary>Native architectures and the other ABIs their kernels run (32-bit x86 and x32 on x86_64, 32-bit arm on aarch64).</summary>
    private static readonly (string Native, string[] Companions)[] CompanionAbis =
    [
        ("SCMP_ARCH_X86_64", ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
        ("SCMP_ARCH_AARCH64", ["SCMP_ARCH_ARM"]),
    ];

    private const string AllAbisExample = "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"]";

    private static void CheckCompanionAbis(SeccompProfile profile, Context context)
    {
        // libseccomp's filter kills (SIGSYS, rc 159) a syscall of an ABI it was not built for, whatever the
        // default action (its bad-arch action); runc adds only the native ABI when 'architectures' is empty.
        // Measured with runc 1.1.5: {"defaultAction":"SCMP_ACT_LOG"} kills an int 0x80 and an x32 syscall on x86_64.
        var lets = SeccompAction.LetsSyscallRun(profile.DefaultAction);
        var severity = lets ? SeccompDiagnosticSeverity.Warning : SeccompDiagnosticSeverity.Information;
        var instead = lets ? $"instead of {(profile.DefaultAction == SeccompAction.Log ? "logging" : "allowing")} them" : "instead of applying the default action";
        if (profile.Architectures.Count == 0)
        {
            context.Add(severity, SeccompDiagnosticCode.UncoveredAbi,
                $"The profile lists no architectures, so runc builds the filter for the node's native ABI only: on an x86_64 node it kills 32-bit (x86) and x32 processes, on aarch64 32-bit arm ones, {instead}. "
                + "To cover them, list every ABI: " + AllAbisExample + ".",
                "architectures");
            return;
        }

        foreach (var (native, companions) in CompanionAbis)
        {
            var missing = companions.Where(c => profile.Architectures.Contains(native, StringComparer.Ordinal) && !profile.Architectures.Contains(c, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0)
            {
                context.Add(severity, SeccompDiagnosticCode.UncoveredAbi,
                    $"The profile covers {native} but not {string.Join(", ", missing)}: on such a node the filter kills processes of {(missing.Count == 1 ? "that ABI" : "those ABIs")} {instead}. Add {string.Join(", ", missing)} to 'architectures' to cover them.",
                    "architectures");
            }
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
