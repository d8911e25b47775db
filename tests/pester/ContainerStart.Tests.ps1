# Derives what runc needs after it installs a container's seccomp filter, with and without NoNewPrivileges, and
# checks Test-SeccompProfile's BlocksContainerStart against it: runc on this machine's kernel is the judge.
# An allow-list profile (defaultAction ERRNO) that lets a container start is reduced one syscall at a time; a
# syscall is needed when the container no longer starts without it. The container's program is a static
# probe without libc that only calls exit(0) (built here with gcc), so only runc's needs remain (busybox's own
# start-up, arch_prctl, brk, mprotect..., would mix in).
# It also checks, with a second probe, that a profile without architectures kills x86 and x32 processes on x86_64
# (Test-SeccompProfile's UncoveredAbi).
# Needs Linux, root, runc and gcc (build/install-prerequisites.sh installs them); skips with the reason otherwise.

BeforeAll {
    $script:Manifest = if ($env:TALOSSECCOMP_MODULE_PATH) { Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1' } else { Join-Path $PSScriptRoot '../../out/TalosSeccomp/TalosSeccomp.psd1' }
    $script:Missing = if (-not $IsLinux) { 'Linux (runc runs Linux containers)' }
    elseif ((& id -u) -ne '0') { 'root (runc needs it)' }
    elseif (-not (Get-Command runc -ErrorAction Ignore)) { 'runc (apt-get install runc)' }
    elseif (-not (Get-Command gcc -ErrorAction Ignore)) { 'gcc (apt-get install gcc)' }
    if ($Missing) { return }
    Import-Module $Manifest -Force

    $script:Id = "cs$PID"
    $script:Bundle = Join-Path ([IO.Path]::GetTempPath()) "talosseccomp-start-$PID"
    $rootfs = Join-Path $Bundle 'rootfs'
    New-Item -ItemType Directory -Force -Path (Join-Path $rootfs 'bin'), (Join-Path $rootfs 'proc'), (Join-Path $rootfs 'dev') | Out-Null
    $asm = Join-Path $Bundle 'exit0.S'
    Set-Content -LiteralPath $asm -Value ".globl _start`n.text`n_start:`n    mov `$60, %rax`n    xor %rdi, %rdi`n    syscall`n"
    $gcc = & gcc -nostdlib -static -o (Join-Path $rootfs 'bin/exit0') $asm 2>&1
    if ($LASTEXITCODE -ne 0) { $script:Missing = "a gcc that builds a static x86_64 probe ($gcc)"; return }
    Push-Location $Bundle
    try { & runc spec 2>&1 | Out-Null } finally { Pop-Location }
    $script:Spec = Get-Content (Join-Path $Bundle 'config.json') -Raw | ConvertFrom-Json -AsHashtable
    $Spec.process.terminal = $false
    $Spec.process.args = @('/bin/exit0')
    $script:RuncVersion = (& runc --version | Select-Object -First 1)
    $script:Runs = 0

    # Runs the probe under a seccomp section; returns runc's exit code (the container's status), -1 when it hung.
    function script:Invoke-Probe([hashtable] $Seccomp, [bool] $NoNewPrivileges = $true) {
        $Spec.process.noNewPrivileges = $NoNewPrivileges
        $Spec.linux.seccomp = $Seccomp
        $Spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $Bundle 'config.json')
        $name = "$Id-$(($script:Runs++))"
        $start = [Diagnostics.ProcessStartInfo]::new('runc', "run --bundle $Bundle $name")
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        try {
            # A denied syscall can leave runc's init waiting; that is a failed start too.
            if ($process.WaitForExit(20000)) { return $process.ExitCode }
            & runc kill $name KILL 2>&1 | Out-Null
            $process.WaitForExit(5000) | Out-Null
            -1
        }
        finally {
            & runc delete -f $name 2>&1 | Out-Null
            $process.Dispose()
        }
    }

    # True when a container with this allow-list (plus exit, the probe's own need) starts and exits 0.
    function script:Test-Start([string[]] $Allowed, [bool] $NoNewPrivileges) {
        $seccomp = @{ defaultAction = 'SCMP_ACT_ERRNO'; architectures = @('SCMP_ARCH_X86_64'); syscalls = @(@{ names = @($Allowed + 'exit'); action = 'SCMP_ACT_ALLOW' }) }
        (Invoke-Probe $seccomp $NoNewPrivileges) -eq 0
    }

    # The BlocksContainerStart finding of Test-SeccompProfile for an allow-list, or $null.
    function script:Get-StartFinding([string[]] $Allowed, [bool] $NoNewPrivileges) {
        New-SeccompProfile -DefaultAction Errno -Architecture x86_64 -AllowSyscall ($Allowed + 'exit') |
            Test-SeccompProfile -NoNewPrivileges:$NoNewPrivileges | Where-Object Code -EQ 'BlocksContainerStart'
    }

    # A generous allow-list: what the cmdlet says runc needs in either mode, and syscalls it says runc does not need.
    $script:Candidates = @(
        'capget', 'capset', 'chdir', 'close', 'execve', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'geteuid',
        'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'setgid', 'setgroups', 'setuid', 'write',
        'rt_sigreturn', 'exit_group', 'rt_sigprocmask', 'getpid', 'nanosleep', 'mmap')
    # Go's runtime parks threads (futex) and handles its preemption signal (rt_sigreturn) only now and then, so
    # denying either fails a start only sometimes.
    $script:TimingDependent = @('futex', 'rt_sigreturn')
}

AfterAll {
    if ($script:Bundle -and (Test-Path $script:Bundle)) { Remove-Item -Recurse -Force $script:Bundle }
}

Describe 'What runc needs to start a container after its seccomp filter is installed' {
    It 'is what Test-SeccompProfile checks <Mode>' -ForEach @(
        @{ Mode = 'with NoNewPrivileges'; NoNewPrivileges = $true }
        @{ Mode = 'without NoNewPrivileges (Kubernetes'' default)'; NoNewPrivileges = $false }
    ) {
        if ($Missing) { Set-ItResult -Skipped -Because "this test needs $Missing"; return }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Test-Start $Candidates $NoNewPrivileges | Should -BeTrue -Because 'the whole allow-list lets a container start'
        Get-StartFinding $Candidates $NoNewPrivileges | Should -BeNullOrEmpty

        $needed = foreach ($syscall in $Candidates) {
            $rest = @($Candidates | Where-Object { $_ -ne $syscall })
            # Two tries: a syscall is needed when the start fails either time.
            if (-not (Test-Start $rest $NoNewPrivileges) -or -not (Test-Start $rest $NoNewPrivileges)) { $syscall }
        }
        Write-Host "    $RuncVersion, $Mode`: runc needs $($needed -join ', ') ($Runs runs, $([int]$watch.Elapsed.TotalSeconds) s)"

        foreach ($syscall in $Candidates) {
            $finding = Get-StartFinding @($Candidates | Where-Object { $_ -ne $syscall }) $NoNewPrivileges
            if ($syscall -in $needed) {
                $finding | Should -Not -BeNullOrEmpty -Because "runc fails without $syscall"
                $finding.Message | Should -Match "\b$syscall\b"
            }
            elseif ($syscall -notin $TimingDependent) {
                $finding | Should -BeNullOrEmpty -Because "runc starts the container without $syscall"
            }
        }
    }
}

Describe 'A profile without architectures on x86_64' {
    It 'kills x86 and x32 processes, as Test-SeccompProfile''s UncoveredAbi says, and runs them once they are listed' {
        if ($Missing) { Set-ItResult -Skipped -Because "this test needs $Missing"; return }
        # int 0x80 getpid (the x86 ABI) with argument "i", an x32 getpid (nr | 0x40000000) otherwise; then exit(0).
        $asm = Join-Path $Bundle 'abi.S'
        Set-Content -LiteralPath $asm -Value @'
.globl _start
.text
_start:
    mov 16(%rsp), %rbx
    cmpb $'i', (%rbx)
    jne x32
    mov $20, %eax
    int $0x80
    jmp done
x32:
    mov $0x40000027, %rax
    syscall
done:
    mov $60, %rax
    xor %rdi, %rdi
    syscall
'@
        & gcc -nostdlib -static -o (Join-Path $Bundle 'rootfs/bin/abi') $asm 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0

        $audit = New-SeccompProfile -DefaultAction Log
        ($audit | Test-SeccompProfile).Code | Should -Be 'UncoveredAbi'
        $covered = New-SeccompProfile -DefaultAction Log -Architecture x86_64, x86, x32
        $covered | Test-SeccompProfile | Should -BeNullOrEmpty
        foreach ($abi in 'i', 'x') {
            $Spec.process.args = @('/bin/abi', $abi)
            (Invoke-Probe ($audit | ConvertTo-SeccompJson | ConvertFrom-Json -AsHashtable)) | Should -Be 159 -Because "SIGSYS kills the $abi process under {""defaultAction"":""SCMP_ACT_LOG""}"
            (Invoke-Probe ($covered | ConvertTo-SeccompJson | ConvertFrom-Json -AsHashtable)) | Should -Be 0
        }
        $Spec.process.args = @('/bin/exit0')
    }
}
