Describe 'Resolve-SeccompSyscall' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    }

    Context 'names to numbers' {
        It 'answers for x86_64 and aarch64, the Talos architectures, by default' {
            $result = Resolve-SeccompSyscall -Name execve
            $result | ForEach-Object { $_.PSObject.TypeNames[0] } | Should -Be @('TalosSeccomp.Syscalls.SyscallInfo', 'TalosSeccomp.Syscalls.SyscallInfo')
            $result | ForEach-Object { '{0}={1}' -f $_.Architecture, $_.Number } | Should -Be @('x86_64=59', 'aarch64=221')
        }

        It 'takes several names positionally and ignores case' {
            $result = Resolve-SeccompSyscall READ, write x86_64
            $result.Name | Should -Be @('read', 'write')
            $result.Number | Should -Be @(0, 1)
        }

        It 'expands wildcards in names and architectures' {
            $result = Resolve-SeccompSyscall 'epoll_create*' -Architecture 'x86*', 'SCMP_ARCH_X3?'
            $result | ForEach-Object { '{0}/{1}' -f $_.Architecture, $_.Name } |
                Should -Be @('x86_64/epoll_create', 'x86_64/epoll_create1', 'x86/epoll_create', 'x86/epoll_create1', 'x32/epoll_create', 'x32/epoll_create1')
        }

        It 'answers for every architecture with -Architecture *' {
            $result = Resolve-SeccompSyscall read -Architecture *
            $result.Count | Should -BeGreaterOrEqual 19
            ($result | Where-Object Architecture -eq 'x32').Number | Should -Be 0x40000000
            ($result | Where-Object Architecture -eq 'mips').Number | Should -Be 4003
        }

        It 'accepts SCMP_ARCH_* names and aliases and reports the libseccomp name' {
            (Resolve-SeccompSyscall openat -Architecture SCMP_ARCH_AARCH64).Architecture | Should -Be 'aarch64'
            (Resolve-SeccompSyscall openat -Architecture amd64).Architecture | Should -Be 'x86_64'
            (Resolve-SeccompSyscall openat -Arch i686).Number | Should -Be 295
        }
    }

    Context 'numbers to names' {
        It 'resolves -Number per architecture' {
            $result = Resolve-SeccompSyscall -Number 56 -Architecture aarch64, riscv64
            $result.Name | Should -Be @('openat', 'openat')
        }

        It 'resolves numeric -Name values as numbers, decimal or hex, like scmp_sys_resolver' {
            (Resolve-SeccompSyscall 59 -Architecture x86_64).Name | Should -Be 'execve'
            (Resolve-SeccompSyscall '0x40000000' -Architecture x32).Name | Should -Be 'read'
        }
    }

    Context 'pipeline' {
        It 'takes names by value' {
            ('read', 'write' | Resolve-SeccompSyscall -Architecture aarch64).Number | Should -Be @(63, 64)
        }

        It 'takes Syscall and Architecture by property name' {
            $records = @(
                [pscustomobject]@{ Syscall = 'execve'; Architecture = 'x86_64' }
                [pscustomobject]@{ Syscall = 'execve'; Architecture = 'SCMP_ARCH_S390X' }
            )
            ($records | Resolve-SeccompSyscall).Number | Should -Be @(59, 11)
        }

        It 'round-trips its own output' {
            $again = Resolve-SeccompSyscall clone3 | Resolve-SeccompSyscall
            $again | ForEach-Object { '{0}={1}' -f $_.Architecture, $_.Number } | Should -Be @('x86_64=435', 'aarch64=435')
        }
    }

    Context 'errors' {
        It 'writes a non-terminating SyscallNotFound naming the architecture and name, and keeps going' {
            $result = Resolve-SeccompSyscall open, read -ErrorVariable errors -ErrorAction SilentlyContinue
            $result | ForEach-Object { '{0}/{1}' -f $_.Architecture, $_.Name } | Should -Be @('x86_64/open', 'x86_64/read', 'aarch64/read')
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'SyscallNotFound,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be 'open'
            $errors[0].Exception.Message | Should -Match 'aarch64'
        }

        It 'writes SyscallNotFound for an unknown number' {
            Resolve-SeccompSyscall -Number 99999 -Architecture x86_64 -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'SyscallNotFound,*'
            $errors[0].Exception.Message | Should -Match '99999.*x86_64'
        }

        It 'writes UnknownArchitecture for an unknown architecture and still answers for the others' {
            $result = Resolve-SeccompSyscall read -Architecture sparc, arm -ErrorVariable errors -ErrorAction SilentlyContinue
            $result.Architecture | Should -Be 'arm'
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'UnknownArchitecture,*'
            $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $errors[0].TargetObject | Should -Be 'sparc'
        }

        It 'stops under -ErrorAction Stop' {
            { Resolve-SeccompSyscall no_such_syscall -ErrorAction Stop } | Should -Throw -ErrorId 'SyscallNotFound,*'
        }

        It 'writes InvalidWildcardPattern for an unclosed bracket in a name or an architecture, and keeps going' {
            $result = Resolve-SeccompSyscall 'open[', read -Architecture 'x86[', x86_64 -ErrorVariable errors -ErrorAction SilentlyContinue
            $result.Name | Should -Be 'read'
            $result.Architecture | Should -Be 'x86_64'
            $errors.Count | Should -Be 2
            $errors | ForEach-Object {
                $_.FullyQualifiedErrorId | Should -Be 'InvalidWildcardPattern,TalosSeccomp.Commands.ResolveSeccompSyscallCommand'
                $_.CategoryInfo.Category | Should -Be 'InvalidArgument'
            }
            $errors.TargetObject | Should -Be @('x86[', 'open[')
        }

        It 'writes nothing and no error when a wildcard matches nothing' {
            Resolve-SeccompSyscall 'no_such*' -ErrorVariable errors | Should -BeNullOrEmpty
            $errors.Count | Should -Be 0
        }
    }

    Context 'presentation' {
        It 'formats as a table with Architecture, Name and Number' {
            $text = Resolve-SeccompSyscall read -Architecture x86_64 | Out-String -Width 120
            $text | Should -Match 'Architecture\s+Name\s+Number'
            $text | Should -Match 'x86_64\s+read\s+0'
        }

        It 'completes architectures' {
            $script = 'Resolve-SeccompSyscall -Architecture aa'
            (TabExpansion2 -inputScript $script -cursorColumn $script.Length).CompletionMatches.CompletionText | Should -Be @('aarch64')
            $script = 'Resolve-SeccompSyscall -Architecture SCMP_ARCH_PPC6'
            (TabExpansion2 -inputScript $script -cursorColumn $script.Length).CompletionMatches.CompletionText | Should -Be @('SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE')
        }

        It 'completes syscall names for the architectures already given' {
            $script = 'Resolve-SeccompSyscall -Architecture x86_64 -Name arch_pr'
            (TabExpansion2 -inputScript $script -cursorColumn $script.Length).CompletionMatches.CompletionText | Should -Be @('arch_prctl')
            $script = 'Resolve-SeccompSyscall -Architecture aarch64 -Name arch_pr'
            (TabExpansion2 -inputScript $script -cursorColumn $script.Length).CompletionMatches | Should -BeNullOrEmpty
        }

        It 'has help with a synopsis and examples' {
            $help = Get-Help Resolve-SeccompSyscall -Full
            $help.Synopsis | Should -Match 'Resolves syscall names'
            @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        } -Skip:(-not (Test-Path (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'en-US/TalosSeccomp.dll-Help.xml')))
    }
}
