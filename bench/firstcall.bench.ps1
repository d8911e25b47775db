#requires -Version 7.4
<#
.SYNOPSIS
    The first Get-TalosVersion of a fresh process, and what each later invocation costs over an engine call.
.DESCRIPTION
    Starts the fake Talos node program (one node), warms it with a call from another process (its own first-call cost
    is not the client's), and measures, with stopwatches and the process's CPU time (user+sys, all threads) inside
    each process; medians over many runs. On a shared machine wall time is noisy: judge by CPU time there.
      1. In -Runs fresh `pwsh -NoProfile` processes: Import-Module, then the first Get-TalosVersion (talosconfig
         parse, credential decoding, TLS handshake, HTTP/2 setup and the JIT of all of it), then the second one; the
         module as built (its ReadyToRun images for this runtime) and, interleaved, a copy holding only the IL build
         (what other platforms load), so the ReadyToRun lever shows as a figure.
         Goal: the first call adds at most 150 ms over Import-Module.
         With -JitSettings, the built module again under DOTNET_TieredPGO=0, DOTNET_TC_QuickJitForLoops=0,
         DOTNET_TieredCompilation=0 and DOTNET_ReadyToRun=0 (the last also turns off the framework's own images):
         how much of the first call is JIT.
      2. In one warm process, interleaved -Calls times each: a Get-TalosVersion invocation; the engine call
         underneath it (TalosClient.VersionAsync on the pooled connection, reached through the engine's load
         context); Get-TalosNode (no network: the talosconfig part of an invocation) and a trivial binary cmdlet.
         Goal: a Get-TalosVersion invocation costs at most 1.5x an engine call.
      3. The phases of a first call, each timed once in a fresh process through the engine: talosconfig load,
         settings (credential decoding), TCP connect, TLS handshake, channel creation, first Version call (on its own
         connection: a warm handshake, then HTTP/2 and gRPC), second call.
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
    [ValidateRange(10, 10000)] [int] $Calls = 300,
    # Also runs the first-call processes under other JIT settings (four more sets of -Runs processes).
    [switch] $JitSettings,
    # The parts to run (all by default).
    [ValidateSet('FreshProcess', 'Warm', 'Phases')] [string[]] $Part = @('FreshProcess', 'Warm', 'Phases')
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
    if ('FreshProcess' -in $Part) {
    $script = @"
`$process = [Diagnostics.Process]::GetCurrentProcess()
function Get-Cpu { `$process.Refresh(); `$process.TotalProcessorTime.TotalMilliseconds }
`$w = [Diagnostics.Stopwatch]::StartNew(); `$c = Get-Cpu
Import-Module (Join-Path `$env:TALOSSECCOMP_BENCH_MODULE 'TalosSeccomp.psd1')
`$import = `$w.Elapsed.TotalMilliseconds; `$importCpu = (Get-Cpu) - `$c
`$w.Restart(); `$c = Get-Cpu
`$null = Get-TalosVersion -TalosConfig '$config' -ErrorAction Stop
`$first = `$w.Elapsed.TotalMilliseconds; `$firstCpu = (Get-Cpu) - `$c
`$w.Restart(); `$c = Get-Cpu
`$null = Get-TalosVersion -TalosConfig '$config' -ErrorAction Stop
`$second = `$w.Elapsed.TotalMilliseconds; `$secondCpu = (Get-Cpu) - `$c
`$engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { `$_.GetName().Name -eq 'TalosSeccomp.Engine' } | Select-Object -First 1
'{0} {1} {2} {3} {4} {5} {6}' -f `$import, `$importCpu, `$first, `$firstCpu, `$second, `$secondCpu, (Split-Path (Split-Path `$engine.Location) -Leaf)
"@
    # The IL-only copy: the module without its per-runtime ReadyToRun folders.
    $ilCopy = Join-Path ([IO.Path]::GetTempPath()) "TalosSeccompBenchIL-$PID/TalosSeccomp"
    New-Item -ItemType Directory (Split-Path $ilCopy) -Force | Out-Null
    Copy-Item $ModulePath $ilCopy -Recurse
    Get-ChildItem (Join-Path $ilCopy 'Dependencies') -Directory | Remove-Item -Recurse -Force

    $variants = [ordered]@{ 'as built' = @{ Module = $ModulePath; Env = @{} }; 'IL only' = @{ Module = $ilCopy; Env = @{} } }
    if ($JitSettings) {
        foreach ($setting in 'DOTNET_TieredPGO=0', 'DOTNET_TC_QuickJitForLoops=0', 'DOTNET_TieredCompilation=0', 'DOTNET_ReadyToRun=0') {
            $name, $value = $setting.Split('=')
            $variants["as built, $setting"] = @{ Module = $ModulePath; Env = @{ $name = $value } }
        }
    }
    function Invoke-FirstCall($Variant) {
        $saved = @{}
        $env:TALOSSECCOMP_BENCH_MODULE = $Variant.Module
        foreach ($name in $Variant.Env.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $Variant.Env[$name]) }
        try { $printed = & $pwsh -NoProfile -NonInteractive -Command $script }
        finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
        if ($LASTEXITCODE -ne 0) { throw "The first-call process failed: $printed" }
        ([string] ($printed | Select-Object -Last 1)).Split(' ')
    }
    # Warm-up: disk cache, and the fake node's own first call (a .NET process too), from another process.
    foreach ($variant in $variants.Values) { $null = Invoke-FirstCall $variant }
    $fresh = @{}
    foreach ($key in $variants.Keys) { $fresh[$key] = @(foreach ($column in 0..5) { , [System.Collections.Generic.List[double]]::new() }); $fresh[$key] += '' }
    for ($i = 0; $i -lt $Runs; $i++) {
        foreach ($key in $variants.Keys) {
            $parts = Invoke-FirstCall $variants[$key]
            for ($column = 0; $column -lt 6; $column++) { $fresh[$key][$column].Add([double] $parts[$column]) }
            $fresh[$key][6] = $parts[6]
        }
    }
    Remove-Item (Split-Path $ilCopy) -Recurse -Force
    foreach ($key in $variants.Keys) {
        $m = @(for ($column = 0; $column -lt 6; $column++) { Get-Median $fresh[$key][$column] })
        "fresh pwsh, module $key (engine from Dependencies/$(if ($fresh[$key][6] -ne 'Dependencies') { $fresh[$key][6] })), medians of $Runs, wall / CPU:"
        '  {0,-60} {1,7:N1} / {2,7:N1} ms' -f 'Import-Module TalosSeccomp', $m[0], $m[1]
        '  {0,-60} {1,7:N1} / {2,7:N1} ms (goal <= 150 ms: wall {3}, CPU {4})' -f 'first Get-TalosVersion after it', $m[2], $m[3], $(if ($m[2] -le 150) { 'met' } else { 'NOT met' }), $(if ($m[3] -le 150) { 'met' } else { 'NOT met' })
        '  {0,-60} {1,7:N1} / {2,7:N1} ms' -f 'second Get-TalosVersion', $m[4], $m[5]
    }

    }
    #endregion

    #region 2. Warm per-invocation costs
    if ('Warm' -in $Part) {
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
    $samples = @{}; $cpuSamples = @{}
    foreach ($key in $kinds.Keys) { $samples[$key] = [System.Collections.Generic.List[double]]::new(); $cpuSamples[$key] = [System.Collections.Generic.List[double]]::new(); for ($i = 0; $i -lt 20; $i++) { & $kinds[$key] } }
    $watch = [Diagnostics.Stopwatch]::new()
    $process = [Diagnostics.Process]::GetCurrentProcess()
    for ($i = 0; $i -lt $Calls; $i++) {
        foreach ($key in $kinds.Keys) {
            # CPU of this process only (the fake node is another process): the client's cost, less exposed to load.
            $process.Refresh(); $cpuBefore = $process.TotalProcessorTime.TotalMilliseconds
            $watch.Restart(); & $kinds[$key]; $watch.Stop()
            $process.Refresh(); $cpuSamples[$key].Add($process.TotalProcessorTime.TotalMilliseconds - $cpuBefore)
            $samples[$key].Add($watch.Elapsed.TotalMilliseconds)
        }
    }
    $median = @{}; $cpuMedian = @{}
    'warm, one process, medians of {0} interleaved invocations, wall / CPU:' -f $Calls
    foreach ($key in $kinds.Keys) {
        $median[$key] = Get-Median $samples[$key]
        $cpuMedian[$key] = Get-Median $cpuSamples[$key]
        '  {0,-60} {1,7:N3} / {2,7:N3} ms' -f $key, $median[$key], $cpuMedian[$key]
    }
    $ratio = $median['Get-TalosVersion invocation'] / $median['engine call (TalosClient.VersionAsync)']
    $cpuRatio = $cpuMedian['Get-TalosVersion invocation'] / $cpuMedian['engine call (TalosClient.VersionAsync)']
    '  {0,-60} {1,7:N2} / {2,7:N2} x   (goal <= 1.5x: wall {3}, CPU {4})' -f 'Get-TalosVersion invocation / engine call', $ratio, $cpuRatio, $(if ($ratio -le 1.5) { 'met' } else { 'NOT met' }), $(if ($cpuRatio -le 1.5) { 'met' } else { 'NOT met' })
    $connection = (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionPool').GetMethod('Get').Invoke($null, @($settings))
    # HandshakeCount is internal to the engine.
    $handshakes = $connection.GetType().GetProperty('HandshakeCount', [Reflection.BindingFlags]'NonPublic,Instance').GetValue($connection)
    '  {0,-60} {1,7}' -f 'TLS handshakes on the pooled connection after all that', $handshakes

    }
    #endregion

    #region 3. Phases of a first call
    if ('Phases' -in $Part) {
    # Each phase through the engine's own API (reflection into its load context), timed once per fresh process. A
    # throw-away step first, so PowerShell's own first reflective call and the helper are not billed to a phase.
    $phases = @"
Import-Module '$manifest'
$engineSnippet
`$process = [Diagnostics.Process]::GetCurrentProcess()
`$results = [Collections.Generic.List[string]]::new()
function Step([string] `$Name, [scriptblock] `$Body) {
    `$process.Refresh(); `$c = `$process.TotalProcessorTime.TotalMilliseconds; `$w = [Diagnostics.Stopwatch]::StartNew()
    `$value = & `$Body
    `$wall = `$w.Elapsed.TotalMilliseconds; `$process.Refresh()
    if (`$Name) { `$results.Add(('{0}:{1}' -f `$wall, (`$process.TotalProcessorTime.TotalMilliseconds - `$c))) }
    , `$value
}
`$none = [Threading.CancellationToken]::None
`$static = [Reflection.BindingFlags]'NonPublic,Static'
`$fileType = Get-EngineType 'TalosSeccomp.Talos.TalosConfigFile'
`$connectionType = Get-EngineType 'TalosSeccomp.Talos.TalosConnection'
`$null = Step '' { `$fileType.GetMethod('Locate').Invoke(`$null, @('$config', `$null, `$null)) }
`$file = Step 'load' { `$fileType.GetMethod('Load').Invoke(`$null, @('$config')) }
`$settings = Step 'settings' { (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionSettings').GetMethod('FromContext').Invoke(`$null, @(`$file, `$null, `$null, `$null)) }
`$credentials = `$settings.GetType().GetProperty('Credentials', [Reflection.BindingFlags]'NonPublic,Instance').GetValue(`$settings)
`$endpoint = `$settings.Endpoints[0]
`$socket = Step 'tcp' { `$connectionType.GetMethod('OpenSocketAsync', `$static).Invoke(`$null, @(`$endpoint, `$none)).GetAwaiter().GetResult() }
`$tls = Step 'tls' { `$connectionType.GetMethod('HandshakeAsync', `$static).Invoke(`$null, @(`$socket, `$endpoint, `$credentials, `$none)).GetAwaiter().GetResult() }
`$tls.Dispose()
`$client = Step 'channel' { (Get-EngineType 'TalosSeccomp.Talos.TalosConnectionPool').GetMethod('GetClient').Invoke(`$null, @(`$settings, `$null)) }
`$null = Step 'call1' { `$client.VersionAsync(`$null, `$none).GetAwaiter().GetResult() }
`$null = Step 'call2' { `$client.VersionAsync(`$null, `$none).GetAwaiter().GetResult() }
`$results -join ' '
"@
    $names = 'talosconfig load (read, YAML)', 'settings (base64, PEM, X.509, Ed25519 key check)', 'TCP connect', 'TLS handshake (BouncyCastle, TLS 1.3)',
        'channel creation (GrpcChannel, SocketsHttpHandler)', 'first Version call (warm TLS, HTTP/2, gRPC, protobuf)', 'second Version call'
    $phaseSamples = @(foreach ($name in $names) { , [System.Collections.Generic.List[double]]::new() })
    $phaseCpu = @(foreach ($name in $names) { , [System.Collections.Generic.List[double]]::new() })
    for ($i = 0; $i -lt $Runs; $i++) {
        $printed = & $pwsh -NoProfile -NonInteractive -Command $phases
        if ($LASTEXITCODE -ne 0) { throw "The phases process failed: $printed" }
        $parts = ([string] ($printed | Select-Object -Last 1)).Split(' ')
        for ($p = 0; $p -lt $names.Count; $p++) {
            $wall, $cpu = $parts[$p].Split(':')
            $phaseSamples[$p].Add([double] $wall); $phaseCpu[$p].Add([double] $cpu)
        }
    }
    'phases of a first call through the engine, module as built, medians of {0} fresh processes, wall / CPU:' -f $Runs
    for ($p = 0; $p -lt $names.Count; $p++) {
        '  {0,-60} {1,7:N1} / {2,7:N1} ms' -f $names[$p], (Get-Median $phaseSamples[$p]), (Get-Median $phaseCpu[$p])
    }
    }
    #endregion
}
finally {
    $fake | Stop-FakeTalos
}
