#requires -Version 7.4
<#
.SYNOPSIS
    Time and peak memory of replacing a very large seccomp profile in a machine config (20,000 and 100,000 names).
.DESCRIPTION
    Runs bench/TalosSeccomp.Benchmarks in its large-profile mode once per size, each in a fresh process (peak working
    set belongs to a process): the replace of a profile with -Names syscall names, every tenth of them changed, through
    the whole local edit (parse, splice, verification, -WhatIf diff). Before the diff became linear, 20,000 names took
    1.6 GB and 100,000 failed with "Array dimensions exceeded supported range". Goal: memory grows linearly with the
    profile (100,000 names under 1 GB).
.EXAMPLE
    ./bench/large-profile.bench.ps1 -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    [int[]] $Names = @(20000, 100000)
)

$ErrorActionPreference = 'Stop'
$project = Join-Path $PSScriptRoot 'TalosSeccomp.Benchmarks/TalosSeccomp.Benchmarks.csproj'
& dotnet build $project -c $Configuration -v q -nologo /clp:ErrorsOnly | Out-Null
if ($LASTEXITCODE -ne 0) { throw "building $project failed" }
foreach ($count in $Names) {
    & dotnet run --no-build -c $Configuration --project $project -- --large-profile-replace $count
    if ($LASTEXITCODE -ne 0) { throw "the $count-name replace failed" }
}
