# Current syscall tables, recorded syscalls no table names, lone surrogates, repeated keys and auditd's other log
# forms, as users meet them through the cmdlets.
Describe 'Syscall tables from libseccomp''s syscalls.csv' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    }

    It 'resolves syscalls of current kernels and the architectures libseccomp 2.5 lacked' {
        (Resolve-SeccompSyscall mseal -Architecture x86_64).Number | Should -Be 462
        (Resolve-SeccompSyscall file_getattr -Architecture arm64).Number | Should -Be 468
        (Resolve-SeccompSyscall openat -Architecture loongarch64).Number | Should -Be 56
        (Resolve-SeccompSyscall execve -Architecture m68k, sh, sheb).Number | Should -Be @(11, 11, 11)
    }

    It 'shows the KernelVersion column (empty while libseccomp records none)' {
        $result = Resolve-SeccompSyscall listmount -Architecture x86_64
        $result.PSObject.Properties.Name | Should -Contain 'KernelVersion'
        $result.KernelVersion | Should -BeNullOrEmpty
        ($result | Out-String -Width 120) | Should -Match 'KernelVersion'
    }

    It 'reports a recorded syscall no table names as an error of its own, naming number and architecture' {
        $line = 'type=SECCOMP msg=audit(1795811642.290:{0}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7 comm="app" exe="/app" sig=0 arch=c000003e syscall={1} compat=0 ip=0x40828e code=0x7ffc0000'
        $events = ($line -f 1, 462), ($line -f 2, 99999) | ConvertFrom-SeccompAuditRecord
        $profile = $events | New-SeccompProfile -FromAuditEvent -ErrorVariable problems -ErrorAction SilentlyContinue
        $runcStart = @('capget', 'capset', 'chdir', 'close', 'execve', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'geteuid', 'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'rt_sigreturn', 'setgid', 'setgroups', 'setuid', 'write')
        $profile.Syscalls[0].Names | Where-Object { $_ -notin $runcStart } | Should -Be @('mseal')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RecordedSyscallNotInTables,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -Match 'syscall 99999 .* on x86_64'
        $problems[0].Exception.Message | Should -Match 'New-SeccompRule'
        { $events | New-SeccompProfile -FromAuditEvent -ErrorAction Stop } | Should -Throw -ErrorId 'RecordedSyscallNotInTables,TalosSeccomp.Commands.NewSeccompProfileCommand'
    }

    It 'finds no name in Docker''s and Podman''s default profiles that is not a syscall anywhere' {
        foreach ($file in 'docker-default.json', 'podman-default.json') {
            $findings = Test-SeccompProfile -LiteralPath (Join-Path $PSScriptRoot "../TalosSeccomp.Tests/TestData/$file") | Where-Object Code -eq 'UnknownSyscall'
            $findings | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
            $findings | Where-Object Message -match "'(mseal|listmount|statmount|lsm_\w+|\w+xattrat|uretprobe)'" | Should -BeNullOrEmpty
        }
    }
}

Describe 'Lone surrogates and repeated keys in profile JSON' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
        $dir = Join-Path ([IO.Path]::GetTempPath()) ([Guid]::NewGuid())
        New-Item -ItemType Directory -Path $dir | Out-Null
        $lone = Join-Path $dir 'lone.json'
        [IO.File]::WriteAllText($lone, '{"defaultAction":"SCMP_ACT_LOG","comment":"a\ud800b","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"\udc00"}]}')
    }

    AfterAll { Remove-Item $dir -Recurse -Force }

    It 'writes U+FFFD in Export-SeccompProfile, ConvertTo-SeccompJson and ConvertTo-TalosConfigPatch' {
        $profile = Import-SeccompProfile $lone
        $out = Join-Path $dir 'out.json'
        $profile | Export-SeccompProfile -Path $out
        [IO.File]::ReadAllText($out) | Should -BeExactly "{`"comment`":`"a$([char]0xfffd)b`",`"defaultAction`":`"SCMP_ACT_LOG`",`"syscalls`":[{`"action`":`"SCMP_ACT_ALLOW`",`"comment`":`"$([char]0xfffd)`",`"names`":[`"read`"]}]}"
        $profile | ConvertTo-SeccompJson | Should -BeExactly ([IO.File]::ReadAllText($out))
        $profile | ConvertTo-SeccompJson -Indent | Should -Match ([regex]::Escape("a$([char]0xfffd)b"))
        ($profile | ConvertTo-TalosConfigPatch -Name lone.json) -join "`n" | Should -Match ([regex]::Escape("comment: `"$([char]0xfffd)`""))
    }

    It 'names a repeated key and where it is' {
        $dup = Join-Path $dir 'dup.json'
        [IO.File]::WriteAllText($dup, '{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","action":"SCMP_ACT_LOG"}]}')
        Import-SeccompProfile $dup -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DuplicateSeccompProfileKey,*'
        $problems[0].Exception.Message | Should -Match '"action" twice in syscalls\[0\]'
    }
}

Describe 'ConvertFrom-SeccompAuditRecord with auditd''s ENRICHED format and ausearch -i' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    }

    It 'reads an ENRICHED line from its raw fields' {
        $line = 'type=SECCOMP msg=audit(1795811642.290:16): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7632 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=83 compat=0 ip=0x49641b code=0x7ffc0000' +
            [char]0x1d + 'AUID="unset" UID="root" GID="root" ARCH=x86_64 SYSCALL=mkdir'
        $evt = $line | ConvertFrom-SeccompAuditRecord
        $evt.Syscall | Should -Be 'mkdir'
        $evt.Action | Should -Be 'Log'
    }

    It 'reads ausearch -i output, skipping its separators' {
        $lines = '----', 'type=SECCOMP msg=audit(12/02/2026 10:11:12.123:456) : auid=unset uid=root gid=root ses=unset pid=7632 comm=sh exe=/bin/busybox sig=SIGSYS arch=aarch64 syscall=unknown-syscall(462) compat=0 ip=0x49641b code=kill-process '
        $evt = $lines | ConvertFrom-SeccompAuditRecord -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $evt.Architecture | Should -Be 'aarch64'
        $evt.Syscall | Should -Be 'mseal'
        $evt.Action | Should -Be 'KillProcess'
        $evt.Time | Should -Be ([DateTimeOffset]::new([datetime]::new(2026, 12, 2, 10, 11, 12, 123, [DateTimeKind]::Local)).ToUniversalTime())
    }
}
