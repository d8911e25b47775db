#requires -Version 7.4
<#
.SYNOPSIS
    The first Get-TalosVersion of a fresh process, and what each later invocation costs over an engine call.
.DESCRIPTION
    Starts the fake Talos node program (one node) and measures, with stopwatches inside each process:
      1. In -Runs fresh `pwsh -NoProfile` processes: Import-Module, then the first Get-TalosVersion (talosconfig
         parse, credential decoding, TLS handshake, HTTP/2 setup and the JIT of all of it), then the second one.
         Goal: the first call adds at most 150 ms over Import-Module.
      2. In one warm process, interleaved -Calls times each: a Get-TalosVersion invocation; the engine call
         underneath it (TalosClient.VersionAsync on the pooled connection, reached through the engine's load
         context); Get-TalosNode (no network: the talosconfig part of an invocation) and a trivial binary cmdlet.
         Goal: a Get-TalosVersion invocation costs at most 1.5x an engine call.
      3. The phases of a first call, each timed once in a fresh process through the engine: talosconfig load,
         settings (credential decoding), first Version call (handshake included), second call.
    Prints medians. Timings depend on the machine and its load: compare runs on one machine.
.EXAMPLE
    ./bench/firstcall.bench.ps1 -ModulePath out/TalosSeccomp
#>
[CmdletBinding()]
param(
    # The laid-out module folder (out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Build configuration of the fake node program.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Fresh processes for the first-call figures.
    [ValidateRange(3, 100)] [int] $Runs = 11,
    # Warm invocations per kind for the per-invocation figures.
    [ValidateRange(10, 10000)] [int] $Calls = 300
)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$manifest = Join-Path $ModulePath 'TalosSeccomp.psd1'
$root = Split-Path $PSScriptRoot -Parent
$pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

function Get-Median([double[]] $Values) {
    $sorted = [double[]] ($Values | Sort-Object)
    $middle = [math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

# The engine lives in the module's own load context, hidden from PowerShell's type resolution; benchmarks reach it
# by reflection (in every process the snippet runs in).
$engineSnippet = @'
# A cmdlet that needs no talosconfig loads the engine into that context first.
$null = Resolve-SeccompSyscall -Name read -Architecture SCMP_ARCH_X86_64
function Get-EngineType([string] $Name) {
    $engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'TalosSeccomp.Engine' } | Select-Object -First 1
    $engine.GetType($Name, $true)
}
'@

Import-Module (Join-Path $root 'tests/pester/FakeTalos.psm1') -Force
$fake = Start-FakeTalos -NodeCount 1 -Configuration $Configuration
try {
    $config = [string] $fake.TalosConfig

    #region 1. Fresh processes
    $script = @"
`$w = [Diagnostics.Stopwatch]::StartNew()
Import-Module '$manifest'
`$import = `$w.Elapsed.TotalMilliseconds
`$w.Restart()
`$null = Get-TalosVersion -TalosConfig '$config' -ErrorAction Stop
`$first = `$w.Elapsed.TotalMilliseconds
`$w.Restart()
`$null = Get-TalosVersion -TalosConfig '$config' -ErrorAction Stop
`$second = `$w.Elapsed.TotalMilliseconds
'{0} {1} {2}' -f `$import, `$first, `$second
"@
    & $pwsh -NoProfile -NonInteractive -Command $script | Out-Null # warm-up: disk cache
    $import = [System.Collections.Generic.List[double]]::new()
    $first = [System.Collections.Generic.List[double]]::new()
    $second = [System.Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt $Runs; $i++) {
        $printed = & $pwsh -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -ne 0) { throw "The first-call process failed: $printed" }
        $parts = ([string] ($printed | Select-Object -Last 1)).Split(' ')
        $import.Add([double] $parts[0]); $first.Add([double] $parts[1]); $second.Add([double] $parts[2])
    }
    $firstMedian = Get-Median $first
    '{0,-62} {1,7:N1} ms (median of {2})' -f 'Import-Module TalosSeccomp, in a fresh process', (Get-Median $import), $Runs
    '{0,-62} {1,7:N1} ms (goal <= 150 ms: {2})' -f 'first Get-TalosVersion after it', $firstMedian, $(if ($firstMedian -le 150) { 'met' } else { 'NOT met' })
    '{0,-62} {1,7:N1} ms' -f 'second Get-TalosVersion', (Get-Median $second)
    #endregion

    #region 2. Warm per-invocation costs
    Import-Module $manifest -Force
    Invoke-Expression $engineSnippet
    $settingsType = Get-EngineType 'TalosSeccomp.Talos.TalosConnectionSettings'
    $settings = $settingsType.GetMethod('Resolve').Invoke($null, @($config, $null, $null, $null))
    $client = (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionPool').GetMethod('GetClient').Invoke($null, @($settings, $null))
    $none = [System.Threading.CancellationToken]::None
    $kinds = [ordered]@{
        'Get-TalosVersion invocation'                  = { $null = Get-TalosVersion -TalosConfig $config }
        'engine call (TalosClient.VersionAsync)'       = { $null = $client.VersionAsync($null, $none).GetAwaiter().GetResult() }
        'Get-TalosNode invocation (no network)'        = { $null = Get-TalosNode -TalosConfig $config }
        'trivial binary cmdlet (Resolve-SeccompSyscall)' = { $null = Resolve-SeccompSyscall -Name read -Architecture SCMP_ARCH_X86_64 }
    }
    $samples = @{}
    foreach ($key in $kinds.Keys) { $samples[$key] = [System.Collections.Generic.List[double]]::new(); for ($i = 0; $i -lt 20; $i++) { & $kinds[$key] } }
    $watch = [Diagnostics.Stopwatch]::new()
    for ($i = 0; $i -lt $Calls; $i++) {
        foreach ($key in $kinds.Keys) {
            $watch.Restart(); & $kinds[$key]; $watch.Stop()
            $samples[$key].Add($watch.Elapsed.TotalMilliseconds)
        }
    }
    $median = @{}
    foreach ($key in $kinds.Keys) {
        $median[$key] = Get-Median $samples[$key]
        '{0,-62} {1,7:N3} ms (median of {2}, warm)' -f $key, $median[$key], $Calls
    }
    $ratio = $median['Get-TalosVersion invocation'] / $median['engine call (TalosClient.VersionAsync)']
    '{0,-62} {1,7:N2} x   (goal <= 1.5x: {2})' -f 'Get-TalosVersion invocation / engine call', $ratio, $(if ($ratio -le 1.5) { 'met' } else { 'NOT met' })
    $connection = (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionPool').GetMethod('Get').Invoke($null, @($settings))
    '{0,-62} {1,7}' -f 'TLS handshakes on the pooled connection after all that', $connection.HandshakeCount
    #endregion

    #region 3. Phases of a first call
    $phases = @"
Import-Module '$manifest'
$engineSnippet
`$w = [Diagnostics.Stopwatch]::StartNew()
`$file = (Get-EngineType 'TalosSeccomp.Talos.TalosConfigFile').GetMethod('Load').Invoke(`$null, @('$config'))
`$load = `$w.Elapsed.TotalMilliseconds; `$w.Restart()
`$settings = (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionSettings').GetMethod('FromContext').Invoke(`$null, @(`$file, `$null, `$null, `$null))
`$resolve = `$w.Elapsed.TotalMilliseconds; `$w.Restart()
`$client = (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionPool').GetMethod('GetClient').Invoke(`$null, @(`$settings, `$null))
`$channel = `$w.Elapsed.TotalMilliseconds; `$w.Restart()
`$null = `$client.VersionAsync(`$null, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
`$call1 = `$w.Elapsed.TotalMilliseconds; `$w.Restart()
`$null = `$client.VersionAsync(`$null, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
`$call2 = `$w.Elapsed.TotalMilliseconds
'{0} {1} {2} {3} {4}' -f `$load, `$resolve, `$channel, `$call1, `$call2
"@
    $names = 'talosconfig load (YAML)', 'settings (base64, PEM, key check)', 'channel creation', 'first Version call (TLS, HTTP/2, JIT)', 'second Version call'
    $phaseSamples = @(foreach ($name in $names) { , [System.Collections.Generic.List[double]]::new() })
    for ($i = 0; $i -lt $Runs; $i++) {
        $printed = & $pwsh -NoProfile -NonInteractive -Command $phases
        if ($LASTEXITCODE -ne 0) { throw "The phases process failed: $printed" }
        $parts = ([string] ($printed | Select-Object -Last 1)).Split(' ')
        for ($p = 0; $p -lt $names.Count; $p++) { $phaseSamples[$p].Add([double] $parts[$p]) }
    }
    for ($p = 0; $p -lt $names.Count; $p++) {
        '{0,-62} {1,7:N1} ms (median of {2})' -f "first-call phase: $($names[$p])", (Get-Median $phaseSamples[$p]), $Runs
    }
    #endregion
}
finally {
    $fake | Stop-FakeTalos
}
