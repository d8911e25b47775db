#requires -Version 7.4
<#
.SYNOPSIS
    Regenerates src/TalosSeccomp.Engine/Profiles/Generated/ContainerdRuntimeDefault.g.cs from containerd's source.
.DESCRIPTION
    Reads the vendored copy of containerd's contrib/seccomp/seccomp_default.go (build/generators/upstream/,
    Apache-2.0, provenance in its README.md) and carries its data over: the architectures per GOARCH
    (arches()), the unconditional rules, the rules for kernel 4.8 and later, the rules per GOARCH, per
    capability, and those added without CAP_SYS_ADMIN. The logic that combines them (DefaultProfile) is
    written by hand in ContainerdRuntimeDefault.cs; only the lists are generated. Go constants the file uses
    (unix.AF_*, unix.CLONE_*, unix.ENOSYS) are resolved from the table below (Linux UAPI values).
.PARAMETER SourcePath
    The Go file to read.
.PARAMETER OutputPath
    The C# file to write.
.EXAMPLE
    dotnet pwsh -NoProfile -File build/generators/Generate-ContainerdRuntimeDefault.ps1
#>
[CmdletBinding()]
param(
    [string] $SourcePath = (Join-Path $PSScriptRoot 'upstream/containerd-seccomp_default.go'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../../src/TalosSeccomp.Engine/Profiles/Generated/ContainerdRuntimeDefault.g.cs')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# Linux UAPI values of the golang.org/x/sys/unix constants seccomp_default.go uses.
$constants = @{
    'unix.AF_ALG' = 38; 'unix.AF_VSOCK' = 40; 'unix.ENOSYS' = 38
    'unix.CLONE_NEWNS' = 0x20000; 'unix.CLONE_NEWCGROUP' = 0x02000000; 'unix.CLONE_NEWUTS' = 0x04000000
    'unix.CLONE_NEWIPC' = 0x08000000; 'unix.CLONE_NEWUSER' = 0x10000000; 'unix.CLONE_NEWPID' = 0x20000000
    'unix.CLONE_NEWNET' = 0x40000000
}
$operators = @{
    OpNotEqual = 'SCMP_CMP_NE'; OpLessThan = 'SCMP_CMP_LT'; OpLessEqual = 'SCMP_CMP_LE'; OpEqualTo = 'SCMP_CMP_EQ'
    OpGreaterEqual = 'SCMP_CMP_GE'; OpGreaterThan = 'SCMP_CMP_GT'; OpMaskedEqual = 'SCMP_CMP_MASKED_EQ'
}
$actions = @{ ActAllow = 'SCMP_ACT_ALLOW'; ActErrno = 'SCMP_ACT_ERRNO'; ActLog = 'SCMP_ACT_LOG'; ActKillProcess = 'SCMP_ACT_KILL_PROCESS' }

function ConvertFrom-GoExpression([string] $Expression) {
    [uint64] $value = 0
    foreach ($term in $Expression -split '\|') {
        $sum = [uint64] 0
        foreach ($part in ($term -split '\+')) {
            $part = $part.Trim()
            if ($constants.ContainsKey($part)) { $sum += [uint64] $constants[$part] }
            elseif ($part -match '^0x[0-9a-fA-F]+$') { $sum += [Convert]::ToUInt64($part.Substring(2), 16) }
            elseif ($part -match '^\d+$') { $sum += [uint64] $part }
            else { throw "Unknown Go constant or expression '$part' in '$Expression'; add it to `$constants." }
        }
        $value = $value -bor $sum
    }
    $value
}

# Every rule literal (Names: ... up to the next Names:) in a piece of Go source.
function Get-Rules([string] $Text) {
    $pieces = [regex]::Split($Text, '(?=Names:\s*\[\]string\{)') | Where-Object { $_ -match '^Names:' }
    foreach ($piece in $pieces) {
        $names = [regex]::Match($piece, 'Names:\s*\[\]string\{([^}]*)\}').Groups[1].Value
        $nameList = @([regex]::Matches($names, '"([^"]+)"') | ForEach-Object { $_.Groups[1].Value })
        $action = [regex]::Match($piece, 'Action:\s*specs\.(\w+)').Groups[1].Value
        if (-not $actions.ContainsKey($action)) { throw "Unknown action specs.$action" }
        $errno = $null
        if ($piece -match 'ErrnoRet:\s*&(\w+)') {
            $variable = $Matches[1]
            $definition = [regex]::Match($source, "$variable\s*:=\s*uint\(([^)]+)\)").Groups[1].Value
            $errno = ConvertFrom-GoExpression $definition
        }
        $arguments = foreach ($arg in [regex]::Matches($piece, '\{\s*Index:\s*(\d+),\s*Value:\s*([^,]+),\s*(?:ValueTwo:\s*([^,]+),\s*)?Op:\s*specs\.(\w+),?\s*\}')) {
            [pscustomobject]@{
                Index = [int] $arg.Groups[1].Value
                Value = ConvertFrom-GoExpression $arg.Groups[2].Value
                ValueTwo = if ($arg.Groups[3].Success) { ConvertFrom-GoExpression $arg.Groups[3].Value } else { [uint64] 0 }
                Op = $operators[$arg.Groups[4].Value]
            }
        }
        [pscustomobject]@{ Names = $nameList; Action = $actions[$action]; ErrnoRet = $errno; Args = @($arguments) }
    }
}

# Splits a switch body into (case labels, text) pairs; 'default' is the label of a default: branch.
function Get-Cases([string] $Text) {
    $parts = [regex]::Split($Text, '(?m)^\s*(case [^\n]+|default):\s*$')
    for ($i = 1; $i -lt $parts.Count; $i += 2) {
        $labels = if ($parts[$i] -eq 'default') { @('default') } else { @([regex]::Matches($parts[$i], '"([^"]+)"') | ForEach-Object { $_.Groups[1].Value }) }
        [pscustomobject]@{ Labels = $labels; Text = $parts[$i + 1] }
    }
}

function Get-Between([string] $Text, [string] $Start, [string] $End) {
    $from = $Text.IndexOf($Start, [StringComparison]::Ordinal)
    if ($from -lt 0) { throw "'$Start' not found in ${SourcePath}: the upstream layout changed; update the generator." }
    $to = $Text.IndexOf($End, $from + $Start.Length, [StringComparison]::Ordinal)
    if ($to -lt 0) { throw "'$End' not found after '$Start' in $SourcePath." }
    $Text.Substring($from + $Start.Length, $to - $from - $Start.Length)
}

$source = (Get-Content -LiteralPath $SourcePath -Raw) -replace "`r`n", "`n"

$archCases = foreach ($case in Get-Cases (Get-Between $source 'func arches() []specs.Arch {' 'func DefaultProfile')) {
    $return = [regex]::Match($case.Text, 'return \[\]specs\.Arch\{([^}]*)\}').Groups[1].Value
    $arches = @([regex]::Matches($return, 'specs\.Arch(\w+)') | ForEach-Object { "SCMP_ARCH_$($_.Groups[1].Value.ToUpperInvariant())" })
    foreach ($label in @($case.Labels)) { [pscustomobject]@{ GoArch = $label; Arches = $arches } }
}
$base = Get-Rules (Get-Between $source 'syscalls := []specs.LinuxSyscall{' 's := &specs.LinuxSeccomp{')
$kernelSection = Get-Between $source 'kernelversion.GreaterEqualThan(' '// include by arch'
$kernelMatch = [regex]::Match($kernelSection, 'KernelVersion\{Kernel:\s*(\d+),\s*Major:\s*(\d+)\}')
if (-not $kernelMatch.Success) { throw 'The minimum kernel of the kernel-version rules was not found.' }
$kernelRules = Get-Rules $kernelSection
$byArch = foreach ($case in Get-Cases (Get-Between $source '// include by arch' 'admin := false')) {
    [pscustomobject]@{ Labels = $case.Labels; Rules = @(Get-Rules $case.Text) }
}
$byCap = foreach ($case in Get-Cases (Get-Between $source 'range sp.Process.Capabilities.Bounding {' 'if !admin {')) {
    [pscustomobject]@{ Labels = $case.Labels; Rules = @(Get-Rules $case.Text) }
}
$notAdmin = Get-Between $source 'if !admin {' "`n`treturn s"
$switchEnd = [regex]::Match($notAdmin, '(?m)^\t\t\}\s*$')
if (-not $switchEnd.Success) { throw 'The end of the GOARCH switch in the !admin block was not found.' }
$notAdminByArch = foreach ($case in Get-Cases $notAdmin.Substring(0, $switchEnd.Index)) {
    [pscustomobject]@{ Labels = $case.Labels; Rules = @(Get-Rules $case.Text) }
}
$notAdminAlways = @(Get-Rules $notAdmin.Substring($switchEnd.Index))

function Format-Strings([string[]] $Values) { ($Values | ForEach-Object { "`"$_`"" }) -join ', ' }
function Format-Rule($Rule) {
    $errno = if ($null -eq $Rule.ErrnoRet) { 'null' } else { "$($Rule.ErrnoRet)u" }
    $args = ($Rule.Args | ForEach-Object { "new($($_.Index), 0x$($_.Value.ToString('x'))ul, `"$($_.Op)`", 0x$($_.ValueTwo.ToString('x'))ul)" }) -join ', '
    "new([$(Format-Strings $Rule.Names)], `"$($Rule.Action)`", $errno, [$args])"
}
function Format-Cases($Cases, [string] $Indent) {
    foreach ($case in $Cases) {
        foreach ($rule in $case.Rules) { "$Indent([$(Format-Strings $case.Labels)], $(Format-Rule $rule))," }
    }
}

$commit = (Get-Content -LiteralPath (Join-Path (Split-Path $SourcePath) 'README.md') -Raw | Select-String -Pattern 'seccomp_default\.go.*?`([0-9a-f]{40})`').Matches.Groups[1].Value
$lines = @(
    '// <auto-generated>'
    "//   Generated by build/generators/Generate-ContainerdRuntimeDefault.ps1 from containerd contrib/seccomp/seccomp_default.go"
    "//   (commit $commit, Apache-2.0, vendored in build/generators/upstream/). Do not edit. Regenerate with:"
    '//     dotnet pwsh -NoProfile -File build/generators/Generate-ContainerdRuntimeDefault.ps1'
    '// </auto-generated>'
    'namespace TalosSeccomp.Profiles;'
    ''
    'public static partial class ContainerdRuntimeDefault'
    '{'
    "    private const string GeneratedFrom = `"containerd contrib/seccomp/seccomp_default.go @ $commit`";"
    ''
    '    private static readonly (string GoArch, string[] Architectures)[] GeneratedArches ='
    '    ['
    ($archCases | ForEach-Object { "        (`"$($_.GoArch)`", [$(Format-Strings $_.Arches)])," })
    '    ];'
    ''
    '    private static readonly GeneratedRule[] GeneratedBase ='
    '    ['
    ($base | ForEach-Object { "        $(Format-Rule $_)," })
    '    ];'
    ''
    "    private static readonly Version GeneratedMinKernel = new($($kernelMatch.Groups[1].Value), $($kernelMatch.Groups[2].Value));"
    ''
    '    private static readonly GeneratedRule[] GeneratedFromMinKernel ='
    '    ['
    ($kernelRules | ForEach-Object { "        $(Format-Rule $_)," })
    '    ];'
    ''
    '    private static readonly (string[] GoArches, GeneratedRule Rule)[] GeneratedByArch ='
    '    ['
    (Format-Cases $byArch '        ')
    '    ];'
    ''
    '    private static readonly (string[] Capabilities, GeneratedRule Rule)[] GeneratedByCapability ='
    '    ['
    (Format-Cases $byCap '        ')
    '    ];'
    ''
    '    private static readonly (string[] GoArches, GeneratedRule Rule)[] GeneratedWithoutSysAdminByArch ='
    '    ['
    (Format-Cases $notAdminByArch '        ')
    '    ];'
    ''
    '    private static readonly GeneratedRule[] GeneratedWithoutSysAdmin ='
    '    ['
    ($notAdminAlways | ForEach-Object { "        $(Format-Rule $_)," })
    '    ];'
    '}'
)
New-Item -ItemType Directory -Force -Path (Split-Path $OutputPath) | Out-Null
Set-Content -LiteralPath $OutputPath -Value ($lines -join "`n") -NoNewline:$false
Write-Host "Wrote $OutputPath ($($base.Count) base rules, $(@($byCap).Count) capability cases)."
