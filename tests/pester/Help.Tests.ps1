<#
    The help users get: the MAML build/New-MamlHelp.ps1 generated must agree with each cmdlet's metadata, the
    about topic must be there, and the generator must refuse incomplete doc comments.
#>

BeforeDiscovery {
    $module = Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force -PassThru
    $script:Cmdlets = @($module.ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
    $script:NoCmdlets = $Cmdlets.Count -eq 0
}

BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:Module = Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force -PassThru
    $script:Pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $script:NotOurs = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'The module''s help files' {
    It 'ship the generated MAML for every cmdlet next to the cmdlet assembly' -Skip:$NoCmdlets {
        $file = Join-Path $ModulePath 'en-US/TalosSeccomp.dll-Help.xml'
        $file | Should -Exist
        [xml] $maml = Get-Content $file -Raw
        $maml.helpItems.schema | Should -Be 'maml'
        $documented = @($maml.helpItems.command | ForEach-Object { $_.details.name })
        $documented | Sort-Object | Should -Be @($Module.ExportedCmdlets.Keys | Sort-Object)
    }

    It 'join the doc comments'' wrapped source lines into one line per paragraph' -Skip:$NoCmdlets {
        [xml] $maml = Get-Content (Join-Path $ModulePath 'en-US/TalosSeccomp.dll-Help.xml') -Raw
        $ns = [System.Xml.XmlNamespaceManager]::new($maml.NameTable)
        $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $paragraphs = @($maml.SelectNodes('//maml:para', $ns) | ForEach-Object InnerText)
        $paragraphs.Count | Should -BeGreaterThan 100
        $paragraphs | Where-Object { $_ -match '\n|\s{2}|///' } | Should -BeNullOrEmpty
        # The source wraps the longest paragraphs, so some run well past the width of one source line.
        ($paragraphs | Measure-Object Length -Maximum).Maximum | Should -BeGreaterThan 200
    }

    It 'do not include the XML doc files the MAML was made from' {
        Join-Path $ModulePath 'TalosSeccomp.xml' | Should -Not -Exist
        Get-ChildItem (Join-Path $ModulePath 'Dependencies') -Filter '*.xml' | Should -BeNullOrEmpty
    }

    It 'include about_TalosSeccomp with the concepts operators need' {
        $text = Get-Help about_TalosSeccomp | Out-String
        foreach ($topic in 'New-SeccompProfile', 'Test-SeccompProfile', 'Set-TalosSeccompProfile', 'Get-TalosSeccompProfile',
            'ConvertTo-SeccompSecurityContext', 'Watch-TalosAudit', '-FromAuditEvent', 'TALOSCONFIG', 'os:reader', 'os:admin',
            'Ed25519', 'NO_REBOOT', 'auditd', 'dmesg', '-Confirm:$false', '$ProgressPreference', '400 MB',
            'Connect-Talos', '-TalosConfigText', 'Get-AutomationVariable', 'WHICH CONNECTION A COMMAND USES', 'PSDefaultParameterValues') {
            $text | Should -BeLike "*$topic*" -Because "about_TalosSeccomp should cover $topic"
        }
    }
}

Describe 'build/New-MamlHelp.ps1' {
    It 'fails, naming each cmdlet and what it lacks, when the doc comments are missing' -Skip:$NoCmdlets {
        $copy = Join-Path $TestDrive 'TalosSeccomp'
        Copy-Item $ModulePath $copy -Recurse
        Remove-Item (Join-Path $copy 'en-US/TalosSeccomp.dll-Help.xml')
        '<?xml version="1.0"?><doc><assembly><name>TalosSeccomp</name></assembly><members></members></doc>' |
            Set-Content (Join-Path $copy 'TalosSeccomp.xml')

        $output = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'build/New-MamlHelp.ps1') -ModulePath $copy 2>&1 | Out-String

        $LASTEXITCODE | Should -Not -Be 0
        foreach ($name in $Module.ExportedCmdlets.Keys) {
            $output | Should -BeLike "*${name}*no synopsis*"
            $output | Should -BeLike "*${name}*example*"
        }
        Join-Path $copy 'en-US/TalosSeccomp.dll-Help.xml' | Should -Not -Exist
    }
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Command = Get-Command $Name -Module TalosSeccomp
        $script:Help = Get-Help $Name -Full
        $script:Ours = @($Command.Parameters.Values | Where-Object {
                $_.Name -notin $NotOurs -and
                ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).DontShow -contains $false
            } | ForEach-Object Name)
    }

    It 'comes from the generated MAML, not made up from the syntax' {
        ($Help.description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has one syntax block per parameter set' {
        @($Help.syntax.syntaxItem).Count | Should -Be $Command.ParameterSets.Count
    }

    It 'documents each parameter as its metadata declares it' {
        foreach ($parameterName in $Ours) {
            $documented = @($Help.parameters.parameter | Where-Object name -eq $parameterName)
            $documented.Count | Should -Be 1 -Because "-$parameterName should be documented once"
            $documented = $documented[0]
            $sets = @($Command.ParameterSets | ForEach-Object { $_.Parameters | Where-Object Name -eq $parameterName })

            $documented.required | Should -Be (-not ($sets.IsMandatory -contains $false)).ToString().ToLowerInvariant() -Because "-$parameterName required"
            $byPipeline = (@($sets.ValueFromPipeline) + @($sets.ValueFromPipelineByPropertyName)) -contains $true
            $documented.pipelineInput -like 'True*' | Should -Be $byPipeline -Because "-$parameterName pipeline input"
            $positions = @($sets | Where-Object Position -ge 0 | ForEach-Object Position)
            if ($positions.Count) { $documented.position | Should -Be ([string] $positions[0]) } else { $documented.position | Should -Be 'named' }

            $type = $Command.Parameters[$parameterName].ParameterType
            $type = [Nullable]::GetUnderlyingType($type) ?? $type
            $documented.type.name | Should -BeLike (($type.Name -replace '`\d+$', '' -replace '\[\]$', '') + '*') -Because "-$parameterName type"

            $aliases = @($Command.Parameters[$parameterName].Aliases)
            if ($aliases) { ($documented.aliases -split ',\s*') | Should -Be $aliases } else { $documented.aliases | Should -Be 'none' }
        }
    }

    It 'shows -WhatIf and -Confirm in the syntax exactly when the cmdlet supports ShouldProcess' {
        $supports = $Command.Parameters.ContainsKey('WhatIf')
        foreach ($item in @($Help.syntax.syntaxItem)) {
            (@($item.parameter.name) -contains 'WhatIf') | Should -Be $supports
            (@($item.parameter.name) -contains 'Confirm') | Should -Be $supports
        }
    }

    It 'names the output types its OutputType attribute declares' {
        @($Help.returnValues.returnValue.type.name) | Should -Be @($Command.OutputType.Name | Select-Object -Unique)
    }

    It 'links to about_TalosSeccomp' {
        @($Help.relatedLinks.navigationLink.linkText) | Should -Contain 'about_TalosSeccomp'
    }
}
