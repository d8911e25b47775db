# New-SeccompProfile -LogDenied on this machine's real kernel: a profile recorded under audit.json, enforced with
# defaultAction ERRNO, logs the syscall it denies as an `audit: type=1326` Errno record only when it carries
# SECCOMP_FILTER_FLAG_LOG; Watch-TalosAudit -Action Errno reads that record through the fake node's kernel-log stream.
# The flag needs runc 1.2 or later. Where this machine's runc is older (Debian 12 ships 1.1.5, which refuses every
# flag), the test shows that refusal, which Test-SeccompProfile's FilterFlagNeedsRuntime names, and runs the
# containers with crun, the other OCI runtime (apt-get install crun), which loads flags; runc 1.2+ is used when present.
# crun refuses a hybrid cgroup layout, so it runs in a private mount namespace without the cgroup2 mount
# (unshare -m; the machine's mounts are untouched).
# Needs Linux, root, runc, busybox-static, dmesg and errno in /proc/sys/kernel/seccomp/actions_logged; skips otherwise.
BeforeAll {
    $script:Manifest = Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1'
    $script:Id = 'tslog-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $script:Bundle = Join-Path ([IO.Path]::GetTempPath()) $Id
    $script:Tool = "/opt/$Id/busybox" # unique to this run, so its records are told apart from other sessions' by exe
    $script:RatelimitPath = '/proc/sys/kernel/printk_ratelimit'
    $script:SavedRatelimit = $null
    $script:Runs = 0

    function script:Set-Sysctl([string] $Path, [string] $Value) {
        $stream = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::Write)
        try { $bytes = [Text.Encoding]::ASCII.GetBytes("$Value`n"); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
    }

    $script:Missing = if (-not $IsLinux) { 'Linux' }
    elseif ((& id -u) -ne '0') { 'root (the OCI runtime and /dev/kmsg need it)' }
    elseif (-not (Get-Command runc -ErrorAction Ignore)) { 'runc (apt-get install runc)' }
    elseif (-not (Test-Path /bin/busybox)) { 'a static /bin/busybox (apt-get install busybox-static)' }
    elseif (-not (Get-Command dmesg -ErrorAction Ignore)) { 'dmesg (util-linux)' }
    elseif ((Get-Content /proc/sys/kernel/seccomp/actions_logged -Raw -ErrorAction Ignore) -notmatch '\berrno\b') { 'errno in /proc/sys/kernel/seccomp/actions_logged' }
    if ($Missing) { return }

    $script:RuncLine = (& runc --version | Select-Object -First 1)
    $script:RuncVersion = [version](([regex]::Match($RuncLine, '\d+\.\d+\.\d+')).Value)
    $script:RuncTakesFlags = $RuncVersion -ge [version]'1.2.0'
    $script:Runtime = if ($RuncTakesFlags) { 'runc' } elseif (Get-Command crun -ErrorAction Ignore) { 'crun' }
    if (-not $Runtime) { $script:Missing = "an OCI runtime that loads seccomp flags ($RuncLine refuses them): runc 1.2+ or crun (apt-get install crun)"; return }
    $script:HybridCgroups = (& findmnt -n -o FSTYPE /sys/fs/cgroup/unified 2>$null) -eq 'cgroup2'

    $rootfs = Join-Path $Bundle 'rootfs'
    foreach ($dir in 'bin', "opt/$Id", 'etc', 'proc', 'dev', 'sys', 'tmp') { New-Item -ItemType Directory -Path (Join-Path $rootfs $dir) -Force | Out-Null }
    Copy-Item /bin/busybox (Join-Path $rootfs $Tool.TrimStart('/'))
    foreach ($applet in 'sh', 'echo', 'cat', 'mkdir') { & ln -s $Tool (Join-Path $rootfs "bin/$applet") }
    Set-Content (Join-Path $rootfs 'etc/hostname') 'logflag-container'
    Push-Location $Bundle
    try { & runc spec 2>&1 | Out-Null } finally { Pop-Location }
    $script:Spec = Get-Content (Join-Path $Bundle 'config.json') -Raw | ConvertFrom-Json -AsHashtable
    $Spec.process.terminal = $false
    $Spec.root.readonly = $false # only seccomp may make mkdir fail

    # Runs the workload under a seccomp section with the given runtime; exit code and output. Always deletes it.
    function script:Invoke-Container([string] $With, [string[]] $CommandArgs, [hashtable] $Seccomp) {
        $Spec.process.args = $CommandArgs
        $Spec.linux.seccomp = $Seccomp
        $Spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $Bundle 'config.json')
        $name = "$Id-$(($script:Runs++))"
        $output = if ($With -eq 'crun' -and $HybridCgroups) {
            & unshare -m --propagation private sh -c "umount /sys/fs/cgroup/unified && crun run --bundle '$Bundle' '$name'; rc=`$?; crun delete -f '$name' >/dev/null 2>&1; exit `$rc" 2>&1
        }
        else {
            & $With run --bundle $Bundle $name 2>&1
        }
        $code = $LASTEXITCODE
        & $With delete -f $name 2>&1 | Out-Null
        [pscustomobject]@{ ExitCode = $code; Output = ($output | ForEach-Object { "$_" }) -join "`n" }
    }

    # This run's kernel seccomp records: those of its busybox, and the runtime's own before exec (same pid, exe "/").
    function script:Get-KernelRecords {
        $lines = @(& dmesg | Where-Object { $_ -match 'audit: type=1326' })
        $pids = @($lines | Where-Object { $_.Contains("exe=`"$Tool`"") } | ForEach-Object { ([regex]::Match($_, ' pid=(\d+) ')).Groups[1].Value } | Select-Object -Unique)
        @($lines | Where-Object { $_.Contains("exe=`"$Tool`"") -or ($_.Contains('exe="/"') -and ([regex]::Match($_, ' pid=(\d+) ')).Groups[1].Value -in $pids) })
    }

    function script:Wait-KernelRecords([scriptblock] $Until) {
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        do { $records = Get-KernelRecords; if (& $Until $records) { break }; Start-Sleep -Milliseconds 300 } until ([DateTime]::UtcNow -gt $deadline)
        $records
    }

    # The kernel rate-limits audit printk; a recording over dropped records would be incomplete.
    $script:SavedRatelimit = (Get-Content $RatelimitPath -Raw).Trim()
    Set-Sysctl $RatelimitPath '0'
    Import-Module $Manifest -Force
    # The fake node forwards /dev/kmsg from its end, so it starts before the containers run.
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 1 -ForwardHostKernelLog
    $script:Workload = @('sh', '-c', 'echo hello; cat /etc/hostname; echo done')
    $script:Denied = @('sh', '-c', 'echo hello; cat /etc/hostname; mkdir /tmp/denied; echo done')
}

AfterAll {
    if ($null -ne $script:SavedRatelimit) { Set-Sysctl $RatelimitPath $SavedRatelimit }
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
    if ($script:Bundle) { Remove-Item $script:Bundle -Recurse -Force -ErrorAction Ignore }
}

Describe 'SECCOMP_FILTER_FLAG_LOG on this machine''s kernel' {
    BeforeEach {
        if ($script:Missing) { Set-ItResult -Skipped -Because "this test needs $Missing" }
    }

    It 'is refused by runc before 1.2, as Test-SeccompProfile says' {
        if ($script:Missing) { return }
        if ($RuncTakesFlags) { Set-ItResult -Skipped -Because "$RuncLine takes flags"; return }
        $profile = New-SeccompProfile -DefaultAction Allow -LogDenied
        $run = Invoke-Container runc $Workload ($profile | ConvertTo-SeccompJson | ConvertFrom-Json -AsHashtable)
        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match 'seccomp flags are not yet supported by runc'
        ($profile | Test-SeccompProfile | Where-Object Code -EQ 'FilterFlagNeedsRuntime').Message | Should -Match 'runc 1\.2 or later'
    }

    It 'makes a recorded Errno profile log what it denies; without the flag the kernel logs nothing' {
        if ($script:Missing) { return }
        Write-Host "    runtime: $Runtime$(if (-not $RuncTakesFlags) { " ($RuncLine refuses flags)" })"

        # Record under the guide's audit.json, as a pod of Deployment web would be.
        $run = Invoke-Container $Runtime $Workload @{ defaultAction = 'SCMP_ACT_LOG' }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $records = Wait-KernelRecords { param($r) @($r | Where-Object { $_ -match 'syscall=231 ' }).Count -gt 0 } # exit_group: the workload ended
        $events = @($records | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue)
        $events.Count | Should -BeGreaterThan 10
        foreach ($e in $events) { $e.Namespace = 'shop'; $e.Pod = 'web-7d9c5b8f4d-x2k9p'; $e.Container = 'app'; $e.Attribution = 'Container' }

        $flagged = $events | New-SeccompProfile -FromAuditEvent -PerWorkload -LogDenied
        $plain = $events | New-SeccompProfile -FromAuditEvent -PerWorkload
        $flagged.Name | Should -Be 'shop_web_app.json'
        $flagged.Flags | Should -Be @('SECCOMP_FILTER_FLAG_LOG')
        $flagged.Syscalls[0].Names | Should -Not -Contain 'mkdir'
        $toSpec = { param($p) $p | ConvertTo-SeccompJson | ConvertFrom-Json -AsHashtable }

        # Without the flag: the denied mkdir fails, and the kernel says nothing.
        $run = Invoke-Container $Runtime $Denied (& $toSpec $plain)
        $run.Output | Should -Match 'hello'
        $run.Output | Should -Match "can't create directory '/tmp/denied': Operation not permitted"
        Start-Sleep -Seconds 1
        @(Get-KernelRecords | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | Where-Object Action -EQ 'Errno') | Should -BeNullOrEmpty

        # With it: the same denial is an audit: type=1326 Errno record for mkdir, from this run's busybox.
        $run = Invoke-Container $Runtime $Denied (& $toSpec $flagged)
        $run.Output | Should -Match "can't create directory '/tmp/denied': Operation not permitted"
        $records = Wait-KernelRecords { param($r) @($r | Where-Object { $_ -match 'syscall=83 .*code=0x5' }).Count -gt 0 }
        $denials = @($records | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | Where-Object Action -EQ 'Errno')
        Write-Host "    kernel: $(@($denials).Count) Errno record(s): $(($denials | ForEach-Object { "$($_.ProcessName) $($_.Syscall)" }) -join ', ')"
        $denials | Should -Not -BeNullOrEmpty
        $denials.Syscall | Should -Contain 'mkdir'
        ($denials | Where-Object Syscall -EQ 'mkdir').Executable | Select-Object -Unique | Should -Be $Tool
        $script:Denials = $denials
    }

    It 'shows the denial with Watch-TalosAudit -Action Errno through a node''s kernel log' {
        if ($script:Missing) { return }
        $script:Denials | Should -Not -BeNullOrEmpty -Because 'the previous test made the kernel log a denial'
        if (-not $FakeTalos.ForwardingHostKernelLog) { Set-ItResult -Skipped -Because 'the fake node does not forward /dev/kmsg here'; return }
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            $seen = @(Watch-TalosAudit -TalosConfig $FakeTalos.TalosConfig -NoFollow -Action Errno -Executable $Tool -WarningAction SilentlyContinue)
            if ($seen.Count -gt 0) { break }
            Start-Sleep -Milliseconds 500
        } until ([DateTime]::UtcNow -gt $deadline)
        $seen.Syscall | Should -Contain 'mkdir'
        $seen | ForEach-Object { $_.Action | Should -Be 'Errno' }
    }
}
