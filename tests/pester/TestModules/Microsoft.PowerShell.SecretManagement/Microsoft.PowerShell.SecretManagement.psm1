# In-memory secrets by vault, returned the way the real Get-Secret returns them: a string secret as a SecureString
# unless -AsPlainText, a SecureString, PSCredential or byte[] as stored, and a terminating-under-Stop error naming the
# secret (never its value) when it is not found.
$script:Vaults = @{}

function Set-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [object] $Secret, [string] $Vault = 'Default')
    if (-not $script:Vaults.ContainsKey($Vault)) { $script:Vaults[$Vault] = @{} }
    $script:Vaults[$Vault][$Name] = $Secret
}

function Remove-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [string] $Vault = 'Default')
    if ($script:Vaults.ContainsKey($Vault)) { $script:Vaults[$Vault].Remove($Name) }
}

function Get-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $Name, [string] $Vault, [switch] $AsPlainText)
    $vaults = if ($Vault) { @($Vault) } else { @($script:Vaults.Keys) }
    foreach ($v in $vaults) {
        if ($script:Vaults.ContainsKey($v) -and $script:Vaults[$v].ContainsKey($Name)) {
            $secret = $script:Vaults[$v][$Name]
            if ($secret -is [string] -and -not $AsPlainText) { return ConvertTo-SecureString -String $secret -AsPlainText -Force }
            return $secret
        }
    }
    $record = [System.Management.Automation.ErrorRecord]::new(
        [System.Management.Automation.ItemNotFoundException]::new("Get-Secret : The secret $Name was not found."),
        'GetSecretNotFound', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $Name)
    $PSCmdlet.WriteError($record)
}
