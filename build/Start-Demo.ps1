<#
.SYNOPSIS
    Walks through the Talos seccomp guide with TalosSeccomp against the built-in fake Talos node.
.DESCRIPTION
    Starts the fake Talos node (three virtual nodes behind one endpoint, Ed25519 mutual TLS), points
    TALOSCONFIG at the talosconfig it writes, and runs each step of the guide as a user would type it:
    write the audit profile, put it on every node, list it, read the file the node wrote, build the pod
    securityContext, watch the seccomp audit records, record a least-privilege profile from them, check it,
    preview and apply it, and clean up. Each command is printed before it runs.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot '../tests/pester/FakeTalos.psm1') -Force
Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force

function Step([string] $Title, [scriptblock] $Command) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    Write-Host ("PS> " + $Command.ToString().Trim()) -ForegroundColor Yellow
    & $Command | Out-Host
}

$fake = Start-FakeTalos -NodeCount 3 -Configuration $Configuration
try {
    $env:TALOSCONFIG = $fake.TalosConfig
    Write-Host "Fake Talos node listening on $($fake.Endpoint); TALOSCONFIG=$($fake.TalosConfig)"

    Step 'The nodes of the current talosconfig context, and their Talos version (the connectivity check)' {
        Get-TalosNode | Get-TalosVersion
    }

    Step 'Start from a clean slate: the fake nodes come with the guide''s audit.json already applied' {
        Get-TalosNode | Get-TalosSeccompProfile
        Get-TalosNode | Remove-TalosSeccompProfile -Name audit.json
    }

    Step 'Write the guide''s audit profile: log every syscall' {
        $script:audit = New-SeccompProfile -DefaultAction Log
        $audit | ConvertTo-SeccompJson
    }

    Step 'The machine-config patch the guide asks you to write by hand' {
        ConvertTo-TalosConfigPatch -Name audit.json -Profile $audit
    }

    Step 'Preview, then put it on every node (replaces by name; the rest of the config stays byte for byte)' {
        Get-TalosNode | Set-TalosSeccompProfile -Name audit.json -Profile $audit -WhatIf
        Get-TalosNode | Set-TalosSeccompProfile -Name audit.json -Profile $audit
    }

    Step 'talosctl get seccompprofiles' {
        Get-TalosNode | Get-TalosSeccompProfile
    }

    Step 'talosctl read /var/lib/kubelet/seccomp/profiles/audit.json (and whether it matches the config)' {
        Get-TalosNode | Get-TalosSeccompProfile -Name audit.json -Content | Format-Table Node, Id, Version, ContentMatches, Content
    }

    Step 'The pod securityContext that uses it' {
        ConvertTo-SeccompSecurityContext -Name audit.json
    }

    # The fake node plays the workload: the audit records of the guide's http-echo pod arrive in the auditd log.
    $guideRecords = @(
        'type=SECCOMP msg=audit(1659008985.445:25): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=3 compat=0 ip=0x55ec0657bd3b code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.449:27): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=257 compat=0 ip=0x55ec0657bdaa code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.461:28): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=202 compat=0 ip=0x55ec06532b43 code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.461:30): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=1 compat=0 ip=0x55ec0657bd3b code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.461:32): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=39 compat=0 ip=0x55ec066eb68b code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.461:33): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=59 compat=0 ip=0x55ec0657be16 code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.473:34): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=158 compat=0 ip=0x455f35 code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.475:35): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=231 compat=0 ip=0x455f35 code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.475:36): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=14 compat=0 ip=0x455f35 code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.475:37): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=13 compat=0 ip=0x455f35 code=0x7ffc0000'
        'type=SECCOMP msg=audit(1659008985.476:38): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2784 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=15 compat=0 ip=0x455f35 code=0x7ffc0000'
    )
    Invoke-FakeTalosControl $fake POST "nodes/$($fake.Nodes[1])/auditd-lines" -Body ($guideRecords -join "`n") | Out-Null

    Step 'talosctl dmesg --follow --tail, as typed events (auditd log on Talos >= 1.9, dmesg otherwise)' {
        Watch-TalosAudit -Node $fake.Nodes[1] -NoFollow
    }

    Step 'Record a least-privilege profile from what the workload did, and check it before any node sees it' {
        $script:recorded = Watch-TalosAudit -Node $fake.Nodes[1] -NoFollow |
            New-SeccompProfile -FromAuditEvent -DefaultAction Errno -Name http-echo.json
        $recorded | ConvertTo-SeccompJson
        $recorded | Test-SeccompProfile -Quiet
    }

    Step 'What changes between the audit profile and the recorded one' {
        Compare-SeccompProfile -ReferenceProfile $audit -DifferenceProfile $recorded
    }

    Step 'Remove the audit profile from every node (idempotent: the second run has nothing to do)' {
        Get-TalosNode | Remove-TalosSeccompProfile -Name audit.json
        Get-TalosNode | Remove-TalosSeccompProfile -Name audit.json
        Get-TalosNode | Get-TalosSeccompProfile
    }
}
finally {
    $fake | Stop-FakeTalos
}
