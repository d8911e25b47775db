# Bad input as users hand it to the cmdlets (issue 12): every failure has an ErrorId and category of ours, names what
# to fix, and changes nothing.
BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 2
    $script:Config = $FakeTalos.TalosConfig
    $script:Nodes = $FakeTalos.Nodes
    $script:ControlUrl = $FakeTalos.ControlUrl
    Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force

    function script:Get-ErrorRecord([scriptblock] $Command) {
        try { & $Command; $null } catch { $_ }
    }
    function script:Get-Applied([string] $Node) { @(Invoke-RestMethod "$ControlUrl/nodes/$Node/applied") }
    function script:Get-NodeConfig([string] $Node) { Invoke-RestMethod "$ControlUrl/nodes/$Node/config" }
    function script:Set-NodeConfig([string] $Node, [string] $Text) { Invoke-RestMethod -Method Put "$ControlUrl/nodes/$Node/config" -Body $Text | Out-Null }
    function script:Assert-OurError($Err, [string] $Id, [string] $Category) {
        $Err | Should -Not -BeNullOrEmpty
        $Err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $Err.CategoryInfo.Category | Should -Be $Category
        $Err.ToString() | Should -Not -Match 'Exception\b'
    }
}

AfterAll {
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'No raw .NET errors' {
    It 'New-SeccompRule -Argument $null names the parameter' {
        $err = Get-ErrorRecord { New-SeccompRule -Name read -Action Allow -Argument $null -ErrorAction Stop }
        Assert-OurError $err 'InvalidSeccompArgument' 'InvalidArgument'
        $err.ToString() | Should -Match '-Argument'
    }

    It 'Resolve-SeccompSyscall with an unclosed [ in -Name or -Architecture says how to escape it' {
        foreach ($call in { Resolve-SeccompSyscall -Name '[' -ErrorAction Stop }, { Resolve-SeccompSyscall -Name read -Architecture '[' -ErrorAction Stop }) {
            $err = Get-ErrorRecord $call
            Assert-OurError $err 'InvalidWildcardPattern' 'InvalidArgument'
            $err.ToString() | Should -Match 'backtick'
        }
        # A good name after a bad one still resolves.
        @(Resolve-SeccompSyscall -Name '[', 'read' -Architecture x86_64 -ErrorAction SilentlyContinue).Name | Should -Be 'read'
    }

    It 'Watch-TalosAudit -Duration beyond what a timer can hold is refused before connecting' {
        $err = Get-ErrorRecord { Watch-TalosAudit -TalosConfig $Config -Duration ([TimeSpan]::MaxValue) -ErrorAction Stop }
        Assert-OurError $err 'InvalidWatchDuration' 'InvalidArgument'
        $err.ToString() | Should -Match 'at most 49\.7 days'
    }
}

Describe 'Profile names longer than a file name' {
    BeforeAll { $script:LongName = ('a' * 296) + '.json' }

    It 'New-SeccompProfile refuses them' {
        $err = Get-ErrorRecord { New-SeccompProfile -DefaultAction Log -Name $LongName -ErrorAction Stop }
        Assert-OurError $err 'UnsafeProfileName' 'InvalidArgument'
        $err.ToString() | Should -Match '301 bytes'
    }

    It 'Set- and Remove-TalosSeccompProfile refuse them before any call' {
        $before = (Get-Applied $Nodes[0]).Count
        Assert-OurError (Get-ErrorRecord { Set-TalosSeccompProfile -TalosConfig $Config -Node $Nodes[0] -Name $LongName -ErrorAction Stop }) 'UnsafeProfileName' 'InvalidArgument'
        Assert-OurError (Get-ErrorRecord { Remove-TalosSeccompProfile -TalosConfig $Config -Node $Nodes[0] -Name $LongName -Confirm:$false -ErrorAction Stop }) 'UnsafeProfileName' 'InvalidArgument'
        (Get-Applied $Nodes[0]).Count | Should -Be $before
    }
}

Describe 'Merge-SeccompProfile with an input that fails' {
    It 'outputs nothing and says why' {
        $dir = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "merge-$PID")
        try {
            New-SeccompProfile -DefaultAction Errno -AllowSyscall read | Export-SeccompProfile -Path (Join-Path $dir 'good.json')
            $out = Merge-SeccompProfile -Path (Join-Path $dir 'good.json'), (Join-Path $dir 'missing.json') -ErrorVariable errs -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $errs.FullyQualifiedErrorId | Should -Contain 'SeccompProfileFileNotFound,TalosSeccomp.Commands.MergeSeccompProfileCommand'
            $incomplete = $errs | Where-Object FullyQualifiedErrorId -Like 'SeccompProfileMergeIncomplete,*'
            $incomplete.CategoryInfo.Category | Should -Be 'InvalidData'
            $incomplete.ToString() | Should -Match 'missing\.json'
            # With every input readable it merges as before.
            Merge-SeccompProfile -Path (Join-Path $dir 'good.json') | Should -Not -BeNullOrEmpty
        }
        finally { Remove-Item $dir -Recurse -Force }
    }
}

Describe 'Error categories' {
    It 'a directory given as a profile path is named as a directory, not "access denied"' {
        $dir = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "dirpath-$PID")
        try {
            foreach ($call in { Import-SeccompProfile -LiteralPath $dir -ErrorAction Stop }, { Import-SeccompProfile -Path $dir -ErrorAction Stop }) {
                $err = Get-ErrorRecord $call
                Assert-OurError $err 'SeccompProfilePathIsDirectory' 'InvalidArgument'
                $err.ToString() | Should -Not -Match 'denied'
            }
            Assert-OurError (Get-ErrorRecord { Get-TalosSeccompProfile -TalosConfig $dir -ErrorAction Stop }) 'TalosConfigPathIsDirectory' 'InvalidArgument'
        }
        finally { Remove-Item $dir -Recurse -Force }
    }

    It 'an endpoint that is not a Talos API fails without .NET type names' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $err = Get-ErrorRecord { Get-TalosVersion -TalosConfig $Config -Endpoint "127.0.0.1:$port" -TimeoutSec 3 -ErrorAction Stop }
            $err | Should -Not -BeNullOrEmpty
            $err.ToString() | Should -Not -Match '[A-Z][A-Za-z]+Exception'
            $err.CategoryInfo.Category | Should -Not -Be 'NotSpecified'
        }
        finally { $listener.Stop() }
    }
}

Describe 'Staged configs and duplicates on the node' {
    It 'a normal Set after a staged one is refused unless -Force, and nothing is lost silently' {
        $node = $Nodes[1]
        Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name staged.json -Mode Staged -Confirm:$false -ErrorAction Stop | Out-Null
        $applied = (Get-Applied $node).Count

        $err = Get-ErrorRecord { Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name next.json -Confirm:$false -ErrorAction Stop }
        Assert-OurError $err 'SeccompProfileStagedConfigPending' 'InvalidOperation'
        $err.ToString() | Should -Match '-Force'
        (Get-Applied $node).Count | Should -Be $applied
        $err = Get-ErrorRecord { Remove-TalosSeccompProfile -TalosConfig $Config -Node $node -Name audit.json -Confirm:$false -ErrorAction Stop }
        Assert-OurError $err 'SeccompProfileStagedConfigPending' 'InvalidOperation'

        $result = Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name next.json -Force -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop
        $result.Applied | Should -BeTrue
        ($warned -join "`n") | Should -Match 'discarded'
    }

    It 'replacing a name the config holds twice warns, naming the lines' {
        $node = $Nodes[0]
        $nodeConfig = Get-NodeConfig $node
        $entry = "        - name: twice.json`n          value:`n            defaultAction: SCMP_ACT_LOG`n"
        $nodeConfig.Contains("`n    seccompProfiles:`n") | Should -BeTrue
        $doubled = $nodeConfig.Replace("`n    seccompProfiles:`n", "`n    seccompProfiles:`n$entry$entry")
        Set-NodeConfig -Node $node -Text $doubled
        (Get-NodeConfig $node) | Should -Match 'twice\.json[\s\S]*twice\.json'

        Set-TalosSeccompProfile -TalosConfig $Config -Node $node -Name twice.json -Value @{ defaultAction = 'SCMP_ACT_LOG'; architectures = @('SCMP_ARCH_X86_64') } -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        ($warned -join "`n") | Should -Match "2 entries named 'twice\.json' \(at lines \d+, \d+\)"
        ([regex]::Matches((Get-NodeConfig $node), 'twice\.json')).Count | Should -Be 1
    }
}
