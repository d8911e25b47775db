#requires -Version 7.4
<#
.SYNOPSIS
    End-to-end Watch-TalosAudit throughput and memory: events/s from a fake node's auditd stream through
    `Watch-TalosAudit | Measure-Object`, and the working set of that PowerShell process while 1 M events stream.
.DESCRIPTION
    Starts the fake Talos node program (Ed25519 mutual TLS, gRPC over HTTP/2) and asks it to generate -Count seccomp
    records into a node's auditd log as soon as a stream is open, at the reader's pace (the node pauses while the
    stream lags 20 000 lines behind). A fresh pwsh imports the module and runs
    `Watch-TalosAudit -MaxEvents <Count> | Measure-Object`; this script samples that process's working set every
    250 ms, and the process reports its own time, peak working set and managed heap.
    Goals: at least 100 000 events/s; working set flat and under 150 MB over 1 M events.
.EXAMPLE
    ./bench/watch.bench.ps1 -ModulePath out/TalosSeccomp
#>
[CmdletBinding()]
param(
    # The laid-out module folder (out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Build configuration of the fake node program.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Records to stream.
    [ValidateRange(1000, 100000000)] [long] $Count = 1000000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot -Parent
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

function Start-Child([string] $File, [string[]] $Arguments) {
    $startInfo = [Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $startInfo.ArgumentList.Add($a) }
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    [Diagnostics.Process]::Start($startInfo)
}

Import-Module (Join-Path $root 'tests/pester/FakeTalos.psm1') -Force
$fake = Start-FakeTalos -NodeCount 1 -Configuration $Configuration
try {
    $state = $fake.StateDir
    $node = $fake.Nodes[0]
    Invoke-FakeTalosControl $fake POST "nodes/$node/auditd-lines/generate?count=$Count" | Out-Null

    $measure = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath/TalosSeccomp.psd1'
`$self = [Diagnostics.Process]::GetCurrentProcess()
`$before = `$self.WorkingSet64
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$measured = Watch-TalosAudit -TalosConfig '$state/talosconfig' -Node $node -MaxEvents $Count | Measure-Object
`$watch.Stop()
`$self.Refresh()
`$gc = [GC]::GetGCMemoryInfo()
[pscustomobject]@{ Count = `$measured.Count; Seconds = `$watch.Elapsed.TotalSeconds; BeforeMB = `$before / 1MB; PeakMB = `$self.PeakWorkingSet64 / 1MB
    HeapMB = `$gc.HeapSizeBytes / 1MB; CommittedMB = `$gc.TotalCommittedBytes / 1MB; Gen0 = [GC]::CollectionCount(0); Gen2 = [GC]::CollectionCount(2) } | ConvertTo-Json -Compress
"@
    $child = Start-Child $pwsh @('-NoProfile', '-NonInteractive', '-Command', $measure)
    $output = $child.StandardOutput.ReadToEndAsync()
    $samples = [Collections.Generic.List[double]]::new()
    while (-not $child.WaitForExit(250)) {
        $child.Refresh()
        $samples.Add($child.WorkingSet64 / 1MB)
    }
    if ($child.ExitCode -ne 0) { throw "The measuring pwsh failed: $($child.StandardError.ReadToEnd())" }
    $result = $output.Result.Trim() -split "`n" | Select-Object -Last 1 | ConvertFrom-Json

    $sorted = @($samples | Sort-Object)
    Write-Host ("Watch-TalosAudit | Measure-Object: {0:N0} events in {1:N2} s = {2:N0} events/s (goal >= 100,000)" -f $result.Count, $result.Seconds, ($result.Count / $result.Seconds))
    Write-Host ("Working set of that pwsh: {0:N0} MB after Import-Module; sampled every 250 ms min {1:N0} / median {2:N0} / max {3:N0} MB ({4} samples); peak {5:N0} MB (goal: flat, < 150 MB)" -f `
        $result.BeforeMB, $sorted[0], $sorted[[math]::Floor($sorted.Count / 2)], $sorted[-1], $sorted.Count, $result.PeakMB)
    Write-Host ("Its managed heap at the end: {0:N0} MB in use, {1:N0} MB committed; {2} gen0 / {3} gen2 collections" -f $result.HeapMB, $result.CommittedMB, $result.Gen0, $result.Gen2)
    if ($result.Count -ne $Count) { throw "Expected $Count events, got $($result.Count)." }
}
finally {
    $fake | Stop-FakeTalos
}
