#requires -Version 7.4
<#
.SYNOPSIS
    How often a short-lived process exits before pod attribution finds it: a runc pod's container runs a shell loop
    of `ls` under audit.json ({"defaultAction":"SCMP_ACT_LOG"}) on this machine's kernel, and Watch-TalosAudit
    attributes its records through the fake node (host /dev/kmsg, /proc and runc containers).
.DESCRIPTION
    Attribution looks a process up (its /proc/<pid>/cgroup, through the node's Read) when the first record of an
    unknown pid arrives; an `ls` lives about a millisecond, so it has often exited by then (Attribution
    ProcessExited). Printed: of the container's records, how many were attributed, per process kind (the
    long-lived shell, the `ls` children), and how many `ls` processes had none, some or all of their records
    attributed. The truth comes from the container's own busybox path in each record's exe=.
    Needs Linux, root, runc, busybox-static and /dev/kmsg; prints why it measured nothing otherwise.
    Figures, not assertions: they depend on the machine's load.
.EXAMPLE
    ./bench/attribution-miss.bench.ps1 -ModulePath out/TalosSeccomp -Iterations 200
#>
[CmdletBinding()]
param(
    # The laid-out module folder (out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Build configuration of the fake node program.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Rounds of the loop (one `ls` process each).
    [ValidateRange(1, 100000)] [int] $Iterations = 200
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot -Parent
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$manifest = Join-Path $ModulePath 'TalosSeccomp.psd1'
Import-Module (Join-Path $root 'tests/pester/RuncPods.psm1') -Force
$missing = Get-RuncPodPrerequisite
if (-not $missing -and -not (Test-Path '/dev/kmsg')) { $missing = '/dev/kmsg' }
if ($missing) { Write-Host "Short-lived process attribution: not measured, this needs $missing."; return }

$runId = [guid]::NewGuid().ToString('N').Substring(0, 10)
$runcRoot = "/run/talosseccomp-miss-$runId"
$work = Join-Path ([IO.Path]::GetTempPath()) "talosseccomp-miss-$runId"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$ratelimitPath = '/proc/sys/kernel/printk_ratelimit'
$savedRatelimit = (Get-Content $ratelimitPath -Raw).Trim()
function Set-Sysctl([string] $Path, [string] $Value) {
    $stream = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::Write)
    try { $bytes = [Text.Encoding]::ASCII.GetBytes("$Value`n"); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
}

Import-Module (Join-Path $root 'tests/pester/FakeTalos.psm1') -Force
$fake = Start-FakeTalos -NodeCount 1 -Configuration $Configuration -ForwardHostKernelLog -ForwardHostProcesses -ForwardHostRuncContainers -RuncRoot $runcRoot
$pod = $null
try {
    if (-not $fake.ForwardingHostKernelLog) { Write-Host 'Short-lived process attribution: not measured, the fake node cannot forward /dev/kmsg.'; return }
    $node = $fake.Nodes[0]
    Set-Sysctl $ratelimitPath '0' # the kernel rate-limits audit printk otherwise
    $pod = New-RuncPod -Name 'ls-loop' -Namespace "bench-$runId" -Root $runcRoot -Directory $work

    $before = Invoke-FakeTalosControl $fake GET "nodes/$node/streams"
    $job = Start-ThreadJob -ArgumentList $manifest, $fake.TalosConfig, $node -ScriptBlock {
        param($Manifest, $TalosConfig, $Node)
        Import-Module $Manifest
        Watch-TalosAudit -TalosConfig $TalosConfig -Node $Node
    }
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ((Invoke-FakeTalosControl $fake GET "nodes/$node/streams").auditd -le $before.auditd) {
        if ([DateTime]::UtcNow -gt $deadline -or $job.State -in 'Failed', 'Completed', 'Stopped') { throw "Watch-TalosAudit did not start streaming: $($job.Error -join '; ')" }
        Start-Sleep -Milliseconds 100
    }

    # A pacing read between rounds keeps the kernel's 128 KiB log buffer from overflowing on a busy machine.
    $script = "i=0; while [ `$i -lt $Iterations ]; do ls / > /dev/null; i=`$((i+1)); read -t 0.02 x <> /tmp/pace; done; exec sleep 2"
    $container = Start-RuncContainer -Pod $pod -Name 'ls-loop' -Command @('sh', '-c', $script) -Seccomp @{ defaultAction = 'SCMP_ACT_LOG' } -BeforeStart {
        param($RootFs)
        & mkfifo (Join-Path $RootFs 'tmp/pace')
    }
    $container | Wait-RuncContainer -TimeoutSec 600 | Out-Null
    if ($container.ExitCode -ne 0) { throw "The ls loop failed ($($container.ExitCode)): $($container.Output)" }

    # Until the watch has written everything: its count has not changed for 10 s (events wait, in order, for their
    # pid's lookup; hundreds of exited processes take a while), at most 5 minutes.
    $drain = [Diagnostics.Stopwatch]::StartNew()
    $previous = -1; $stable = 0
    while ($stable -lt 20 -and $drain.Elapsed.TotalMinutes -lt 5) { Start-Sleep -Milliseconds 500; $count = $job.Output.Count; if ($count -eq $previous) { $stable++ } else { $stable = 0 }; $previous = $count }
    $drainSeconds = [math]::Max(0, $drain.Elapsed.TotalSeconds - 10)
    Stop-Job $job
    $everything = @($job.Output.ReadAll())
    Write-Verbose "watch wrote $($everything.Count) events; container output: $($container.Output)"
    $events = @($everything | Where-Object Executable -EQ $container.Executable)
    $warnings = @($job.Warning.ReadAll())
    Remove-Job $job -Force

    $attributed = @($events | Where-Object { "$($_.Attribution)" -eq 'Container' })
    $wrong = @($attributed | Where-Object ContainerId -NE $container.Id)
    Write-Host ("Short-lived processes: {0} rounds of ``ls`` in a shell loop in one runc pod ({1} records of its busybox; {2} events in all)" -f $Iterations, $events.Count, $everything.Count)
    Write-Host ("  the watch wrote its last event {0:N1} s after the container exited" -f $drainSeconds)
    $initPid = $container.InitPid
    foreach ($kind in @(@{ Name = 'the shell (the container''s init, long-lived)'; Filter = { $_.Pid -eq $initPid } }, @{ Name = 'the forked ls children'; Filter = { $_.Pid -ne $initPid } })) {
        $mine = @($events | Where-Object $kind.Filter)
        $placed = @($mine | Where-Object { "$($_.Attribution)" -eq 'Container' })
        $reasons = ($mine | Where-Object { "$($_.Attribution)" -ne 'Container' } | Group-Object { "$($_.Attribution)" } | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', '
        Write-Host ("  {0}: {1} of {2} records attributed ({3:P1}){4}" -f $kind.Name, $placed.Count, $mine.Count, $(if ($mine.Count) { $placed.Count / $mine.Count } else { 0 }), $(if ($reasons) { "; not: $reasons" } else { '' }))
    }
    # An ls process is one forked pid (its first records, before the applet runs, still say sh).
    $lsProcesses = @($events | Where-Object Pid -NE $initPid | Group-Object Pid)
    $all = @($lsProcesses | Where-Object { -not ($_.Group | Where-Object { "$($_.Attribution)" -ne 'Container' }) }).Count
    $none = @($lsProcesses | Where-Object { -not ($_.Group | Where-Object { "$($_.Attribution)" -eq 'Container' }) }).Count
    Write-Host ("  ls processes: {0}; all records attributed {1} ({2:P1}), none {3} ({4:P1}), some {5}" -f $lsProcesses.Count, $all, $(if ($lsProcesses.Count) { $all / $lsProcesses.Count } else { 0 }), $none, $(if ($lsProcesses.Count) { $none / $lsProcesses.Count } else { 0 }), ($lsProcesses.Count - $all - $none))
    Write-Host ("  attributed to another container: {0}; warnings (lost records): {1}" -f $wrong.Count, $(if ($warnings) { $warnings -join '; ' } else { 'none' }))
}
finally {
    if ($pod) { $pod | Remove-RuncPod }
    Set-Sysctl $ratelimitPath $savedRatelimit
    $fake | Stop-FakeTalos
    Remove-Item $runcRoot, $work -Recurse -Force -ErrorAction Ignore
}
