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
        $script:Profile = Import-SeccompProfile -LiteralPath $Path -Name $Name
    }

    It 'imports and exports without losing a field' {
        $out = Join-Path $TestDrive $File
        $Profile | Export-SeccompProfile -LiteralPath $out
        (Get-Content $out -Raw | ConvertFrom-Json | ConvertTo-Json -Depth 20 -Compress) |
            Should -BeExactly (Get-Content $Path -Raw | ConvertFrom-Json | ConvertTo-Json -Depth 20 -Compress)
    }

    It 'passes Test-SeccompProfile -Quiet and says which duplicate rule runc keeps' {
        $Profile | Test-SeccompProfile -Quiet | Should -BeTrue
        $duplicates = $Profile | Test-SeccompProfile | Where-Object Code -EQ 'ConflictingDuplicateRule'
        $duplicates | Should -Not -BeNullOrEmpty
        $duplicates.Severity | Select-Object -Unique | Should -Be 'Warning'
    }

    It 'compares equal to itself and merges alone into the same behaviour' {
        Compare-SeccompProfile -ReferenceProfile $Profile -DifferenceProfile $Profile | Should -BeNullOrEmpty
        $merged = $Profile | Merge-SeccompProfile -WarningAction SilentlyContinue
        Compare-SeccompProfile -ReferenceProfile $Profile -DifferenceProfile $merged | Should -BeNullOrEmpty
    }

    It 'resolves into the profile containerd loads, without the capability-gated syscalls' {
        $resolved = $Profile | ConvertFrom-DockerSeccompProfile -KernelVersion 6.12
        $allowed = $resolved.Syscalls | Where-Object Action -EQ 'SCMP_ACT_ALLOW' | ForEach-Object Names
        $allowed | Should -Not -Contain 'bpf'
        $resolved | Test-SeccompProfile | Where-Object Code -EQ 'DockerOnlyKey' | Should -BeNullOrEmpty
    }

    It 'renders the node bytes, the Talos patch and the securityContext' {
        $json = $Profile | ConvertTo-SeccompJson
        $json | Should -Not -Match '\s{2}'
        ($json | ConvertFrom-Json).defaultAction | Should -Be $Profile.DefaultAction
        $Profile | ConvertTo-TalosConfigPatch -Name $Name | Should -Match "name: $([regex]::Escape($Name))"
        $Profile | ConvertTo-SeccompSecurityContext -Name $Name | Should -Match "localhostProfile: profiles/$([regex]::Escape($Name))"
    }

    It 'goes onto a node and the node writes exactly its bytes' {
        $change = Set-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $Node -Profile $Profile -Name $Name -Confirm:$false
        $change.Applied | Should -BeTrue
        $onNode = Get-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $Node -Name $Name -Content
        $onNode.ContentMatches | Should -BeTrue
        $onNode.Content | Should -BeExactly ($Profile | ConvertTo-SeccompJson)
        Remove-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $Node -Name $Name -Confirm:$false | ForEach-Object Applied | Should -BeTrue
    }
}
