using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Turns what users hand the profile cmdlets (PowerShell paths with or without wildcards, FileInfo objects,
/// profile objects) into file-system paths and <see cref="SeccompProfile"/> objects, with engine errors for
/// anything that does not resolve.
/// </summary>
internal static class ProfileInput
{
    /// <summary>File-system paths of existing items; wildcards expand unless <paramref name="literal"/>.</summary>
    internal static IReadOnlyList<string> ResolveExisting(PSCmdlet cmdlet, string path, bool literal)
    {
        if (literal)
        {
            var single = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            RequireFileSystem(provider, path);
            SeccompProfileFile.RequireNotDirectory(single);
            if (!File.Exists(single))
            {
                throw NotFound(path);
            }

            return [single];
        }

        try
        {
            var resolved = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            RequireFileSystem(provider, path);
            if (resolved.Count == 0)
            {
                throw NotFound(path);
            }

            return resolved;
        }
        catch (ItemNotFoundException ex)
        {
            throw NotFound(path, ex);
        }
        catch (System.Management.Automation.DriveNotFoundException ex)
        {
            throw NotFound(path, ex);
        }
    }

    /// <summary>
    /// Reads every profile file the paths name; a path or file that fails goes to <paramref name="onError"/>
    /// (the cmdlet writes a non-terminating error) and the rest are still read.
    /// </summary>
    internal static IEnumerable<SeccompProfile> ReadFiles(PSCmdlet cmdlet, IEnumerable<string> paths, bool literal, bool lenient, Action<TalosSeccompException, string> onError)
    {
        foreach (var path in paths)
        {
            IReadOnlyList<string> files;
            try
            {
                files = ResolveExisting(cmdlet, path, literal);
            }
            catch (TalosSeccompException ex)
            {
                onError(ex, path);
                continue;
            }

            foreach (var file in files)
            {
                SeccompProfile profile;
                try
                {
                    profile = SeccompProfileFile.Read(file, lenient);
                }
                catch (TalosSeccompException ex)
                {
                    onError(ex, file);
                    continue;
                }

                yield return profile;
            }
        }
    }

    /// <summary>The file-system path a file will be written to (it need not exist).</summary>
    internal static string ResolveForWrite(PSCmdlet cmdlet, string path, bool literal)
    {
        if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
        {
            var matches = ResolveExisting(cmdlet, path, literal: false);
            if (matches.Count != 1)
            {
                throw new TalosSeccompException(ErrorIds.AmbiguousSeccompProfilePath, ErrorKind.InvalidArgument,
                    $"'{path}' matches {matches.Count} files; name exactly one file to write.", path);
            }

            return matches[0];
        }

        try
        {
            var resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            RequireFileSystem(provider, path);
            return resolved;
        }
        catch (System.Management.Automation.DriveNotFoundException ex)
        {
            throw NotFound(path, ex);
        }
    }

    /// <summary>
    /// A profile from a profile object, a FileInfo, or a path string (resolved to exactly one file), for
    /// parameters such as Compare-SeccompProfile's -ReferenceProfile.
    /// </summary>
    internal static SeccompProfile ToProfile(PSCmdlet cmdlet, object? value, string parameterName)
    {
        var unwrapped = value is PSObject wrapped ? wrapped.BaseObject : value;
        switch (unwrapped)
        {
            case SeccompProfile profile:
                return profile;
            case FileInfo file:
                return SeccompProfileFile.Read(file.FullName);
            case string path when !string.IsNullOrWhiteSpace(path):
                var paths = ResolveExisting(cmdlet, path, literal: false);
                if (paths.Count != 1)
                {
                    throw new TalosSeccompException(ErrorIds.AmbiguousSeccompProfilePath, ErrorKind.InvalidArgument,
                        $"-{parameterName} '{path}' matches {paths.Count} files; name exactly one profile.", path);
                }

                return SeccompProfileFile.Read(paths[0]);
            default:
                throw new TalosSeccompException(ErrorIds.InvalidSeccompProfileInput, ErrorKind.InvalidType,
                    $"-{parameterName} takes a seccomp profile object (Import-SeccompProfile, New-SeccompProfile) or the path of a profile file; got {(unwrapped is null ? "null" : unwrapped.GetType().Name)}.",
                    parameterName);
        }
    }

    private static void RequireFileSystem(ProviderInfo provider, string path)
    {
        if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfilePathNotFileSystem, ErrorKind.InvalidArgument,
                $"'{path}' is on the {provider.Name} provider; seccomp profiles are read from and written to the file system.", path);
        }
    }

    private static TalosSeccompException NotFound(string path, Exception? inner = null) =>
        new(ErrorIds.SeccompProfileFileNotFound, ErrorKind.ObjectNotFound, $"No seccomp profile file matches '{path}'.", path, inner);
}
