# End to end with real kernel seccomp records: a busybox workload runs under runc with the guide's audit.json
# (SCMP_ACT_LOG); the fake Talos node forwards this machine's /dev/kmsg; Watch-TalosAudit reads the records;
# New-SeccompProfile -FromAuditEvent -DefaultAction Errno builds a least-privilege profile; the same workload runs
# under it, and a syscall the recording never saw (mkdir) fails with EPERM.
# Needs Linux, root, runc, busybox-static and a readable /dev/kmsg (build/install-prerequisites.sh installs the
# packages); where one is missing, every test is skipped with a message naming it.
BeforeAll {
    $script:Manifest = Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1'
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Missing = $null
    $script:Id = 'talosseccomp-e2e-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $script:Bundle = Join-Path ([IO.Path]::GetTempPath()) $Id
    $script:Busybox = '/bin/busybox'
    $script:RatelimitPath = '/proc/sys/kernel/printk_ratelimit'
    $script:SavedRatelimit = $null
    $script:Containers = [Collections.Generic.List[string]]::new()

    # Writes a sysctl through procfs (Set-Content truncates first, which procfs ignores silently).
    function script:Set-Sysctl([string] $Path, [string] $Value) {
        $stream = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::Write)
        try { $bytes = [Text.Encoding]::ASCII.GetBytes("$Value`n"); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
        if ((Get-Content $Path -Raw).Trim() -ne $Value) { throw "Could not set $Path to $Value." }
    }

    # Runs runc with the bundle's config.json; returns exit code and output. Always deletes the container.
    function script:Invoke-Runc([string[]] $CommandArgs, [object] $Seccomp) {
        $spec = Get-Content (Join-Path $Bundle 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $spec.process.args = $CommandArgs
        if ($null -eq $Seccomp) { $spec.linux.Remove('seccomp') } else { $spec.linux.seccomp = $Seccomp }
        $spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $Bundle 'config.json')
        $name = "$Id-$($Containers.Count)"
        $Containers.Add($name)
        try {
            $output = & runc run --bundle $Bundle $name 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | ForEach-Object { "$_" }) -join "`n" }
        }
        finally {
            & runc delete -f $name 2>&1 | Out-Null
        }
    }

    $script:Missing = if (-not $IsLinux) { 'Linux (runc runs Linux containers)' }
    elseif ((& id -u) -ne '0') { 'root (runc and /dev/kmsg need it)' }
    elseif (-not (Get-Command runc -ErrorAction Ignore)) { 'runc (apt-get install runc)' }
    elseif (-not (Test-Path $Busybox) -or ((& file -L $Busybox 2>$null) -notmatch 'statically linked' -and (Get-Command file -ErrorAction Ignore))) { 'a static /bin/busybox (apt-get install busybox-static)' }
    elseif (-not (Test-Path '/dev/kmsg')) { '/dev/kmsg' }
    if ($Missing) { return }
    try { [IO.File]::OpenRead('/dev/kmsg').Dispose() } catch { $script:Missing = "a readable /dev/kmsg ($($_.Exception.Message))"; return }

    # The OCI bundle: busybox under a directory unique to this run (so its records are told apart by exe), applets
    # as symlinks, a writable root so that only seccomp can make mkdir fail.
    $rootfs = Join-Path $Bundle 'rootfs'
    $tool = "/opt/$Id/busybox"
    foreach ($dir in 'bin', "opt/$Id", 'etc', 'proc', 'dev', 'sys', 'tmp') { New-Item -ItemType Directory -Path (Join-Path $rootfs $dir) -Force | Out-Null }
    Copy-Item $Busybox (Join-Path $rootfs $tool.TrimStart('/'))
    foreach ($applet in 'sh', 'echo', 'ls', 'cat', 'mkdir') { & ln -s $tool (Join-Path $rootfs "bin/$applet") }
    Set-Content (Join-Path $rootfs 'etc/hostname') 'e2e-container'
    Push-Location $Bundle
    try { & runc spec 2>&1 | Out-Null } finally { Pop-Location }
    $spec = Get-Content (Join-Path $Bundle 'config.json') -Raw | ConvertFrom-Json -AsHashtable
    $spec.process.terminal = $false
    $spec.root.readonly = $false
    $spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $Bundle 'config.json')

    $probe = Invoke-Runc @('sh', '-c', 'echo probe') $null
    if ($probe.ExitCode -ne 0 -or $probe.Output -notmatch 'probe') { $script:Missing = "a working runc here (a plain container failed: $($probe.Output))"; return }

    # The fake node, forwarding this machine's kernel log to its Dmesg and auditd streams.
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 1 -ForwardHostKernelLog
    if (-not $FakeTalos.ForwardingHostKernelLog) { $script:Missing = 'the fake node forwarding /dev/kmsg (it said no)'; return }
    $script:TalosConfigPath = $FakeTalos.TalosConfig

    # The kernel rate-limits audit printk; a recording over dropped records would be incomplete.
    $script:SavedRatelimit = (Get-Content $RatelimitPath -Raw).Trim()
    Set-Sysctl $RatelimitPath '0'

    Import-Module $Manifest -Force
    $script:Workload = @('sh', '-c', 'echo hello; ls /; cat /etc/hostname')
    $script:Filter = @{ Executable = '/', "/opt/$Id/busybox" } # runc's init (exe "/") after the filter is loaded, and busybox
}

AfterAll {
    if ($null -ne $script:SavedRatelimit) { Set-Sysctl $RatelimitPath $SavedRatelimit }
    foreach ($name in $script:Containers) { & runc delete -f $name 2>&1 | Out-Null }
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
    Remove-Item $script:Bundle -Recurse -Force -ErrorAction Ignore
}

Describe 'Recording a seccomp profile from real kernel records' {
    BeforeEach {
        if ($script:Missing) { Set-ItResult -Skipped -Because "the end-to-end test needs $Missing" }
    }

    It 'runs the workload under the guide''s audit.json and reads its records with Watch-TalosAudit' {
        if ($script:Missing) { return }
        $audit = @{ defaultAction = 'SCMP_ACT_LOG' } # the guide's audit.json
        $started = [DateTimeOffset]::UtcNow.AddSeconds(-1)
        $run = Invoke-Runc $Workload $audit
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'hello'
        $script:ExpectedOutput = $run.Output

        # The forwarder polls /dev/kmsg; read until the count stops changing.
        $previous = -1
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            Start-Sleep -Milliseconds 300
            # -NoAttribution: this fake node has no pods, and the workload's short-lived processes would each be a
            # "could not be tied to a pod" warning; this test is about records lost, which still warn.
            $events = @(Watch-TalosAudit -TalosConfig $TalosConfigPath -NoFollow -NoAttribution @Filter -WarningVariable warnings | Where-Object Time -GE $started)
            $settled = $events.Count -gt 0 -and $events.Count -eq $previous
            $previous = $events.Count
        } until ($settled -or [DateTime]::UtcNow -gt $deadline)

        $events.Count | Should -BeGreaterThan 10
        if (Get-Command dmesg -ErrorAction Ignore) {
            # Every busybox record the kernel logged came through the node's stream.
            $kernel = @(& dmesg | Select-String -SimpleMatch "exe=`"/opt/$Id/busybox`"")
            Write-Host "    kernel log: $($kernel.Count) busybox records; Watch-TalosAudit: $($events.Count) events"
            @($events | Where-Object Executable -EQ "/opt/$Id/busybox").Count | Should -Be $kernel.Count
        }
        $warnings | Should -BeNullOrEmpty -Because 'no audit record may be lost while recording'
        $events | ForEach-Object { $_.Action | Should -Be 'Log'; $_.Source | Should -Be 'Auditd' }
        $events.ProcessName | Should -Contain 'sh'
        $events.ProcessName | Should -Contain 'cat'
        $events.Syscall | Should -Contain 'execve'
        $script:Recorded = $events
    }

    It 'builds an Errno allow-list from the records that runs the same workload' {
        if ($script:Missing) { return }
        $script:Recorded | Should -Not -BeNullOrEmpty
        $profile = $script:Recorded | New-SeccompProfile -FromAuditEvent -DefaultAction Errno
        $profile.DefaultAction | Should -Be 'SCMP_ACT_ERRNO'
        $profile.Syscalls[0].Names | Should -Not -Contain 'mkdir'
        $profile.Syscalls[0].Names | Should -Not -Contain 'mkdirat'
        $path = Join-Path $Bundle 'recorded.json'
        $profile | Export-SeccompProfile -Path $path
        $script:RecordedProfile = Get-Content $path -Raw | ConvertFrom-Json -AsHashtable

        $run = Invoke-Runc $Workload $RecordedProfile
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Be $ExpectedOutput
    }

    It 'fails a syscall the recording never saw with EPERM' {
        if ($script:Missing) { return }
        $script:RecordedProfile | Should -Not -BeNullOrEmpty
        $unconfined = Invoke-Runc @('mkdir', '/tmp/x') $null
        $unconfined.ExitCode | Should -Be 0 -Because "mkdir works without the profile: $($unconfined.Output)"

        $run = Invoke-Runc @('mkdir', '/tmp/x') $RecordedProfile
        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match 'Operation not permitted'
    }
}
