#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages, benchmarks and demonstrates the TalosSeccomp module.
.DESCRIPTION
    Build    compiles the solution and lays out the module in out/TalosSeccomp (cmdlets at the root, the
             engine and its dependencies in Dependencies/ as IL, and as ReadyToRun images in
             Dependencies/<net8.0|net10.0>-<linux-x64|win-x64>/, format views, type data and generated MAML help).
    Test     Build, then every xunit test (on .NET 10, and again on .NET 8 from a self-contained linux-x64
             publish: Azure Automation's PowerShell 7.4 runs on .NET 8) and every Pester test; the last line printed
             is "N passed, N failed, N skipped" summed over all runs, and the exit code is non-zero on any failure.
    Package  Build, then out/TalosSeccomp.<version>.nupkg (PowerShell Gallery) and out/TalosSeccomp.zip
             (Azure Automation: module folder at the zip root).
    Bench    Build, then the benchmarks (BenchmarkDotNet and scripted timings); figures are printed.
    Demo     Build, start the fake Talos node and walk through the Talos seccomp guide against it.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Bench', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'TalosSeccomp'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Invoke-Dotnet build (Join-Path $Root 'TalosSeccomp.slnx') -c $Configuration -nologo -v q /clp:ErrorsOnly
    Invoke-Dotnet restore (Join-Path $Root 'build/Tools/Tools.csproj') -v q

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = Join-Path $ModuleOut 'Dependencies'
    New-Item -ItemType Directory -Path $deps -Force | Out-Null

    # The engine and everything it needs go to Dependencies/, where only the module's own load context looks.
    Invoke-Dotnet publish (Join-Path $Root 'src/TalosSeccomp.Engine/TalosSeccomp.Engine.csproj') -c $Configuration -o $deps -nologo -v q /clp:ErrorsOnly
    # Beside that IL build, ReadyToRun images of the same assemblies, per .NET major version (.NET 10 ignores images
    # compiled for .NET 8) and per RID (Linux CI, Windows for Azure Automation): most of a fresh process's first call
    # is JIT, and these skip it. ModuleAssemblyLoadContext picks the folder matching the running pwsh, else the IL.
    foreach ($framework in 'net8.0', 'net10.0') {
        foreach ($rid in 'linux-x64', 'win-x64') {
            Invoke-Dotnet publish (Join-Path $Root 'src/TalosSeccomp.Engine/TalosSeccomp.Engine.csproj') -c $Configuration -r $rid `
                "-p:TalosSeccompReadyToRunFramework=$framework" -o (Join-Path $deps "$framework-$rid") -nologo -v q /clp:ErrorsOnly
        }
    }
    Get-ChildItem $deps -Recurse -Filter '*.pdb' | Remove-Item
    Get-ChildItem $deps -Recurse -Filter '*.deps.json' | Remove-Item

    $cmdletBin = Join-Path $Root "src/TalosSeccomp/bin/$Configuration/net8.0"
    foreach ($name in 'TalosSeccomp.dll', 'TalosSeccomp.xml') {
        Copy-Item (Join-Path $cmdletBin $name) $ModuleOut
    }
    # The licence travels with the module: the manifest's LicenseUri points at this file in the repository.
    Copy-Item (Join-Path $Root 'TalosSeccomp.psd1'), (Join-Path $Root 'LICENSE') $ModuleOut
    Copy-Item (Join-Path $Root 'module/*') $ModuleOut -Recurse

    # MAML help is generated from the cmdlets' own metadata and XML doc comments (platyPS is not available).
    $helpScript = Join-Path $Root 'build/New-MamlHelp.ps1'
    if (Test-Path $helpScript) {
        & (Get-PwshPath) -NoProfile -NonInteractive -File $helpScript -ModulePath $ModuleOut
        if ($LASTEXITCODE -ne 0) { throw 'Help generation failed.' }
    }
    # The XML doc files were inputs to the help; users get the MAML.
    Remove-Item (Join-Path $ModuleOut 'TalosSeccomp.xml') -ErrorAction Ignore
    Get-ChildItem $deps -Recurse -Filter '*.xml' | Remove-Item
    Write-Host "Module laid out in $ModuleOut"
}

function Get-PwshPath {
    # The pwsh running this script (the pinned dotnet tool when started with 'dotnet pwsh'); its apphost
    # sits in $PSHOME on every platform.
    $name = if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }
    Join-Path $PSHOME $name
}

function Get-PesterPath {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    [xml] $tools = Get-Content (Join-Path $Root 'build/Tools/Tools.csproj')
    $version = ($tools.Project.ItemGroup.PackageDownload | Where-Object Include -eq 'Pester').Version.Trim('[', ']')
    Join-Path $nugetRoot "pester/$version/tools/Pester.psd1"
}

function Invoke-Tests {
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null

    # xunit: the engine, the fake node, transport and end-to-end tests.
    $trx = Join-Path $results 'xunit.trx'
    & dotnet test (Join-Path $Root 'tests/TalosSeccomp.Tests/TalosSeccomp.Tests.csproj') -c $Configuration --no-build -nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' --results-directory $results
    $xunit = Read-TrxCounts $trx

    # xunit again on .NET 8, the runtime of Azure Automation's PowerShell 7.4: the same suite, published
    # self-contained for this machine's RID from NuGet's .NET 8 runtime packs (no .NET 8 SDK or runtime needed).
    $net8 = Invoke-Net8Tests $results
    $xunit8 = $net8.Counts

    # Pester: the module as users see it, in a fresh pwsh so the built DLLs are not held by this process.
    $pesterJson = Join-Path $results 'pester.json'
    $runner = Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1'
    & (Get-PwshPath) -NoProfile -NonInteractive -File $runner -PesterPath (Get-PesterPath) -ModulePath $ModuleOut -ResultPath $pesterJson
    $pester = if (Test-Path $pesterJson) { Get-Content $pesterJson -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $xunit8.Passed + $pester.Passed
    $failed = $xunit.Failed + $xunit8.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $xunit8.Skipped + $pester.Skipped
    Write-Host ("xunit:  {0} passed, {1} failed, {2} skipped" -f $xunit.Passed, $xunit.Failed, $xunit.Skipped)
    Write-Host ("xunit on .NET {3}:  {0} passed, {1} failed, {2} skipped" -f $xunit8.Passed, $xunit8.Failed, $xunit8.Skipped, $net8.Runtime)
    Write-Host ("pester: {0} passed, {1} failed, {2} skipped" -f $pester.Passed, $pester.Failed, $pester.Skipped)
    # The closing line CI reads: the totals over every suite.
    Write-Host ("{0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
    if ($failed -gt 0 -or ($passed -eq 0)) { exit 1 }
}

function Invoke-Net8Tests([string] $Results) {
    $publish = Join-Path $Out 'net8.0/tests'
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    # TalosSeccompTestRuntime retargets the test projects to net8.0 and keeps their obj/bin under out/net8.0/
    # (Directory.Build.props), apart from the normal build.
    Invoke-Dotnet publish (Join-Path $Root 'tests/TalosSeccomp.Tests/TalosSeccomp.Tests.csproj') -c $Configuration `
        '-p:TalosSeccompTestRuntime=net8.0' -r ([Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier) --self-contained -o $publish -nologo -v q /clp:ErrorsOnly | Out-Host
    # The published runtime is what the tests run on; make sure it is .NET 8 and not the SDK's own.
    $runtime = [Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path $publish 'System.Private.CoreLib.dll')).ProductVersion -replace '[+-].*$', ''
    if (-not $runtime.StartsWith('8.')) { throw "The .NET 8 test publish carries runtime $runtime." }
    $trx = Join-Path $Results 'xunit-net8.0.trx'
    # Out-Host: dotnet's output must not become this function's result.
    & dotnet test (Join-Path $publish 'TalosSeccomp.Tests.dll') `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $Results | Out-Host
    [pscustomobject]@{ Runtime = $runtime; Counts = Read-TrxCounts $trx }
}

function Read-TrxCounts([string] $Path) {
    if (-not (Test-Path $Path)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    [xml] $doc = Get-Content $Path -Raw
    $c = $doc.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $c.passed
        Failed  = [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        Skipped = [int] $c.notExecuted
    }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Build; Invoke-Tests }
    'Package' { Invoke-Build; & (Join-Path $Root 'build/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputPath $Out }
    'Bench' { Invoke-Build; & (Join-Path $Root 'build/Invoke-Benchmarks.ps1') -ModulePath $ModuleOut -Configuration $Configuration }
    'Demo' { Invoke-Build; & (Join-Path $Root 'build/Start-Demo.ps1') -ModulePath $ModuleOut -Configuration $Configuration }
}
