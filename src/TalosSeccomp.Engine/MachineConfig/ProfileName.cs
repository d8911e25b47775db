using System.Text.RegularExpressions;
using TalosSeccomp.Errors;

namespace TalosSeccomp.MachineConfig;

/// <summary>
/// Profile names as Talos uses them: the file name under <c>/var/lib/kubelet/seccomp/profiles/</c>. Talos joins
/// the name into that path unchecked (<c>../</c> escapes it, <c>/</c> makes subdirectories), so only
/// <c>^[A-Za-z0-9._-]+$</c> and neither <c>.</c> nor <c>..</c> is accepted. A file name is at most
/// <see cref="MaxBytes"/> bytes (NAME_MAX, counted in UTF-8): a longer name is accepted in the config but fails when
/// the node writes the file, so pods that reference it cannot start.
/// </summary>
public static partial class ProfileName
{
    /// <summary>The directory on a Talos node that holds the profile files.</summary>
    public const string NodeDirectory = "/var/lib/kubelet/seccomp/profiles";

    /// <summary>The longest file name Linux accepts (NAME_MAX), in bytes of UTF-8.</summary>
    public const int MaxBytes = 255;

    /// <summary>True when the name is a plain file name Talos can write safely.</summary>
    public static bool IsSafe(string? name) =>
        !string.IsNullOrEmpty(name) && name is not "." and not ".." && !IsTooLong(name) && SafePattern().IsMatch(name);

    /// <summary>True when <paramref name="name"/> has more UTF-8 bytes than a file name may (<see cref="MaxBytes"/>).</summary>
    public static bool IsTooLong(string name) => System.Text.Encoding.UTF8.GetByteCount(name) > MaxBytes;

    /// <summary>Returns the name, or throws <c>UnsafeProfileName</c> (InvalidArgument) explaining the rule.</summary>
    public static string Validate(string? name)
    {
        if (IsSafe(name))
        {
            return name!;
        }

        throw new TalosSeccompException(ErrorIds.UnsafeProfileName, ErrorKind.InvalidArgument, Explain(name), name);
    }

    /// <summary>Why a name is refused (the message of <see cref="Validate"/>).</summary>
    public static string Explain(string? name) => string.IsNullOrEmpty(name)
        ? "The seccomp profile name is empty. Use a file name such as 'audit.json' (letters, digits, '.', '_' and '-')."
        : IsTooLong(name)
        ? $"The seccomp profile name '{name[..Math.Min(name.Length, 40)]}…' is {System.Text.Encoding.UTF8.GetByteCount(name)} bytes long; Talos writes it as a file in {NodeDirectory}, and a file name is at most {MaxBytes} bytes. Use a shorter name."
        : $"'{name}' is not a safe seccomp profile name: Talos writes it to {NodeDirectory}/<name> without checking, so only letters, digits, '.', '_' and '-' are allowed, and not '.' or '..'.";

    /// <summary>The kubelet's <c>localhostProfile</c> for a profile name on Talos: <c>profiles/&lt;name&gt;</c>.</summary>
    public static string ToLocalhostProfile(string name) => "profiles/" + Validate(name);

    // \z, not $: .NET's $ also matches before a trailing newline.
    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafePattern();
}
