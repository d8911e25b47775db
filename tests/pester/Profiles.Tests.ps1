# Pester tests of the offline profile cmdlets, as users see them.
Describe 'Seccomp profile cmdlets' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
        $script:LargeProfile = Join-Path $PSScriptRoot '../TalosSeccomp.Tests/TestData/large-profile.json'
        $script:StartSyscalls = 'capget', 'capset', 'chdir', 'close', 'execve', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'geteuid',
            'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'rt_sigreturn', 'setgid', 'setgroups', 'setuid', 'write'
        $script:TestData = Join-Path $PSScriptRoot '../TalosSeccomp.Tests/TestData'

        function Get-ErrorRecord([scriptblock] $Command) {
            try { & $Command; $null } catch { $_ }
        }
    }

    Context 'New-SeccompProfile and New-SeccompRule' {
        It 'renders the Talos guide audit profile exactly' {
            New-SeccompProfile -DefaultAction Log | ConvertTo-SeccompJson | Should -BeExactly '{"defaultAction":"SCMP_ACT_LOG"}'
        }

        It 'builds an allow-list with sorted names, normalised architectures and flags' {
            $json = New-SeccompProfile -DefaultAction errno -DefaultErrnoRet 1 -Architecture amd64, arm64 -Flag Log -AllowSyscall write, read, read | ConvertTo-SeccompJson
            $json | Should -BeExactly '{"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["read","write"]}]}'
        }

        It 'takes rules with argument conditions from the pipeline' {
            $profile = @(
                New-SeccompRule -Name personality -Action Allow -Argument @{ Index = 0; Value = '0xffffffff'; Op = 'eq' }
                New-SeccompRule -Name ioctl -Action Allow -Argument @{ Index = 1; Value = [uint64]::MaxValue; ValueTwo = 21505; Op = 'MaskedEqual' }
            ) | New-SeccompProfile -DefaultAction Errno
            $profile.RuleCount | Should -Be 2
            $profile | ConvertTo-SeccompJson | Should -BeExactly '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"action":"SCMP_ACT_ALLOW","args":[{"index":0,"op":"SCMP_CMP_EQ","value":4294967295}],"names":["personality"]},{"action":"SCMP_ACT_ALLOW","args":[{"index":1,"op":"SCMP_CMP_MASKED_EQ","value":18446744073709551615,"valueTwo":21505}],"names":["ioctl"]}]}'
        }

        It 'refuses an unknown action with a specific error and no stack trace' {
            $err = Get-ErrorRecord { New-SeccompRule -Name read -Action Sometimes -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'InvalidSeccompAction,TalosSeccomp.Commands.NewSeccompRuleCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.ToString() | Should -Match 'Sometimes'
            $err.ToString() | Should -Not -Match '\bat TalosSeccomp\.'
        }

        It 'refuses a bad argument condition' {
            $err = Get-ErrorRecord { New-SeccompRule -Name read -Action Allow -Argument @{ Index = 0; Value = -1 } -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'InvalidSeccompArgument,TalosSeccomp.Commands.NewSeccompRuleCommand'
        }

        It 'refuses an unsafe profile name' {
            $err = Get-ErrorRecord { New-SeccompProfile -DefaultAction Log -Name '../escape.json' -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'UnsafeProfileName,TalosSeccomp.Commands.NewSeccompProfileCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'warns about syscall names no architecture has' {
            $null = New-SeccompRule -Name readz -Action Allow -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            "$warnings" | Should -Match 'readz'
        }
    }

    Context 'Import-SeccompProfile and Export-SeccompProfile' {
        It 'round-trips a Docker-sized profile byte for byte' {
            $profile = Import-SeccompProfile -LiteralPath $LargeProfile
            $profile.SyscallCount | Should -BeGreaterThan 350
            $profile.Name | Should -Be 'large-profile.json'
            $profile | Export-SeccompProfile -Path TestDrive:/large.json
            $bytes = [IO.File]::ReadAllBytes((Join-Path $TestDrive 'large.json'))
            [Text.Encoding]::UTF8.GetString($bytes) | Should -BeExactly ($profile | ConvertTo-SeccompJson)
            (Import-SeccompProfile TestDrive:/large.json | ConvertTo-SeccompJson) | Should -BeExactly ($profile | ConvertTo-SeccompJson)
            [Text.Encoding]::UTF8.GetString($bytes) | Should -Match '"value":18446744073709551615'
            [Text.Encoding]::UTF8.GetString($bytes) | Should -Match '"archMap":'
        }

        It 'accepts FileInfo objects and wildcards from the pipeline' {
            New-SeccompProfile -DefaultAction Log | Export-SeccompProfile TestDrive:/a.json
            New-SeccompProfile -DefaultAction Allow | Export-SeccompProfile TestDrive:/b.json
            (Get-ChildItem TestDrive:/ -Filter '?.json' | Import-SeccompProfile).Name | Sort-Object | Should -Be 'a.json', 'b.json'
            (Import-SeccompProfile TestDrive:/?.json).DefaultAction | Sort-Object | Should -Be 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG'
            (Import-SeccompProfile -Json '{"defaultAction":"SCMP_ACT_TRAP"}' -Name t.json).Name | Should -Be 't.json'
        }

        It 'reports a missing file as ObjectNotFound and keeps going' {
            New-SeccompProfile -DefaultAction Log | Export-SeccompProfile TestDrive:/ok.json
            $result = Import-SeccompProfile TestDrive:/missing.json, TestDrive:/ok.json -ErrorVariable errs -ErrorAction SilentlyContinue
            $result | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'SeccompProfileFileNotFound,TalosSeccomp.Commands.ImportSeccompProfileCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'reports malformed JSON with the file, line and error id' {
            Set-Content -LiteralPath (Join-Path $TestDrive 'broken.json') -Value "{`n  `"defaultAction`": `"SCMP_ACT_LOG`"`n  `"syscalls`": []`n}"
            $err = Get-ErrorRecord { Import-SeccompProfile TestDrive:/broken.json -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'InvalidSeccompProfileJson,TalosSeccomp.Commands.ImportSeccompProfileCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.ToString() | Should -Match 'broken\.json'
            $err.ToString() | Should -Match 'line 3'
        }

        It 'writes nothing under -WhatIf' {
            New-SeccompProfile -DefaultAction Log | Export-SeccompProfile TestDrive:/whatif.json -WhatIf
            Join-Path $TestDrive 'whatif.json' | Should -Not -Exist
        }

        It 'honours -NoClobber, -Indent and -PassThru' {
            $file = New-SeccompProfile -DefaultAction Log | Export-SeccompProfile TestDrive:/once.json -PassThru
            $file.Name | Should -Be 'once.json'
            $err = Get-ErrorRecord { New-SeccompProfile -DefaultAction Allow | Export-SeccompProfile TestDrive:/once.json -NoClobber -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'SeccompProfileFileExists,TalosSeccomp.Commands.ExportSeccompProfileCommand'
            Get-Content -Raw TestDrive:/once.json | Should -BeExactly '{"defaultAction":"SCMP_ACT_LOG"}'
            New-SeccompProfile -DefaultAction Allow | Export-SeccompProfile TestDrive:/once.json -Indent
            Get-Content -Raw TestDrive:/once.json | Should -BeExactly "{`n  `"defaultAction`": `"SCMP_ACT_ALLOW`"`n}`n"
        }
    }

    Context 'Test-SeccompProfile' {
        It 'passes a working allow-list and fails one that blocks container start' {
            New-SeccompProfile -DefaultAction Errno -AllowSyscall ($StartSyscalls + 'read') | Test-SeccompProfile -Quiet | Should -BeTrue
            $diagnostics = New-SeccompProfile -DefaultAction Errno -AllowSyscall read | Test-SeccompProfile
            ($diagnostics | Where-Object Severity -eq 'Error').Code | Should -Be 'BlocksContainerStart'
            New-SeccompProfile -DefaultAction Errno -AllowSyscall read | Test-SeccompProfile -Quiet | Should -BeFalse
        }

        It 'checks the deployment name' {
            (New-SeccompProfile -DefaultAction Log -Architecture x86_64, x86, x32, aarch64, arm | Test-SeccompProfile -Name 'a/b.json').Code | Should -Be 'UnsafeProfileName'
        }

        It 'reports every problem of a file at once' {
            Set-Content -LiteralPath (Join-Path $TestDrive 'vocab.json') -Value '{"defaultAction":"SCMP_ACT_SOMETIMES","flags":["FAST"],"syscalls":[{"names":["readz"],"action":"Allow","includes":{}}]}'
            $codes = (Test-SeccompProfile -Path TestDrive:/vocab.json).Code
            $codes | Should -Contain 'UnknownAction'
            $codes | Should -Contain 'UnknownFlag'
            $codes | Should -Contain 'UnknownSyscall'
            $codes | Should -Contain 'DockerOnlyKey'
        }

        It 'returns $false without an error for an unreadable file under -Quiet' {
            Set-Content -LiteralPath (Join-Path $TestDrive 'junk.json') -Value 'not json'
            Test-SeccompProfile -Path TestDrive:/junk.json -Quiet -ErrorVariable errs | Should -BeFalse
            $errs | Should -HaveCount 0
        }
    }

    Context 'Real profiles from other projects' {
        It 'passes Docker''s and Podman''s defaults (-Quiet), with Warnings for their capability pairs' {
            foreach ($file in 'docker-default.json', 'podman-default.json') {
                Test-SeccompProfile -LiteralPath (Join-Path $TestData $file) -Quiet | Should -BeTrue -Because "runc loads $file"
                $found = Test-SeccompProfile -LiteralPath (Join-Path $TestData $file)
                ($found | Where-Object Code -EQ 'ConflictingDuplicateRule').Severity | Select-Object -Unique | Should -Be 'Warning'
            }
        }

        It 'fails Kubernetes'' fine-grained.json without -NoNewPrivileges and passes it with' {
            $path = Join-Path $TestData 'kubernetes-fine-grained.json'
            Test-SeccompProfile -LiteralPath $path -Quiet | Should -BeFalse
            (Test-SeccompProfile -LiteralPath $path | Where-Object Severity -EQ 'Error').Code | Should -Be 'BlocksContainerStart'
            Test-SeccompProfile -LiteralPath $path -NoNewPrivileges -Quiet | Should -BeTrue
        }

        It 'warns that the guide''s audit profile kills 32-bit processes, and leaves its bytes alone' {
            $finding = New-SeccompProfile -DefaultAction Log | Test-SeccompProfile
            $finding.Code | Should -Be 'UncoveredAbi'
            $finding.Severity | Should -Be 'Warning'
            $finding.Message | Should -Match 'SCMP_ARCH_X32'
            New-SeccompProfile -DefaultAction Log | ConvertTo-SeccompJson | Should -BeExactly '{"defaultAction":"SCMP_ACT_LOG"}'
        }

        It 'resolves Docker''s default for the capabilities given with ConvertFrom-DockerSeccompProfile' {
            $path = Join-Path $TestData 'docker-default.json'
            $names = { param($p) @($p.Syscalls | Where-Object { $_.Action -eq 'SCMP_ACT_ALLOW' -and $_.Args.Count -eq 0 } | ForEach-Object Names) }
            $asIs = & $names (Import-SeccompProfile -LiteralPath $path)
            $asIs | Should -Contain 'unshare'
            $default = ConvertFrom-DockerSeccompProfile -LiteralPath $path -KernelVersion 6.12
            $default.PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Profiles.SeccompProfile'
            foreach ($name in 'unshare', 'setns', 'mount', 'bpf') { & $names $default | Should -Not -Contain $name }
            $default.Architectures | Should -Be @('SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32')
            ($default | ConvertTo-SeccompJson) | Should -Not -Match 'comment|includes|excludes|archMap'
            Test-SeccompProfile -InputObject $default | Where-Object Code -In 'ConflictingDuplicateRule', 'DockerOnlyKey' | Should -BeNullOrEmpty
            $admin = Import-SeccompProfile -LiteralPath $path | ConvertFrom-DockerSeccompProfile -Capability SYS_ADMIN -Architecture arm64 -KernelVersion 6.12
            foreach ($name in 'unshare', 'setns', 'mount', 'bpf') { & $names $admin | Should -Contain $name }
            $admin.Architectures | Should -Be @('SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM')
        }

        It 'reports what dockerd refuses as a clear error' {
            Set-Content -LiteralPath (Join-Path $TestDrive 'both.json') -Value '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}'
            { ConvertFrom-DockerSeccompProfile -LiteralPath (Join-Path $TestDrive 'both.json') -KernelVersion 6.12 -ErrorAction Stop } |
                Should -Throw -ErrorId 'DockerProfileInvalid,TalosSeccomp.Commands.ConvertFromDockerSeccompProfileCommand'
        }
    }

    Context 'Compare-SeccompProfile and Merge-SeccompProfile' {
        BeforeAll {
            New-SeccompProfile -DefaultAction Errno -AllowSyscall read, write, ptrace -Name web.json | Export-SeccompProfile TestDrive:/web.json
            New-SeccompRule -Name ptrace -Action KillProcess | New-SeccompProfile -DefaultAction Errno -AllowSyscall read, close | Export-SeccompProfile TestDrive:/hard.json
        }

        It 'compares paths and objects semantically' {
            $diff = Compare-SeccompProfile -ReferenceProfile TestDrive:/web.json -DifferenceProfile (Import-SeccompProfile TestDrive:/hard.json)
            ($diff | Sort-Object Syscall | ForEach-Object { "$($_.Kind):$($_.Syscall)" }) -join ' ' | Should -Be 'SyscallAdded:close ActionChanged:ptrace SyscallRemoved:write'
            ($diff | Where-Object Syscall -eq 'ptrace').DifferenceAction | Should -Be 'SCMP_ACT_KILL_PROCESS'
            Compare-SeccompProfile TestDrive:/web.json TestDrive:/web.json | Should -BeNullOrEmpty
        }

        It 'rejects something that is not a profile' {
            $err = Get-ErrorRecord { Compare-SeccompProfile -ReferenceProfile 42 -DifferenceProfile TestDrive:/web.json -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'InvalidSeccompProfileInput,TalosSeccomp.Commands.CompareSeccompProfileCommand'
        }

        It 'merges strictly by default and warns about the conflict' {
            $merged = Import-SeccompProfile TestDrive:/web.json, TestDrive:/hard.json | Merge-SeccompProfile -WarningVariable conflicts -WarningAction SilentlyContinue
            ($merged.Syscalls | Where-Object { $_.Names -contains 'ptrace' }).Action | Should -Be 'SCMP_ACT_KILL_PROCESS'
            # write and close run in only one input each: Strict leaves them to the default (Errno), as both inputs' defaults are.
            ($merged.Syscalls | Where-Object { $_.Names -contains 'read' }).Action | Should -Be 'SCMP_ACT_ALLOW'
            $merged.SyscallCount | Should -Be 2
            $conflicts | Should -HaveCount 3
            "$conflicts" | Should -Match 'ptrace'
            "$conflicts" | Should -Match 'write is Allow in .*web.json / Errno\(1\) in .*hard.json; Strict takes Errno\(1\)'
        }

        It 'merges permissively on request' {
            $merged = Merge-SeccompProfile -Path TestDrive:/web.json, TestDrive:/hard.json -Strategy Permissive -WarningAction SilentlyContinue
            ($merged.Syscalls | Where-Object { $_.Names -contains 'ptrace' }).Action | Should -Be 'SCMP_ACT_ALLOW'
        }
    }

    Context 'ConvertTo-SeccompSecurityContext' {
        It 'renders the pod securityContext of the Talos guide' {
            ConvertTo-SeccompSecurityContext -Name audit.json | Should -BeExactly "spec:`n  securityContext:`n    seccompProfile:`n      type: Localhost`n      localhostProfile: profiles/audit.json`n"
        }

        It 'binds the profile name from piped profiles and renders container level' {
            $yaml = Import-SeccompProfile -LiteralPath $LargeProfile | ConvertTo-SeccompSecurityContext -Level Container
            $yaml | Should -BeExactly "securityContext:`n  seccompProfile:`n    type: Localhost`n    localhostProfile: profiles/large-profile.json`n"
        }

        It 'returns an object with -AsObject' {
            $ctx = [pscustomobject]@{ Name = 'x.json'; Node = '10.5.0.3' } | ConvertTo-SeccompSecurityContext -AsObject
            $ctx.LocalhostProfile | Should -Be 'profiles/x.json'
            $ctx.ToDictionary()['seccompProfile']['type'] | Should -Be 'Localhost'
        }

        It 'refuses an unsafe name' {
            $err = Get-ErrorRecord { ConvertTo-SeccompSecurityContext -Name '../x' -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'UnsafeProfileName,TalosSeccomp.Commands.ConvertToSeccompSecurityContextCommand'
        }
    }

    Context 'Tab completion and command contract' {
        It 'completes <Line>' -ForEach @(
            @{ Line = 'New-SeccompRule -Name read -Action Kill'; Expected = 'KillProcess' }
            @{ Line = 'New-SeccompProfile -DefaultAction Log -Architecture aarc'; Expected = 'aarch64' }
            @{ Line = 'New-SeccompRule -Name rt_sigre'; Expected = 'rt_sigreturn' }
            @{ Line = 'New-SeccompProfile -DefaultAction Log -Flag Sp'; Expected = 'SpecAllow' }
        ) {
            (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText | Should -Contain $Expected
        }

        It '<Name> declares an output type and uses an approved verb' -ForEach @(
            'New-SeccompProfile', 'New-SeccompRule', 'Import-SeccompProfile', 'Export-SeccompProfile', 'ConvertTo-SeccompJson',
            'Test-SeccompProfile', 'Compare-SeccompProfile', 'Merge-SeccompProfile', 'ConvertTo-SeccompSecurityContext' | ForEach-Object { @{ Name = $_ } }
        ) {
            $command = Get-Command $Name -Module TalosSeccomp
            $command.OutputType | Should -Not -BeNullOrEmpty
            (Get-Verb).Verb | Should -Contain $command.Verb
        }

        It 'supports -WhatIf where a file is written' {
            (Get-Command Export-SeccompProfile).Parameters.Keys | Should -Contain 'WhatIf'
        }
    }
}

Describe 'ConvertTo-TalosConfigPatch' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    }

    It 'renders the Talos guide''s patch when no profile is given' {
        ConvertTo-TalosConfigPatch -Name audit.json |
            Should -BeExactly "machine:`n  seccompProfiles:`n    - name: audit.json`n      value:`n        defaultAction: SCMP_ACT_LOG`n"
    }

    It 'puts every piped profile into one patch under its own name' {
        $a = New-SeccompProfile -DefaultAction Log -Name a.json
        $b = New-SeccompProfile -DefaultAction Errno -AllowSyscall write, read -Name b.json
        $patch = $a, $b | ConvertTo-TalosConfigPatch
        $patch | Should -Match '(?s)- name: a\.json.*- name: b\.json'
        $patch | Should -Match '(?s)names:\s+- read\s+- write'
    }

    It 'refuses an unsafe name with UnsafeProfileName' {
        { ConvertTo-TalosConfigPatch -Name '../etc/passwd' -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsafeProfileName,TalosSeccomp.Commands.ConvertToTalosConfigPatchCommand'
    }
}
