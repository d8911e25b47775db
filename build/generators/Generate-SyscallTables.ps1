#requires -Version 7.4
<#
.SYNOPSIS
    Regenerates src/TalosSeccomp.Engine/Syscalls/Generated/SyscallTables.g.cs from libseccomp.
.DESCRIPTION
    Asks libseccomp's scmp_sys_resolver (Debian package "seccomp") for the complete syscall name/number
    table of every architecture it knows:

    1. Probes each candidate architecture and keeps the ones the resolver accepts.
    2. Walks every architecture's number range (with its ABI offset: x32 0x40000000, MIPS o32 4000,
       n64 5000, n32 6000, ARM private 0x0f0000) to learn names; "UNKNOWN" means no syscall there.
    3. Resolves the union of those names, plus every identifier in libseccomp's shared library (names
       whose numbers lie outside the walked ranges), on every architecture. Negative answers are
       libseccomp pseudo-syscalls for names an architecture lacks (or multiplexes, e.g. socket via
       socketcall on x86) and are not entries.

    An entry is a (name, number) pair either direction produced. Within one number, the name the resolver
    returns for that number comes first, so the engine's number-to-name lookup agrees with libseccomp.
    Each architecture is resolved by one shell loop (one fork per query, no process start-up from here);
    the loops run in parallel. The whole run takes well under a minute.
.PARAMETER OutputPath
    The C# file to write; defaults to the engine's Syscalls/Generated/SyscallTables.g.cs.
.PARAMETER ThrottleLimit
    How many architectures are resolved at once.
.EXAMPLE
    dotnet pwsh -NoProfile -File build/generators/Generate-SyscallTables.ps1
#>
[CmdletBinding()]
param(
    [string] $OutputPath = (Join-Path $PSScriptRoot '../../src/TalosSeccomp.Engine/Syscalls/Generated/SyscallTables.g.cs'),
    [ValidateRange(1, 64)]
    [int] $ThrottleLimit = [Environment]::ProcessorCount
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$resolver = Get-Command scmp_sys_resolver -CommandType Application -ErrorAction Ignore | Select-Object -First 1
if (-not $resolver) { throw 'scmp_sys_resolver not found: install it (Debian/Ubuntu: apt-get install seccomp).' }
$resolverPath = $resolver.Source
if (-not (Get-Command bash -CommandType Application -ErrorAction Ignore)) { throw 'bash is required to batch the resolver calls.' }

# Every architecture libseccomp has had; the ones this libseccomp rejects are skipped.
# Ranges: each ABI's syscall numbers start at its offset; 1024 numbers cover every current table with room.
$candidates = [ordered]@{
    x86_64      = , @(0, 1024)
    x86         = , @(0, 1024)
    x32         = , @(0x40000000, 1024)
    aarch64     = , @(0, 1024)
    arm         = @(@(0, 1024), @(0x0f0000, 256))
    riscv64     = , @(0, 1024)
    ppc         = , @(0, 1024)
    ppc64       = , @(0, 1024)
    ppc64le     = , @(0, 1024)
    s390        = , @(0, 1024)
    s390x       = , @(0, 1024)
    mips        = , @(4000, 1024)
    mipsel      = , @(4000, 1024)
    mips64      = , @(5000, 1024)
    mipsel64    = , @(5000, 1024)
    mips64n32   = , @(6000, 1024)
    mipsel64n32 = , @(6000, 1024)
    parisc      = , @(0, 1024)
    parisc64    = , @(0, 1024)
    loongarch64 = , @(0, 1024)
}

# One bash loop per architecture: query lines in on stdin, "query<TAB>answer" lines out.
$loop = 'r=$1; a=$2; while IFS= read -r q; do printf "%s\t" "$q"; "$r" -a "$a" "$q" || echo "?"; done'

function Invoke-ResolverBatch([string] $Architecture, [string[]] $Queries) {
    $answers = @{}
    $output = $Queries | & bash -c $loop resolver $resolverPath $Architecture
    if ($LASTEXITCODE -ne 0) { throw "Resolver loop for $Architecture failed (exit $LASTEXITCODE)." }
    foreach ($line in $output) {
        $query, $answer = $line -split "`t", 2
        $answers[$query] = $answer
    }
    foreach ($q in $Queries) {
        if (-not $answers.ContainsKey($q) -or $answers[$q] -eq '?') { throw "scmp_sys_resolver -a $Architecture '$q' gave no answer." }
    }
    $answers
}

$known = foreach ($arch in $candidates.Keys) {
    & $resolverPath -a $arch read *> $null
    if ($LASTEXITCODE -eq 0) { $arch } else { Write-Verbose "libseccomp does not know $arch; skipped." }
}
Write-Host "Architectures: $($known -join ' ')"

# Pass 1: number -> name.
$batchFunction = ${function:Invoke-ResolverBatch}.ToString()
$byNumber = $known | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    ${function:Invoke-ResolverBatch} = $using:batchFunction
    $resolverPath = $using:resolverPath
    $loop = $using:loop
    $arch = $_
    $queries = foreach ($range in ($using:candidates)[$arch]) { foreach ($n in $range[0]..($range[0] + $range[1] - 1)) { [string] $n } }
    [pscustomobject]@{ Architecture = $arch; Answers = Invoke-ResolverBatch $arch $queries }
}

# Candidate names: everything the walk found, plus identifiers in libseccomp itself.
$names = [System.Collections.Generic.SortedSet[string]]::new([StringComparer]::Ordinal)
foreach ($result in $byNumber) {
    foreach ($answer in $result.Answers.Values) { if ($answer -ne 'UNKNOWN') { [void] $names.Add($answer) } }
}
$library = (& ldd $resolverPath 2>$null | Select-String -Pattern '(/\S*libseccomp\.so[^\s]*)' | Select-Object -First 1)
if ($library) {
    $bytes = [IO.File]::ReadAllBytes($library.Matches[0].Groups[1].Value)
    $text = [Text.Encoding]::Latin1.GetString($bytes)
    foreach ($m in [regex]::Matches($text, '(?<=\x00)[a-z_][a-z0-9_]{1,40}(?=\x00)')) { [void] $names.Add($m.Value) }
}
Write-Host "Candidate names: $($names.Count)"

# Pass 2: name -> number.
$nameList = [string[]] @($names)
$byName = $known | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    ${function:Invoke-ResolverBatch} = $using:batchFunction
    $resolverPath = $using:resolverPath
    $loop = $using:loop
    [pscustomobject]@{ Architecture = $_; Answers = Invoke-ResolverBatch $_ $using:nameList }
}

$tables = foreach ($arch in $known) {
    $numberAnswers = ($byNumber | Where-Object Architecture -eq $arch).Answers
    $nameAnswers = ($byName | Where-Object Architecture -eq $arch).Answers
    $entries = @{}   # "name`tnumber" -> preferred (the resolver names this number so)
    foreach ($kv in $numberAnswers.GetEnumerator()) {
        if ($kv.Value -ne 'UNKNOWN') { $entries["$($kv.Value)`t$($kv.Key)"] = $true }
    }
    foreach ($kv in $nameAnswers.GetEnumerator()) {
        $number = [long] $kv.Value
        if ($number -ge 0) {
            $key = "$($kv.Key)`t$number"
            # Not seen in the walk: a second name for a walked number, or a number outside the walked ranges.
            if (-not $entries.ContainsKey($key)) { $entries[$key] = $false }
        }
    }
    $rows = foreach ($key in $entries.Keys) {
        $name, $number = $key -split "`t"
        [pscustomobject]@{ Name = $name; Number = [long] $number; Preferred = $entries[$key] }
    }
    # A name with two numbers would make name lookups ambiguous: libseccomp has one number per name.
    $dup = $rows | Group-Object Name | Where-Object Count -gt 1 | Select-Object -First 1
    if ($dup) { throw "$arch`: $($dup.Name) has numbers $($dup.Group.Number -join ', ')." }
    $sorted = $rows | Sort-Object Number, @{ Expression = { -not $_.Preferred } }, @{ Expression = 'Name'; Descending = $false } -CaseSensitive
    [pscustomobject]@{ Architecture = $arch; Rows = @($sorted) }
}

$version = (& dpkg-query -W -f '${Version}' libseccomp2 2>$null)
if (-not $version -and $library) { $version = [IO.Path]::GetFileName($library.Matches[0].Groups[1].Value) }
if (-not $version) { $version = 'unknown version' }

$sb = [Text.StringBuilder]::new()
[void] $sb.AppendLine('// <auto-generated>')
[void] $sb.AppendLine("//   Generated by build/generators/Generate-SyscallTables.ps1 from libseccomp $version (scmp_sys_resolver).")
[void] $sb.AppendLine('//   Do not edit. Regenerate with:')
[void] $sb.AppendLine('//     dotnet pwsh -NoProfile -File build/generators/Generate-SyscallTables.ps1')
[void] $sb.AppendLine('//   Per architecture: space-separated names and their numbers, ordered by number; where two names share a')
[void] $sb.AppendLine('//   number, the one scmp_sys_resolver returns for that number comes first.')
[void] $sb.AppendLine('// </auto-generated>')
[void] $sb.AppendLine('namespace TalosSeccomp.Syscalls;')
[void] $sb.AppendLine()
[void] $sb.AppendLine('public static partial class SyscallTables')
[void] $sb.AppendLine('{')
[void] $sb.AppendLine("    private const string GeneratedFrom = `"libseccomp $version`";")
[void] $sb.AppendLine()
[void] $sb.AppendLine('    private static readonly GeneratedTable[] GeneratedTables =')
[void] $sb.AppendLine('    [')
foreach ($table in $tables) {
    [void] $sb.AppendLine("        new(`"$($table.Architecture)`",")
    # Wrap long data lines so diffs stay readable.
    $nameLines = [Collections.Generic.List[string]]::new()
    $numberLines = [Collections.Generic.List[string]]::new()
    for ($i = 0; $i -lt $table.Rows.Count; $i += 16) {
        $chunk = $table.Rows[$i..([Math]::Min($i + 15, $table.Rows.Count - 1))]
        $nameLines.Add('"' + (($chunk.Name -join ' ') + $(if ($i + 16 -lt $table.Rows.Count) { ' ' } else { '' })) + '"')
        $numberLines.Add(($chunk.Number -join ', '))
    }
    [void] $sb.AppendLine('            ' + ($nameLines -join "`n            + ") + ',')
    [void] $sb.AppendLine('            [')
    [void] $sb.AppendLine('                ' + ($numberLines -join ",`n                "))
    [void] $sb.AppendLine('            ]),')
    Write-Host ("{0,-12} {1,4} syscalls" -f $table.Architecture, $table.Rows.Count)
}
[void] $sb.AppendLine('    ];')
[void] $sb.AppendLine('}')

$OutputPath = [IO.Path]::GetFullPath($OutputPath)
New-Item -ItemType Directory -Path (Split-Path $OutputPath) -Force | Out-Null
[IO.File]::WriteAllText($OutputPath, $sb.ToString().Replace("`r`n", "`n"), [Text.UTF8Encoding]::new($false))
Write-Host "Wrote $OutputPath"
