# Get-TalosNode / Get-TalosVersion against the fake Talos node run as a program (Ed25519 mutual TLS).
BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 3
    # The shape the tests below use: endpoint, controlUrl and nodes as the fake's endpoint.json has them.
    $script:Info = [pscustomobject]@{ endpoint = $FakeTalos.Endpoint; controlUrl = $FakeTalos.ControlUrl; nodes = $FakeTalos.Nodes }
    $script:StateDir = $FakeTalos.StateDir
    $script:Config = $FakeTalos.TalosConfig
    $script:ReaderConfig = $FakeTalos.ReaderConfig
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force
}

AfterAll {
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'Get-TalosNode' {
    It 'lists the context nodes with their connection' {
        $nodes = Get-TalosNode -TalosConfig $Config
        $nodes.Node | Should -Be $Info.nodes
        $nodes[0].Context | Should -Be 'fake'
        $nodes[0].Endpoint | Should -Be @($Info.endpoint)
        $nodes[0].TalosConfig | Should -Be $Config
        $nodes[0].PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Talos.TalosNode'
    }

    It 'lists the cluster members with -FromCluster' {
        $members = Get-TalosNode -TalosConfig $Config -FromCluster
        @($members).Count | Should -Be 3
        ($members.Node | Sort-Object) | Should -Be ($Info.nodes | Sort-Object)
        $members | ForEach-Object { $_.Hostname | Should -Not -BeNullOrEmpty; $_.MachineType | Should -BeIn 'init', 'controlplane', 'worker' }
    }

    It 'shows talosconfig nodes without blank member columns, and members with them' {
        $text = Get-TalosNode -TalosConfig $Config | Out-String -Width 200
        $text | Should -Match 'NODE\s+CONTEXT\s+ENDPOINT'
        $text | Should -Not -Match 'HOSTNAME'
        $members = Get-TalosNode -TalosConfig $Config -FromCluster
        $members[0].PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Talos.TalosNode#ClusterMember'
        ($members | Out-String -Width 200) | Should -Match 'NODE\s+HOSTNAME\s+MACHINE TYPE\s+OS\s+ADDRESSES'
    }

    It 'reports a missing talosconfig with its own error id' {
        $missing = Join-Path $StateDir 'missing'
        Get-TalosNode -TalosConfig $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosConfigNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be $missing
    }

    It 'completes contexts and nodes from the talosconfig' {
        $contexts = TabExpansion2 -inputScript "Get-TalosNode -TalosConfig '$Config' -Context f" -cursorColumn ("Get-TalosNode -TalosConfig '$Config' -Context f".Length)
        $contexts.CompletionMatches.CompletionText | Should -Contain 'fake'
        $line = "Get-TalosVersion -TalosConfig '$Config' -Node 10.5"
        $nodes = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $nodes.CompletionMatches.CompletionText | Should -Be $Info.nodes
    }
}

Describe 'Get-TalosVersion' {
    It 'binds TalosNode objects by property name and returns one result per node' {
        $versions = Get-TalosNode -TalosConfig $Config | Get-TalosVersion
        ($versions.Node | Sort-Object) | Should -Be ($Info.nodes | Sort-Object)
        $versions | ForEach-Object { $_.Tag | Should -Be 'v1.11.5'; $_.PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Talos.TalosVersionInfo' }
    }

    It 'binds piped strings as nodes' {
        $versions = $Info.nodes[0], $Info.nodes[2] | Get-TalosVersion -TalosConfig $Config
        ($versions.Node | Sort-Object) | Should -Be (@($Info.nodes[0], $Info.nodes[2]) | Sort-Object)
        (Get-Command Get-TalosVersion).Parameters['Node'].Attributes.Where({ $_ -is [Parameter] }).ValueFromPipeline | Should -Contain $true
    }

    It 'renders the talosctl-like table' {
        $text = Get-TalosVersion -TalosConfig $Config -Node $Info.nodes[0] | Out-String
        $text | Should -Match 'NODE\s+TAG\s+SHA\s+OS/ARCH'
        $text | Should -Match ([regex]::Escape($Info.nodes[0]))
    }

    It 'reuses one TLS connection for many calls in a fresh session' {
        $before = (Invoke-RestMethod "$($Info.controlUrl)/stats").handshakes
        $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
`$count = 0
foreach (`$i in 1..10) { `$count += @(Get-TalosNode -TalosConfig '$Config' | Get-TalosVersion -ErrorAction Stop).Count }
`$count
"@
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        [int] ($output | Select-Object -Last 1) | Should -Be 30
        (Invoke-RestMethod "$($Info.controlUrl)/stats").handshakes - $before | Should -Be 1
    }

    It 'closes its connections when the module is removed, and opens a new one after a re-import' {
        $before = (Invoke-RestMethod "$($Info.controlUrl)/stats").handshakes
        $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
`$null = Get-TalosVersion -TalosConfig '$Config' -ErrorAction Stop
Remove-Module TalosSeccomp
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
`$null = Get-TalosVersion -TalosConfig '$Config' -ErrorAction Stop
'done'
"@
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $output | Select-Object -Last 1 | Should -Be 'done'
        # One pooled connection per import: the removal closed the first, so the second import handshakes again.
        (Invoke-RestMethod "$($Info.controlUrl)/stats").handshakes - $before | Should -Be 2
    }

    Context 'when one node is unreachable' {
        BeforeAll { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$($Info.nodes[1])/unreachable?value=true" | Out-Null }
        AfterAll { Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$($Info.nodes[1])/unreachable?value=false" | Out-Null }

        It 'returns the other nodes and one error naming the failing node' {
            $versions = Get-TalosVersion -TalosConfig $Config -ErrorVariable err -ErrorAction SilentlyContinue
            ($versions.Node | Sort-Object) | Should -Be (@($Info.nodes[0], $Info.nodes[2]) | Sort-Object)
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosNodeUnreachable,*'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].TargetObject | Should -Be $Info.nodes[1]
        }

        It 'stops at the failing node with -ErrorAction Stop' {
            { Get-TalosVersion -TalosConfig $Config -Node $Info.nodes[1] -ErrorAction Stop } |
                Should -Throw -ErrorId 'TalosNodeUnreachable,*'
        }
    }

    It 'fails with TalosTimeout when a node is slower than -TimeoutSec' {
        Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$($Info.nodes[2])/latency?ms=3000" | Out-Null
        try {
            Get-TalosVersion -TalosConfig $Config -Node $Info.nodes[2] -TimeoutSec 1 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosTimeout,*'
            $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        }
        finally {
            Invoke-RestMethod -Method Put "$($Info.controlUrl)/nodes/$($Info.nodes[2])/latency?ms=0" | Out-Null
        }
    }

    It 'declares its output type and the common Talos parameters' {
        $command = Get-Command Get-TalosVersion
        $command.OutputType.Name | Should -Contain 'TalosSeccomp.Talos.TalosVersionInfo'
        foreach ($name in 'TalosConfig', 'Context', 'Endpoint', 'Node', 'TimeoutSec', 'ThrottleLimit') { $command.Parameters.Keys | Should -Contain $name }
        $command.Parameters['Node'].Aliases | Should -Contain 'Nodes'
        (Get-Help Get-TalosVersion).Synopsis | Should -Not -BeNullOrEmpty
    }
}
