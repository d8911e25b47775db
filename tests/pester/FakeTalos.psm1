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
        # Processes and Read of /proc/... answer from this machine's /proc (real pids, cgroups, start times).
        [switch] $ForwardHostProcesses,
        # Containers (CRI, k8s.io) lists this machine's runc containers under -RuncRoot that carry containerd's CRI
        # annotations (io.kubernetes.cri.container-type sandbox/container, sandbox-id, sandbox-name, ...).
        [switch] $ForwardHostRuncContainers,
        [string] $RuncRoot,
        # Talos 1.14 workload isolation: Containers reports pids of the sandbox's PID namespace.
        [switch] $WorkloadIsolation,
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
    if ($ForwardHostProcesses) { $arguments += '--forward-host-processes' }
    if ($ForwardHostRuncContainers) { $arguments += '--forward-host-runc-containers' }
    if ($RuncRoot) { $arguments += @('--runc-root', $RuncRoot) }
    if ($WorkloadIsolation) { $arguments += '--workload-isolation' }
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
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST', 'PUT', 'DELETE')] [string] $Method,
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

function Set-FakeTalosCri {
    <#
    .SYNOPSIS
        Replaces a node's CRI pods and containers (what MachineService.Containers -k lists).
    .EXAMPLE
        $pod = @{ namespace = 'default'; name = 'web'; uid = $uid; sandboxId = $sandboxId; pid = 2000 }
        Set-FakeTalosCri $fake -Node 10.5.0.2 -Pods $pod -Containers @{ sandboxId = $sandboxId; name = 'nginx'; id = $id; image = 'docker.io/library/nginx:1.27'; pid = 2010 }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Fake,
        [Parameter(Mandatory)] [string] $Node,
        # Hashtables: namespace, name, uid, sandboxId (64 hex), pid, image (optional, the pause image).
        [hashtable[]] $Pods = @(),
        # Hashtables: sandboxId (of a pod above), name, id (64 hex), image, pid, running (optional, default true).
        [hashtable[]] $Containers = @()
    )
    $body = @{ pods = @($Pods); containers = @($Containers) } | ConvertTo-Json -Depth 5
    Invoke-FakeTalosControl $Fake PUT "nodes/$Node/cri" -Body $body
}

function Add-FakeTalosProcess {
    <#
    .SYNOPSIS
        Starts a process in a node's process table (a pid already there is reused); returns it as stored (start time, sandbox pid).
    .EXAMPLE
        Add-FakeTalosProcess $fake -Node 10.5.0.2 -ProcessId 2010 -ParentProcessId 1104 -Command nginx -Executable /usr/sbin/nginx -Cgroup "/kubepods/besteffort/pod$uid/$id"
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Fake,
        [Parameter(Mandatory)] [string] $Node,
        [Parameter(Mandatory)] [int] $ProcessId,
        [int] $ParentProcessId = 1,
        [string] $Command = 'sh',
        [string] $Executable = '/bin/sh',
        [string] $Arguments,
        # cgroup v2 path, e.g. /kubepods/besteffort/pod<uid>/<container id>.
        [string] $Cgroup = '/',
        # Pid inside the sandbox's PID namespace (workload isolation); the node numbers container processes when omitted.
        [int] $SandboxProcessId
    )
    $process = [ordered]@{
        pid = $ProcessId; ppid = $ParentProcessId; command = $Command; executable = $Executable
        args = $(if ($Arguments) { $Arguments } else { $Command }); cgroup = $Cgroup
    }
    if ($PSBoundParameters.ContainsKey('SandboxProcessId')) { $process.sandboxPid = $SandboxProcessId }
    Invoke-FakeTalosControl $Fake POST "nodes/$Node/processes" -Body ($process | ConvertTo-Json)
}

function Remove-FakeTalosProcess {
    <#
    .SYNOPSIS
        Ends a process of a node's process table (it exited).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Fake,
        [Parameter(Mandatory)] [string] $Node,
        [Parameter(Mandatory)] [int] $ProcessId
    )
    Invoke-FakeTalosControl $Fake DELETE "nodes/$Node/processes/$ProcessId"
}

Export-ModuleMember -Function Start-FakeTalos, Stop-FakeTalos, Invoke-FakeTalosControl, Set-FakeTalosCri, Add-FakeTalosProcess, Remove-FakeTalosProcess
