#requires -Version 7.4
<#
.SYNOPSIS
    Packs the laid-out module for the PowerShell Gallery (.nupkg) and for Azure Automation (.zip).
.DESCRIPTION
    Checks the module folder first: the folder, manifest and root assembly share one name, nothing native slipped
    in (no runtimes/ folder, no .so/.dylib/.exe, every .dll is an IL-only assembly or, in Dependencies/<framework>-<rid>/
    only, a ReadyToRun image, which carries its IL too), so the module runs unchanged
    on Windows sandboxes and Linux workers. Then writes:
      <OutputPath>/<Name>.<Version>.nupkg   PowerShell Gallery package: nuspec made from the manifest (id, version,
                                             authors, description, tags, projectUrl, licenseUrl, releaseNotes) by
                                             PSResourceGet's Compress-PSResource; content = the module folder.
      <OutputPath>/<Name>.zip               Azure Automation module: the <Name> folder at the zip root (zip name =
                                             folder name = .psd1/.dll name), written with System.IO.Compression.
    Fails when the zip exceeds -MaximumSize (Azure Automation's 100 MB module limit) and prints both sizes.
.EXAMPLE
    ./build/New-ModulePackage.ps1 -ModulePath out/TalosSeccomp -OutputPath out
#>
[CmdletBinding()]
param(
    # The laid-out module folder (build.ps1 -Task Build makes out/TalosSeccomp).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Where the .nupkg and the .zip go.
    [Parameter(Mandatory)] [string] $OutputPath,
    # Largest zip Azure Automation accepts.
    [long] $MaximumSize = 100MB
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModulePath = (Resolve-Path $ModulePath).ProviderPath.TrimEnd([IO.Path]::DirectorySeparatorChar, [IO.Path]::AltDirectorySeparatorChar)
$name = Split-Path $ModulePath -Leaf
$manifestPath = Join-Path $ModulePath "$name.psd1"
if (-not (Test-Path $manifestPath)) { throw "New-ModulePackage: '$ModulePath' has no $name.psd1; the folder, manifest and zip must share one name." }
$manifest = Import-PowerShellDataFile $manifestPath
if ($manifest.RootModule -ne "$name.dll" -or -not (Test-Path (Join-Path $ModulePath $manifest.RootModule))) {
    throw "New-ModulePackage: the manifest's RootModule '$($manifest.RootModule)' must be $name.dll at the module root."
}

#region No native binaries

function Get-AssemblyKind([string] $Path) {
    # 'IL': an IL-only assembly, runs on every OS and architecture. 'ReadyToRun': crossgen2's output, the full IL and
    # metadata plus precompiled code that a matching runtime uses and any other ignores (it JITs the IL). Anything
    # else (native, mixed-mode C++/CLI) runs only where it was built.
    $stream = [IO.File]::OpenRead($Path)
    try {
        $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        try {
            if (-not $reader.HasMetadata) { return 'Native' }
            $cor = $reader.PEHeaders.CorHeader
            if (-not $cor) { 'Native' }
            elseif ($cor.Flags -band [System.Reflection.PortableExecutable.CorFlags]::ILOnly) { 'IL' }
            elseif (($cor.Flags -band [System.Reflection.PortableExecutable.CorFlags]::ILLibrary) -and $cor.ManagedNativeHeaderDirectory.Size -gt 0) { 'ReadyToRun' }
            else { 'Native' }
        }
        finally { $reader.Dispose() }
    }
    catch [System.BadImageFormatException] { 'Native' }
    finally { $stream.Dispose() }
}

$files = @(Get-ChildItem $ModulePath -Recurse -File)
$native = foreach ($file in $files) {
    $relative = [IO.Path]::GetRelativePath($ModulePath, $file.FullName) -replace '\\', '/'
    if ($relative -match '(^|/)runtimes/') { "$relative (runtimes/ holds RID-specific native assets)" }
    elseif ($file.Extension -in '.so', '.dylib', '.exe', '.a', '.lib') { "$relative (native binary)" }
    elseif ($file.Extension -eq '.dll') {
        # ReadyToRun images belong only in the per-runtime folders ModuleAssemblyLoadContext picks from; the IL build
        # in Dependencies/ itself is what every other platform loads.
        $kind = Get-AssemblyKind $file.FullName
        if ($kind -eq 'Native') { "$relative (not an IL-only assembly)" }
        elseif ($kind -eq 'ReadyToRun' -and $relative -notmatch '^Dependencies/net\d+\.0-(linux|win)-x64/[^/]+\.dll$') { "$relative (a ReadyToRun image outside Dependencies/<framework>-<rid>/)" }
    }
}
if ($native) {
    throw "New-ModulePackage: native files in '$ModulePath'; the module must stay IL (ReadyToRun images only in their per-runtime folders) for Azure Automation and the Gallery:`n  " + ($native -join "`n  ")
}

#endregion

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$OutputPath = (Resolve-Path $OutputPath).ProviderPath

#region PowerShell Gallery package

$version = [string] $manifest.ModuleVersion
$psData = if ($manifest['PrivateData']) { $manifest.PrivateData['PSData'] }
$prerelease = if ($psData) { $psData['Prerelease'] }
if ($prerelease) { $version = "$version-$prerelease" }
$nupkg = Join-Path $OutputPath "$name.$version.nupkg"
Remove-Item $nupkg -ErrorAction Ignore

# Compress-PSResource (PSResourceGet >= 1.1) writes the nuspec from the manifest exactly as Publish-PSResource would.
Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.1.0 -ErrorAction Stop
Compress-PSResource -Path $ModulePath -DestinationPath $OutputPath
if (-not (Test-Path $nupkg)) { throw "New-ModulePackage: Compress-PSResource did not write $nupkg." }

#endregion

#region Azure Automation zip

$zip = Join-Path $OutputPath "$name.zip"
Remove-Item $zip -ErrorAction Ignore
$archive = [System.IO.Compression.ZipFile]::Open($zip, [System.IO.Compression.ZipArchiveMode]::Create)
try {
    foreach ($file in $files | Sort-Object FullName) {
        # Forward slashes on every OS: Automation extracts on Windows and Linux alike.
        $entry = "$name/" + ([IO.Path]::GetRelativePath($ModulePath, $file.FullName) -replace '\\', '/')
        [void] [System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($archive, $file.FullName, $entry, [System.IO.Compression.CompressionLevel]::Optimal)
    }
}
finally { $archive.Dispose() }

#endregion

$zipSize = (Get-Item $zip).Length
$nupkgSize = (Get-Item $nupkg).Length
Write-Host ("Gallery package:  {0} ({1:N2} MB)" -f $nupkg, ($nupkgSize / 1MB))
Write-Host ("Automation zip:   {0} ({1:N2} MB, limit {2:N0} MB; {3} files)" -f $zip, ($zipSize / 1MB), ($MaximumSize / 1MB), $files.Count)
if ($zipSize -gt $MaximumSize) {
    Remove-Item $zip
    throw ("New-ModulePackage: {0}.zip is {1:N2} MB, over the {2:N2} MB Azure Automation module limit." -f $name, ($zipSize / 1MB), ($MaximumSize / 1MB))
}
