<#
    build/New-ModulePackage.ps1: the Gallery .nupkg and the Azure Automation .zip made from the built module, and
    its refusals (native files, oversize). Runs the script in a fresh pwsh, as build.ps1 -Task Package would.
#>

BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:Script = Join-Path $RepoRoot 'build/New-ModulePackage.ps1'
    $script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $script:Manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'TalosSeccomp.psd1')

    function Invoke-Packaging([string] $From, [string] $To, [long] $MaximumSize = 100MB) {
        # The failure message is printed unwrapped, so paths in it can be matched.
        $command = "try { & '$Script' -ModulePath '$From' -OutputPath '$To' -MaximumSize $MaximumSize } catch { [Console]::Error.WriteLine(`$_.Exception.Message); exit 1 }"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $command 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }

    function Copy-Module([string] $Name) {
        $copy = Join-Path $TestDrive "$Name/TalosSeccomp"
        New-Item -ItemType Directory (Split-Path $copy) -Force | Out-Null
        Copy-Item $ModulePath $copy -Recurse
        $copy
    }

    $script:Out = Join-Path $TestDrive 'out'
    $script:Run = Invoke-Packaging $ModulePath $Out
    $script:Zip = Join-Path $Out 'TalosSeccomp.zip'
    $script:Nupkg = Join-Path $Out "TalosSeccomp.$($Manifest.ModuleVersion).nupkg"
}

Describe 'New-ModulePackage.ps1 on the built module' {
    It 'succeeds and prints the package sizes' {
        $Run.ExitCode | Should -Be 0 -Because $Run.Output
        $Run.Output | Should -Match 'TalosSeccomp\.zip \(\d+\.\d\d MB, limit 100 MB'
        $Zip | Should -Exist
        $Nupkg | Should -Exist
    }

    It 'puts the TalosSeccomp folder, and only it, at the root of TalosSeccomp.zip' {
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Zip)
        try { $entries = @($archive.Entries.FullName) } finally { $archive.Dispose() }
        $entries | Where-Object { $_ -notlike 'TalosSeccomp/*' } | Should -BeNullOrEmpty
        $entries | Where-Object { $_ -match '\\' } | Should -BeNullOrEmpty -Because 'zip entries use forward slashes'
        $entries | Should -Contain 'TalosSeccomp/TalosSeccomp.psd1'
        $entries | Should -Contain 'TalosSeccomp/TalosSeccomp.dll'
        $entries | Should -Contain 'TalosSeccomp/Dependencies/TalosSeccomp.Engine.dll'
        foreach ($folder in 'net8.0-linux-x64', 'net8.0-win-x64', 'net10.0-linux-x64', 'net10.0-win-x64') {
            $entries | Should -Contain "TalosSeccomp/Dependencies/$folder/TalosSeccomp.Engine.dll"
        }
        $entries | Should -Contain 'TalosSeccomp/LICENSE'
        $expected = @(Get-ChildItem $ModulePath -Recurse -File | ForEach-Object { 'TalosSeccomp/' + ([IO.Path]::GetRelativePath($ModulePath, $_.FullName) -replace '\\', '/') })
        $entries | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'writes the nuspec from the manifest' {
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $reader = [IO.StreamReader]::new($archive.GetEntry('TalosSeccomp.nuspec').Open())
            try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
            $contents = @($archive.Entries.FullName)
        }
        finally { $archive.Dispose() }
        $metadata = $nuspec.package.metadata
        $psData = $Manifest.PrivateData.PSData
        $metadata.id | Should -Be 'TalosSeccomp'
        $metadata.version | Should -Be $Manifest.ModuleVersion
        $metadata.authors | Should -Be $Manifest.Author
        $metadata.description | Should -Be $Manifest.Description
        $metadata.projectUrl | Should -Be $psData.ProjectUri
        $metadata.licenseUrl | Should -Be $psData.LicenseUri
        $metadata.releaseNotes | Should -Be $psData.ReleaseNotes
        foreach ($tag in $psData.Tags) { ($metadata.tags -split ' ') | Should -Contain $tag }
        $contents | Should -Contain 'TalosSeccomp.psd1'
        $contents | Should -Contain 'TalosSeccomp.dll'
        $contents | Should -Contain 'Dependencies/TalosSeccomp.Engine.dll'
        $contents | Should -Contain 'LICENSE'
    }

    It 'tags the nuspec so Find-PSResource -CommandName finds every exported cmdlet' {
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $reader = [IO.StreamReader]::new($archive.GetEntry('TalosSeccomp.nuspec').Open())
            try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $archive.Dispose() }
        $tags = @($nuspec.package.metadata.tags -split ' ')
        $tags | Should -Contain 'PSModule'
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        foreach ($cmdlet in $Manifest.CmdletsToExport) { $tags | Should -Contain "PSCommand_$cmdlet" }
    }

    It 'ships the licence file the manifest''s LicenseUri names' {
        $psData = $Manifest.PrivateData.PSData
        $psData.LicenseUri | Should -BeLike "$($psData.ProjectUri)/blob/main/*"
        $repoFile = Join-Path $RepoRoot ($psData.LicenseUri -replace '^.*/blob/main/', '')
        $repoFile | Should -Exist
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Zip)
        try {
            $reader = [IO.StreamReader]::new($archive.GetEntry('TalosSeccomp/LICENSE').Open())
            try { $shipped = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $archive.Dispose() }
        $shipped | Should -BeExactly (Get-Content $repoFile -Raw)
        $shipped | Should -Match 'MIT License'
    }

    It 'contains no native files' {
        $extracted = Join-Path $TestDrive 'check'
        [System.IO.Compression.ZipFile]::ExtractToDirectory($Zip, $extracted)
        $files = Get-ChildItem $extracted -Recurse -File
        $files | Where-Object { $_.FullName -match '[\\/]runtimes[\\/]' -or $_.Extension -in '.so', '.dylib', '.exe' } | Should -BeNullOrEmpty
        foreach ($dll in $files | Where-Object Extension -eq '.dll') {
            $stream = [IO.File]::OpenRead($dll.FullName)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $pe.HasMetadata | Should -BeTrue -Because "$($dll.Name) must be a .NET assembly"
                $cor = $pe.PEHeaders.CorHeader
                $relative = [IO.Path]::GetRelativePath($extracted, $dll.FullName) -replace '\\', '/'
                if ($relative -match '^TalosSeccomp/Dependencies/net\d+\.0-(linux|win)-x64/') {
                    # crossgen2's ReadyToRun images: IL and metadata plus precompiled code (ILLibrary, not ILOnly).
                    $cor.Flags.HasFlag([System.Reflection.PortableExecutable.CorFlags]::ILLibrary) | Should -BeTrue -Because "$relative must be a ReadyToRun image"
                    $cor.ManagedNativeHeaderDirectory.Size | Should -BeGreaterThan 0 -Because "$relative must carry a ReadyToRun header"
                }
                else {
                    $cor.Flags.HasFlag([System.Reflection.PortableExecutable.CorFlags]::ILOnly) | Should -BeTrue -Because "$relative must be IL-only"
                }
                $pe.Dispose()
            }
            finally { $stream.Dispose() }
        }
    }

    It 'imports from the unzipped folder in a fresh pwsh' {
        $unzipped = Join-Path $TestDrive 'automation'
        [System.IO.Compression.ZipFile]::ExtractToDirectory($Zip, $unzipped)
        $manifestPath = Join-Path $unzipped 'TalosSeccomp/TalosSeccomp.psd1'
        $version = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifestPath' -ErrorAction Stop; (Get-Module TalosSeccomp).Version.ToString()" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($version | Out-String)
        $version | Select-Object -Last 1 | Should -Be $Manifest.ModuleVersion
    }
}

Describe 'New-ModulePackage.ps1 refuses' {
    It 'a native library under runtimes/' {
        $copy = Copy-Module 'runtimes'
        New-Item -ItemType Directory (Join-Path $copy 'Dependencies/runtimes/linux-x64/native') -Force | Out-Null
        Set-Content (Join-Path $copy 'Dependencies/runtimes/linux-x64/native/libgrpc.so') 'x'
        $result = Invoke-Packaging $copy (Join-Path $TestDrive 'out-runtimes')
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -BeLike '*runtimes/linux-x64/native/libgrpc.so*'
        Join-Path $TestDrive 'out-runtimes/TalosSeccomp.zip' | Should -Not -Exist
    }

    It 'a DLL that is not an IL-only assembly' {
        $copy = Copy-Module 'native'
        # pwsh's own apphost is a native executable: renamed, it stands for a native DLL.
        Copy-Item $Pwsh (Join-Path $copy 'Dependencies/libnative.dll')
        $result = Invoke-Packaging $copy (Join-Path $TestDrive 'out-native')
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -BeLike '*libnative.dll (not an IL-only assembly)*'
    }

    It 'a ReadyToRun image outside the per-runtime folders' {
        $copy = Copy-Module 'r2r'
        # Precompiled code for one runtime and OS in the IL folder would be what every other platform loads.
        Copy-Item (Join-Path $copy 'Dependencies/net8.0-linux-x64/YamlDotNet.dll') (Join-Path $copy 'Dependencies/YamlDotNet.dll') -Force
        $result = Invoke-Packaging $copy (Join-Path $TestDrive 'out-r2r')
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -BeLike '*Dependencies/YamlDotNet.dll (a ReadyToRun image outside*'
    }

    It 'a zip over the size limit' {
        $result = Invoke-Packaging $ModulePath (Join-Path $TestDrive 'out-small') -MaximumSize 1KB
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -BeLike '*over the*Azure Automation module limit*'
        Join-Path $TestDrive 'out-small/TalosSeccomp.zip' | Should -Not -Exist
    }
}
