#requires -Version 7.4
<#
.SYNOPSIS
    Pod attribution throughput and memory: events/s of `Watch-TalosAudit | Measure-Object` over -Count injected
    seccomp records on one fake node, with attribution and without, and the live managed heap (what the attribution
    cache holds) at the end.
.DESCRIPTION
    The fake node (in-memory, no host /proc) gets -Pods pods with -ContainersPerPod containers each and -Processes
    processes spread over those containers (cgroup /kubepods/besteffort/pod<uid>/<id>), and generates -Count auditd
    records whose pids cycle through those processes, at the reader's pace. While a watch streams, this script
    restarts -ReusePerSecond of those pids per second in another container (exit, then start again: a new start
    time), so the cache sees reused pids as on a busy node. A fresh pwsh per run imports the module and runs
    `Watch-TalosAudit -MaxEvents <Count> [-NoAttribution] | Measure-Object`; a timer in it takes the live managed heap
    after a full collection every 2 s. After a warm-up, each mode runs twice, interleaved; the faster run of each is
    printed. Goal: with attribution at least 0.8x the events/s of without.
    Figures, not assertions: compare runs on one machine.
.EXAMPLE
    ./bench/attribution.bench.ps1 -ModulePath out/TalosSeccomp
#>
[CmdletBinding()]
param(
    # The laid-out module folder (out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Build configuration of the fake node program.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Records per run.
    [ValidateRange(1000, 100000000)] [long] $Count = 1000000,
    [ValidateRange(1, 1000)] [int] $Pods = 20,
    [ValidateRange(1, 20)] [int] $ContainersPerPod = 2,
    [ValidateRange(1, 100000)] [int] $Processes = 400,
    [ValidateRange(0, 1000)] [int] $ReusePerSecond = 20
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot -Parent
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
$firstPid = 40000

function New-HexId { -join ((1..2) | ForEach-Object { [guid]::NewGuid().ToString('N') }) }

Import-Module (Join-Path $root 'tests/pester/FakeTalos.psm1') -Force
$fake = Start-FakeTalos -NodeCount 1 -Configuration $Configuration
try {
    $node = $fake.Nodes[0]

    # The node's pods, containers and processes.
    $podRows = [Collections.Generic.List[hashtable]]::new()
    $containerRows = [Collections.Generic.List[hashtable]]::new()
    for ($p = 0; $p -lt $Pods; $p++) {
        $uid = [guid]::NewGuid().ToString()
        $sandboxId = New-HexId
        $podRows.Add(@{ namespace = "bench-$($p % 5)"; name = "app-$p"; uid = $uid; sandboxId = $sandboxId; pid = 30000 + $p })
        for ($c = 0; $c -lt $ContainersPerPod; $c++) {
            $containerRows.Add(@{ sandboxId = $sandboxId; name = "c$c"; id = (New-HexId); image = "registry.example/app-$($p):1.$c"; pid = 0; uid = $uid })
        }
    }
    $cgroups = @($containerRows | ForEach-Object { "/kubepods/besteffort/pod$($_.uid)/$($_.id)" })
    for ($i = 0; $i -lt $containerRows.Count; $i++) { $containerRows[$i].pid = $firstPid + $i; $containerRows[$i].Remove('uid') }
    Set-FakeTalosCri $fake -Node $node -Pods $podRows.ToArray() -Containers $containerRows.ToArray() | Out-Null
    $Processes = [math]::Max($Processes, $containerRows.Count)
    # The process names the node's generator gives each pid (FakeNode.GenerateAuditdRecordsAsync), so that the
    # records and the process table agree as on a real node.
    $comms = 'nginx', 'runc:[2:INIT]', 'coredns', 'kube-proxy'
    function Add-BenchProcess([int] $Index, [string] $Cgroup) {
        Add-FakeTalosProcess $fake -Node $node -ProcessId ($firstPid + $Index) -ParentProcessId 30000 -Command $comms[$Index % $comms.Count] -Executable '/usr/bin/app' -Cgroup $Cgroup | Out-Null
    }
    for ($i = 0; $i -lt $Processes; $i++) { Add-BenchProcess $i $cgroups[$i % $cgroups.Count] }

    function Invoke-Run([bool] $Attribution) {
        Invoke-FakeTalosControl $fake POST "nodes/$node/auditd-lines/generate?count=$Count&firstPid=$firstPid&pidCount=$Processes" | Out-Null
        $switch = if ($Attribution) { '' } else { '-NoAttribution' }
        $measure = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath/TalosSeccomp.psd1'
Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Threading;
public static class HeapSampler
{
    public static readonly ConcurrentQueue<long> Samples = new ConcurrentQueue<long>();
    private static Timer timer;
    public static void Start() { timer = new Timer(_ => Samples.Enqueue(GC.GetTotalMemory(true)), null, 2000, 2000); }
    public static void Stop() { timer.Dispose(); }
}
'@
`$self = [Diagnostics.Process]::GetCurrentProcess()
[HeapSampler]::Start()
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$measured = Watch-TalosAudit -TalosConfig '$($fake.TalosConfig)' -Node $node -MaxEvents $Count $switch | Measure-Object
`$watch.Stop()
[HeapSampler]::Stop()
`$self.Refresh()
`$samples = [long[]] [HeapSampler]::Samples.ToArray()
[pscustomobject]@{ Count = `$measured.Count; Seconds = `$watch.Elapsed.TotalSeconds; PeakMB = `$self.PeakWorkingSet64 / 1MB
    LastHeapMB = `$(if (`$samples) { `$samples[-1] / 1MB } else { 0 }); MaxHeapMB = `$(if (`$samples) { (`$samples | Measure-Object -Maximum).Maximum / 1MB } else { 0 }); Samples = `$samples.Count } | ConvertTo-Json -Compress
"@
        $startInfo = [Diagnostics.ProcessStartInfo]::new($pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $measure) { $startInfo.ArgumentList.Add($a) }
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $child = [Diagnostics.Process]::Start($startInfo)
        $output = $child.StandardOutput.ReadToEndAsync()
        $errors = $child.StandardError.ReadToEndAsync()
        # Pid reuse while the stream runs: a process exits and its pid starts again in another container.
        $reused = 0
        $random = [Random]::new(11)
        while (-not $child.WaitForExit(1000)) {
            for ($r = 0; $r -lt $ReusePerSecond; $r++) {
                $index = $random.Next($Processes)
                Remove-FakeTalosProcess $fake -Node $node -ProcessId ($firstPid + $index) -ErrorAction Ignore | Out-Null
                Add-BenchProcess $index $cgroups[$random.Next($cgroups.Count)]
                $reused++
            }
        }
        if ($child.ExitCode -ne 0) { throw "The measuring pwsh failed: $($errors.Result)" }
        $result = $output.Result.Trim() -split "`n" | Select-Object -Last 1 | ConvertFrom-Json
        if ($result.Count -ne $Count) { throw "Expected $Count events, got $($result.Count)." }
        $result | Add-Member -NotePropertyName Reused -NotePropertyValue $reused -PassThru
    }

    # A short warm-up (the fake's and the stream's first records are slow), then each mode twice, interleaved so
    # that load changes on the machine hit both; the faster run of each counts.
    $savedCount = $Count
    $Count = [math]::Max(1000, [long] ($savedCount / 20))
    Invoke-Run $false | Out-Null
    $Count = $savedCount
    $runs = foreach ($attribution in $false, $true, $false, $true) { [pscustomobject]@{ Attribution = $attribution; Result = Invoke-Run $attribution } }
    $without = ($runs | Where-Object { -not $_.Attribution } | Sort-Object { $_.Result.Seconds } | Select-Object -First 1).Result
    $with = ($runs | Where-Object Attribution | Sort-Object { $_.Result.Seconds } | Select-Object -First 1).Result
    $rateWithout = $without.Count / $without.Seconds
    $rateWith = $with.Count / $with.Seconds
    Write-Host ("{0:N0} events, {1} processes in {2} containers of {3} pods; {4}/s pids reused while streaming" -f $Count, $Processes, $containerRows.Count, $Pods, $ReusePerSecond)
    Write-Host ("  without attribution: {0,10:N0} events/s ({1:N2} s), peak working set {2:N0} MB, live heap at the end {3:N1} MB" -f $rateWithout, $without.Seconds, $without.PeakMB, $without.LastHeapMB)
    Write-Host ("  with attribution:    {0,10:N0} events/s ({1:N2} s), peak working set {2:N0} MB, live heap at the end {3:N1} MB; {4} pids reused" -f $rateWith, $with.Seconds, $with.PeakMB, $with.LastHeapMB, $with.Reused)
    Write-Host ("  with/without: {0:N2}x (goal >= 0.8x: {1}); the attribution cache at the end: about {2:N1} MB (live heap difference)" -f ($rateWith / $rateWithout), $(if ($rateWith / $rateWithout -ge 0.8) { 'met' } else { 'NOT met' }), ($with.LastHeapMB - $without.LastHeapMB))
}
finally {
    $fake | Stop-FakeTalos
}
