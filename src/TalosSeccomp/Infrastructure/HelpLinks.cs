namespace TalosSeccomp.Commands;

/// <summary>Where each cmdlet's online help lives (<c>Get-Help -Online</c>, the MAML "Online Version:" link).</summary>
internal static class HelpLinks
{
    /// <summary>The README's cmdlet table on the project site (the manifest's ProjectUri).</summary>
    internal const string Cmdlets = "https://github.com/talosseccomp/TalosSeccomp/blob/main/README.md#cmdlets";
}
