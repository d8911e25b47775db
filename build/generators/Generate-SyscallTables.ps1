#requires -Version 7.4
<#
.SYNOPSIS
    Regenerates src/TalosSeccomp.Engine/Syscalls/Generated/SyscallTables.g.cs from libseccomp's syscalls.csv.
.DESCRIPTION
    Reads the vendored copy of libseccomp's src/syscalls.csv (build/generators/data/libseccomp-syscalls.csv; its
    provenance is in data/README.md) and writes one table per architecture: every syscall name the ABI has, its
    number with the ABI's offset applied the way libseccomp's arch-*.c resolvers apply it (x32 ORs in
    0x40000000, MIPS o32/n64/n32 add 4000/5000/6000; ARM's private syscalls are already absolute in the csv),
    and the kernel version that added it on that ABI (the csv's <abi>_kver column; "-" where it records none).

    One csv ABI column serves several libseccomp architectures that differ only in byte order (ppc64/ppc64le,
    mips/mipsel, sh/sheb, ...). A csv column this script does not map is an error, so a new ABI upstream is
    noticed rather than dropped. A number two names share is an error too: libseccomp's number-to-name answer
    for it would depend on gperf's hash order.
.PARAMETER CsvPath
    The syscalls.csv to read; defaults to the vendored copy.
.PARAMETER OutputPath
    The C# file to write; defaults to the engine's Syscalls/Generated/SyscallTables.g.cs.
.EXAMPLE
    dotnet pwsh -NoProfile -File build/generators/Generate-SyscallTables.ps1
#>
[CmdletBinding()]
param(
    [string] $CsvPath = (Join-Path $PSScriptRoot 'data/libseccomp-syscalls.csv'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../../src/TalosSeccomp.Engine/Syscalls/Generated/SyscallTables.g.cs')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# Engine architecture name -> csv ABI column and number offset (libseccomp src/arch-<abi>.c). The order is the
# order of the generated tables (and of SyscallTables.Architectures).
$architectures = [ordered]@{
    x86_64      = @('x86_64', 0)
    x86         = @('x86', 0)
    x32         = @('x32', 0x40000000)
    aarch64     = @('aarch64', 0)
    arm         = @('arm', 0)
    riscv64     = @('riscv64', 0)
    ppc         = @('ppc', 0)
    ppc64       = @('ppc64', 0)
    ppc64le     = @('ppc64', 0)
    s390        = @('s390', 0)
    s390x       = @('s390x', 0)
    mips        = @('mips', 4000)
    mipsel      = @('mips', 4000)
    mips64      = @('mips64', 5000)
    mipsel64    = @('mips64', 5000)
    mips64n32   = @('mips64n32', 6000)
    mipsel64n32 = @('mips64n32', 6000)
    parisc      = @('parisc', 0)
    parisc64    = @('parisc64', 0)
    loongarch64 = @('loongarch64', 0)
    m68k        = @('m68k', 0)
    sh          = @('sh', 0)
    sheb        = @('sh', 0)
}

$lines = [IO.File]::ReadAllLines([IO.Path]::GetFullPath($CsvPath))
$header = $lines[0] -split ','
if ($header[0] -notmatch '^#syscall \((?<kernel>[^)]+)\)$') { throw "Unexpected csv header: $($header[0])" }
$kernel = $Matches.kernel
$column = @{}
for ($i = 1; $i -lt $header.Count; $i += 2) {
    if ($header[$i + 1] -ne "$($header[$i])_kver") { throw "Column $($i + 1) is '$($header[$i + 1])', expected '$($header[$i])_kver'." }
    $column[$header[$i]] = $i
}
$mapped = $architectures.Values | ForEach-Object { $_[0] } | Sort-Object -Unique
$unmapped = $column.Keys | Where-Object { $_ -notin $mapped }
if ($unmapped) { throw "syscalls.csv has ABIs this generator does not map: $($unmapped -join ', '). Add them (and their AUDIT_ARCH in SyscallTables.cs)." }
$missing = $mapped | Where-Object { -not $column.ContainsKey($_) }
if ($missing) { throw "syscalls.csv lacks ABIs the engine has: $($missing -join ', ')." }

$rows = foreach ($line in $lines[1..($lines.Count - 1)]) {
    if ($line -match '^\s*(#|$)') { continue }
    $cells = $line -split ','
    if ($cells.Count -ne $header.Count) { throw "Row '$($cells[0])' has $($cells.Count) cells, header $($header.Count)." }
    , $cells
}

function ConvertTo-KernelVersion([string] $Cell) {
    # SCMP_KV_6_9 (older csv files: KV_6_9) -> 6.9; SCMP_KV_UNDEF -> "-".
    if ($Cell -match '^(SCMP_)?KV_UNDEF$') { return '-' }
    if ($Cell -match '^(SCMP_)?KV_(\d+)_(\d+)$') { return "$($Matches[2]).$($Matches[3])" }
    throw "Unexpected kernel version cell '$Cell'."
}

$tables = foreach ($arch in $architectures.Keys) {
    $abi, $offset = $architectures[$arch]
    $c = $column[$abi]
    $entries = foreach ($cells in $rows) {
        if ($cells[$c] -eq 'PNR') { continue }
        [pscustomobject]@{ Name = $cells[0]; Number = [long] $cells[$c] + $offset; Kernel = ConvertTo-KernelVersion $cells[$c + 1] }
    }
    $shared = $entries | Group-Object Number | Where-Object Count -gt 1 | Select-Object -First 1
    if ($shared) { throw "$arch`: number $($shared.Name) is shared by $($shared.Group.Name -join ', ')." }
    [pscustomobject]@{ Architecture = $arch; Rows = @($entries | Sort-Object Number) }
}

# Wrapped data lines keep diffs readable: a C# string concatenation of space-joined chunks, or a list of numbers.
function Format-Strings([string[]] $Items, [int] $Size, [string] $Indent) {
    $chunks = for ($i = 0; $i -lt $Items.Count; $i += $Size) {
        $last = [Math]::Min($i + $Size, $Items.Count) - 1
        '"' + ($Items[$i..$last] -join ' ') + $(if ($last -lt $Items.Count - 1) { ' ' } else { '' }) + '"'
    }
    $Indent + ($chunks -join "`n$Indent+ ")
}

function Format-Numbers([long[]] $Items, [int] $Size, [string] $Indent) {
    $chunks = for ($i = 0; $i -lt $Items.Count; $i += $Size) { $Items[$i..([Math]::Min($i + $Size, $Items.Count) - 1)] -join ', ' }
    $Indent + ($chunks -join ",`n$Indent")
}

$sb = [Text.StringBuilder]::new()
[void] $sb.AppendLine('// <auto-generated>')
[void] $sb.AppendLine("//   Generated by build/generators/Generate-SyscallTables.ps1 from libseccomp's src/syscalls.csv ($kernel),")
[void] $sb.AppendLine('//   vendored as build/generators/data/libseccomp-syscalls.csv (provenance in data/README.md).')
[void] $sb.AppendLine('//   Do not edit. Regenerate with:')
[void] $sb.AppendLine('//     dotnet pwsh -NoProfile -File build/generators/Generate-SyscallTables.ps1')
[void] $sb.AppendLine('//   Per architecture: space-separated names, their numbers (ABI offset applied) ordered by number, and the')
[void] $sb.AppendLine('//   kernel version that added each ("-": libseccomp records none; null: none recorded for the whole table).')
[void] $sb.AppendLine('// </auto-generated>')
[void] $sb.AppendLine('namespace TalosSeccomp.Syscalls;')
[void] $sb.AppendLine()
[void] $sb.AppendLine('public static partial class SyscallTables')
[void] $sb.AppendLine('{')
[void] $sb.AppendLine("    private const string GeneratedFrom = `"libseccomp syscalls.csv ($kernel)`";")
[void] $sb.AppendLine()
[void] $sb.AppendLine('    private static readonly GeneratedTable[] GeneratedTables =')
[void] $sb.AppendLine('    [')
foreach ($table in $tables) {
    $kernels = [string[]] @($table.Rows.Kernel)
    $dated = @($kernels | Where-Object { $_ -ne '-' }).Count
    [void] $sb.AppendLine("        new(`"$($table.Architecture)`",")
    [void] $sb.AppendLine((Format-Strings ([string[]] @($table.Rows.Name)) 16 '            ') + ',')
    [void] $sb.AppendLine('            [')
    [void] $sb.AppendLine((Format-Numbers ([long[]] @($table.Rows.Number)) 16 '                '))
    [void] $sb.AppendLine('            ],')
    [void] $sb.AppendLine($(if ($dated -eq 0) { '            null' } else { Format-Strings $kernels 32 '            ' }) + '),')
    Write-Host ("{0,-12} {1,4} syscalls, {2,4} with a kernel version" -f $table.Architecture, $table.Rows.Count, $dated)
}
[void] $sb.AppendLine('    ];')
[void] $sb.AppendLine('}')

$OutputPath = [IO.Path]::GetFullPath($OutputPath)
New-Item -ItemType Directory -Path (Split-Path $OutputPath) -Force | Out-Null
[IO.File]::WriteAllText($OutputPath, $sb.ToString().Replace("`r`n", "`n"), [Text.UTF8Encoding]::new($false))
Write-Host "Wrote $OutputPath"
