BeforeDiscovery {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
}

Describe 'TalosSeccomp module' {
    BeforeAll {
        $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
        Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force
    }

    It 'imports from the built layout with the engine kept out of the module root' {
        Get-Module TalosSeccomp | Should -Not -BeNullOrEmpty
        Join-Path $ModulePath 'TalosSeccomp.Engine.dll' | Should -Not -Exist
        Join-Path $ModulePath 'Dependencies/TalosSeccomp.Engine.dll' | Should -Exist
    }
}
