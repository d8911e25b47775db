using System.Text;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Profiles;

/// <summary>Reads and writes profile files. Writes are atomic: a failed write leaves the old file untouched.</summary>
public static class SeccompProfileFile
{
    /// <summary>
    /// Reads and parses a profile file (strict, or lenient for validation). Sets <see cref="SeccompProfile.Name"/>
    /// to the file name and <see cref="SeccompProfile.Source"/> to the path. Missing file →
    /// <c>SeccompProfileFileNotFound</c>; unreadable → <c>SeccompProfileFileUnreadable</c>.
    /// </summary>
    public static SeccompProfile Read(string path, bool lenient = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireNotDirectory(path);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfileFileNotFound, ErrorKind.ObjectNotFound, $"The seccomp profile file '{path}' does not exist.", path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfileFileUnreadable, ErrorKind.PermissionDenied, $"The seccomp profile file '{path}' cannot be read: {ex.Message}", path, ex);
        }

        var profile = lenient ? SeccompProfile.ParseLenient(text, path) : SeccompProfile.Parse(text, path);
        profile.Name = Path.GetFileName(path);
        return profile;
    }

    /// <summary>
    /// Writes the node's exact bytes (or indented JSON plus a newline when <paramref name="indent"/>). An existing
    /// file is replaced unless <paramref name="noClobber"/> (<c>SeccompProfileFileExists</c>); a read-only one
    /// only with <paramref name="force"/> (<c>SeccompProfileFileReadOnly</c>).
    /// </summary>
    public static void Write(SeccompProfile profile, string path, bool indent = false, bool noClobber = false, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireNotDirectory(path);
        var bytes = indent ? new UTF8Encoding(false).GetBytes(profile.ToIndentedJson() + "\n") : profile.ToNodeJsonBytes();
        var existing = new FileInfo(path);
        if (existing.Exists)
        {
            if (noClobber)
            {
                throw new TalosSeccompException(ErrorIds.SeccompProfileFileExists, ErrorKind.InvalidOperation,
                    $"'{path}' already exists and -NoClobber was given.", path);
            }

            if (existing.IsReadOnly)
            {
                if (!force)
                {
                    throw new TalosSeccompException(ErrorIds.SeccompProfileFileReadOnly, ErrorKind.PermissionDenied,
                        $"'{path}' is read-only; use -Force to replace it.", path);
                }

                existing.IsReadOnly = false;
            }
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfileDirectoryNotFound, ErrorKind.ObjectNotFound,
                $"The directory '{directory}' does not exist.", path);
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new TalosSeccompException(ErrorIds.SeccompProfileFileUnwritable, ErrorKind.PermissionDenied, $"'{path}' cannot be written: {ex.Message}", path, ex);
        }
    }

    /// <summary>
    /// A directory where a file is expected: .NET reports it as "Access to the path is denied", which sends the user
    /// after permissions; say what it is instead.
    /// </summary>
    /// <exception cref="TalosSeccompException"><c>SeccompProfilePathIsDirectory</c> (InvalidArgument).</exception>
    public static void RequireNotDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            throw new TalosSeccompException(ErrorIds.SeccompProfilePathIsDirectory, ErrorKind.InvalidArgument,
                $"'{path}' is a directory; name a seccomp profile file (for example '{Path.Combine(path, "profile.json")}', or '{Path.Combine(path, "*.json")}' with -Path).", path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
