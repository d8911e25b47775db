using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// The one place a -TalosConfig value becomes a file path: talosconfig text (YAML) is refused with an error that names
/// the parameter that takes text, and a relative path is resolved against the current PowerShell location (not the
/// process's working directory), for cmdlets and completers alike.
/// </summary>
internal static class TalosConfigPath
{
    /// <summary>The file path -TalosConfig names, or null when <paramref name="value"/> is null or empty.</summary>
    /// <param name="value">The -TalosConfig value.</param>
    /// <param name="path">The session's path intrinsics (the current location).</param>
    /// <exception cref="TalosSeccompException">TalosConfigIsText, TalosConfigNotFound.</exception>
    internal static string? Resolve(string? value, PathIntrinsics path)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (TalosConfigFile.LooksLikeText(value))
        {
            // Never echo the value: it holds the client key.
            throw new TalosSeccompException(ErrorIds.TalosConfigIsText, ErrorKind.InvalidArgument,
                "-TalosConfig takes the path of a talosconfig file, and this value is talosconfig text (YAML). Pass the text to Connect-Talos -TalosConfigText (a string or SecureString, e.g. from Get-AutomationVariable), then run the command with -Connection or with no connection parameter to use the session's connection.",
                "TalosConfig");
        }

        try
        {
            return path.GetUnresolvedProviderPathFromPSPath(value);
        }
        catch (Exception ex) when (ex is System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or PSArgumentException)
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigNotFound, ErrorKind.ObjectNotFound,
                $"The talosconfig path '{value}' is not a file system path: {ex.Message}", value, ex);
        }
    }
}
