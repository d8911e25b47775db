# Pod attribution end to end on this machine's kernel. Two Kubernetes-style pods (RuncPods.psm1: a sandbox and a
# workload container each, in /kubepods/besteffort/pod<uid>/<id>, with containerd's CRI annotations) run their
# workloads at the same time under the guide's audit.json ({"defaultAction":"SCMP_ACT_LOG"}): the reader reads a
# file in a loop in one process; the forker forks long-lived children that use syscalls the reader never does
# (clone, wait4, kill, umask, socket, bind, listen, ...). The fake Talos node forwards this machine's
# /dev/kmsg, serves Containers from these runc containers and Processes and Read /proc/... from the real /proc, so
# Watch-TalosAudit attributes each kernel record to a pod and container the way it does on a node. The checks:
# - every record is attributed to the container that made it, never to another one (the truth: each container runs
#   busybox from a path of its own, so a record's exe= names its container; runc's init records carry its init pid);
# - the reader's recorded profile (New-SeccompProfile -FromAuditEvent over its container's events) has none of the
#   forker's own syscalls, and the reader runs under it with Errno; the forker's recorded profile runs the forker;
# - with the log flag (SECCOMP_FILTER_FLAG_LOG), a syscall the reader never made, run inside the reader, arrives as an
#   Errno event attributed to the reader's pod and container;
# - all of it twice: through the auditd service log, and with the node's auditd disabled (kernel log, Dmesg).
# The workloads start no short-lived processes: attribution looks a process up when its record arrives, and a
# process that has exited by then cannot be placed (Attribution ProcessExited); bench/attribution-miss.bench.ps1
# measures how often that happens.
# Needs Linux, root, runc, busybox-static, gcc and a readable /dev/kmsg; skips with the reason otherwise.
BeforeDiscovery {
    $script:Runs = @(
        @{ Run = 'through the auditd service log'; AuditdEnabled = $true; ExpectedSource = 'Auditd' }
        @{ Run = 'with the node''s auditd disabled (kernel log)'; AuditdEnabled = $false; ExpectedSource = 'Dmesg' }
    )
}

BeforeAll {
    $script:Manifest = if ($env:TALOSSECCOMP_MODULE_PATH) { Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1' } else { Join-Path $PSScriptRoot '../../out/TalosSeccomp/TalosSeccomp.psd1' }
    Import-Module (Join-Path $PSScriptRoot 'RuncPods.psm1') -Force
    $script:RunId = [guid]::NewGuid().ToString('N').Substring(0, 10)
    $script:RuncRoot = "/run/talosseccomp-attribution-$RunId"
    $script:WorkDirectory = Join-Path ([IO.Path]::GetTempPath()) "talosseccomp-attribution-$RunId"
    $script:RatelimitPath = '/proc/sys/kernel/printk_ratelimit'
    $script:SavedRatelimit = $null
    $script:AllEvents = [Collections.Generic.List[object]]::new()
    $script:AllContainers = [Collections.Generic.List[object]]::new()
    $script:ContainersByExecutable = @{}
    $script:ContainersByInitPid = @{}
    $script:ContainersById = @{}
    $script:Pods = [Collections.Generic.List[object]]::new()

    $script:Missing = Get-RuncPodPrerequisite
    if (-not $Missing -and -not (Get-Command gcc -ErrorAction Ignore)) { $script:Missing = 'gcc (apt-get install gcc), to build the log-flag loader' }
    if (-not $Missing -and -not (Test-Path '/dev/kmsg')) { $script:Missing = '/dev/kmsg' }
    if (-not $Missing) {
        try { [IO.File]::OpenRead('/dev/kmsg').Dispose() } catch { $script:Missing = "a readable /dev/kmsg ($($_.Exception.Message))" }
    }
    if ($Missing) { return }

    # Writes a sysctl through procfs (Set-Content truncates first, which procfs ignores silently).
    function script:Set-Sysctl([string] $Path, [string] $Value) {
        $stream = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::Write)
        try { $bytes = [Text.Encoding]::ASCII.GetBytes("$Value`n"); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
    }

    # The log-flag loader (seccomp-exec.c), for a runc that rejects linux.seccomp.flags.
    New-Item -ItemType Directory -Path $WorkDirectory -Force | Out-Null
    $script:Loader = Join-Path $WorkDirectory 'seccomp-exec'
    $gcc = & gcc -static -O2 -o $Loader (Join-Path $PSScriptRoot 'seccomp-exec.c') 2>&1
    if ($LASTEXITCODE -ne 0) { $script:Missing = "a gcc that builds a static program ($gcc)"; return }

    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 1 -ForwardHostKernelLog -ForwardHostProcesses -ForwardHostRuncContainers -RuncRoot $RuncRoot
    if (-not $FakeTalos.ForwardingHostKernelLog) { $script:Missing = 'the fake node forwarding /dev/kmsg (it said no)'; return }
    $script:Node = $FakeTalos.Nodes[0]

    # The kernel rate-limits audit printk; a recording over dropped records would be incomplete.
    $script:SavedRatelimit = (Get-Content $RatelimitPath -Raw).Trim()
    Set-Sysctl $RatelimitPath '0'
    Import-Module $Manifest -Force

    # The reader: one process, reading a file line by line (busybox's read builtin: open, read, fcntl, dup2, close),
    # pausing between rounds, then sleeping in place (exec). It never forks.
    # It starts reading once released (Open-Gate), after the forker is running, so the two surely overlap; it exits
    # right after its last read, so its final exit_group arrives while the attribution of its pid is still fresh.
    # (Attribution checks a cached pid again once AuditAttributionOptions.RevalidateAfter has passed; a container's
    # init that was idle that long and then exits at once has gone by the time its last records are looked up, and
    # has no parent in the container to be placed by: those records are ProcessExited and a recording misses them.)
    $script:ReaderScript = 'read -r go < /tmp/gate; for i in 1 2 3 4 5; do while read -r line; do :; done < /etc/passwd; read -t 0.2 x <> /tmp/pace; done; echo reader-done'
    # The forker: a listening nc child and three subshells that change directory, umask and limits, create a file
    # and sleep in place; then it kills the server and waits for all of them.
    # Its last wait always has a child still running (sleep 0.3), so the shell always suspends in it (rt_sigsuspend):
    # a recording where every child had already exited would lack that syscall, and the forker would then spin in
    # wait under its profile. It lingers a moment after its last kill and wait, like the reader: see ReaderScript.
    $script:ForkerScript = 'nc -l -p 7000 & server=$!; for i in 1 2 3; do ( cd /tmp; umask 077; ulimit -n 64; : > /tmp/f$i; exec sleep 1 ) & read -t 0.2 x <> /tmp/pace; done; sleep 1; kill $server; sleep 0.3 & wait; read -t 0.5 x <> /tmp/pace; echo forker-done'
    # Syscalls the forker's design makes and the reader's never does; the recorded difference must include them.
    $script:ForkerOnly = 'clone', 'wait4', 'kill', 'umask', 'socket', 'setsockopt', 'bind', 'listen', 'rt_sigsuspend'
    # What New-SeccompProfile adds to every Errno recording for runc's start (its help lists them): runc's, not a
    # workload's own, so the forker making one of these (futex, rt_sigreturn) is no mark against the reader's profile.
    $script:RuntimeNeeds = 'capget', 'capset', 'chdir', 'close', 'execve', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'geteuid',
    'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'rt_sigreturn', 'setgid', 'setgroups', 'setuid', 'write'

    # The recorded per-workload profile of one of this run's containers (what a user types: the namespace's events,
    # one profile per workload container).
    function script:Get-RecordedProfile($Pod, [string] $Container, [switch] $LogDenied) {
        $profiles = @($AllEvents | Where-Object Namespace -EQ $Pod.Namespace | New-SeccompProfile -FromAuditEvent -PerWorkload -DefaultAction Errno -LogDenied:$LogDenied)
        $profiles.Count | Should -Be 2 -Because 'the namespace has two workload containers, reader and forker'
        $selected = @($profiles | Where-Object { $_.Workload.Name -eq $Pod.Name -and $_.Workload.Container -eq $Container })
        $selected.Count | Should -Be 1
        $selected[0]
    }

    # Watch-TalosAudit following the node, in a thread job (its events stay live objects); returns once the node
    # reports the stream open, so nothing the caller does next is missed.
    function script:Start-AuditWatch([string] $Source) {
        $before = Invoke-FakeTalosControl $FakeTalos GET "nodes/$Node/streams"
        $job = Start-ThreadJob -ArgumentList $Manifest, $FakeTalos.TalosConfig, $Node -ScriptBlock {
            param($Manifest, $TalosConfig, $Node)
            Import-Module $Manifest
            Watch-TalosAudit -TalosConfig $TalosConfig -Node $Node
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            Start-Sleep -Milliseconds 100
            $now = Invoke-FakeTalosControl $FakeTalos GET "nodes/$Node/streams"
            $opened = if ($Source -eq 'Auditd') { $now.auditd -gt $before.auditd } else { $now.kernel -gt $before.kernel }
            if ($job.State -in 'Failed', 'Completed', 'Stopped') { throw "Watch-TalosAudit ended before it streamed: $($job.Error -join '; ')" }
        } until ($opened -or [DateTime]::UtcNow -gt $deadline)
        if (-not $opened) { Stop-Job $job; throw "Watch-TalosAudit did not open a $Source stream within 30 s." }
        $job
    }

    # Waits until the watch has written the records of the given containers (their count stops changing), stops it
    # and returns its events and warnings.
    function script:Stop-AuditWatch($Job) {
        $previous = -1
        $stable = 0
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline -and $stable -lt 4) {
            Start-Sleep -Milliseconds 500
            $count = $Job.Output.Count
            if ($count -eq $previous) { $stable++ } else { $stable = 0 }
            $previous = $count
        }
        Stop-Job $Job
        $events = @($Job.Output.ReadAll())
        $warnings = @($Job.Warning.ReadAll() | ForEach-Object Message)
        $errors = @($Job.Error.ReadAll() | ForEach-Object { "$_" })
        Remove-Job $Job -Force
        $AllEvents.AddRange([object[]] $events)
        [pscustomobject]@{ Events = $events; Warnings = $warnings; Errors = $errors }
    }

    # The container that really made a record: the one whose busybox it ran, or whose runc init it was; $null for
    # records of processes not ours (other sessions' containers, the host).
    function script:Get-TrueContainer($AuditEvent) {
        $byExecutable = $ContainersByExecutable[[string] $AuditEvent.Executable]
        if ($byExecutable) { return $byExecutable }
        if ($AuditEvent.IsContainerInit) { return $ContainersByInitPid[[int] $AuditEvent.Pid] }
        $null
    }

    # Every event attributed to a container of ours is attributed to the right one, with all its Kubernetes fields;
    # every event of ours is attributed to its container or says its process had exited. Returns the events of ours.
    # (Plain comparisons gathered into one assertion: thousands of Should calls would take minutes.)
    function script:Assert-Attribution([object[]] $Events) {
        $problems = [Collections.Generic.List[string]]::new()
        $ours = foreach ($auditEvent in $Events) {
            $truth = Get-TrueContainer $auditEvent
            $claimed = if ($auditEvent.ContainerId) { $ContainersById[[string] $auditEvent.ContainerId] } else { $null }
            if ($claimed -and -not $truth) { $problems.Add("another process's event attributed to $($claimed.Pod.Name)/$($claimed.Name): $($auditEvent.Raw)") }
            if (-not $truth) { continue }
            $kind = "$($auditEvent.Attribution)"
            if ($kind -eq 'Container') {
                $expected = "$($truth.Id) $($truth.Name) $($truth.Pod.Name) $($truth.Pod.Namespace) $($truth.Pod.Uid) $($truth.Image)"
                $actual = "$($auditEvent.ContainerId) $($auditEvent.Container) $($auditEvent.Pod) $($auditEvent.Namespace) $($auditEvent.PodUid) $($auditEvent.Image)"
                if ($actual -ne $expected) { $problems.Add("an event of $($truth.Pod.Name)/$($truth.Name) attributed as [$actual], expected [$expected]: $($auditEvent.Raw)") }
            }
            elseif ($kind -ne 'ProcessExited') {
                $problems.Add("an event of $($truth.Pod.Name)/$($truth.Name) not placed ($kind): $($auditEvent.Raw)")
            }
            $auditEvent
        }
        $problems | Select-Object -First 5 | Should -BeNullOrEmpty -Because "no event is attributed to the wrong container ($($problems.Count) problems)"
        @($ours)
    }

    # The recorded profile as runc's linux.seccomp section.
    function script:ConvertTo-OciSeccomp($SeccompProfile) {
        $path = Join-Path $WorkDirectory "profile-$([guid]::NewGuid().ToString('N')).json"
        $SeccompProfile | Export-SeccompProfile -Path $path
        Get-Content $path -Raw | ConvertFrom-Json -AsHashtable
    }

    # Waits until a container's init has executed its workload (runc's init is done), for at most 30 s.
    function script:Wait-Workload($Container) {
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline -and -not $Container.Process.HasExited) {
            $comm = Get-Content "/proc/$($Container.InitPid)/comm" -ErrorAction Ignore
            if ($comm -and $comm -notlike 'runc*') { return }
            Start-Sleep -Milliseconds 20
        }
    }

    # Lets a reader past its first line (read -r go < /tmp/gate); gives up after 30 s if it never opens the gate.
    function script:Open-Gate($Container) {
        & timeout 30 sh -c "echo go > '$($Container.Bundle)/rootfs/tmp/gate'"
    }

    # Runs a workload in a pod with a pacing fifo in its root file system (the scripts' read -t waits on it).
    function script:Start-Workload($Pod, [string] $Name, [string] $Script, [hashtable] $Seccomp, [string[]] $Prefix = @(), [switch] $Release) {
        $container = Start-RuncContainer -Pod $Pod -Name $Name -Command ($Prefix + @('sh', '-c', $Script)) -Seccomp $Seccomp -BeforeStart {
            param($RootFs)
            & mkfifo (Join-Path $RootFs 'tmp/pace') (Join-Path $RootFs 'tmp/gate')
            Copy-Item $Loader (Join-Path $RootFs 'bin/seccomp-exec')
        }
        $AllContainers.Add($container)
        $ContainersByExecutable[$container.Executable] = $container
        $ContainersById[$container.Id] = $container
        if ($container.InitPid) { $ContainersByInitPid[$container.InitPid] = $container }
        if ($Release) { Open-Gate $container }
        $container
    }
}

AfterAll {
    foreach ($pod in $script:Pods) { $pod | Remove-RuncPod }
    if ($null -ne $script:SavedRatelimit) { Set-Sysctl $RatelimitPath $SavedRatelimit }
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
    if ($script:RuncRoot -and (Test-Path $script:RuncRoot)) { Remove-Item $script:RuncRoot -Recurse -Force -ErrorAction Ignore }
    if ($script:WorkDirectory) { Remove-Item $script:WorkDirectory -Recurse -Force -ErrorAction Ignore }
}

Describe 'Pod attribution on this machine''s kernel, <Run>' -ForEach $Runs {
    BeforeAll {
        if ($script:Missing) { return }
        Invoke-FakeTalosControl $FakeTalos PUT "nodes/$Node/auditd?enabled=$($AuditdEnabled.ToString().ToLowerInvariant())" | Out-Null
        $namespace = "e2e-$RunId-$($ExpectedSource.ToLowerInvariant())"
        $script:ReaderPod = New-RuncPod -Name 'reader' -Namespace $namespace -Root $RuncRoot -Directory $WorkDirectory
        $Pods.Add($ReaderPod)
        $script:ForkerPod = New-RuncPod -Name 'forker' -Namespace $namespace -Root $RuncRoot -Directory $WorkDirectory
        $Pods.Add($ForkerPod)
    }

    AfterAll {
        if ($script:Missing) { return }
        $ReaderPod, $ForkerPod | Remove-RuncPod
    }

    BeforeEach {
        if ($script:Missing) { Set-ItResult -Skipped -Because "the attribution end-to-end test needs $Missing" }
    }

    It 'attributes every record of two pods running at the same time to the container that made it' {
        if ($script:Missing) { return }
        $audit = @{ defaultAction = 'SCMP_ACT_LOG' } # the guide's audit.json
        $watch = Start-AuditWatch $ExpectedSource
        # Started a moment apart, so the two runc inits' bursts of records do not overflow the kernel's log buffer
        # together; the workloads run for seconds and overlap.
        $script:Reader = Start-Workload $ReaderPod 'reader' $ReaderScript $audit
        $readerCgroup = Get-ProcessCgroup $Reader.InitPid
        # The reader waits at its gate; the forker starts (its runc init's burst of records apart from the reader's),
        # and once it runs its workload the reader goes on: both work at the same time.
        Wait-Workload $Reader
        $script:Forker = Start-Workload $ForkerPod 'forker' $ForkerScript $audit
        $forkerCgroup = Get-ProcessCgroup $Forker.InitPid
        Wait-Workload $Forker
        Open-Gate $Reader
        $Reader, $Forker | Wait-RuncContainer | Out-Null
        $readerCgroup | Should -Be "$($ReaderPod.CgroupParent)/$($Reader.Id)" -Because "the container runs in its kubepods cgroup (pid $($Reader.InitPid), output: $($Reader.Output))"
        $forkerCgroup | Should -Be "$($ForkerPod.CgroupParent)/$($Forker.Id)" -Because "the container runs in its kubepods cgroup (pid $($Forker.InitPid), output: $($Forker.Output))"
        $Reader.ExitCode | Should -Be 0 -Because $Reader.Output
        $Reader.Output | Should -Match 'reader-done'
        $Forker.ExitCode | Should -Be 0 -Because $Forker.Output
        $Forker.Output | Should -Match 'forker-done'
        $result = Stop-AuditWatch $watch

        $result.Errors | Should -BeNullOrEmpty
        $result.Warnings | Should -BeNullOrEmpty -Because 'no audit record may be lost while recording'
        $ours = Assert-Attribution $result.Events
        $ours | ForEach-Object { "$($_.Source)" | Should -Be $ExpectedSource }
        $script:ReaderEvents = @($ours | Where-Object { (Get-TrueContainer $_).Id -eq $Reader.Id })
        $script:ForkerEvents = @($ours | Where-Object { (Get-TrueContainer $_).Id -eq $Forker.Id })
        $ReaderEvents.Count | Should -BeGreaterThan 100
        $ForkerEvents.Count | Should -BeGreaterThan 100
        @($ForkerEvents.Pid | Sort-Object -Unique).Count | Should -BeGreaterOrEqual 5 -Because 'the forker forked children'
        @($ReaderEvents.Pid | Sort-Object -Unique).Count | Should -Be 1 -Because 'the reader never forks'
        # Both containers were running at once: each one's records interleave with the other's.
        $readerSpan = $ReaderEvents | Measure-Object Serial -Minimum -Maximum
        $forkerSpan = $ForkerEvents | Measure-Object Serial -Minimum -Maximum
        $forkerSpan.Minimum | Should -BeLessThan $readerSpan.Maximum -Because 'the workloads overlapped in time'
        $readerSpan.Minimum | Should -BeLessThan $forkerSpan.Maximum -Because 'the workloads overlapped in time'
        $exited = @($ours | Where-Object { "$($_.Attribution)" -ne 'Container' })
        Write-Host "    $ExpectedSource`: reader $($ReaderEvents.Count) events, forker $($ForkerEvents.Count) events ($(@($ForkerEvents.Pid | Sort-Object -Unique).Count) processes); not placed (process exited): $($exited.Count)"
    }

    It 'records a profile for the reader that has none of the forker''s own syscalls, under which the reader runs with Errno' {
        if ($script:Missing) { return }
        $script:ReaderEvents | Should -Not -BeNullOrEmpty
        $readerSyscalls = @($ReaderEvents.Syscall | Sort-Object -Unique)
        $forkerOwn = @($ForkerEvents.Syscall | Sort-Object -Unique | Where-Object { $_ -notin $readerSyscalls -and $_ -notin $RuntimeNeeds })
        foreach ($syscall in $ForkerOnly) { $forkerOwn | Should -Contain $syscall -Because 'the forker''s workload makes it and the reader''s never does' }

        $script:ReaderProfile = Get-RecordedProfile $ReaderPod 'reader'
        $ReaderProfile.Name | Should -Be "$($ReaderPod.Namespace)_reader_reader.json"
        $names = @($ReaderProfile.Syscalls.Names)
        foreach ($syscall in $readerSyscalls) { $names | Should -Contain $syscall -Because 'the reader''s profile holds every syscall the reader made' }
        $ReaderProfile.DefaultAction | Should -Be 'SCMP_ACT_ERRNO'
        $names | Where-Object { $_ -in $forkerOwn } | Should -BeNullOrEmpty -Because "the reader's profile has none of the forker's own syscalls ($($forkerOwn -join ', '))"
        Write-Host "    reader profile: $($names.Count) syscalls; forker's own: $($forkerOwn -join ' ')"

        $watch = Start-AuditWatch $ExpectedSource
        $run = Start-Workload $ReaderPod 'reader' $ReaderScript (ConvertTo-OciSeccomp $ReaderProfile) -Release | Wait-RuncContainer
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Be 'reader-done'
        # A syscall it never made fails: the forker's kill, run in the reader's container under the reader's profile.
        $denied = Start-Workload $ReaderPod 'reader' 'kill -0 $$ && echo alive' (ConvertTo-OciSeccomp $ReaderProfile) | Wait-RuncContainer
        $denied.ExitCode | Should -Not -Be 0
        $denied.Output | Should -Match 'Operation not permitted'
        Assert-Attribution (Stop-AuditWatch $watch).Events | Out-Null
    }

    It 'records a profile for the forker that runs the forker' {
        if ($script:Missing) { return }
        $script:ForkerEvents | Should -Not -BeNullOrEmpty
        $forkerProfile = Get-RecordedProfile $ForkerPod 'forker'
        $names = @($forkerProfile.Syscalls.Names)
        foreach ($syscall in $ForkerOnly) { $names | Should -Contain $syscall }

        $watch = Start-AuditWatch $ExpectedSource
        $run = Start-Workload $ForkerPod 'forker' $ForkerScript (ConvertTo-OciSeccomp $forkerProfile) | Wait-RuncContainer
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Be 'forker-done'
        Assert-Attribution (Stop-AuditWatch $watch).Events | Out-Null
    }

    It 'with the log flag, a syscall the reader never made arrives as an Errno event attributed to the reader''s pod and container' {
        if ($script:Missing) { return }
        $script:ReaderProfile | Should -Not -BeNullOrEmpty
        $logged = Get-RecordedProfile $ReaderPod 'reader' -LogDenied
        $seccomp = ConvertTo-OciSeccomp $logged
        $seccomp.flags | Should -Be @('SECCOMP_FILTER_FLAG_LOG')
        @($seccomp.syscalls).Count | Should -Be 1 -Because 'a recorded profile is one allow-list'
        $seccomp.syscalls[0].action | Should -Be 'SCMP_ACT_ALLOW'
        $ReaderProfile.Syscalls.Names | Should -Not -Contain 'umask' -Because 'the reader never changes its umask'
        # The denied umask is the process's first record under this profile, so it lives on a moment to be looked up.
        $script = $ReaderScript -replace '; echo reader-done$', '; umask 077; read -t 1 x <> /tmp/pace; echo reader-done'
        $script | Should -Match 'umask 077; read -t 1 x <> /tmp/pace; echo reader-done$'

        $watch = Start-AuditWatch $ExpectedSource
        if (Test-RuncSeccompFlag -Root $RuncRoot -Directory $WorkDirectory) {
            $run = Start-Workload $ReaderPod 'reader' $script $seccomp -Release | Wait-RuncContainer
        }
        else {
            # This runc predates seccomp flags (v1.2.0): the loader installs the same allow-list with the flag, in the
            # reader's container, and runs the workload under it.
            $numbers = @($seccomp.syscalls[0].names | Resolve-SeccompSyscall -Architecture x86_64 | ForEach-Object Number)
            $numbers.Count | Should -Be @($seccomp.syscalls[0].names).Count -Because 'every recorded name resolves on x86_64'
            $run = Start-Workload $ReaderPod 'reader' $script $null -Prefix (@('/bin/seccomp-exec') + $numbers + '--') -Release | Wait-RuncContainer
        }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Be 'reader-done'
        $events = Assert-Attribution (Stop-AuditWatch $watch).Events
        $umask = @($events | Where-Object { $_.Syscall -eq 'umask' -and (Get-TrueContainer $_).Id -eq $run.Id })
        $umask | Should -Not -BeNullOrEmpty -Because 'the kernel logs the denied umask'
        foreach ($auditEvent in $umask) {
            "$($auditEvent.Action)" | Should -Be 'Errno'
            "$($auditEvent.Attribution)" | Should -Be 'Container'
            $auditEvent.Pod | Should -Be $ReaderPod.Name
            $auditEvent.Namespace | Should -Be $ReaderPod.Namespace
            $auditEvent.Container | Should -Be 'reader'
            $auditEvent.ContainerId | Should -Be $run.Id
        }
    }
}

Describe 'Pod attribution across every run' {
    It 'attributed no event to the wrong container' {
        if ($script:Missing) { Set-ItResult -Skipped -Because "the attribution end-to-end test needs $Missing"; return }
        $AllEvents.Count | Should -BeGreaterThan 0
        $ours = Assert-Attribution $AllEvents.ToArray()
        Write-Host "    $($AllEvents.Count) events over every run, $($ours.Count) of them from this test's $($AllContainers.Count) containers"
    }
}
