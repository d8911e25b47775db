# Docker's and Podman's official default profiles through every cmdlet that takes a profile, from the file to a
# (fake) node and back, with the findings runc on this machine justifies (see Profiles.Tests.ps1 and the xunit
# runc oracle tests for the behaviour itself).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 1
    Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    $script:TestData = Join-Path $PSScriptRoot '../TalosSeccomp.Tests/TestData'
    $script:Node = $FakeTalos.Nodes[0]
}

AfterAll {
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'Upstream default profile <File>' -ForEach @(
    @{ File = 'docker-default.json'; Name = 'docker-default.json' }
    @{ File = 'podman-default.json'; Name = 'podman-default.json' }
) {
    BeforeAll {
        $script:Path = Join-Path $TestData $File
        $script:P = Import-SeccompProfile -LiteralPath $Path
    }

    It 'imports and exports without losing a field' {
        $out = Join-Path $TestDrive $File
        $P | Export-SeccompProfile -LiteralPath $out
        # The node bytes (every key, sorted, compact) of the exported file are those of the original.
        Import-SeccompProfile -LiteralPath $out | ConvertTo-SeccompJson | Should -BeExactly ($P | ConvertTo-SeccompJson)
    }

    It 'passes Test-SeccompProfile -Quiet and says which duplicate rule runc keeps' {
        $P | Test-SeccompProfile -Quiet | Should -BeTrue
        $duplicates = $P | Test-SeccompProfile | Where-Object Code -EQ 'ConflictingDuplicateRule'
        $duplicates | Should -Not -BeNullOrEmpty
        $duplicates.Severity | Select-Object -Unique | Should -Be 'Warning'
    }

    It 'compares equal to itself and merges alone into the same behaviour' {
        Compare-SeccompProfile -ReferenceProfile $P -DifferenceProfile $P | Should -BeNullOrEmpty
        $merged = $P | Merge-SeccompProfile -WarningAction SilentlyContinue
        Compare-SeccompProfile -ReferenceProfile $P -DifferenceProfile $merged | Should -BeNullOrEmpty
    }

    It 'resolves into the profile containerd loads, without the capability-gated syscalls' {
        $resolved = $P | ConvertFrom-DockerSeccompProfile -KernelVersion 6.12
        $allowed = $resolved.Syscalls | Where-Object Action -EQ 'SCMP_ACT_ALLOW' | ForEach-Object Names
        $allowed | Should -Not -Contain 'bpf'
        $resolved | Test-SeccompProfile | Where-Object Code -EQ 'DockerOnlyKey' | Should -BeNullOrEmpty
    }

    It 'renders the node bytes, the Talos patch and the securityContext' {
        $json = $P | ConvertTo-SeccompJson
        $json | Should -Not -Match '\s{2}'
        ($json | ConvertFrom-Json).defaultAction | Should -Be $P.DefaultAction
        $P | ConvertTo-TalosConfigPatch -Name $Name | Should -Match "name: $([regex]::Escape($Name))"
        ConvertTo-SeccompSecurityContext -Name $Name | Should -Match "localhostProfile: profiles/$([regex]::Escape($Name))"
    }

    It 'goes onto a node and the node writes exactly its bytes' {
        $change = Set-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $Node -Profile $P -Name $Name -Confirm:$false
        $change.Applied | Should -BeTrue
        $onNode = Get-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $Node -Name $Name -Content
        $onNode.ContentMatches | Should -BeTrue
        $onNode.Content | Should -BeExactly ($P | ConvertTo-SeccompJson)
        Remove-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $Node -Name $Name -Confirm:$false | ForEach-Object Applied | Should -BeTrue
    }
}
