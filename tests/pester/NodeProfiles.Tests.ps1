# Get-, Set- and Remove-TalosSeccompProfile against the fake Talos node run as a program (Ed25519 mutual TLS).
BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 3
    $script:Info = [pscustomobject]@{ endpoint = $FakeTalos.Endpoint; controlUrl = $FakeTalos.ControlUrl; nodes = $FakeTalos.Nodes }
    $script:StateDir = $FakeTalos.StateDir
    $script:Config = $FakeTalos.TalosConfig
    $script:ReaderConfig = $FakeTalos.ReaderConfig
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function script:Get-Applied([string] $Node) { @(Invoke-RestMethod "$($Info.controlUrl)/nodes/$Node/applied") }
    function script:Get-NodeConfig([string] $Node) { Invoke-RestMethod "$($Info.controlUrl)/nodes/$Node/config" }
    function script:Get-NodeFile([string] $Node, [string] $Path) {
        $bytes = (Invoke-WebRequest "$($Info.controlUrl)/nodes/$Node/files?path=$([uri]::EscapeDataString($Path))").Content
        [Text.Encoding]::UTF8.GetString($bytes)
    }

    Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force
}

AfterAll {
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'Get-TalosSeccompProfile' {
    It 'lists the profiles of every node like talosctl get seccompprofiles' {
        $profiles = Get-TalosSeccompProfile -TalosConfig $Config
        ($profiles.Node | Sort-Object) | Should -Be ($Info.nodes | Sort-Object)
        $profiles | ForEach-Object {
            $_.PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Talos.TalosSeccompProfile'
            $_.Id | Should -Be 'audit.json'
            $_.LocalhostProfile | Should -Be 'profiles/audit.json'
            $_.Profile.DefaultAction | Should -Be 'SCMP_ACT_LOG'
        }
        $text = $profiles | Out-String
        $text | Should -Match 'NODE\s+NAMESPACE\s+TYPE\s+ID\s+VERSION'
        $text | Should -Match ([regex]::Escape($Info.nodes[0]) + '\s+cri\s+SeccompProfile\s+audit\.json\s+1')
    }

    It 'reads the files with -Content and reports whether they match' {
        $profile = Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name 'aud*' -Content
        $profile.Content | Should -BeExactly '{"defaultAction":"SCMP_ACT_LOG"}'
        $profile.ContentMatches | Should -BeTrue
        $profile.ContentLength | Should -Be 32
        $text = $profile | Out-String -Width 200
        $text | Should -Match 'NODE\s+ID\s+VERSION\s+MATCHES\s+SIZE'
        $text | Should -Match ([regex]::Escape($Info.nodes[0]) + '\s+audit\.json\s+\d+\s+yes\s+32')
    }

    It 'still returns the profiles to a reader and warns that the content needs os:admin' {
        $profile = Get-TalosSeccompProfile -TalosConfig $ReaderConfig -Node $Info.nodes[1] -Content -WarningVariable warnings -WarningAction SilentlyContinue
        $profile.Name | Should -Be 'audit.json'
        $profile.Content | Should -BeNullOrEmpty
        $profile.ContentError | Should -Match 'os:admin'
        $warnings[0] | Should -Match 'os:admin'
    }

    It 'names the node that lacks a profile asked for by exact name' {
        Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[2] -Name missing.json -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosSeccompProfileNotFound,*'
        $err[0].TargetObject | Should -Be $Info.nodes[2]
    }

    It 'pipes into ConvertTo-SeccompSecurityContext' {
        $yaml = Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name audit.json | ConvertTo-SeccompSecurityContext
        $yaml | Should -Match 'localhostProfile: profiles/audit.json'
    }
}

Describe 'Set-TalosSeccompProfile' {
    It 'runs the design example: the audit profile on every node, nothing sent where it already is' {
        $before = $Info.nodes | ForEach-Object { (Get-Applied $_).Count }
        $verbose = Get-TalosNode -TalosConfig $Config | Set-TalosSeccompProfile -Name audit.json -Verbose 4>&1
        $results = $verbose | Where-Object { $_.PSObject.TypeNames[0] -eq 'TalosSeccomp.Talos.Deployment.SeccompProfileChange' }
        $messages = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        @($results).Count | Should -Be 3
        $results.Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
        $messages | Should -Contain 'No profile given: deploying the Talos guide''s audit profile {"defaultAction":"SCMP_ACT_LOG"} as audit.json.'
        $Info.nodes | ForEach-Object { (Get-Applied $_).Count } | Should -Be $before
    }

    It 'adds a profile given as a hashtable with exact numbers, mode AUTO, and waits for it' {
        $value = @{ defaultAction = 'SCMP_ACT_ALLOW'; syscalls = @(@{ names = @('personality'); action = 'SCMP_ACT_ERRNO'; errnoRet = 1
                    args = @(@{ index = 0; value = 18446744073709551615; op = 'SCMP_CMP_EQ' }) }) }
        $results = Set-TalosSeccompProfile -TalosConfig $Config -Name big.json -Value $value -Wait -PassThru
        @($results).Count | Should -Be 3
        $results | ForEach-Object {
            $_.Action | Should -Be 'Added'
            $_.Applied | Should -BeTrue
            $_.Confirmed | Should -BeTrue
            $_.Resource.Profile.Syscalls[0].Args[0].Value | Should -Be ([ulong]::MaxValue)
        }
        (Get-Applied $Info.nodes[0])[-1].mode | Should -Be 'AUTO'
        Get-NodeFile $Info.nodes[1] '/var/lib/kubelet/seccomp/profiles/big.json' | Should -Match '"value":18446744073709551615'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[2] -Name big.json -Content).ContentMatches | Should -BeTrue
    }

    It 'replaces by name instead of appending a second entry' {
        $p = New-SeccompProfile -DefaultAction Log
        $p.DefaultAction = 'SCMP_ACT_KILL_PROCESS'
        $result = Set-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name big.json -Profile $p -Force -WarningAction SilentlyContinue
        $result.Action | Should -Be 'Replaced'
        ([regex]::Matches((Get-NodeConfig $Info.nodes[0]), 'name: big\.json')).Count | Should -Be 1
    }

    It 'takes the profile from the pipeline or from -Path, named after the file' {
        $piped = New-SeccompProfile -DefaultAction Log | Set-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name piped.json
        $piped.Action | Should -Be 'Added'
        $file = Join-Path $StateDir 'from-file.json'
        Set-Content -Path $file -Value '{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86_64"]}'
        $fromPath = Set-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Path $file
        $fromPath.Name | Should -Be 'from-file.json'
        $fromPath.Action | Should -Be 'Added'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name 'from-file.json').Profile.Architectures | Should -Be 'SCMP_ARCH_X86_64'
        Remove-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name piped.json, from-file.json | Select-Object -ExpandProperty Action | Should -Be 'Removed'
    }

    It 'adds the default profile but replaces another profile of that name only with -Force' {
        $node = $Info.nodes[0]
        $strict = @{ defaultAction = 'SCMP_ACT_ALLOW'; syscalls = @(@{ names = @('ptrace'); action = 'SCMP_ACT_ERRNO'; errnoRet = 1 }) }
        Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name strict.json -Value $strict | Select-Object -ExpandProperty Action | Should -Be 'Added'
        $before = (Get-Applied $node).Count

        $result = Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name strict.json -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SeccompProfileDefaultWouldReplace,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].TargetObject | Should -Be $node
        $err[0].Exception.Message | Should -Match ([regex]::Escape($node) + '.*''strict\.json''.*-Force')
        (Get-Applied $node).Count | Should -Be $before
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $node -Name strict.json).Profile.DefaultAction | Should -Be 'SCMP_ACT_ALLOW'

        $forced = Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name strict.json -Force
        $forced.Action | Should -Be 'Replaced'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $node -Name strict.json).Profile.DefaultAction | Should -Be 'SCMP_ACT_LOG'
        Remove-TalosSeccompProfile -TalosConfig $Config -Node $node -Name strict.json | Select-Object -ExpandProperty Action | Should -Be 'Removed'
    }

    It 'binds a piped profile to -Profile, not to -Node, and targets the context''s nodes' {
        $results = New-SeccompProfile -DefaultAction Log -Architecture X86_64 |
            Set-TalosSeccompProfile -TalosConfig $Config -Name piped-all.json -DryRun -WarningAction SilentlyContinue
        ($results.Node | Sort-Object) | Should -Be ($Info.nodes | Sort-Object)
        $results.Action | Should -Be @('Added', 'Added', 'Added')
        $results.DryRun | Should -Be @($true, $true, $true)
    }

    It 'takes piped strings as nodes' {
        $results = $Info.nodes[1], $Info.nodes[2] |
            Set-TalosSeccompProfile -TalosConfig $Config -Name piped-nodes.json -DryRun -WarningAction SilentlyContinue
        ($results.Node | Sort-Object) | Should -Be (@($Info.nodes[1], $Info.nodes[2]) | Sort-Object)
    }

    It 'sends nothing with -WhatIf and shows the diff' {
        $before = (Get-Applied $Info.nodes[1]).Count
        $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
Set-TalosSeccompProfile -TalosConfig '$Config' -Node '$($Info.nodes[1])' -Name whatif.json -WhatIf
"@
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        ($output -join "`n") | Should -Match 'What if: set whatif.json \(add\) in the machine config of'
        ($output -join "`n") | Should -Match '\+ - name: whatif.json'
        (Get-Applied $Info.nodes[1]).Count | Should -Be $before
    }

    It 'returns the node''s own summary with -DryRun and applies nothing' {
        $before = Get-NodeConfig $Info.nodes[2]
        $result = Set-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[2] -Name dry.json -DryRun
        $result.DryRun | Should -BeTrue
        $result.ModeDetails | Should -Match '^Dry run summary'
        Get-NodeConfig $Info.nodes[2] | Should -BeExactly $before
        (Get-Applied $Info.nodes[2])[-1].dryRun | Should -BeTrue
    }

    It 'refuses an unsafe name before any call' {
        { Set-TalosSeccompProfile -TalosConfig $Config -Name '../../etc/x' } | Should -Throw -ErrorId 'UnsafeProfileName,*'
    }

    It 'refuses a profile with validation errors unless -Force' {
        { Set-TalosSeccompProfile -TalosConfig $Config -Name bad.json -Value @{ defaultAction = 'SCMP_ACT_NOPE' } } |
            Should -Throw -ErrorId 'SeccompProfileValidationFailed,*'
    }

    It 'gives a reader a PermissionDenied error naming the roles, per node' {
        $results = Set-TalosSeccompProfile -TalosConfig $ReaderConfig -Node $Info.nodes[0] -Name r.json -ErrorVariable err -ErrorAction SilentlyContinue
        $results | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosPermissionDenied,*'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err[0].TargetObject | Should -Be $Info.nodes[0]
        $err[0].Exception.Message | Should -Match 'os:reader'
    }

    Context 'when one node of three is unreachable' {
        BeforeAll { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$($Info.nodes[1])/unreachable?value=true" | Out-Null }
        AfterAll { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$($Info.nodes[1])/unreachable?value=false" | Out-Null }

        It 'completes the others and writes one error naming the failing node' {
            $results = Set-TalosSeccompProfile -TalosConfig $Config -Name fleet.json -ErrorVariable err -ErrorAction SilentlyContinue
            ($results.Node | Sort-Object) | Should -Be (@($Info.nodes[0], $Info.nodes[2]) | Sort-Object)
            $results.Action | Should -Be @('Added', 'Added')
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosNodeUnreachable,*'
            $err[0].TargetObject | Should -Be $Info.nodes[1]
        }

        It 'stops with -ErrorAction Stop' {
            { Set-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[1] -Name stop.json -ErrorAction Stop } |
                Should -Throw -ErrorId 'TalosNodeUnreachable,*'
        }
    }
}

Describe 'Remove-TalosSeccompProfile' {
    It 'removes by wildcard and is idempotent' {
        $removed = Remove-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name 'big.*', 'fleet.json' -Confirm:$false
        $removed.Action | Should -Be 'Removed'
        $removed.Name | Should -Be 'big.json, fleet.json'
        $count = (Get-Applied $Info.nodes[0]).Count
        $again = Remove-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[0] -Name 'big.*', 'fleet.json'
        $again.Action | Should -Be 'Unchanged'
        (Get-Applied $Info.nodes[0]).Count | Should -Be $count
    }

    It 'removes profiles piped from Get-TalosSeccompProfile from their own node' {
        Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[2] -Name 'big.json', 'fleet.json' |
            Remove-TalosSeccompProfile -TalosConfig $Config -Wait | Select-Object -ExpandProperty Action | Should -Be 'Removed'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[2]).Name | Should -Be 'audit.json'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[1] -Name 'big.json').Name | Should -Be 'big.json'
    }

    It 'asks before a wildcard removes several profiles of a node, and removes them with -Force' {
        $node = $Info.nodes[1]
        'wc-a.json', 'wc-b.json' | ForEach-Object {
            Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name $_ -Value @{ defaultAction = 'SCMP_ACT_LOG' } | Out-Null
        }
        $before = (Get-Applied $node).Count
        # A non-interactive host cannot answer the question: it is an error and nothing is removed.
        $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
Remove-TalosSeccompProfile -TalosConfig '$Config' -Node '$node' -Name 'wc-*'
"@
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        ($output -join "`n") | Should -Match 'NonInteractive'
        (Get-Applied $node).Count | Should -Be $before
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $node -Name 'wc-*').Name | Should -Be @('wc-a.json', 'wc-b.json')

        $removed = Remove-TalosSeccompProfile -TalosConfig $Config -Node $node -Name 'wc-*' -Force
        $removed.Action | Should -Be 'Removed'
        $removed.Name | Should -Be 'wc-a.json, wc-b.json'
        Get-TalosSeccompProfile -TalosConfig $Config -Node $node -Name 'wc-*' | Should -BeNullOrEmpty
    }

    It 'sends nothing with -WhatIf' {
        $before = (Get-Applied $Info.nodes[1]).Count
        Remove-TalosSeccompProfile -TalosConfig $Config -Node $Info.nodes[1] -Name '*' -WhatIf | Should -BeNullOrEmpty
        (Get-Applied $Info.nodes[1]).Count | Should -Be $before
    }
}

Describe 'Node order and partial results under -ErrorAction Stop' {
    BeforeAll {
        function script:Set-Latency([string] $Node, [int] $Ms) { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$Node/latency?ms=$Ms" | Out-Null }
        function script:Get-Names([string] $Node) { @((Get-TalosSeccompProfile -TalosConfig $Config -Node $Node).Name) }
        $script:N1, $script:N2, $script:N3 = $Info.nodes
    }
    AfterEach { $Info.nodes | ForEach-Object { Set-Latency $_ 0 } }
    AfterAll {
        Remove-TalosSeccompProfile -TalosConfig $Config -Name 'partial-*' -Force | Out-Null
    }

    It 'writes results in the order the nodes were given, not the order they finish in' {
        Set-Latency $N3 700
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $N3, $N1, $N2 -Name audit.json).Node | Should -Be @($N3, $N1, $N2)
        (Get-TalosVersion -TalosConfig $Config -Node $N3, $N2, $N1).Node | Should -Be @($N3, $N2, $N1)
        # Errors take their node's place too.
        $out = Get-TalosSeccompProfile -TalosConfig $Config -Node $N3, $N1 -Name audit.json, nothing.json -ErrorAction Continue 2>&1
        $out | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "error $($_.TargetObject)" } else { "result $($_.Node)" } } |
            Should -Be @("result $N3", "error $N3", "result $N1", "error $N1")
    }

    It 'writes n1''s and n2''s results, then stops with an error saying n1 and n2 changed and n3 (timed out) did not' {
        Set-Latency $N3 5000
        $r = $null; $caught = $null
        try {
            $r = Set-TalosSeccompProfile -TalosConfig $Config -Node $N1, $N2, $N3 -Name partial-1.json -Value @{ defaultAction = 'SCMP_ACT_LOG' } -TimeoutSec 2 -ErrorAction Stop -OutVariable out
        }
        catch { $caught = $_ }
        # PowerShell assigns nothing when the statement ends in a terminating error; the results went down the pipeline
        # (here -OutVariable) before it, and the error carries them.
        $r | Should -BeNullOrEmpty
        $out.Node | Should -Be @($N1, $N2)
        $out.Action | Should -Be @('Added', 'Added')
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'TalosTimeout,*'
        $caught.TargetObject | Should -Be $N3
        $caught.Exception.Message | Should -Match ([regex]::Escape("Changed: $N1, $N2. Not changed: $N3 (failed)."))
        $caught.Exception.PartialResults.Node | Should -Be @($N1, $N2)
        Get-Names $N1 | Should -Contain partial-1.json
        Get-Names $N2 | Should -Contain partial-1.json
        Set-Latency $N3 0
        Get-Names $N3 | Should -Not -Contain partial-1.json
    }

    It 'loses nothing held behind the failing node, with $ErrorActionPreference = ''Stop'' and try/catch as in a runbook' {
        Set-Latency $N3 5000
        $seen = [Collections.Generic.List[object]]::new()
        $caught = & {
            $ErrorActionPreference = 'Stop'
            try {
                Set-TalosSeccompProfile -TalosConfig $Config -Node $N3, $N1, $N2 -Name partial-2.json -Value @{ defaultAction = 'SCMP_ACT_LOG' } -TimeoutSec 2 |
                    ForEach-Object { $seen.Add($_) }
            }
            catch { $_ }
        }
        $seen.Node | Should -Be @($N1, $N2)
        $caught.FullyQualifiedErrorId | Should -BeLike 'TalosTimeout,*'
        $caught.Exception.Message | Should -Match ([regex]::Escape("Changed: $N1, $N2. Not changed: $N3 (failed)."))
    }

    It 'starts no further node after the first failure and says which were not started' {
        Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$N3/unreachable?value=true" | Out-Null
        try {
            $before = (Get-Applied $N1).Count, (Get-Applied $N2).Count
            $err = { Set-TalosSeccompProfile -TalosConfig $Config -Node $N3, $N1, $N2 -Name partial-3.json -ThrottleLimit 1 -ErrorAction Stop } |
                Should -Throw -ErrorId 'TalosNodeUnreachable,*' -PassThru
            $err.Exception.Message | Should -Match ([regex]::Escape("Not changed: $N3 (failed), $N1 (not started), $N2 (not started)."))
            $err.Exception.PartialResults | Should -BeNullOrEmpty
            ((Get-Applied $N1).Count, (Get-Applied $N2).Count) | Should -Be $before
        }
        finally { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$N3/unreachable?value=false" | Out-Null }
    }

    It 'stops Get-TalosSeccompProfile the same way, with what it found in the error' {
        $err = { Get-TalosSeccompProfile -TalosConfig $Config -Node $N1, $N2 -Name audit.json, nothing.json -ErrorAction Stop } |
            Should -Throw -ErrorId 'TalosSeccompProfileNotFound,*' -PassThru
        $err.TargetObject | Should -Be $N1
        $err.Exception.Message | Should -Match ([regex]::Escape("Failed: $N1, $N2. Other failures: $N2 has no seccomp profile named 'nothing.json'."))
        $err.Exception.PartialResults.Node | Should -Be @($N1, $N2)
        $err.Exception.PartialResults.Name | Should -Be @('audit.json', 'audit.json')
    }

    It 'reports a node that was already as wanted as not changed' {
        Set-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name partial-4.json | Out-Null
        Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$N2/unreachable?value=true" | Out-Null
        try {
            $err = { Set-TalosSeccompProfile -TalosConfig $Config -Node $N1, $N2 -Name partial-4.json -ErrorAction Stop } | Should -Throw -PassThru
            $err.Exception.Message | Should -Match ([regex]::Escape("Not changed: $N1 (already as wanted), $N2 (failed)."))
            $err.Exception.PartialResults.Action | Should -Be 'Unchanged'
        }
        finally { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$N2/unreachable?value=false" | Out-Null }
    }
}

Describe 'Profiles piped from Get-TalosSeccompProfile' {
    BeforeAll {
        $script:N1, $script:N2, $script:N3 = $Info.nodes
        $value = @{ defaultAction = 'SCMP_ACT_ALLOW'; syscalls = @(@{ names = @('personality'); action = 'SCMP_ACT_ERRNO'; errnoRet = 1
                    args = @(@{ index = 0; value = 18446744073709551615; op = 'SCMP_CMP_EQ' }) }); unknownField = 'kept' }
        Set-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name copy-a.json -Value $value -WarningAction SilentlyContinue | Out-Null
        Set-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name copy-b.json -Value @{ defaultAction = 'SCMP_ACT_LOG' } | Out-Null
    }
    AfterAll { Remove-TalosSeccompProfile -TalosConfig $Config -Name 'copy-*' -Force | Out-Null }

    It 'copies n1''s profiles to n2 exactly with -Node n2, and leaves n1 alone' {
        $n1Applies = (Get-Applied $N1).Count
        $results = Get-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name 'copy-*' |
            Set-TalosSeccompProfile -TalosConfig $Config -Node $N2 -WarningAction SilentlyContinue
        $results.Node | Should -Be @($N2, $N2)
        $results.Name | Should -Be @('copy-a.json', 'copy-b.json')
        $results.Action | Should -Be @('Added', 'Added')
        (Get-Applied $N1).Count | Should -Be $n1Applies
        $source = Get-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name 'copy-*'
        $copy = Get-TalosSeccompProfile -TalosConfig $Config -Node $N2 -Name 'copy-*'
        $copy.Name | Should -Be $source.Name
        $copy.ExpectedContent | Should -Be $source.ExpectedContent
        $copy[0].ExpectedContent | Should -Match '"value":18446744073709551615'
        $copy[0].ExpectedContent | Should -Match '"unknownField":"kept"'
    }

    It 'shows the copy with -WhatIf and sends nothing' {
        $before = (Get-Applied $N3).Count
        $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
Get-TalosSeccompProfile -TalosConfig '$Config' -Node '$N1' -Name copy-b.json | Set-TalosSeccompProfile -TalosConfig '$Config' -Node '$N3' -WhatIf
"@
        $output = (& $Pwsh -NoProfile -NonInteractive -Command $script) -join "`n"
        $LASTEXITCODE | Should -Be 0
        $output | Should -Match ([regex]::Escape("What if: set copy-b.json (add, from ${N1}:copy-b.json) in the machine config of $N3"))
        $output | Should -Match '\+ - name: copy-b.json'
        (Get-Applied $N3).Count | Should -Be $before
    }

    It 'copies with -Content output too' {
        $result = Get-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name copy-b.json -Content | Set-TalosSeccompProfile -TalosConfig $Config -Node $N3
        $result.Node | Should -Be $N3
        $result.Action | Should -Be 'Added'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $N3 -Name copy-b.json -Content).ContentMatches | Should -BeTrue
    }

    It 'sends each profile back to its own node without -Node' {
        $applies = $Info.nodes | ForEach-Object { (Get-Applied $_).Count }
        $results = Get-TalosSeccompProfile -TalosConfig $Config -Node $N1, $N2 -Name copy-a.json | Set-TalosSeccompProfile -TalosConfig $Config -WarningAction SilentlyContinue
        $results.Node | Should -Be @($N1, $N2)
        $results.Action | Should -Be @('Unchanged', 'Unchanged')
        $Info.nodes | ForEach-Object { (Get-Applied $_).Count } | Should -Be $applies
    }

    It 'removes from the node -Node names, not the one the piped profile came from' {
        $removed = Get-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name copy-a.json | Remove-TalosSeccompProfile -TalosConfig $Config -Node $N2
        $removed.Node | Should -Be $N2
        $removed.Action | Should -Be 'Removed'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $N1 -Name copy-a.json).Name | Should -Be copy-a.json
        Get-TalosSeccompProfile -TalosConfig $Config -Node $N2 -Name 'copy-a*' | Should -BeNullOrEmpty
    }
}

Describe 'Remove-TalosSeccompProfile and $ConfirmPreference' {
    It 'removes what a wildcard matches without asking when $ConfirmPreference is None, and asks by default' {
        $node = $Info.nodes[2]
        'cp-a.json', 'cp-b.json' | ForEach-Object { Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name $_ | Out-Null }
        $remove = "Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'; Remove-TalosSeccompProfile -TalosConfig '$Config' -Node '$node' -Name 'cp-*'"
        ((& $Pwsh -NoProfile -NonInteractive -Command $remove 2>&1) -join "`n") | Should -Match 'NonInteractive'
        (Get-TalosSeccompProfile -TalosConfig $Config -Node $node -Name 'cp-*').Name | Should -Be @('cp-a.json', 'cp-b.json')

        $output = & $Pwsh -NoProfile -NonInteractive -Command "`$ConfirmPreference = 'None'; $remove | ForEach-Object Action" 2>&1
        $LASTEXITCODE | Should -Be 0
        $output | Should -Be 'Removed'
        Get-TalosSeccompProfile -TalosConfig $Config -Node $node -Name 'cp-*' | Should -BeNullOrEmpty
    }
}
