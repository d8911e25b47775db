#requires -Version 7.4
<#
.SYNOPSIS
    Generates the module's MAML help (en-US/TalosSeccomp.dll-Help.xml) from the cmdlets' metadata and XML doc comments.
.DESCRIPTION
    Imports the built cmdlet assembly, so parameter sets, types, positions, pipeline binding, aliases, wildcards,
    validation sets and output types come from PowerShell's own view of each cmdlet, and reads the C# XML doc
    files next to it for the text:
      class <summary>                     synopsis
      class <remarks> (<para>, <list>)    description
      class <example> (<code>, <para>)    examples (two or more)
      class <seealso cref|href>           related links (about_TalosSeccomp is always added)
      property <summary>                  parameter help (<inheritdoc/> follows the base class)
      output type <summary>               return value description
    Run in its own pwsh (build.ps1 does) so the imported DLL is not held by the build. Fails, listing every
    cmdlet and parameter concerned, when a cmdlet lacks a synopsis, a description or two examples, or a
    parameter lacks help. Common parameters, -WhatIf and -Confirm are PowerShell's, not documented here.
.EXAMPLE
    pwsh -NoProfile -File build/New-MamlHelp.ps1 -ModulePath out/TalosSeccomp
#>
[CmdletBinding()]
param(
    # The laid-out module folder: TalosSeccomp.dll and TalosSeccomp.xml at its root, engine docs in Dependencies/.
    [Parameter(Mandatory)] [string] $ModulePath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$AssemblyPath = Join-Path $ModulePath 'TalosSeccomp.dll'
$DocFiles = @(Join-Path $ModulePath 'TalosSeccomp.xml') + @(Get-ChildItem (Join-Path $ModulePath 'Dependencies') -Filter '*.xml' -ErrorAction Ignore | ForEach-Object FullName)
if (-not (Test-Path (Join-Path $ModulePath 'TalosSeccomp.xml'))) {
    throw "New-MamlHelp: '$ModulePath/TalosSeccomp.xml' (the cmdlet assembly's XML doc file) is missing; build with GenerateDocumentationFile."
}

$Ns = @{
    Msh     = [System.Xml.Linq.XNamespace] 'http://msh'
    Maml    = [System.Xml.Linq.XNamespace] 'http://schemas.microsoft.com/maml/2004/10'
    Command = [System.Xml.Linq.XNamespace] 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    Dev     = [System.Xml.Linq.XNamespace] 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = [System.Xml.Linq.XNamespace] 'http://msdn.microsoft.com/mshelp'
}
# Parameters PowerShell adds or owns; they are documented in about_CommonParameters, not by us.
$NotOurs = [System.Collections.Generic.HashSet[string]]::new([string[]] (
        [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters),
    [System.StringComparer]::OrdinalIgnoreCase)
$ShouldProcessParameters = [ordered]@{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

#region XML doc comments

# Member id -> <member> element, over every doc file (cmdlets and engine output types).
$DocMembers = @{}
foreach ($file in $DocFiles) {
    foreach ($member in [System.Xml.Linq.XDocument]::Load($file).Root.Element('members').Elements('member')) {
        $DocMembers[$member.Attribute('name').Value] = $member
    }
}

function Get-DocId([Type] $Type) {
    # Doc ids use '.' for nested types and keep generic arity (`1), as FullName does.
    $Type.FullName -replace '\+', '.'
}

# Cmdlet class full name -> cmdlet name, so <see cref="T:…GetTalosNodeCommand"/> reads "Get-TalosNode".
$CmdletNamesByType = @{}

function Get-CrefText([string] $Cref) {
    $id = $Cref -replace '^[A-Z]:', ''
    if ($CmdletNamesByType.ContainsKey($id)) { return $CmdletNamesByType[$id] }
    $id = $id -replace '\(.*\)$', '' -replace '`+\d+', ''
    ($id -split '\.')[-1]
}

function ConvertTo-InlineText([System.Xml.Linq.XNode] $Node) {
    if ($Node -is [System.Xml.Linq.XText]) { return $Node.Value }
    $element = [System.Xml.Linq.XElement] $Node
    switch ($element.Name.LocalName) {
        { $_ -in 'see', 'seealso' } {
            $cref = $element.Attribute('cref'); $langword = $element.Attribute('langword'); $href = $element.Attribute('href')
            if (-not $element.IsEmpty -and $element.Value.Trim()) { return $element.Value }
            if ($cref) { return Get-CrefText $cref.Value }
            if ($langword) { return $langword.Value }
            if ($href) { return $href.Value }
            return ''
        }
        { $_ -in 'paramref', 'typeparamref' } { return $element.Attribute('name').Value }
        default { return (($element.Nodes() | ForEach-Object { ConvertTo-InlineText $_ }) -join '') }
    }
}

function Format-Code([string] $Text) {
    # Keeps the code's own lines, minus the blank edges and the indentation the doc comment added.
    $lines = @(($Text -replace "`r", '') -split "`n")
    while ($lines.Count -and -not $lines[0].Trim()) { $lines = @($lines | Select-Object -Skip 1) }
    while ($lines.Count -and -not $lines[-1].Trim()) { $lines = @($lines | Select-Object -SkipLast 1) }
    $indent = ($lines | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
    (($lines | ForEach-Object { if ($_.Length -ge $indent) { $_.Substring($indent).TrimEnd() } else { $_.Trim() } }) -join "`n")
}

function ConvertTo-Paragraphs([System.Xml.Linq.XElement] $Element) {
    # Block structure of a doc comment as a list of paragraph strings: <para>, <list> items and <code>
    # blocks become their own paragraphs; inline text between them is collected into one.
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    if (-not $Element) { return , $paragraphs }
    $inline = [System.Text.StringBuilder]::new()
    $flush = {
        $text = ($inline.ToString() -replace '\s+', ' ').Trim()
        if ($text) { $paragraphs.Add($text) }
        [void] $inline.Clear()
    }
    foreach ($node in $Element.Nodes()) {
        $name = if ($node -is [System.Xml.Linq.XElement]) { $node.Name.LocalName } else { '' }
        switch ($name) {
            'para' { & $flush; foreach ($p in ConvertTo-Paragraphs $node) { $paragraphs.Add($p) } }
            'code' { & $flush; $paragraphs.Add((Format-Code $node.Value)) }
            'br' { & $flush }
            'list' {
                & $flush
                foreach ($item in $node.Elements('item')) {
                    $parts = @('term', 'description' | ForEach-Object { $item.Element($_) } | Where-Object { $_ } |
                            ForEach-Object { (ConvertTo-InlineText $_) -replace '\s+', ' ' } | ForEach-Object Trim)
                    if (-not $parts) { $parts = @(((ConvertTo-InlineText $item) -replace '\s+', ' ').Trim()) }
                    $paragraphs.Add('- ' + ($parts -join ': '))
                }
            }
            default { [void] $inline.Append((ConvertTo-InlineText $node)) }
        }
    }
    & $flush
    , $paragraphs
}

function Get-MemberDoc([string] $Id) {
    if ($DocMembers.ContainsKey($Id)) { $DocMembers[$Id] } else { $null }
}

function Get-PropertyDoc([System.Reflection.MemberInfo] $Member) {
    # Walks <inheritdoc/> up the class hierarchy (an overridden or re-declared parameter property).
    $type = $Member.DeclaringType
    while ($type) {
        $prefix = if ($Member -is [System.Reflection.FieldInfo]) { 'F' } else { 'P' }
        $doc = Get-MemberDoc "${prefix}:$(Get-DocId $type).$($Member.Name)"
        if ($doc) {
            $inherit = $doc.Element('inheritdoc')
            if (-not $inherit) { return $doc.Element('summary') }
            if ($inherit.Attribute('cref')) {
                $target = Get-MemberDoc $inherit.Attribute('cref').Value
                return $(if ($target) { $target.Element('summary') } else { $null })
            }
        }
        $type = $type.BaseType
    }
    $null
}

#endregion

#region MAML building blocks

function New-MamlElement([System.Xml.Linq.XNamespace] $Namespace, [string] $Name) {
    $element = [System.Xml.Linq.XElement]::new($Namespace + $Name)
    foreach ($item in $args) {
        if ($null -eq $item) { continue }
        if ($item -is [System.Collections.IDictionary]) {
            foreach ($key in $item.Keys) { $element.SetAttributeValue([System.Xml.Linq.XName] $key, [string] $item[$key]) }
        }
        elseif ($item -is [System.Collections.IEnumerable] -and $item -isnot [string]) {
            foreach ($child in $item) { if ($null -ne $child) { $element.Add($child) } }
        }
        else { $element.Add($item) }
    }
    $element
}
function New-Maml([string] $Name) { New-MamlElement $Ns.Maml $Name @args }
function New-Command([string] $Name) { New-MamlElement $Ns.Command $Name @args }
function New-Dev([string] $Name) { New-MamlElement $Ns.Dev $Name @args }

function New-Description([System.Collections.Generic.IEnumerable[string]] $Paragraphs, [string] $Namespace = 'Maml', [string] $Name = 'description') {
    $paras = @($Paragraphs | ForEach-Object { New-Maml 'para' $_ })
    if (-not $paras) { $paras = @(New-Maml 'para' '') }
    New-MamlElement $Ns[$Namespace] $Name $paras
}

function Get-TypeDisplayName([Type] $Type) {
    # Short names, as Get-Help shows them: String[], SwitchParameter, Nullable`1[Int32] -> Int32.
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType()) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Get-TypeDisplayName $underlying }
    if ($Type.IsGenericType) {
        return ($Type.Name -replace '`\d+$', '') + '[' + (($Type.GetGenericArguments() | ForEach-Object { Get-TypeDisplayName $_ }) -join ', ') + ']'
    }
    $Type.Name
}

function Get-AllowedValues([System.Management.Automation.CommandParameterInfo] $Parameter) {
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return @($set.ValidValues) }
    $type = $Parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    $type = [Nullable]::GetUnderlyingType($type) ?? $type
    if ($type.IsEnum) { return [Enum]::GetNames($type) }
    @()
}

function Get-PipelineInputText([System.Management.Automation.CommandParameterInfo[]] $Infos) {
    $ways = @(
        if ($Infos.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' }
        if ($Infos.ValueFromPipeline -contains $true) { 'ByValue' }
    )
    if ($ways) { "True ($($ways -join ', '))" } else { 'False' }
}

function Get-DefaultValueText([System.Reflection.MemberInfo] $Member, [object] $Instance, [Type] $ParameterType) {
    $attribute = $Member.GetCustomAttributes([System.Management.Automation.PSDefaultValueAttribute], $true) | Select-Object -First 1
    if ($attribute) { return $(if ($attribute.Help) { $attribute.Help } else { [string] $attribute.Value }) }
    if ($ParameterType -eq [System.Management.Automation.SwitchParameter]) { return 'False' }
    if (-not $Instance) { return 'None' }
    $value = try { $Member.GetValue($Instance) } catch { $null }
    if ($null -eq $value) { return 'None' }
    if ($value -is [System.Collections.IEnumerable] -and $value -isnot [string]) {
        $items = @($value | ForEach-Object { [string] $_ })
        return $(if ($items) { $items -join ', ' } else { 'None' })
    }
    $text = [string] $value
    if ($text) { $text } else { 'None' }
}

function New-ParameterElement {
    param(
        [string] $Name, [Type] $Type, [string[]] $Description, [bool] $Required, [string] $Position,
        [string] $PipelineInput, [bool] $Globbing, [string[]] $Aliases, [string] $DefaultValue,
        [string[]] $AllowedValues, [switch] $InSyntax
    )
    $isSwitch = $Type -eq [System.Management.Automation.SwitchParameter]
    $typeName = Get-TypeDisplayName $Type
    $attributes = [ordered]@{
        required       = $Required.ToString().ToLowerInvariant()
        variableLength = $Type.IsArray.ToString().ToLowerInvariant()
        globbing       = $Globbing.ToString().ToLowerInvariant()
        pipelineInput  = $PipelineInput
        position       = $Position
        aliases        = $(if ($Aliases) { $Aliases -join ', ' } else { 'none' })
    }
    $valueGroup = if ($AllowedValues) {
        New-Command 'parameterValueGroup' @($AllowedValues | ForEach-Object {
                New-Command 'parameterValue' ([ordered]@{ required = 'false'; '{http://schemas.microsoft.com/maml/dev/command/2004/10}variableLength' = 'false' }) $_
            })
    }
    # A switch takes no value: the syntax shows it bare, the parameter list still names its type.
    $value = if (-not ($isSwitch -and $InSyntax)) {
        New-Command 'parameterValue' ([ordered]@{ required = (-not $isSwitch).ToString().ToLowerInvariant(); variableLength = 'false' }) $typeName
    }
    New-Command 'parameter' $attributes `
        (New-Maml 'name' $Name) `
        (New-Description $Description) `
        $valueGroup $value `
        (New-Dev 'type' (New-Maml 'name' $typeName) (New-Maml 'uri')) `
        (New-Dev 'defaultValue' $DefaultValue)
}

#endregion

function Test-Hidden([System.Management.Automation.CommandParameterInfo] $Parameter) {
    # [Parameter(DontShow = true)] keeps a parameter out of syntax, completion and help alike.
    $declared = @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
    $declared.Count -gt 0 -and -not ($declared.DontShow -contains $false)
}

function New-CommandHelp([System.Management.Automation.CmdletInfo] $Cmdlet, [System.Collections.Generic.List[string]] $Problems) {
    $type = $Cmdlet.ImplementingType
    $typeDoc = Get-MemberDoc "T:$(Get-DocId $type)"
    $where = "$($Cmdlet.Name) ($($type.FullName))"

    $synopsis = ConvertTo-Paragraphs $(if ($typeDoc) { $typeDoc.Element('summary') })
    $description = ConvertTo-Paragraphs $(if ($typeDoc) { $typeDoc.Element('remarks') })
    if (-not $synopsis.Count) { $Problems.Add("${where}: no synopsis: add a <summary> to the class.") }
    if (-not $description.Count) { $Problems.Add("${where}: no description: add a <remarks> with <para> paragraphs to the class.") }

    $examples = @(if ($typeDoc) { $typeDoc.Elements('example') })
    if ($examples.Count -lt 2) { $Problems.Add("${where}: $($examples.Count) example(s): add at least two <example> elements, each with <code> and <para>.") }
    $exampleElements = for ($i = 0; $i -lt $examples.Count; $i++) {
        $code = $examples[$i].Element('code')
        $remarks = [System.Collections.Generic.List[string]]::new()
        foreach ($node in $examples[$i].Nodes()) {
            if ($node -is [System.Xml.Linq.XElement] -and $node.Name.LocalName -eq 'code') { continue }
            $holder = [System.Xml.Linq.XElement]::new('x', $node)
            foreach ($p in ConvertTo-Paragraphs $holder) { $remarks.Add($p) }
        }
        if (-not $code -or -not $code.Value.Trim()) { $Problems.Add("${where}: example $($i + 1) has no <code>.") }
        if (-not $remarks.Count) { $Problems.Add("${where}: example $($i + 1) has no <para> saying what it does.") }
        New-Command 'example' `
            (New-Maml 'title' ("-------------------------- Example {0} --------------------------" -f ($i + 1))) `
            (New-Dev 'code' $(if ($code) { Format-Code $code.Value } else { '' })) `
            (New-Description $remarks 'Dev' 'remarks')
    }

    # One instance tells the defaults the class initialises its parameters with.
    $instance = try { [Activator]::CreateInstance($type) } catch { $null }

    # Parameter name -> what every set says about it.
    $ourSets = @($Cmdlet.ParameterSets | Sort-Object { -not $_.IsDefault }, Name)
    $byName = [ordered]@{}
    foreach ($set in $ourSets) {
        foreach ($p in $set.Parameters) {
            if ($NotOurs.Contains($p.Name) -or (Test-Hidden $p)) { continue }
            if (-not $byName.Contains($p.Name)) { $byName[$p.Name] = [System.Collections.Generic.List[object]]::new() }
            $byName[$p.Name].Add($p)
        }
    }

    $parameterData = @{}
    foreach ($name in $byName.Keys) {
        $infos = [System.Management.Automation.CommandParameterInfo[]] $byName[$name].ToArray()
        $member = $type.GetMember($name, [System.Reflection.BindingFlags] 'Public, Instance') |
            Where-Object { $_ -is [System.Reflection.PropertyInfo] -or $_ -is [System.Reflection.FieldInfo] } |
            Sort-Object { $d = 0; $t = $type; while ($t -and $t -ne $_.DeclaringType) { $d++; $t = $t.BaseType }; $d } |
            Select-Object -First 1
        $help = ConvertTo-Paragraphs $(if ($member) { Get-PropertyDoc $member })
        if (-not $help.Count) {
            $declared = if ($member) { "$(Get-DocId $member.DeclaringType).$name" } else { $name }
            $Problems.Add("$($Cmdlet.Name): parameter -$name has no help: add a <summary> to $declared.")
        }
        $positions = @($infos | Where-Object Position -ge 0 | ForEach-Object Position | Sort-Object -Unique)
        $parameterData[$name] = @{
            Name          = $name
            Type          = $infos[0].ParameterType
            Description   = [string[]] $help
            Required      = -not ($infos.IsMandatory -contains $false)
            Position      = $(if ($positions.Count) { [string] $positions[0] } else { 'named' })
            PipelineInput = Get-PipelineInputText $infos
            Globbing      = [bool] ($member -and $member.GetCustomAttributes([System.Management.Automation.SupportsWildcardsAttribute], $true))
            Aliases       = [string[]] @($infos[0].Aliases)
            DefaultValue  = $(if ($member) { Get-DefaultValueText $member $instance $infos[0].ParameterType } else { 'None' })
            AllowedValues = [string[]] @(Get-AllowedValues $infos[0])
        }
    }

    $syntaxItems = foreach ($set in $ourSets) {
        $ours = @($set.Parameters | Where-Object { -not $NotOurs.Contains($_.Name) -and -not (Test-Hidden $_) })
        # Get-Command's order: positional by position, then mandatory, then the rest as declared.
        $ordered = @($ours | Where-Object Position -ge 0 | Sort-Object Position) +
            @($ours | Where-Object { $_.Position -lt 0 -and $_.IsMandatory }) +
            @($ours | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory })
        $elements = foreach ($p in $ordered) {
            $data = $parameterData[$p.Name]
            New-ParameterElement -InSyntax -Name $p.Name -Type $p.ParameterType -Description $data.Description `
                -Required $p.IsMandatory -Position $(if ($p.Position -ge 0) { [string] $p.Position } else { 'named' }) `
                -PipelineInput (Get-PipelineInputText @($p)) -Globbing $data.Globbing -Aliases $data.Aliases `
                -DefaultValue $data.DefaultValue -AllowedValues $data.AllowedValues
        }
        $shouldProcess = foreach ($name in $ShouldProcessParameters.Keys) {
            $p = $set.Parameters | Where-Object Name -eq $name
            if ($p) {
                New-ParameterElement -InSyntax -Name $name -Type ([System.Management.Automation.SwitchParameter]) `
                    -Description $ShouldProcessParameters[$name] -Required $false -Position 'named' -PipelineInput 'False' `
                    -Globbing $false -Aliases @($p.Aliases) -DefaultValue 'False'
            }
        }
        New-Command 'syntaxItem' (New-Maml 'name' $Cmdlet.Name) $elements $shouldProcess
    }

    $parameterElements = foreach ($name in ($parameterData.Keys | Sort-Object)) {
        $d = $parameterData[$name]
        New-ParameterElement -Name $d.Name -Type $d.Type -Description $d.Description -Required $d.Required `
            -Position $d.Position -PipelineInput $d.PipelineInput -Globbing $d.Globbing -Aliases $d.Aliases `
            -DefaultValue $d.DefaultValue -AllowedValues $d.AllowedValues
    }

    # Input: the types pipeline-bound parameters take, each saying how it binds.
    $inputs = [ordered]@{}
    foreach ($d in ($parameterData.Values | Sort-Object Name)) {
        if ($d.PipelineInput -eq 'False') { continue }
        $key = $d.Type.FullName
        if (-not $inputs.Contains($key)) { $inputs[$key] = [System.Collections.Generic.List[string]]::new() }
        $inputs[$key].Add("You can pipe $(Get-TypeDisplayName $d.Type) to -$($d.Name) ($($d.PipelineInput -replace '^True \((.*)\)$', '$1')).")
    }
    $inputTypes = if ($inputs.Count) {
        New-Command 'inputTypes' @(foreach ($key in $inputs.Keys) {
                New-Command 'inputType' (New-Dev 'type' (New-Maml 'name' $key)) (New-Description $inputs[$key])
            })
    }
    else {
        New-Command 'inputTypes' (New-Command 'inputType' (New-Dev 'type' (New-Maml 'name' 'None')) (New-Description @('This cmdlet does not take pipeline input.')))
    }

    $outputs = @($Cmdlet.OutputType | ForEach-Object { if ($_.Type) { $_.Type } else { $_.Name } } | Select-Object -Unique)
    $returnValues = New-Command 'returnValues' @(foreach ($output in $outputs) {
            $name = if ($output -is [Type]) { $output.FullName } else { [string] $output }
            $text = if ($output -is [Type]) { ConvertTo-Paragraphs $(Get-MemberDoc "T:$(Get-DocId $output)")?.Element('summary') } else { @() }
            New-Command 'returnValue' (New-Dev 'type' (New-Maml 'name' $name)) (New-Description $text)
        })

    $links = [System.Collections.Generic.List[System.Xml.Linq.XElement]]::new()
    $newLink = { param($text, $uri) New-Maml 'navigationLink' (New-Maml 'linkText' $text) (New-Maml 'uri' $uri) }
    if ($Cmdlet.HelpUri) { $links.Add((& $newLink 'Online Version:' $Cmdlet.HelpUri)) }
    foreach ($see in @(if ($typeDoc) { $typeDoc.Elements('seealso') })) {
        $href = $see.Attribute('href')
        $text = ((ConvertTo-InlineText $see) -replace '\s+', ' ').Trim()
        $links.Add((& $newLink $text $(if ($href) { $href.Value } else { '' })))
    }
    $links.Add((& $newLink 'about_TalosSeccomp' ''))

    New-Command 'command' `
        (New-Command 'details' (New-Command 'name' $Cmdlet.Name) (New-Command 'verb' $Cmdlet.Verb) (New-Command 'noun' $Cmdlet.Noun) (New-Description $synopsis)) `
        (New-Description $description) `
        (New-Command 'syntax' $syntaxItems) `
        (New-Command 'parameters' $parameterElements) `
        $inputTypes $returnValues `
        (New-Command 'examples' $exampleElements) `
        (New-Command 'relatedLinks' $links.ToArray())
}

# Importing the DLL itself (not the manifest) exports every cmdlet class, so one missing from the manifest
# still gets its help checked; the contract test catches the manifest side.
$module = Import-Module $AssemblyPath -PassThru -ErrorAction Stop
$cmdlets = @($module.ExportedCmdlets.Values | Sort-Object Name)
foreach ($c in $cmdlets) { $CmdletNamesByType[(Get-DocId $c.ImplementingType)] = $c.Name }

if (-not $cmdlets) { Write-Host "No cmdlets in $AssemblyPath; no MAML help written." }

$problems = [System.Collections.Generic.List[string]]::new()
$byHelpFile = $cmdlets | Group-Object HelpFile
$written = foreach ($group in $byHelpFile) {
    $root = New-MamlElement $Ns.Msh 'helpItems' ([ordered]@{ schema = 'maml' })
    foreach ($cmdlet in $group.Group) {
        $command = New-CommandHelp $cmdlet $problems
        foreach ($prefix in @{ maml = $Ns.Maml; command = $Ns.Command; dev = $Ns.Dev; MSHelp = $Ns.MSHelp }.GetEnumerator()) {
            $command.SetAttributeValue([System.Xml.Linq.XNamespace]::Xmlns + $prefix.Key, $prefix.Value.NamespaceName)
        }
        $root.Add($command)
    }
    [pscustomobject]@{ File = $group.Name; Document = [System.Xml.Linq.XDocument]::new([System.Xml.Linq.XDeclaration]::new('1.0', 'utf-8', $null), $root); Count = $group.Count }
}

if ($problems.Count) {
    $message = "Help is incomplete ($($problems.Count) problem(s)); every cmdlet needs XML doc comments (docs/ARCHITECTURE.md):`n  " + ($problems -join "`n  ")
    [Console]::Error.WriteLine($message)
    exit 1
}

$helpFolder = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Path $helpFolder -Force | Out-Null
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
foreach ($item in $written) {
    $path = Join-Path $helpFolder $item.File
    $writer = [System.Xml.XmlWriter]::Create($path, $settings)
    try { $item.Document.Save($writer) } finally { $writer.Dispose() }
    Write-Host "Help for $($item.Count) cmdlet(s) written to $path"
}
