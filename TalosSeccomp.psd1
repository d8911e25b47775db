@{
    RootModule           = 'TalosSeccomp.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c2b8e-3a47-4c1e-9a52-2d7e5b1f9c30'
    Author               = 'TalosSeccomp contributors'
    CompanyName          = 'TalosSeccomp'
    Copyright            = '(c) TalosSeccomp contributors. MIT License.'
    Description          = 'Author, validate, deploy and audit seccomp profiles on Talos Linux nodes: typed objects over the Talos API (gRPC, Ed25519 mutual TLS), from an interactive shell, an Azure Automation runbook or a CI pipeline.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Formats/Profiles.format.ps1xml', 'Formats/Talos.format.ps1xml', 'Formats/Audit.format.ps1xml', 'Formats/Syscalls.format.ps1xml', 'Formats/NodeProfiles.format.ps1xml')
    CmdletsToExport      = @(
        'New-SeccompProfile'
        'New-SeccompRule'
        'Import-SeccompProfile'
        'Export-SeccompProfile'
        'ConvertTo-SeccompJson'
        'Test-SeccompProfile'
        'Compare-SeccompProfile'
        'Merge-SeccompProfile'
        'Resolve-SeccompSyscall'
        'ConvertTo-TalosConfigPatch'
        'ConvertTo-SeccompSecurityContext'
        'Get-TalosNode'
        'Get-TalosVersion'
        'Get-TalosSeccompProfile'
        'Set-TalosSeccompProfile'
        'Remove-TalosSeccompProfile'
        'Watch-TalosAudit'
        'ConvertFrom-SeccompAuditRecord'
        'ConvertFrom-DockerSeccompProfile'
        'Connect-Talos'
        'Disconnect-Talos'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            # PSIncludes_Cmdlet and one PSCommand_<name> per CmdletsToExport entry (as PowerShellGet's Publish-Module
            # wrote them) are what Find-PSResource -CommandName and Find-Command search; Contract.Tests.ps1 keeps
            # them equal to CmdletsToExport.
            Tags         = @(
                'Talos', 'TalosLinux', 'Kubernetes', 'seccomp', 'security', 'audit', 'gRPC', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS'
                'PSIncludes_Cmdlet'
                'PSCommand_New-SeccompProfile'
                'PSCommand_New-SeccompRule'
                'PSCommand_Import-SeccompProfile'
                'PSCommand_Export-SeccompProfile'
                'PSCommand_ConvertTo-SeccompJson'
                'PSCommand_Test-SeccompProfile'
                'PSCommand_Compare-SeccompProfile'
                'PSCommand_Merge-SeccompProfile'
                'PSCommand_Resolve-SeccompSyscall'
                'PSCommand_ConvertTo-TalosConfigPatch'
                'PSCommand_ConvertTo-SeccompSecurityContext'
                'PSCommand_Get-TalosNode'
                'PSCommand_Get-TalosVersion'
                'PSCommand_Get-TalosSeccompProfile'
                'PSCommand_Set-TalosSeccompProfile'
                'PSCommand_Remove-TalosSeccompProfile'
                'PSCommand_Watch-TalosAudit'
                'PSCommand_ConvertFrom-SeccompAuditRecord'
                'PSCommand_ConvertFrom-DockerSeccompProfile'
                'PSCommand_Connect-Talos'
                'PSCommand_Disconnect-Talos'
            )
            ProjectUri   = 'https://github.com/talosseccomp/TalosSeccomp'
            LicenseUri   = 'https://github.com/talosseccomp/TalosSeccomp/blob/main/LICENSE'
            ReleaseNotes = 'First release: offline seccomp profile authoring and validation, Talos API client with Ed25519 mutual TLS, profile deployment to nodes, and live seccomp audit with least-privilege profile recording.'
        }
    }
}
