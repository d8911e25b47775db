using System.Text.Json.Nodes;

namespace TalosSeccomp.Profiles;

/// <summary>
/// One entry of a profile's <c>syscalls</c> list (OCI <c>LinuxSyscall</c>): the syscalls it names, the action
/// taken when they are called, and optional argument conditions. Keys the OCI spec does not define (Docker's
/// <c>comment</c>, <c>includes</c>, <c>excludes</c>, ...) are kept verbatim in <see cref="AdditionalProperties"/>.
/// </summary>
public sealed class SeccompRule
{
    /// <summary>Creates an empty rule (no names, SCMP_ACT_ALLOW).</summary>
    public SeccompRule()
    {
    }

    /// <summary>Creates a rule; <paramref name="action"/> accepts every spelling <see cref="SeccompAction"/> knows.</summary>
    public SeccompRule(IEnumerable<string> names, string action, uint? errnoRet = null, IEnumerable<SeccompArgument>? args = null)
    {
        Names.AddRange(names);
        Action = SeccompAction.Normalize(action, "action");
        ErrnoRet = errnoRet;
        if (args is not null)
        {
            Args.AddRange(args);
        }
    }

    /// <summary>Syscall names the rule applies to.</summary>
    public List<string> Names { get; } = [];

    /// <summary>Action in SCMP_ACT_* spelling.</summary>
    public string Action { get; set; } = SeccompAction.Allow;

    /// <summary>errno returned by ERRNO (or the value passed to the tracer by TRACE); null when absent.</summary>
    public uint? ErrnoRet { get; set; }

    /// <summary>Argument conditions; all must hold for the rule to match.</summary>
    public List<SeccompArgument> Args { get; } = [];

    /// <summary>Keys of the rule the OCI spec does not define, kept verbatim in their original order.</summary>
    public JsonObject AdditionalProperties { get; } = [];

    /// <summary>Number of syscall names.</summary>
    public int SyscallCount => Names.Count;

    /// <summary>True when the rule has argument conditions.</summary>
    public bool IsConditional => Args.Count > 0;

    /// <summary>Set by the parser when the source had an explicit empty <c>args</c> array, so export reproduces it.</summary>
    internal bool EmitEmptyArgs { get; set; }

    /// <summary>Set by the parser when the source had an explicit empty <c>names</c> array.</summary>
    internal bool EmitEmptyNames { get; set; }

    /// <summary>A one-line description: action, names and conditions.</summary>
    public override string ToString()
    {
        var text = $"{SeccompAction.ToShortName(Action)}: {string.Join(", ", Names)}";
        if (ErrnoRet is { } errno)
        {
            text += $" (errnoRet {errno})";
        }

        return Args.Count == 0 ? text : $"{text} when {string.Join(" && ", Args)}";
    }

    /// <summary>A deep copy.</summary>
    public SeccompRule Clone()
    {
        var copy = new SeccompRule { Action = Action, ErrnoRet = ErrnoRet, EmitEmptyArgs = EmitEmptyArgs, EmitEmptyNames = EmitEmptyNames };
        copy.Names.AddRange(Names);
        copy.Args.AddRange(Args.Select(a => a.Clone()));
        foreach (var (key, value) in AdditionalProperties)
        {
            copy.AdditionalProperties[key] = value?.DeepClone();
        }

        return copy;
    }

    /// <summary>Identity of the conditions for duplicate detection and comparison: the sorted argument signatures.</summary>
    internal string ArgsSignature => string.Join(";", Args.Select(a => a.Signature).Order(StringComparer.Ordinal));
}
