#requires -Version 7.4
<#
.SYNOPSIS
    Wall time of Set-TalosSeccompProfile on 50 virtual nodes with 100 ms injected latency per call.
.DESCRIPTION
    Starts the fake Talos node program with 50 nodes, gives every node 100 ms of latency per call, and times
    Set-TalosSeccompProfile (each run changes the profile, so every node does the full read, version re-check and
    apply: three round trips) with -ThrottleLimit 50, with the default 16, and one node at a time (talosctl's patch
    loop). Prints the median of -Runs runs after one warm-up. Goal: under 0.6 s with all 50 nodes in flight.
.EXAMPLE
    ./bench/deployment.bench.ps1 -ModulePath out/TalosSeccomp
#>
[CmdletBinding()]
param(
    # The laid-out module folder (out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Build configuration of the fake node program.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Timed runs per setting.
    [ValidateRange(1, 100)] [int] $Runs = 5,
    [ValidateRange(1, 250)] [int] $NodeCount = 50,
    [ValidateRange(0, 10000)] [int] $LatencyMs = 100
)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'tests/pester/FakeTalos.psm1') -Force
$fake = Start-FakeTalos -NodeCount $NodeCount -Configuration $Configuration
try {
    $info = [pscustomobject]@{ controlUrl = $fake.ControlUrl; nodes = $fake.Nodes }
    $config = $fake.TalosConfig
    Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force

    $script:round = 0
    function Measure-Set([int] $Throttle) {
        $script:round++
        $value = @{ defaultAction = 'SCMP_ACT_ERRNO'; defaultErrnoRet = $script:round; syscalls = @(@{ names = @('execve', 'exit_group', 'futex', 'rt_sigreturn', 'rt_sigprocmask'); action = 'SCMP_ACT_ALLOW' }) }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $results = Set-TalosSeccompProfile -TalosConfig $config -Name bench.json -Value $value -ThrottleLimit $Throttle -ErrorAction Stop -ProgressAction SilentlyContinue
        $watch.Stop()
        if (@($results | Where-Object Applied).Count -ne $NodeCount) { throw "expected $NodeCount applied results" }
        $watch.Elapsed.TotalSeconds
    }

    function Get-Median([double[]] $Values) {
        $sorted = [double[]] ($Values | Sort-Object)
        $middle = [math]::Floor($sorted.Count / 2)
        if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
    }

    Measure-Set 64 | Out-Null   # warm-up: TLS handshake, JIT
    foreach ($node in $info.nodes) { Invoke-RestMethod -Method Put "$($info.controlUrl)/nodes/$node/latency?ms=$LatencyMs" | Out-Null }

    foreach ($throttle in $NodeCount, 16, 1) {
        $samples = 1..$(if ($throttle -eq 1) { 1 } else { $Runs }) | ForEach-Object { Measure-Set $throttle }
        '{0,-58} {1,7:0.000} s (median of {2})' -f "Set-TalosSeccompProfile, $NodeCount nodes x $LatencyMs ms, -ThrottleLimit $throttle", (Get-Median $samples), @($samples).Count
    }
}
finally {
    $fake | Stop-FakeTalos
}
