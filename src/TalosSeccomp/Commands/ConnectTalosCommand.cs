using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using TalosSeccomp.Commands.Completers;
using TalosSeccomp.Commands.Infrastructure;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;

namespace TalosSeccomp.Commands;

/// <summary>Connects to a Talos cluster from a talosconfig file, talosconfig text or a vault secret, and makes the
/// connection the session's default.</summary>
/// <remarks>
/// <para>Connect-Talos reads a talosconfig (-TalosConfig, a path; -TalosConfigText, the YAML as a string or
/// SecureString, e.g. from an Azure Automation variable; or -SecretName, a secret read with Get-Secret from the
/// Microsoft.PowerShell.SecretManagement module, when that module is installed), picks the context (-Context, else its
/// current context), applies -Endpoint and -Node, and checks the connection with one MachineService.Version call to the
/// endpoint's own node (-SkipCheck leaves the check out). It returns a TalosConnectionInfo and makes it the session's
/// connection: every Talos cmdlet run afterwards without -Connection or -TalosConfig uses it, until Disconnect-Talos or
/// the next Connect-Talos.</para>
/// <para>Nothing is written to disk. The client key stays in memory, in the connection object's private state: its
/// properties, its format view, its ToString and Export-Clixml show the context, endpoints, roles and the client
/// certificate's subject, never key or certificate material, and neither do errors or -Verbose output.</para>
/// <para>The connection is the session's pooled one (one TLS connection per endpoints and credentials), shared with
/// the commands that name the same talosconfig file. The session's connection belongs to the runspace: ForEach-Object
/// -Parallel and jobs run Connect-Talos themselves, or pass the connection object with -Connection.</para>
/// </remarks>
/// <example>
/// <code>Connect-Talos -TalosConfigText (Get-AutomationVariable -Name talosconfig) -Context prod
/// Get-TalosSeccompProfile</code>
/// <para>In an Azure Automation runbook: connects with the talosconfig stored in an encrypted Automation variable
/// (no file on disk), then lists the profiles of the context's nodes over that connection.</para>
/// </example>
/// <example>
/// <code>$prod = Connect-Talos -TalosConfig ./talosconfig -Context prod -Node 10.5.0.2, 10.5.0.3
/// Get-TalosVersion -Connection $prod</code>
/// <para>Connects with a talosconfig file, targets two nodes by default, and passes the connection explicitly.</para>
/// </example>
/// <example>
/// <code>Connect-Talos -Vault Infra -SecretName talosconfig-prod -Verbose</code>
/// <para>Reads the talosconfig from a SecretManagement vault; -Verbose says which secret, context, endpoint and role
/// were used, the TLS version, the node certificate's subject and how long the check took.</para>
/// </example>
[Cmdlet(VerbsCommunications.Connect, "Talos", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.Cmdlets)]
[OutputType(typeof(TalosConnectionInfo))]
public sealed class ConnectTalosCommand : TalosSeccompCmdlet
{
    private const string PathSet = "Path";
    private const string TextSet = "Text";
    private const string SecretSet = "Secret";
    private const string SecretManagementModule = "Microsoft.PowerShell.SecretManagement";

    /// <summary>Path of the talosconfig file (relative to the current location). Without it (and without
    /// -TalosConfigText or -SecretName), the file is found like talosctl does: $env:TALOSCONFIG, then
    /// $env:TALOS_HOME/config, then ~/.talos/config.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? TalosConfig { get; set; }

    /// <summary>The talosconfig itself, as YAML text: a string or a SecureString (Get-AutomationVariable, Read-Host
    /// -AsSecureString, a PSCredential's password). Also taken from the pipeline. Never written to disk.</summary>
    [Parameter(ParameterSetName = TextSet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object? TalosConfigText { get; set; }

    /// <summary>The name of a secret holding the talosconfig text, read with Get-Secret (module
    /// Microsoft.PowerShell.SecretManagement, which must be installed; it is not a dependency of this module).</summary>
    [Parameter(ParameterSetName = SecretSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? SecretName { get; set; }

    /// <summary>The SecretManagement vault of -SecretName; without it, Get-Secret searches every registered
    /// vault.</summary>
    [Parameter(ParameterSetName = SecretSet)]
    [ValidateNotNullOrEmpty]
    public string? Vault { get; set; }

    /// <summary>The talosconfig context to use instead of its current context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TalosContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Endpoints to connect to instead of the context's (host, host:port, https://host, IPv6 literals),
    /// tried in turn when one is unreachable.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Endpoint { get; set; }

    /// <summary>The nodes commands target when they get no -Node, instead of the context's nodes.</summary>
    [Parameter]
    [Alias("Nodes")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TalosNodeCompleter))]
    public string[]? Node { get; set; }

    /// <summary>Seconds the connection check may take before it fails with TalosTimeout.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 30;

    /// <summary>Do not check the connection (no network call); the first command that uses it connects.</summary>
    [Parameter]
    public SwitchParameter SkipCheck { get; set; }

    /// <summary>Reads the talosconfig, checks the connection and makes it the session's default.</summary>
    protected override void ProcessRecord()
    {
        TalosConnectionInfo connection;
        try
        {
            connection = ParameterSetName switch
            {
                TextSet => TalosConnectionInfo.FromText(TextOf(TalosConfigText, "-TalosConfigText"), "talosconfig text", Context, Endpoint, Node),
                SecretSet => TalosConnectionInfo.FromText(ReadSecret(), Vault is null ? $"talosconfig from secret '{SecretName}'" : $"talosconfig from secret '{SecretName}' in vault '{Vault}'", Context, Endpoint, Node),
                _ => TalosConnectionInfo.FromFile(TalosConfigFile.Locate(TalosConfigPath.Resolve(TalosConfig, SessionState.Path)), Context, Endpoint, Node),
            };
        }
        catch (TalosSeccompException ex)
        {
            ThrowEngineError(ex);
            return;
        }

        var verbose = MyInvocation.BoundParameters.TryGetValue("Verbose", out var wanted) ? LanguagePrimitives.IsTrue(wanted)
            : GetVariableValue("VerbosePreference") is ActionPreference preference && preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
        WriteVerbose($"Connection: {connection.Source}, context '{connection.Context}', endpoints {string.Join(", ", connection.Endpoints)}, roles {string.Join(", ", connection.Roles)} ({connection.KeyAlgorithm} client certificate '{connection.ClientCertificateSubject}').");
        if (!SkipCheck)
        {
            RunPumped(async (sink, cancellationToken) =>
            {
                var client = new TalosClient(TalosConnectionPool.Get(connection.GetSettings()), TimeSpan.FromSeconds(TimeoutSec))
                {
                    CallLog = verbose ? sink.Verbose : null,
                };
                await connection.VerifyAsync(client, null, cancellationToken).ConfigureAwait(false);
            });
        }

        TalosSessionConnection.Set(connection);
        WriteObject(connection);
    }

    /// <summary>The talosconfig text of a string, SecureString, PSCredential (its password) or UTF-8 bytes.</summary>
    private static string TextOf(object? value, string parameter)
    {
        var text = (value is PSObject wrapped ? wrapped.BaseObject : value) switch
        {
            string plain => plain,
            SecureString secure => Reveal(secure),
            PSCredential credential => Reveal(credential.Password),
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            null => null,
            var other => throw new TalosSeccompException(ErrorIds.TalosSecretUnavailable, ErrorKind.InvalidType,
                $"{parameter} takes the talosconfig as a string or SecureString, not a {other.GetType().Name}.", parameter),
        };

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new TalosSeccompException(ErrorIds.TalosConfigInvalidYaml, ErrorKind.InvalidData, $"The talosconfig text of {parameter} is empty.", parameter);
        }

        return text;
    }

    private static string Reveal(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    /// <summary>Reads -SecretName with SecretManagement's Get-Secret, found at run time (no dependency on the module).</summary>
    private string ReadSecret()
    {
        var getSecret = InvokeCommand.InvokeScript($"Get-Command -Name Get-Secret -Module {SecretManagementModule} -CommandType Cmdlet, Function -ErrorAction Ignore")
            .Select(o => o?.BaseObject).OfType<CommandInfo>().FirstOrDefault();
        if (getSecret is null)
        {
            throw new TalosSeccompException(ErrorIds.TalosSecretManagementMissing, ErrorKind.NotInstalled,
                $"-SecretName reads the talosconfig with Get-Secret from the {SecretManagementModule} module, which is not installed. Install it (Install-PSResource {SecretManagementModule}) and register a vault, or pass the talosconfig with -TalosConfigText or -TalosConfig.",
                "SecretName");
        }

        System.Collections.ObjectModel.Collection<PSObject> results;
        try
        {
            var script = InvokeCommand.NewScriptBlock("param($command, $name, $vault) if ($vault) { & $command -Name $name -Vault $vault -ErrorAction Stop } else { & $command -Name $name -ErrorAction Stop }");
            results = script.Invoke(getSecret, SecretName, Vault);
        }
        catch (RuntimeException ex)
        {
            // Get-Secret's own message names the secret and vault, never the value.
            throw new TalosSeccompException(ErrorIds.TalosSecretUnavailable, ErrorKind.ObjectNotFound,
                $"Get-Secret could not read the secret '{SecretName}'{(Vault is null ? string.Empty : $" from vault '{Vault}'")}: {ex.Message}", SecretName, ex);
        }

        if (results.Count != 1 || results[0] is null)
        {
            throw new TalosSeccompException(ErrorIds.TalosSecretUnavailable, ErrorKind.ObjectNotFound,
                $"Get-Secret returned {results.Count} values for the secret '{SecretName}'; it must hold the talosconfig text.", SecretName);
        }

        return TextOf(results[0], $"the secret '{SecretName}'");
    }
}
