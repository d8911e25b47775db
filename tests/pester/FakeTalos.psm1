<#
    Starts and stops the fake Talos node (tests/TalosSeccomp.FakeTalos) as a program, for the Pester tests,
    the demo and the scripted benchmarks. The fake writes a talosconfig per role and endpoint.json into its
    state directory and runs until its standard input closes.
#>
Set-StrictMode -Version 3.0

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Start-FakeTalos {
    <#
    .SYNOPSIS
        Starts the fake Talos node and returns its endpoint, control URL, node addresses and talosconfig paths.
    #>
    [CmdletBinding()]
    param(
        [int] $NodeCount = 3,
        [switch] $ForwardHostKernelLog,
        [string] $Configuration = 'Release',
        [int] $TimeoutSec = 60
    )
    $dll = Join-Path $RepoRoot "tests/TalosSeccomp.FakeTalos/bin/$Configuration/net10.0/TalosSeccomp.FakeTalos.dll"
    if (-not (Test-Path $dll)) { throw "Build the fake node first (build.ps1 -Task Build): $dll" }

    $stateDir = Join-Path ([IO.Path]::GetTempPath()) ('fake-talos-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $stateDir | Out-Null
    $startInfo = [Diagnostics.ProcessStartInfo]::new('dotnet')
    $arguments = @($dll, '--state-dir', $stateDir, '--nodes', $NodeCount)
    if ($ForwardHostKernelLog) { $arguments += '--forward-host-kernel-log' }
    foreach ($a in $arguments) { $startInfo.ArgumentList.Add([string] $a) }
    $startInfo.RedirectStandardInput = $true   # the fake runs until its stdin closes
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($startInfo)
    # Drain its output so a chatty fake never blocks on a full pipe.
    $process.BeginOutputReadLine()
    $process.BeginErrorReadLine()

    $endpointFile = Join-Path $stateDir 'endpoint.json'
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (Test-Path $endpointFile) -or (Get-Item $endpointFile).Length -eq 0) {
        if ($process.HasExited) { throw "The fake Talos node exited with code $($process.ExitCode) before it listened." }
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill(); throw "The fake Talos node did not start within $TimeoutSec s." }
        Start-Sleep -Milliseconds 100
    }
    $info = Get-Content $endpointFile -Raw | ConvertFrom-Json
    [pscustomobject]@{
        PSTypeName   = 'TalosSeccomp.Tests.FakeTalos'
        Process      = $process
        StateDir     = $stateDir
        Endpoint     = $info.endpoint
        ControlUrl   = $info.controlUrl
        Nodes        = @($info.nodes)
        TalosConfig  = Join-Path $stateDir 'talosconfig'
        ReaderConfig = Join-Path $stateDir 'talosconfig-reader'
        # True when the fake forwards this machine's /dev/kmsg (it needs root on Linux); say so when asked and it can't.
        ForwardingHostKernelLog = [bool] $info.forwardingHostKernelLog
    }
}

function Stop-FakeTalos {
    <#
    .SYNOPSIS
        Stops a fake Talos node started by Start-FakeTalos and removes its state directory.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Fake)
    process {
        if ($Fake.Process -and -not $Fake.Process.HasExited) {
            $Fake.Process.StandardInput.Close()
            if (-not $Fake.Process.WaitForExit(10000)) { $Fake.Process.Kill() }
        }
        Remove-Item $Fake.StateDir -Recurse -Force -ErrorAction Ignore
    }
}

function Invoke-FakeTalosControl {
    <#
    .SYNOPSIS
        Calls the fake node's control API, e.g. Invoke-FakeTalosControl $fake PUT "nodes/$node/latency?ms=100".
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Fake,
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST', 'PUT')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Body
    )
    $uri = "$($Fake.ControlUrl.TrimEnd('/'))/$($Path.TrimStart('/'))"
    if ($PSBoundParameters.ContainsKey('Body')) {
        Invoke-RestMethod -Method $Method -Uri $uri -Body $Body -ContentType 'text/plain'
    }
    else {
        Invoke-RestMethod -Method $Method -Uri $uri
    }
}

Export-ModuleMember -Function Start-FakeTalos, Stop-FakeTalos, Invoke-FakeTalosControl
