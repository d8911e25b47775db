<#
    The cmdlet contract, checked for every cmdlet the manifest exports (PSScriptAnalyzer's CmdletDesign rules,
    which cannot read C#, plus our own): approved verb, singular noun, complete help, ShouldProcess on
    state changes, declared output types with format views, and no clash with common parameters.
#>

BeforeDiscovery {
    $manifest = Import-PowerShellDataFile (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1')
    $script:ListedCmdlets = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    $script:Manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'TalosSeccomp.psd1')
    $script:Module = Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force -PassThru

    $script:ApprovedVerbs = [System.Collections.Generic.HashSet[string]]::new([string[]] (Get-Verb).Verb, [StringComparer]::OrdinalIgnoreCase)

    # Verbs that change something outside the session (PSScriptAnalyzer's UseShouldProcessForStateChangingFunctions,
    # widened to our verbs: Export writes files, Set/Remove change nodes).
    $script:StateChangingVerbs = @('Set', 'Remove', 'Export', 'Clear', 'Reset', 'Update', 'Publish', 'Unpublish',
        'Install', 'Uninstall', 'Register', 'Unregister', 'Rename', 'Move', 'Restart', 'Disable', 'Enable', 'Save', 'Write')

    # Every common and ShouldProcess parameter name and alias (-ea, -wi, -cf, …).
    $script:CommonNames = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    foreach ($type in [System.Management.Automation.Internal.CommonParameters], [System.Management.Automation.Internal.ShouldProcessParameters]) {
        foreach ($property in $type.GetProperties()) {
            [void] $CommonNames.Add($property.Name)
            foreach ($alias in $property.GetCustomAttributes([Alias], $true).AliasNames) { [void] $CommonNames.Add($alias) }
        }
    }
    [void] $CommonNames.UnionWith([string[]] [System.Management.Automation.Cmdlet]::CommonParameters)
    [void] $CommonNames.UnionWith([string[]] [System.Management.Automation.Cmdlet]::OptionalCommonParameters)

    # Nouns PowerShell treats as singular although they end in s (Talos: the product, as in Connect-Talos).
    $script:SingularEndingInS = @('Status', 'Alias', 'Analysis', 'Kubernetes', 'Dns', 'Bus', 'Os', 'Process', 'Access', 'Class', 'Address', 'Talos')

    function Test-SingularNoun([string] $Noun) {
        $last = ([regex]::Matches($Noun, '[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+') | Select-Object -Last 1).Value
        if ($last -in 'People', 'Children', 'Criteria', 'Indices', 'Matrices') { return $false }
        if ($last -in $SingularEndingInS -or $last -cmatch '^[A-Z0-9]+$') { return $true }
        $last -notmatch '[^s]s$' -or $last -match '(ss|us|is)$'
    }

    function Get-OurParameterNames([System.Management.Automation.CommandInfo] $Command) {
        # Common and ShouldProcess parameters are PowerShell's; [Parameter(DontShow)] ones are hidden from help too.
        @($Command.Parameters.Values | Where-Object {
                $_.Name -notin [System.Management.Automation.Cmdlet]::CommonParameters -and
                $_.Name -notin [System.Management.Automation.Cmdlet]::OptionalCommonParameters -and
                ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).DontShow -contains $false
            } | ForEach-Object Name)
    }
}

Describe 'The manifest' {
    It 'lists its cmdlets explicitly, with no wildcard' {
        $Manifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $Manifest.CmdletsToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
    }

    It 'lists every cmdlet class in TalosSeccomp.dll' {
        $assembly = [System.Reflection.Assembly]::LoadFrom((Join-Path $ModulePath 'TalosSeccomp.dll'))
        $declared = foreach ($type in $assembly.GetExportedTypes()) {
            $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
            if ($attribute -and -not $type.IsAbstract) { "$($attribute.VerbName)-$($attribute.NounName)" }
        }
        $unlisted = @($declared | Where-Object { $_ -notin $Manifest.CmdletsToExport })
        $unlisted | Should -BeNullOrEmpty -Because 'a cmdlet missing from CmdletsToExport is invisible to users'
    }

    It 'tags exactly its exported cmdlets as PSCommand_<name>, for Find-PSResource -CommandName' {
        $tags = @($Manifest.PrivateData.PSData.Tags)
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        $tagged = @($tags | Where-Object { $_ -like 'PSCommand_*' } | ForEach-Object { $_.Substring('PSCommand_'.Length) })
        ($tagged | Sort-Object) | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }
}

Describe '<Name>' -ForEach $ListedCmdlets {
    BeforeAll {
        $script:Command = Get-Command -Name $Name -Module TalosSeccomp -CommandType Cmdlet -ErrorAction Ignore
        $script:Help = if ($Command) { Get-Help $Name -Full }
        $script:Attribute = if ($Command) {
            $Command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
        }
        $script:Skip = -not $Command
    }

    It 'exists in TalosSeccomp.dll' {
        $Command | Should -Not -BeNullOrEmpty -Because "the manifest exports $Name, so a cmdlet class must implement it"
    }

    It 'uses an approved verb' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        $ApprovedVerbs.Contains($Command.Verb) | Should -BeTrue -Because "'$($Command.Verb)' must be in Get-Verb"
    }

    It 'has a singular noun' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        Test-SingularNoun $Command.Noun | Should -BeTrue -Because "'$($Command.Noun)' looks plural"
    }

    It 'has a synopsis' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        # Without MAML, Get-Help makes the synopsis up from the syntax.
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
    }

    It 'has online help on the project site (Get-Help -Online)' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        $Command.HelpUri | Should -BeLike "$($Manifest.PrivateData.PSData.ProjectUri)/*"
        # The MAML names the same page first, as "Online Version:", which is where Get-Help -Online looks.
        @($Help.relatedLinks.navigationLink)[0].uri | Should -Be $Command.HelpUri
    }

    It 'has a description' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        ($Help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and an explanation' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        $examples = @($Help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        $described = @{}
        foreach ($parameter in @($Help.parameters.parameter)) {
            $described[$parameter.name] = ($parameter.description.Text -join '').Trim()
        }
        $undescribed = @(Get-OurParameterNames $Command | Where-Object { -not $described[$_] })
        $undescribed | Should -BeNullOrEmpty -Because 'every parameter needs a <summary> on its property'
    }

    It 'supports -WhatIf and -Confirm exactly when it changes state' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        # An explicit ConfirmImpact says the author considers the cmdlet state-changing.
        $confirmImpactSet = [System.Reflection.CustomAttributeData]::GetCustomAttributes($Command.ImplementingType) |
            Where-Object { $_.AttributeType -eq [System.Management.Automation.CmdletAttribute] } |
            ForEach-Object { $_.NamedArguments.MemberName } | Where-Object { $_ -eq 'ConfirmImpact' }
        if ($Command.Verb -in $StateChangingVerbs -or $confirmImpactSet) {
            $Attribute.SupportsShouldProcess | Should -BeTrue -Because "$Name changes state"
            $Command.Parameters.Keys | Should -Contain 'WhatIf'
        }
        else {
            # A read-only cmdlet offering -WhatIf would promise a preview of a change it never makes.
            $Attribute.SupportsShouldProcess | Should -BeFalse -Because "$Name does not change state"
        }
    }

    It 'declares its output types' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        @($Command.OutputType).Count | Should -BeGreaterThan 0 -Because 'add [OutputType(typeof(...))] to the class'
    }

    It 'has a format view for each of its own output types' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        # Framework types (String, Boolean, FileInfo, ...) have PowerShell's own formatting.
        $ours = @($Command.OutputType.Name | Where-Object { $_ -notmatch '^System\.' } | Select-Object -Unique)
        $missing = @($ours | Where-Object { -not (Get-FormatData -TypeName $_ -PowerShellVersion $PSVersionTable.PSVersion) })
        $missing | Should -BeNullOrEmpty -Because 'every output type needs a view in module/Formats/'
    }

    It 'has no parameter named or aliased like a common parameter' {
        if ($Skip) { Set-ItResult -Skipped -Because "$Name does not exist" }
        $clashes = foreach ($property in $Command.ImplementingType.GetProperties()) {
            if (-not $property.GetCustomAttributes([System.Management.Automation.ParameterAttribute], $true)) { continue }
            $names = @($property.Name) + @($property.GetCustomAttributes([Alias], $true).AliasNames)
            $names | Where-Object { $CommonNames.Contains($_) } | ForEach-Object { "-$($property.Name) ($_)" }
        }
        @($clashes) | Should -BeNullOrEmpty
    }
}
