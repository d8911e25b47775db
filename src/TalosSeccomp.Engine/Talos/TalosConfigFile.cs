using TalosSeccomp.Errors;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace TalosSeccomp.Talos;

/// <summary>
/// A parsed talosconfig file: the current context name and every context by name. Found like talosctl
/// finds it (<see cref="Locate"/>) and parsed with YamlDotNet; credentials stay base64 text here and are
/// decoded only when a <see cref="TalosConnectionSettings"/> is resolved.
/// </summary>
public sealed class TalosConfigFile
{
    private TalosConfigFile(string path, string? currentContext, IReadOnlyDictionary<string, TalosContext> contexts, bool isFile = true)
    {
        Path = path;
        IsFile = isFile;
        CurrentContext = currentContext;
        Contexts = contexts;
    }

    /// <summary>Full path of the file this configuration was read from; for text, the description of its source
    /// (<see cref="IsFile"/> is false), e.g. "talosconfig text".</summary>
    public string Path { get; }

    /// <summary>True when the configuration was read from a file; false when it was given as text (a runbook's
    /// Automation variable, a vault secret).</summary>
    public bool IsFile { get; }

    /// <summary>Names the configuration in messages: <c>talosconfig '/path'</c>, or the text's source.</summary>
    public string Description => IsFile ? $"talosconfig '{Path}'" : Path;

    /// <summary>
    /// True when <paramref name="value"/>, given where a path is expected, is talosconfig YAML text instead: it spans
    /// lines, is a YAML flow mapping, or starts with a talosconfig key. The value itself is never echoed (it holds
    /// the client key).
    /// </summary>
    public static bool LooksLikeText(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.TrimStart();
        return value.Contains('\n', StringComparison.Ordinal)
            || text.StartsWith('{')
            || System.Text.RegularExpressions.Regex.IsMatch(text, @"^(context|contexts)\s*:", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }

    /// <summary>Parses talosconfig text that is not a file (an Automation variable, a secret). Not cached: the caller
    /// keeps the parsed configuration (a connection object) for as long as it needs it.</summary>
    /// <param name="yaml">The talosconfig YAML.</param>
    /// <param name="source">Where the text came from, for messages, e.g. "talosconfig text" (never the text).</param>
    /// <exception cref="TalosSeccompException">TalosConfigInvalidYaml.</exception>
    public static TalosConfigFile FromText(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return ParseCore(yaml, source, isFile: false);
    }

    /// <summary>The <c>context</c> key: the context used when none is named; null when the file sets none.</summary>
    public string? CurrentContext { get; }

    /// <summary>Every context in the file, by name (ordinal, case-sensitive like talosctl).</summary>
    public IReadOnlyDictionary<string, TalosContext> Contexts { get; }

    /// <summary>
    /// Finds the talosconfig path like talosctl: an explicit path is used as given; otherwise the first
    /// existing file of <c>$TALOSCONFIG</c>, <c>$TALOS_HOME/config</c> (only when TALOS_HOME is absolute, else
    /// <c>~/.talos/config</c>) and the in-pod <c>/var/run/secrets/talos.dev/config</c>.
    /// </summary>
    /// <param name="explicitPath">A path given by the user (parameter); wins over everything.</param>
    /// <param name="environment">Reads an environment variable; defaults to the process environment.</param>
    /// <param name="homeDirectory">The user's home; defaults to the profile folder.</param>
    /// <returns>The path to read. When nothing exists, the first candidate, so the error names it.</returns>
    public static string Locate(string? explicitPath = null, Func<string, string?>? environment = null, string? homeDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return System.IO.Path.GetFullPath(explicitPath);
        }

        var candidates = Candidates(environment ?? Environment.GetEnvironmentVariable, homeDirectory).ToList();
        return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
    }

    private static IEnumerable<string> Candidates(Func<string, string?> environment, string? homeDirectory)
    {
        var fromVariable = environment("TALOSCONFIG");
        if (!string.IsNullOrWhiteSpace(fromVariable))
        {
            yield return System.IO.Path.GetFullPath(fromVariable);
        }

        var talosHome = environment("TALOS_HOME");
        if (!string.IsNullOrWhiteSpace(talosHome) && System.IO.Path.IsPathRooted(talosHome))
        {
            yield return System.IO.Path.Combine(talosHome, "config");
        }
        else
        {
            var home = homeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            yield return System.IO.Path.Combine(home, ".talos", "config");
        }

        yield return "/var/run/secrets/talos.dev/config";
    }

    /// <summary>Locates (see <see cref="Locate"/>) and reads a talosconfig.</summary>
    /// <exception cref="TalosSeccompException">TalosConfigNotFound, TalosConfigInvalidYaml.</exception>
    public static TalosConfigFile Load(string? explicitPath = null)
    {
        var path = Locate(explicitPath);
        // Every Talos cmdlet invocation loads the talosconfig; parsing it and decoding its credentials cost more
        // than the call itself. The parsed file is kept per path. A file whose size and modification time are those
        // of the cached read, and that was last written well before that read, is that read's text: any later write
        // moves the time past it. A file written just before the read could be rewritten, same size, within one
        // timestamp tick; for such a stamp the text is read and compared, which is exact.
        var stamp = FileStamp.Of(path);
        if (stamp is not null && ParsedByPath.TryGetValue(path, out var cached) && cached.Stamp == stamp && cached.StampIsSettled)
        {
            return cached.File;
        }

        if (Directory.Exists(path))
        {
            // .NET reports reading a directory as "Access to the path is denied".
            throw new TalosSeccompException(ErrorIds.TalosConfigPathIsDirectory, ErrorKind.InvalidArgument,
                $"The talosconfig path '{path}' is a directory; name the talosconfig file itself (talosctl writes it as ~/.talos/config).", path);
        }

        var readAtUtc = DateTime.UtcNow;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigNotFound, ErrorKind.ObjectNotFound,
                explicitPath is null
                    ? $"No talosconfig found (looked at $TALOSCONFIG, $TALOS_HOME/config or ~/.talos/config; first candidate '{path}'). Pass -TalosConfig or set $env:TALOSCONFIG."
                    : $"The talosconfig file '{path}' does not exist.",
                path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigUnreadable, ErrorKind.PermissionDenied,
                $"The talosconfig file '{path}' cannot be read: {ex.Message}", path, ex);
        }

        // The stamp taken before the read: a write after it shows as a newer stamp next time.
        var settled = stamp is not null && readAtUtc - stamp.LastWriteUtc > StampSettleTime;
        if (ParsedByPath.TryGetValue(path, out cached) && string.Equals(cached.Text, text, StringComparison.Ordinal))
        {
            ParsedByPath[path] = cached with { Stamp = stamp, StampIsSettled = settled };
            return cached.File;
        }

        var file = Parse(text, path);
        ParsedByPath[path] = new CachedFile(text, stamp, settled, file);
        return file;
    }

    /// <summary>
    /// How long before a read the file's last write must lie for its (size, modification time) to identify the text
    /// read: more than the coarsest timestamp tick of common file systems (FAT: 2 s) plus clock skew on network shares.
    /// </summary>
    private static readonly TimeSpan StampSettleTime = TimeSpan.FromSeconds(3);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedFile> ParsedByPath = new(StringComparer.Ordinal);

    private sealed record CachedFile(string Text, FileStamp? Stamp, bool StampIsSettled, TalosConfigFile File);

    private sealed record FileStamp(long Length, DateTime LastWriteUtc)
    {
        /// <summary>The file's size and modification time (one stat), or null when it is no file (missing, a directory) or cannot be read that way.</summary>
        public static FileStamp? Of(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TalosCredentials> _credentials = new(StringComparer.Ordinal);

    /// <summary>
    /// The decoded credentials of <paramref name="context"/> (one of this file's), decoded once per file: the file
    /// is immutable, so its credentials are too. Failures are not kept; they throw again next time.
    /// </summary>
    internal TalosCredentials CredentialsOf(TalosContext context) =>
        Contexts.TryGetValue(context.Name, out var own) && ReferenceEquals(own, context)
            ? _credentials.GetOrAdd(context.Name, _ => TalosCredentials.FromContext(context, Path))
            : TalosCredentials.FromContext(context, Path);

    /// <summary>Parses talosconfig YAML text.</summary>
    /// <param name="yaml">The file content.</param>
    /// <param name="path">Where it came from (named in errors).</param>
    /// <exception cref="TalosSeccompException">TalosConfigInvalidYaml.</exception>
    public static TalosConfigFile Parse(string yaml, string path) => ParseCore(yaml, path, isFile: true);

    private static TalosConfigFile ParseCore(string yaml, string path, bool isFile)
    {
        var described = isFile ? $"talosconfig '{path}'" : path;
        ConfigDocument? document;
        try
        {
            document = Deserializer.Deserialize<ConfigDocument?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigInvalidYaml, ErrorKind.InvalidData,
                $"The {described} is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}): {(ex.InnerException ?? ex).Message}",
                path, ex);
        }

        var contexts = new Dictionary<string, TalosContext>(StringComparer.Ordinal);
        foreach (var (name, context) in document?.Contexts ?? new())
        {
            var endpoints = new List<string>(context?.Endpoints ?? new());
            if (!string.IsNullOrWhiteSpace(context?.Target))
            {
                endpoints.Add(context.Target!); // deprecated 'target', appended like talosctl does
            }

            contexts[name] = new TalosContext(
                name,
                endpoints.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToList(),
                (context?.Nodes ?? new()).Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).ToList(),
                context?.Ca,
                context?.Crt,
                context?.Key,
                context?.Auth is not null);
        }

        return new TalosConfigFile(path, string.IsNullOrWhiteSpace(document?.Context) ? null : document!.Context, contexts, isFile);
    }

    /// <summary>Returns the named context, or the current one when <paramref name="name"/> is null.</summary>
    /// <exception cref="TalosSeccompException">TalosContextNotSet, TalosContextNotFound.</exception>
    public TalosContext GetContext(string? name = null)
    {
        var wanted = string.IsNullOrWhiteSpace(name) ? CurrentContext : name;
        if (wanted is null)
        {
            throw new TalosSeccompException(ErrorIds.TalosContextNotSet, ErrorKind.InvalidData,
                $"The {Description} sets no current context; pass -Context (known: {KnownContexts()}).", Path);
        }

        if (!Contexts.TryGetValue(wanted, out var context))
        {
            throw new TalosSeccompException(ErrorIds.TalosContextNotFound, ErrorKind.ObjectNotFound,
                $"The context '{wanted}' is not in the {Description} (known: {KnownContexts()}).", wanted);
        }

        return context;
    }

    private string KnownContexts() => Contexts.Count == 0 ? "none" : string.Join(", ", Contexts.Keys.Order(StringComparer.Ordinal));

    private static readonly IDeserializer Deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    private sealed class ConfigDocument
    {
        [YamlMember(Alias = "context")] public string? Context { get; set; }
        [YamlMember(Alias = "contexts")] public Dictionary<string, ContextDocument?>? Contexts { get; set; }
    }

    private sealed class ContextDocument
    {
        [YamlMember(Alias = "endpoints")] public List<string>? Endpoints { get; set; }
        [YamlMember(Alias = "nodes")] public List<string>? Nodes { get; set; }
        [YamlMember(Alias = "ca")] public string? Ca { get; set; }
        [YamlMember(Alias = "crt")] public string? Crt { get; set; }
        [YamlMember(Alias = "key")] public string? Key { get; set; }
        [YamlMember(Alias = "target")] public string? Target { get; set; }
        [YamlMember(Alias = "auth")] public object? Auth { get; set; }
    }
}

/// <summary>One context of a talosconfig: where to connect, which nodes to target, and the credentials as stored (base64 of PEM).</summary>
/// <param name="Name">The context name.</param>
/// <param name="Endpoints">apid addresses to dial, as written.</param>
/// <param name="Nodes">Default target nodes.</param>
/// <param name="CaBase64">base64 (std) of the PEM CA certificate(s).</param>
/// <param name="CertificateBase64">base64 (std) of the PEM client certificate.</param>
/// <param name="KeyBase64">base64 (std) of the PEM client private key.</param>
/// <param name="HasOtherAuth">The context carries an <c>auth</c> section (basic or Omni), which this module does not use.</param>
public sealed record TalosContext(
    string Name,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> Nodes,
    string? CaBase64,
    string? CertificateBase64,
    string? KeyBase64,
    bool HasOtherAuth)
{
    /// <summary>Hides the credentials: a context prints as its name and endpoints only.</summary>
    public override string ToString() => $"{Name} ({string.Join(", ", Endpoints)})";
}
