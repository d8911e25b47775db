# Watch-TalosAudit ties events to pods and containers: the fake node's CRI rows and process table, admin and reader
# talosconfigs, pod filters, a reused pid, an exited process and workload isolation.
BeforeAll {
    $script:Manifest = Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1'
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 2
    $script:Node = $FakeTalos.Nodes[1]
    $script:Serial = 9000
    Import-Module $Manifest -Force

    function script:Hex([int] $Seed) { ('{0:x8}' -f $Seed).PadLeft(64, 'a') }
    # One pod laid out as on a Talos worker: a shim, its pause and the container's init in the kubepods cgroups.
    function script:New-Pod([string] $Namespace, [string] $Name, [string] $Container, [int] $BasePid, [string] $Exe) {
        $uid = '{0:x8}-0000-4000-8000-{0:x12}' -f $BasePid
        $sandbox = Hex $BasePid
        $id = Hex ($BasePid + 2)
        Add-FakeTalosProcess $FakeTalos -Node $Node -ProcessId $BasePid -Command containerd-shim -Executable /bin/containerd-shim-runc-v2 -Cgroup /podruntime/runtime | Out-Null
        Add-FakeTalosProcess $FakeTalos -Node $Node -ProcessId ($BasePid + 1) -ParentProcessId $BasePid -Command pause -Executable /pause -Cgroup "/kubepods/besteffort/pod$uid/$sandbox" | Out-Null
        Add-FakeTalosProcess $FakeTalos -Node $Node -ProcessId ($BasePid + 2) -ParentProcessId $BasePid -Command (Split-Path $Exe -Leaf) -Executable $Exe -Cgroup "/kubepods/besteffort/pod$uid/$id" | Out-Null
        @{
            Pod       = @{ namespace = $Namespace; name = $Name; uid = $uid; sandboxId = $sandbox; pid = $BasePid + 1 }
            Container = @{ sandboxId = $sandbox; name = $Container; id = $id; image = "docker.io/library/$($Container):1"; pid = $BasePid + 2 }
            Cgroup    = "/kubepods/besteffort/pod$uid/$id"
        }
    }
    function script:Add-Record([int] $ProcessId, [string] $Comm, [string] $Exe) {
        $script:Serial++
        $ms = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $line = 'type=SECCOMP msg=audit({0}.{1:D3}:{2}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid={3} comm="{4}" exe="{5}" sig=0 arch=c000003e syscall=257 compat=0 ip=0x7f00 code=0x7ffc0000' -f `
            [math]::Floor($ms / 1000), ($ms % 1000), $script:Serial, $ProcessId, $Comm, $Exe
        Invoke-FakeTalosControl $FakeTalos POST "nodes/$Node/auditd-lines" -Body $line | Out-Null
        $script:Serial
    }

    $script:Web = New-Pod shop web-7f9c nginx 2000 /usr/sbin/nginx
    $script:Cache = New-Pod shop cache-0 redis 3000 /usr/local/bin/redis-server
    $script:Api = New-Pod bank api-0 app 4000 /app/server
    Set-FakeTalosCri $FakeTalos -Node $Node -Pods $Web.Pod, $Cache.Pod, $Api.Pod -Containers $Web.Container, $Cache.Container, $Api.Container | Out-Null
    $script:First = $script:Serial + 1
    Add-Record 2002 'runc:[2:INIT]' '/' | Out-Null
    Add-Record 2002 nginx /usr/sbin/nginx | Out-Null
    Add-Record 3002 redis-server /usr/local/bin/redis-server | Out-Null
    Add-Record 4002 server /app/server | Out-Null
    Add-Record 1390 kubelet /usr/local/bin/kubelet | Out-Null
    Add-Record 45678 ls /bin/ls | Out-Null
    function script:Get-Recorded([string] $Config, [hashtable] $Filters = @{}) {
        Watch-TalosAudit -TalosConfig $Config -Node $Node -NoFollow @Filters -WarningVariable script:LastWarnings -WarningAction SilentlyContinue |
            Where-Object Serial -GE $First
    }
}

AfterAll {
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'Watch-TalosAudit pod attribution' {
    It 'gives every event its namespace, pod, container, ids and image with the admin role, or says why not' {
        $events = @(Get-Recorded $FakeTalos.TalosConfig)
        $events | Should -HaveCount 6
        $init, $nginx = $events[0], $events[1]
        foreach ($evt in $init, $nginx) {
            $evt.Attribution | Should -Be 'Container'
            $evt.Namespace | Should -Be 'shop'
            $evt.Pod | Should -Be 'web-7f9c'
            $evt.PodUid | Should -Be $Web.Pod.uid
            $evt.Container | Should -Be 'nginx'
            $evt.ContainerId | Should -Be $Web.Container.id
            $evt.Image | Should -Be 'docker.io/library/nginx:1'
        }
        $init.IsContainerInit | Should -BeTrue
        $nginx.IsContainerInit | Should -BeFalse
        ($events | Where-Object Pid -EQ 1390).Attribution | Should -Be 'NotAContainer'
        $gone = $events | Where-Object Pid -EQ 45678
        $gone.Attribution | Should -Be 'ProcessExited'
        $gone.Pod | Should -BeNullOrEmpty
        ($LastWarnings -join "`n") | Should -Match "Node $([regex]::Escape($Node)): 1 of \d+ seccomp events could not be tied to a pod"
    }

    It 'attributes with the reader role through the process tree' {
        $events = @(Get-Recorded $FakeTalos.ReaderConfig)
        ($events | Where-Object Pid -EQ 3002).Pod | Should -Be 'cache-0'
        ($events | Where-Object Pid -EQ 4002).Namespace | Should -Be 'bank'
    }

    It 'keeps only matching pods with -Namespace, -Pod and -Container wildcards' {
        @(Get-Recorded $FakeTalos.TalosConfig @{ Namespace = 'shop' }).Pod | Sort-Object -Unique | Should -Be @('cache-0', 'web-7f9c')
        @(Get-Recorded $FakeTalos.TalosConfig @{ Pod = 'web-*', 'api-?' }).Pod | Sort-Object -Unique | Should -Be @('api-0', 'web-7f9c')
        @(Get-Recorded $FakeTalos.TalosConfig @{ Container = 'REDIS' }).Pid | Should -Be @(3002)
        Get-Recorded $FakeTalos.TalosConfig @{ Namespace = 'nothing-here' } | Should -BeNullOrEmpty
    }

    It 'refuses pod filters with -NoAttribution, naming the parameter' {
        { Watch-TalosAudit -TalosConfig $FakeTalos.TalosConfig -Node $Node -NoFollow -NoAttribution -Pod web -ErrorAction Stop } |
            Should -Throw -ErrorId 'AttributionRequired,TalosSeccomp.Commands.WatchTalosAuditCommand'
        $events = @(Watch-TalosAudit -TalosConfig $FakeTalos.TalosConfig -Node $Node -NoFollow -NoAttribution | Where-Object Serial -GE $First)
        $events.Attribution | Sort-Object -Unique | Should -Be 'NotAttempted'
    }

    It 'never takes a reused pid for the process that had it before' {
        Remove-FakeTalosProcess $FakeTalos -Node $Node -ProcessId 4002 | Out-Null
        Add-FakeTalosProcess $FakeTalos -Node $Node -ProcessId 4002 -ParentProcessId 2000 -Command server -Executable /app/server -Cgroup $Web.Cgroup | Out-Null
        $serial = Add-Record 4002 server /app/server
        $evt = Watch-TalosAudit -TalosConfig $FakeTalos.TalosConfig -Node $Node -NoFollow -WarningAction SilentlyContinue | Where-Object Serial -EQ $serial
        $evt.Pod | Should -Be 'web-7f9c'
        $evt.Namespace | Should -Be 'shop'
    }

    It 'says RoleTooWeak for the reader under workload isolation and still attributes with the admin role' {
        Invoke-FakeTalosControl $FakeTalos PUT "nodes/$Node/workload-isolation?enabled=true" | Out-Null
        try {
            $serial = Add-Record 3002 redis-server /usr/local/bin/redis-server
            $byReader = Watch-TalosAudit -TalosConfig $FakeTalos.ReaderConfig -Node $Node -NoFollow -WarningVariable weak -WarningAction SilentlyContinue | Where-Object Serial -EQ $serial
            $byAdmin = Watch-TalosAudit -TalosConfig $FakeTalos.TalosConfig -Node $Node -NoFollow -WarningAction SilentlyContinue | Where-Object Serial -EQ $serial
            $byReader.Attribution | Should -Be 'RoleTooWeak'
            $byReader.Pod | Should -BeNullOrEmpty
            ($weak -join "`n") | Should -Match 'need the os:admin role'
            $byAdmin.Pod | Should -Be 'cache-0'
        }
        finally {
            Invoke-FakeTalosControl $FakeTalos PUT "nodes/$Node/workload-isolation?enabled=false" | Out-Null
        }
    }

    It 'shows pod/container in the table within 80 columns, and every new field in the list' {
        $events = @(Get-Recorded $FakeTalos.TalosConfig)
        $table = $events | Format-Table | Out-String -Width 80
        $table | Should -Match 'Time \(UTC\)\s+Node\s+Pod/Container\s+ProcessName\s+Syscall\s+Action'
        $table | Should -Match 'web-7f9c/nginx\s+nginx\s+openat\s+Log'
        $table | Should -Match '\(exited\)\s+ls'
        $table | Should -Match '\(host\)\s+kubelet'
        ($table -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
        $list = $events[1] | Format-List | Out-String
        foreach ($field in 'Attribution', 'Namespace', 'Pod', 'PodUid', 'Container', 'ContainerId', 'Image', 'IsContainerInit') {
            $list | Should -Match "(?m)^$field\s+:"
        }
    }

    It 'leaves Attribution NotAttempted for records parsed offline' {
        $line = 'type=SECCOMP msg=audit(1700000000.001:1): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2002 comm="nginx" exe="/usr/sbin/nginx" sig=0 arch=c000003e syscall=257 compat=0 ip=0x7f00 code=0x7ffc0000'
        ($line | ConvertFrom-SeccompAuditRecord).Attribution | Should -Be 'NotAttempted'
    }
}
