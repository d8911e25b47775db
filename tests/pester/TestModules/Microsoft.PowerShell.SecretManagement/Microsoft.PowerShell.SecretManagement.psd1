# A test stand-in for Microsoft.PowerShell.SecretManagement (not served by the package feeds here): the same module
# name and the Get-Secret/Set-Secret parameters Connect-Talos uses, over an in-memory store. Tests only.
@{
    RootModule        = 'Microsoft.PowerShell.SecretManagement.psm1'
    ModuleVersion     = '1.1.2'
    GUID              = '5a2e1f0c-3c2b-4d7e-9a51-2b7f0f1c9e01'
    Author            = 'TalosSeccomp tests'
    Description       = 'Test stand-in for Microsoft.PowerShell.SecretManagement.'
    FunctionsToExport = @('Get-Secret', 'Set-Secret', 'Remove-Secret')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
