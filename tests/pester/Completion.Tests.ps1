# Argument completion through TabExpansion2: every completer matches the word typed so far as a case-insensitive
# wildcard prefix and single-quotes the values PowerShell would split or expand.
BeforeAll {
    Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    # Completion only reads the talosconfig, so a file without credentials does.
    $script:Config = Join-Path $TestDrive 'talosconfig'
    @'
context: prod east
contexts:
  prod east:
    endpoints: [10.5.0.1]
    nodes: [10.5.0.2, node a]
  it's mine:
    endpoints: [10.6.0.1]
  fake:
    endpoints: [10.7.0.1]
'@ | Set-Content -LiteralPath $Config

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches |
            Where-Object ResultType -eq 'ParameterValue')
    }
}

Describe 'Argument completion' {
    Context 'quoting' {
        It 'quotes a context name with a space' {
            $matches = Get-Completion "Get-TalosNode -TalosConfig '$Config' -Context pro"
            $matches.CompletionText | Should -Be @("'prod east'")
            $matches.ListItemText | Should -Be @('prod east')
        }

        It 'doubles the single quote inside a name' {
            (Get-Completion "Get-TalosNode -TalosConfig '$Config' -Context it").CompletionText | Should -Be @("'it''s mine'")
        }

        It 'completes after a quote the user opened (<Typed>)' -ForEach @(
            @{ Typed = "'it''s" }
            @{ Typed = "'prod e" }
            @{ Typed = '"prod' }
        ) {
            (Get-Completion "Get-TalosNode -TalosConfig '$Config' -Context $Typed").ListItemText | Should -HaveCount 1
        }

        It 'leaves a plain name bare' {
            (Get-Completion "Get-TalosNode -TalosConfig '$Config' -Context fa").CompletionText | Should -Be @('fake')
        }

        It 'quotes a node name with a space, from the context given on the line' {
            $matches = Get-Completion "Get-TalosVersion -TalosConfig '$Config' -Context 'prod east' -Node no"
            $matches.CompletionText | Should -Be @("'node a'")
        }
    }

    Context 'matching' {
        It 'treats the word as a wildcard prefix: <Line>' -ForEach @(
            @{ Line = 'ConvertFrom-SeccompAuditRecord -Action ?ill'; Expected = @('KillProcess', 'KillThread') }
            @{ Line = 'ConvertFrom-SeccompAuditRecord -Action *Thread'; Expected = @('KillThread') }
            @{ Line = 'Resolve-SeccompSyscall -Architecture *pc64'; Expected = @('ppc64', 'ppc64le') }
            @{ Line = 'New-SeccompRule -Name read -Action scmp_act_k*pro'; Expected = @('SCMP_ACT_KILL_PROCESS') }
        ) {
            (Get-Completion $Line).CompletionText | Should -Be $Expected
        }

        It 'treats a context word as a wildcard prefix' {
            (Get-Completion "Get-TalosNode -TalosConfig '$Config' -Context *east").CompletionText | Should -Be @("'prod east'")
        }

        It 'ignores case' {
            (Get-Completion 'New-SeccompProfile -DefaultAction Log -Flag specal').CompletionText | Should -Be @('SpecAllow')
        }

        It 'matches syscall names anywhere after a leading *' {
            $names = (Get-Completion 'Resolve-SeccompSyscall -Architecture x86_64 -Name *sigret').CompletionText
            $names | Should -Contain 'rt_sigreturn'
            $names | ForEach-Object { $_ | Should -BeLike '*sigret*' }
        }

        It 'takes a half-typed bracket literally instead of failing' {
            Get-Completion 'Resolve-SeccompSyscall -Architecture x86_64 -Name open[' | Should -BeNullOrEmpty
            (Get-Completion 'Resolve-SeccompSyscall -Architecture x86_64 -Name open[a').CompletionText | Should -BeNullOrEmpty
        }
    }
}
