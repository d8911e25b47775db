# New-SeccompProfile -FromAuditEvent as users run it: audit events piped in, a least-privilege profile out.
Describe 'New-SeccompProfile -FromAuditEvent' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
        $script:Guide = Get-Content (Join-Path $PSScriptRoot '../TalosSeccomp.Tests/TestData/Audit/talosctl-dmesg-guide.txt') | Where-Object { $_ -notlike '#*' }
    }

    It 'allows exactly the syscalls of the guide''s dmesg output, sorted, with Errno as the default' {
        $profile = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | New-SeccompProfile -FromAuditEvent
        $profile.DefaultAction | Should -Be 'SCMP_ACT_ERRNO'
        $profile.Architectures | Should -Be @('SCMP_ARCH_X86_64')
        # syscalls 3, 257, 202, 1, 39, 59, 158 on x86_64
        # Besides what was seen, an enforcing recording allows what runc needs to start the container (runc 1.1.5).
        $runcStart = @('capget', 'capset', 'chdir', 'close', 'execve', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'geteuid', 'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'rt_sigreturn', 'setgid', 'setgroups', 'setuid', 'write')
        $profile.Syscalls[0].Names | Should -Be (@('arch_prctl', 'close', 'execve', 'futex', 'getpid', 'openat', 'write') + $runcStart | Sort-Object -Unique -CaseSensitive)
        $profile.Syscalls[0].Action | Should -Be 'SCMP_ACT_ALLOW'
    }

    It 'takes -DefaultAction and -Name, and lists what was seen with -Verbose' {
        $profile = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue |
            New-SeccompProfile -FromAuditEvent -DefaultAction KillProcess -Name 'echo.json' -Verbose 4>&1
        $verbose = @($profile | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $result = $profile | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $result.DefaultAction | Should -Be 'SCMP_ACT_KILL_PROCESS'
        $result.Name | Should -Be 'echo.json'
        ($verbose.Message -join "`n") | Should -Match 'runc:\[2:INIT\]\s+x86_64\s+close\s+x3'
    }

    It 'fails clearly when nothing was recorded' {
        { @() | New-SeccompProfile -FromAuditEvent -ErrorAction Stop } | Should -Throw -ErrorId 'NoAuditEventsRecorded,TalosSeccomp.Commands.NewSeccompProfileCommand'
    }

    It 'records on top of containerd''s RuntimeDefault with -BaseProfile RuntimeDefault' {
        $profile = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | New-SeccompProfile -FromAuditEvent -BaseProfile RuntimeDefault
        $profile.DefaultAction | Should -Be 'SCMP_ACT_ERRNO'
        $allowed = @($profile.Syscalls | Where-Object { $_.Action -eq 'SCMP_ACT_ALLOW' -and $_.Args.Count -eq 0 } | ForEach-Object Names)
        $allowed | Should -Contain 'accept4'  # from RuntimeDefault
        $allowed | Should -Contain 'getpid'   # recorded
        $allowed | Should -Not -Contain 'mount' # RuntimeDefault denies it without CAP_SYS_ADMIN, and nothing recorded it
        $profile.Architectures | Should -Contain 'SCMP_ARCH_AARCH64'
        { $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | New-SeccompProfile -FromAuditEvent -BaseProfile NoSuchProfile -ErrorAction Stop } |
            Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,TalosSeccomp.Commands.NewSeccompProfileCommand'
    }
}
