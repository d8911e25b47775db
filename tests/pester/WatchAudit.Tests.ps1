# Watch-TalosAudit against the fake Talos node program (three nodes, Ed25519 mutual TLS).
BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:Manifest = Join-Path $ModulePath 'TalosSeccomp.psd1'
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 3
    $script:Info = [pscustomobject]@{ endpoint = $FakeTalos.Endpoint; controlUrl = $FakeTalos.ControlUrl; nodes = $FakeTalos.Nodes }
    $script:StateDir = $FakeTalos.StateDir
    $script:Control = $FakeTalos.ControlUrl
    $script:Config = $FakeTalos.TalosConfig
    $script:Serial = 5000

    Import-Module $Manifest -Force

    # A seccomp record (without its type= prefix) with a fresh serial and the current time.
    function script:New-Record([string] $Comm = 'nginx', [int] $Syscall = 257, [string] $Exe = '/usr/sbin/nginx') {
        $script:Serial++
        $ms = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        [pscustomobject]@{
            Serial = [uint64] $script:Serial
            Text   = 'audit({0}.{1:D3}:{2}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=77 comm="{3}" exe="{4}" sig=0 arch=c000003e syscall={5} compat=0 ip=0x7f00 code=0x7ffc0000' -f `
                [math]::Floor($ms / 1000), ($ms % 1000), $script:Serial, $Comm, $Exe, $Syscall
        }
    }
    function script:Add-AuditdLine([string] $Node, [string[]] $Line) {
        Invoke-RestMethod -Method Post "$Control/nodes/$Node/auditd-lines" -Body ($Line -join "`n") | Out-Null
    }
    function script:Add-AuditdRecord([string] $Node, [string] $Comm = 'nginx', [int] $Syscall = 257) {
        $record = New-Record $Comm $Syscall
        Add-AuditdLine $Node "type=SECCOMP msg=$($record.Text)"
        $record.Serial
    }
    function script:Add-KernelRecord([string] $Node, [string] $Comm = 'nginx', [int] $Syscall = 257) {
        $record = New-Record $Comm $Syscall
        Invoke-RestMethod -Method Post "$Control/nodes/$Node/kernel-records" -Body "audit: type=1326 $($record.Text)" | Out-Null
        $record.Serial
    }
    function script:Get-OpenStream([string] $Node) { Invoke-RestMethod "$Control/nodes/$Node/streams" }
    function script:Wait-Until([scriptblock] $Condition, [string] $What) {
        # A hang guard, not a timing assertion.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting until $What" }
            Start-Sleep -Milliseconds 20
        }
    }
    # Runs a script in its own PowerShell instance (with the module), started asynchronously.
    function script:Start-Watch([string] $Script) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$Manifest'; $Script")
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]::new(), $output)
        [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Output = $output }
    }
}

AfterAll {
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'Watch-TalosAudit -NoFollow' {
    It 'writes the buffered seccomp records of a node with every field, skips other lines and warns about malformed ones' {
        $node = $Info.nodes[0]
        $record = New-Record 'nginx' 257
        Add-AuditdLine $node @(
            "type=SECCOMP msg=$($record.Text)"
            'type=SERVICE_START msg=audit(1700000000.004:14): pid=1 uid=0 msg=''unit=kubelet'''
            'type=SECCOMP msg=audit(1700000000.005:15): auid=0 uid=0 gid=0 ses=1 pid=1 comm="x" exe="/x" sig=0 arch=c000003e syscall=zz compat=0 ip=0x1 code=0x7ffc0000'
        )

        $events = Watch-TalosAudit -TalosConfig $Config -Node $node -NoFollow -WarningVariable warnings -WarningAction SilentlyContinue
        $evt = $events | Where-Object Serial -EQ $record.Serial
        $evt | Should -HaveCount 1
        $evt.PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Audit.SeccompAuditEvent'
        $evt.Node | Should -Be $node
        $evt.Source | Should -Be 'Auditd'
        $evt.ProcessName | Should -Be 'nginx'
        $evt.Executable | Should -Be '/usr/sbin/nginx'
        $evt.Architecture | Should -Be 'x86_64'
        $evt.Syscall | Should -Be 'openat'
        $evt.Action | Should -Be 'Log'
        $evt.Raw | Should -BeLike 'type=SECCOMP msg=audit(*'
        ($warnings -join "`n") | Should -Match "field 'syscall'"
    }

    It 'falls back to the kernel log on a node without the auditd service, and says so with -Verbose' {
        $node = $Info.nodes[1]
        Invoke-RestMethod -Method Put "$Control/nodes/$node/auditd?enabled=false" | Out-Null
        try {
            $serial = Add-KernelRecord $node 'runc:[2:INIT]' 59
            $all = Watch-TalosAudit -TalosConfig $Config -Node $node -NoFollow -Verbose 4>&1
            $evt = $all | Where-Object { $_.PSObject.TypeNames[0] -eq 'TalosSeccomp.Audit.SeccompAuditEvent' -and $_.Serial -eq $serial }
            $evt.Source | Should -Be 'Dmesg'
            $evt.Syscall | Should -Be 'execve'
            ($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'No auditd service log.*Dmesg'
        }
        finally {
            Invoke-RestMethod -Method Put "$Control/nodes/$node/auditd?enabled=true" | Out-Null
        }
    }

    It 'filters by process, syscall and action before objects are made' {
        $node = $Info.nodes[2]
        $kept = Add-AuditdRecord $node 'coredns' 0
        $null = Add-AuditdRecord $node 'coredns' 1
        $null = Add-AuditdRecord $node 'nginx' 0
        $events = Watch-TalosAudit -TalosConfig $Config -Node $node -NoFollow -ProcessName core* -Syscall read -Action L*
        $events.Serial | Should -Be @($kept)
    }

    It 'rejects an action pattern that matches no action with its own error id' {
        { Watch-TalosAudit -TalosConfig $Config -NoFollow -Action Nonsense -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSeccompAuditAction,TalosSeccomp.Commands.WatchTalosAuditCommand'
    }

    It 'pipes into New-SeccompProfile -FromAuditEvent as the one-line recording' {
        $node = $Info.nodes[2]
        $null = Add-AuditdRecord $node 'recorder-test' 0
        $null = Add-AuditdRecord $node 'recorder-test' 60
        $profile = Watch-TalosAudit -TalosConfig $Config -Node $node -NoFollow -ProcessName recorder-test | New-SeccompProfile -FromAuditEvent -DefaultAction Errno
        $profile.DefaultAction | Should -Be 'SCMP_ACT_ERRNO'
        $runcStart = @('capget', 'capset', 'chdir', 'close', 'execve', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'geteuid', 'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'rt_sigreturn', 'setgid', 'setgroups', 'setuid', 'write')
        $profile.Syscalls[0].Names | Where-Object { $_ -notin $runcStart } | Should -Be @('exit')
        $profile.Syscalls[0].Names | Should -Contain 'read'
    }
}

Describe 'Watch-TalosAudit following' {
    It 'writes only new records of every node, merged, and ends after -MaxEvents' {
        $old = Add-AuditdRecord $Info.nodes[0]
        $watch = Start-Watch "Watch-TalosAudit -TalosConfig '$Config' -MaxEvents 6"
        try {
            Wait-Until { @($Info.nodes | Where-Object { (Get-OpenStream $_).auditd -lt 1 }).Count -eq 0 } 'every node streams'
            $expected = foreach ($round in 1..2) { foreach ($node in $Info.nodes) { "$node/$(Add-AuditdRecord $node)" } }
            $null = $watch.PowerShell.EndInvoke($watch.Handle)
            ($watch.Output | ForEach-Object { "$($_.Node)/$($_.Serial)" } | Sort-Object) | Should -Be ($expected | Sort-Object)
            $watch.Output.Serial | Should -Not -Contain $old
        }
        finally { $watch.PowerShell.Dispose() }
    }

    It 'ends on its own after -Duration' {
        $events = Watch-TalosAudit -TalosConfig $Config -Node $Info.nodes[0] -Duration ([TimeSpan]::FromMilliseconds(500))
        $events | Should -BeNullOrEmpty
        Wait-Until { (Get-OpenStream $Info.nodes[0]).auditd -eq 0 } 'the stream is closed'
    }

    It '-Verbose counts the events really written, not those still buffered (-MaxEvents 1)' {
        $node = $Info.nodes[2]
        1..4 | ForEach-Object { Add-AuditdRecord $node } | Out-Null
        $all = Watch-TalosAudit -TalosConfig $Config -Node $node -NoFollow -MaxEvents 1 -Verbose 4>&1
        @($all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }).Count | Should -Be 1
        ($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match '(?m)^1 seccomp events written'
    }

    It 'with -Duration, a node that never connected is an error naming it, not an empty success' {
        $node = $Info.nodes[1]
        Invoke-RestMethod -Method Put "$Control/nodes/$node/unreachable?value=true" | Out-Null
        try {
            $events = Watch-TalosAudit -TalosConfig $Config -Node $node -Duration ([TimeSpan]::FromSeconds(1)) -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $events | Should -BeNullOrEmpty
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'AuditStreamFailed*'
            $failed[0].Exception.Message | Should -Match ([regex]::Escape($node))
        }
        finally { Invoke-RestMethod -Method Put "$Control/nodes/$node/unreachable?value=false" | Out-Null }
    }

    It 'a followed watch of a node that never answers ends with an error once the reconnect budget is spent' {
        $node = $Info.nodes[1]
        Invoke-RestMethod -Method Put "$Control/nodes/$node/unreachable?value=true" | Out-Null
        $watch = Start-Watch "Watch-TalosAudit -TalosConfig '$Config' -Node $node"
        try {
            # A hang guard: without the budget the watch would warn forever.
            $watch.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue
            $null = $watch.PowerShell.EndInvoke($watch.Handle)
            $errors = @($watch.PowerShell.Streams.Error)
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AuditStreamFailed*'
            $errors[0].Exception.Message | Should -Match "Node $([regex]::Escape($node)) never answered"
            @($watch.PowerShell.Streams.Warning).Count | Should -Be 3
        }
        finally {
            $watch.PowerShell.Dispose()
            Invoke-RestMethod -Method Put "$Control/nodes/$node/unreachable?value=false" | Out-Null
        }
    }

    It 'reconnects after a dropped stream with a warning naming the node, and repeats nothing' {
        $node = $Info.nodes[1]
        $watch = Start-Watch "Watch-TalosAudit -TalosConfig '$Config' -Node $node -MaxEvents 2"
        try {
            Wait-Until { (Get-OpenStream $node).auditd -eq 1 } 'the stream is open'
            $first = Add-AuditdRecord $node
            Wait-Until { $watch.Output.Count -eq 1 } 'the first event arrived'
            (Invoke-RestMethod -Method Post "$Control/nodes/$node/drop-streams").dropped | Should -Be 1
            $second = Add-AuditdRecord $node
            $null = $watch.PowerShell.EndInvoke($watch.Handle)
            $watch.Output.Serial | Should -Be @($first, $second)
            $watch.PowerShell.Streams.Warning.Message -join "`n" | Should -Match "Node $([regex]::Escape($node)): the seccomp audit stream was interrupted.*reconnecting"
        }
        finally { $watch.PowerShell.Dispose() }
    }

    It 'stops promptly on Ctrl+C (Stop) and leaves no stream open on any node' {
        $watch = Start-Watch "Watch-TalosAudit -TalosConfig '$Config'"
        try {
            Wait-Until { @($Info.nodes | Where-Object { (Get-OpenStream $_).auditd -lt 1 }).Count -eq 0 } 'every node streams'
            $stopwatch = [Diagnostics.Stopwatch]::StartNew()
            $watch.PowerShell.Stop()
            $stopwatch.Stop()
            Write-Host ("    Stop() returned after {0:N0} ms" -f $stopwatch.Elapsed.TotalMilliseconds)
            $watch.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            Wait-Until { @($Info.nodes | Where-Object { (Get-OpenStream $_).auditd -gt 0 }).Count -eq 0 } 'every node stream is closed'
        }
        finally { $watch.PowerShell.Dispose() }
    }
}
