<#
    Dependency isolation: another module's older YamlDotNet in the same PowerShell process must neither break our
    cmdlets nor be broken by them, in either load order. Each case runs in a fresh pwsh, because an assembly
    loaded into the default load context cannot be unloaded.
#>

BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

    # The old YamlDotNet comes from the NuGet package folder, restored by build/Tools/Tools.csproj (as Pester is).
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    [xml] $tools = Get-Content (Join-Path $RepoRoot 'build/Tools/Tools.csproj')
    $script:OldYamlVersion = ($tools.Project.ItemGroup.PackageDownload | Where-Object Include -eq 'YamlDotNet').Version.Trim('[', ']')
    $script:OldYaml = Join-Path $nugetRoot "yamldotnet/$OldYamlVersion/lib/netstandard2.1/YamlDotNet.dll"

    # A talosconfig with two nodes and real (ECDSA) PEM material, so a parser that decodes it succeeds.
    function ConvertTo-Base64Pem([string] $Pem) { [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($Pem)) }
    $caKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('O=talos', $caKey, 'SHA256')
    $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $ca = $caRequest.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddYears(1))
    $clientKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $clientRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('O=os:reader', $clientKey, 'SHA256')
    $clientAuth = [System.Security.Cryptography.OidCollection]::new(); [void] $clientAuth.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.2'))
    $clientRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($clientAuth, $false))
    $client = $clientRequest.Create($ca, [DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30), [byte[]] (1, 2, 3, 4))

    $script:TalosConfig = Join-Path $TestDrive 'talosconfig'
    @"
context: isolation
contexts:
  isolation:
    endpoints:
      - 10.5.0.2
    nodes:
      - 10.5.0.2
      - 10.5.0.3
    ca: $(ConvertTo-Base64Pem $ca.ExportCertificatePem())
    crt: $(ConvertTo-Base64Pem $client.ExportCertificatePem())
    key: $(ConvertTo-Base64Pem $clientKey.ExportPkcs8PrivateKeyPem())
"@ | Set-Content -Path $TalosConfig

    # Runs in the child: loads and uses the old YamlDotNet before or after our module, lists the nodes, and
    # reports every YamlDotNet loaded per load context as JSON.
    $script:ChildScript = Join-Path $TestDrive 'child.ps1'
    @'
param([string] $Manifest, [string] $OldYaml, [string] $TalosConfig, [string] $Order)
$ErrorActionPreference = 'Stop'
$report = [ordered]@{ Nodes = @(); CmdletError = $null; OldYamlParsed = $null; OldYamlError = $null; YamlDotNet = @() }
function Use-OldYaml {
    try {
        $assembly = [System.Reflection.Assembly]::LoadFrom($OldYaml)
        $deserializer = [Activator]::CreateInstance($assembly.GetType('YamlDotNet.Serialization.DeserializerBuilder', $true)).Build()
        $parsed = $deserializer.Deserialize([System.IO.StringReader]::new('answer: 42'))
        $report.OldYamlParsed = [string] $parsed['answer']
    }
    catch { $report.OldYamlError = "$_" }
}
if ($Order -eq 'OldYamlFirst') { Use-OldYaml }
try {
    Import-Module $Manifest
    $nodes = @(Get-TalosNode -TalosConfig $TalosConfig)
    $report.Nodes = @($nodes | ForEach-Object { , @($_.PSObject.Properties | ForEach-Object { [string] $_.Value }) })
}
catch {
    $report.CmdletError = "$($_.FullyQualifiedErrorId): $_"
}
if ($Order -eq 'ModuleFirst') { Use-OldYaml }
$report.YamlDotNet = @(foreach ($context in [System.Runtime.Loader.AssemblyLoadContext]::All) {
    foreach ($assembly in $context.Assemblies) {
        if ($assembly.GetName().Name -eq 'YamlDotNet') {
            [ordered]@{
                Context  = $context.Name
                Version  = ($assembly.GetCustomAttributes([System.Reflection.AssemblyInformationalVersionAttribute], $false) | Select-Object -First 1).InformationalVersion
                Location = $assembly.Location
            }
        }
    }
})
$report | ConvertTo-Json -Depth 5 -Compress
'@ | Set-Content -Path $ChildScript

    # The folder the module's load context reads from in this pwsh: the ReadyToRun images built for its .NET major
    # version, OS and architecture (build.ps1 lays out net8.0/net10.0 x linux-x64/win-x64), else the IL build.
    $platform = if ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -ne 'X64') { $null } elseif ($IsLinux) { 'linux-x64' } elseif ($IsWindows) { 'win-x64' }
    $script:ReadyToRunDirectory = if ($platform) { Join-Path $ModulePath "Dependencies/net$([Environment]::Version.Major).0-$platform" }
    $script:ExpectedDirectory = if ($ReadyToRunDirectory -and (Test-Path (Join-Path $ReadyToRunDirectory 'TalosSeccomp.Engine.dll'))) { $ReadyToRunDirectory } else { Join-Path $ModulePath 'Dependencies' }

    function Invoke-Child([string] $Order, [string] $From = $ModulePath) {
        $output = & $Pwsh -NoProfile -NonInteractive -File $ChildScript -Manifest (Join-Path $From 'TalosSeccomp.psd1') `
            -OldYaml $OldYaml -TalosConfig $TalosConfig -Order $Order 2>&1
        $json = $output | Where-Object { $_ -is [string] -and $_.StartsWith('{') } | Select-Object -Last 1
        if (-not $json) { throw "The child pwsh printed no report: $($output -join "`n")" }
        $json | ConvertFrom-Json
    }
}

Describe 'Dependency isolation from another module''s YamlDotNet <_>' -ForEach 'OldYamlFirst', 'ModuleFirst' {
    BeforeAll {
        $script:Report = Invoke-Child $_
        $script:OursDirectory = $ExpectedDirectory
    }

    It 'has the old YamlDotNet package to test with' {
        $OldYaml | Should -Exist
    }

    It 'runs the YAML-parsing cmdlet without error' {
        $Report.CmdletError | Should -BeNullOrEmpty
    }

    It 'lists both nodes of the talosconfig' {
        $Report.Nodes.Count | Should -Be 2
        $values = $Report.Nodes | ForEach-Object { $_ }
        $values | Should -Contain '10.5.0.2'
        $values | Should -Contain '10.5.0.3'
    }

    It 'leaves the old YamlDotNet working in the default load context' {
        $Report.OldYamlError | Should -BeNullOrEmpty
        $Report.OldYamlParsed | Should -Be '42'
        $old = @($Report.YamlDotNet | Where-Object Context -eq 'Default')
        $old.Count | Should -Be 1
        $old[0].Version | Should -BeLike "$OldYamlVersion*"
    }

    It 'loads our YamlDotNet from Dependencies/ (this runtime''s ReadyToRun folder when shipped) into the TalosSeccomp load context' {
        $ours = @($Report.YamlDotNet | Where-Object Context -eq 'TalosSeccomp')
        $ours.Count | Should -Be 1
        $ours[0].Version | Should -Not -BeLike "$OldYamlVersion*"
        [IO.Path]::GetDirectoryName($ours[0].Location) | Should -Be $OursDirectory
    }
}

Describe 'The load context''s folder per runtime' {
    It 'ships ReadyToRun images for this pwsh''s runtime when it is .NET 8 or 10 on Linux or Windows x64' {
        if (-not $ReadyToRunDirectory -or [Environment]::Version.Major -notin 8, 10) { Set-ItResult -Skipped -Because 'no ReadyToRun images are built for this platform or runtime'; return }
        # A precompiled first call is the point of these folders: the runtimes PowerShell 7.4 and 7.6 run on must find theirs.
        $ExpectedDirectory | Should -Be $ReadyToRunDirectory
    }

    It 'loads the IL build from Dependencies/ when no folder matches the runtime' {
        # A module copy without the per-runtime folders stands for any other platform or .NET version.
        $copy = Join-Path $TestDrive 'il-only/TalosSeccomp'
        New-Item -ItemType Directory (Split-Path $copy) -Force | Out-Null
        Copy-Item $ModulePath $copy -Recurse
        Get-ChildItem (Join-Path $copy 'Dependencies') -Directory | Remove-Item -Recurse -Force
        $report = Invoke-Child 'ModuleFirst' -From $copy
        $report.CmdletError | Should -BeNullOrEmpty
        $report.Nodes.Count | Should -Be 2
        $ours = @($report.YamlDotNet | Where-Object Context -eq 'TalosSeccomp')
        $ours.Count | Should -Be 1
        [IO.Path]::GetDirectoryName($ours[0].Location) | Should -Be (Join-Path $copy 'Dependencies')
    }
}
