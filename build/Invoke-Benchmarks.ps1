#requires -Version 7.4
<#
.SYNOPSIS
    Runs every benchmark and prints the figures: module import time, BenchmarkDotNet, scripted benchmarks.
.DESCRIPTION
    1. Import time: the median wall time of -Runs fresh `pwsh -NoProfile -c "Import-Module <psd1>"` processes minus
       the median of as many `pwsh -NoProfile -c 0` processes (interleaved, after one warm-up of each, so disk cache
       and machine load hit both alike), printed with both medians; plus the median in-process Import-Module time.
       Goal: importing adds under 150 ms.
    2. bench/TalosSeccomp.Benchmarks (BenchmarkDotNet), when present: every benchmark, Release, short job.
    3. bench/*.bench.ps1, each in a fresh pwsh (given -ModulePath and -Configuration when it declares them); each
       prints its own figures (firstcall.bench.ps1: the first Get-TalosVersion of a fresh process, and a later
       invocation against the engine call under it).
    4. The sizes of the Gallery .nupkg and the Azure Automation .zip. Goal: under 100 MB each.
    Figures are summarised at the end. Timings depend on the machine and its load: compare runs on one machine.
.EXAMPLE
    ./build.ps1 -Task Bench
.EXAMPLE
    ./build/Invoke-Benchmarks.ps1 -ModulePath out/TalosSeccomp -Configuration Release -Runs 31 -SkipBenchmarkDotNet
#>
[CmdletBinding()]
param(
    # The laid-out module folder (out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Passed on to scripted benchmarks; BenchmarkDotNet always runs Release.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Fresh processes per import-time sample set (at least 15).
    [ValidateRange(15, 1000)] [int] $Runs = 15,
    # Leaves out the BenchmarkDotNet project (minutes long), e.g. to look at import time alone.
    [switch] $SkipBenchmarkDotNet
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = Split-Path $PSScriptRoot -Parent
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$Manifest = Join-Path $ModulePath 'TalosSeccomp.psd1'
$Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
$Summary = [System.Collections.Generic.List[string]]::new()

function Get-Median([double[]] $Values) {
    $sorted = [double[]] ($Values | Sort-Object)
    $middle = [math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

#region 1. Import time

# An empty manifest module shows what any Import-Module costs in a fresh process (PowerShell's fixed cost: manifest
# parsing, module machinery JIT); what ours takes beyond it is ours to reduce.
$emptyModule = Join-Path ([IO.Path]::GetTempPath()) "TalosSeccompBenchEmpty-$PID/EmptyModule.psd1"
New-Item -ItemType Directory (Split-Path $emptyModule) -Force | Out-Null
"@{ ModuleVersion = '1.0'; GUID = '$([guid]::NewGuid())'; FunctionsToExport = @(); CmdletsToExport = @() }" | Set-Content $emptyModule

function Get-InProcessImportCommand([string] $Path) {
    "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$Path'; `$w.Stop(); `$w.Elapsed.TotalMilliseconds"
}

$commands = [ordered]@{
    Baseline        = '0'
    Import          = "Import-Module '$Manifest'"
    OursInProcess   = Get-InProcessImportCommand $Manifest
    EmptyInProcess  = Get-InProcessImportCommand $emptyModule
}
$samples = @{}
foreach ($key in $commands.Keys) { $samples[$key] = [System.Collections.Generic.List[double]]::new() }

Write-Host "Import time: $Runs fresh pwsh processes per measurement, interleaved..."
foreach ($command in $commands.Values) { & $Pwsh -NoProfile -NonInteractive -Command $command | Out-Null } # warm-up
for ($i = 0; $i -lt $Runs; $i++) {
    foreach ($key in $commands.Keys) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $printed = & $Pwsh -NoProfile -NonInteractive -Command $commands[$key]
        $watch.Stop()
        if ($LASTEXITCODE -ne 0) { throw "pwsh -c `"$($commands[$key])`" failed with exit code $LASTEXITCODE" }
        $samples[$key].Add($(if ($key -like '*InProcess') { [double] ($printed | Select-Object -Last 1) } else { $watch.Elapsed.TotalMilliseconds }))
    }
}
Remove-Item (Split-Path $emptyModule) -Recurse -Force

$median = @{}
foreach ($key in $commands.Keys) { $median[$key] = Get-Median $samples[$key] }
$added = $median.Import - $median.Baseline
$range = { param($key) '(min {0:N0}, max {1:N0}, n={2})' -f ($samples[$key] | Measure-Object -Minimum).Minimum, ($samples[$key] | Measure-Object -Maximum).Maximum, $Runs }

$lines = @(
    ('pwsh -NoProfile -c 0                     median {0,6:N0} ms  {1}' -f $median.Baseline, (& $range Baseline))
    ('pwsh -NoProfile -c "Import-Module ..."   median {0,6:N0} ms  {1}' -f $median.Import, (& $range Import))
    ('Import-Module adds                              {0,6:N0} ms  (goal < 150 ms: {1})' -f $added, $(if ($added -lt 150) { 'met' } else { 'NOT met' }))
    ('  in-process: Import-Module TalosSeccomp median {0,6:N0} ms  {1}' -f $median.OursInProcess, (& $range OursInProcess))
    ('  in-process: Import-Module empty module median {0,6:N0} ms  (PowerShell''s fixed cost)' -f $median.EmptyInProcess)
    ('  in-process: TalosSeccomp beyond that          {0,6:N0} ms  (our DLL, cmdlet discovery, format files)' -f ($median.OursInProcess - $median.EmptyInProcess))
)
$lines | ForEach-Object { Write-Host "  $_" }
$Summary.Add('Import time'); $lines | ForEach-Object { $Summary.Add("  $_") }

#endregion

#region 2. BenchmarkDotNet

$benchProject = Join-Path $Root 'bench/TalosSeccomp.Benchmarks/TalosSeccomp.Benchmarks.csproj'
if ($SkipBenchmarkDotNet) {
    $Summary.Add('BenchmarkDotNet: skipped (-SkipBenchmarkDotNet)')
}
elseif (Test-Path $benchProject) {
    $artifacts = Join-Path $Root 'out/bench/BenchmarkDotNet.Artifacts'
    if (Test-Path $artifacts) { Remove-Item $artifacts -Recurse -Force }
    Write-Host 'BenchmarkDotNet: every benchmark, Release, short job...'
    & dotnet run -c Release --project $benchProject -- --filter '*' --job short --artifacts $artifacts
    if ($LASTEXITCODE -ne 0) { throw "BenchmarkDotNet failed with exit code $LASTEXITCODE" }
    $Summary.Add('BenchmarkDotNet (short job)')
    # The GitHub-flavoured report is BenchmarkDotNet's own summary table (columns that matter only).
    foreach ($report in Get-ChildItem (Join-Path $artifacts 'results') -Filter '*-report-github.md' -ErrorAction Ignore | Sort-Object Name) {
        $Summary.Add("  $($report.Name -replace '-report-github\.md$', '')")
        Get-Content $report.FullName | Where-Object { $_ -match '^\|' } | ForEach-Object { $Summary.Add("    $_") }
    }
}
else {
    $Summary.Add('BenchmarkDotNet: no bench/TalosSeccomp.Benchmarks project')
}

#endregion

#region 3. Scripted benchmarks

foreach ($script in Get-ChildItem (Join-Path $Root 'bench') -Filter '*.bench.ps1' -ErrorAction Ignore | Sort-Object Name) {
    Write-Host "$($script.Name)..."
    $declared = (Get-Command $script.FullName).Parameters
    $arguments = @(
        if ($declared.ContainsKey('ModulePath')) { '-ModulePath', $ModulePath }
        if ($declared.ContainsKey('Configuration')) { '-Configuration', $Configuration }
    )
    $output = & $Pwsh -NoProfile -NonInteractive -File $script.FullName @arguments 2>&1 | ForEach-Object { "$_" }
    $output | ForEach-Object { Write-Host "  $_" }
    if ($LASTEXITCODE -ne 0) { throw "$($script.Name) failed with exit code $LASTEXITCODE" }
    $Summary.Add($script.Name)
    $output | Where-Object { $_.Trim() } | ForEach-Object { $Summary.Add("  $_") }
}

#endregion

#region 4. Package sizes

# Goal: both packages stay under 100 MB (Azure Automation's module limit; New-ModulePackage.ps1 enforces it).
$packageOut = Join-Path $Root 'out/bench/packages'
if (Test-Path $packageOut) { Remove-Item $packageOut -Recurse -Force }
& $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build/New-ModulePackage.ps1') -ModulePath $ModulePath -OutputPath $packageOut | Out-Null
if ($LASTEXITCODE -ne 0) { throw "New-ModulePackage.ps1 failed with exit code $LASTEXITCODE" }
$Summary.Add('Package sizes (goal < 100 MB each)')
foreach ($package in Get-ChildItem $packageOut -File | Sort-Object Name) {
    $Summary.Add(('  {0,-40} {1,7:N2} MB' -f $package.Name, ($package.Length / 1MB)))
}
$Summary.Add(('  {0,-40} {1,7:N2} MB' -f 'module folder (unpacked)', ((Get-ChildItem $ModulePath -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)))

#endregion

Write-Host ''
Write-Host '==== Benchmark figures ===='
$Summary | ForEach-Object { Write-Host $_ }
