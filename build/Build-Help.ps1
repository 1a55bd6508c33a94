#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Compiles the platyPS-style markdown help in docs/<culture> into MAML and about_*.help.txt files.
.DESCRIPTION
    Reads every page in -DocsPath with Markdig (headings, paragraphs, lists and fenced code as blocks, never
    regular expressions over the whole text) and writes:
      <OutputPath>/<culture>/<external help file>   one MAML helpItems document per help file named in the
                                                    cmdlet pages' front matter (CodexPS.dll-Help.xml)
      <OutputPath>/<culture>/about_*.help.txt       a plain-text rendering of each about_*.md page
    The module page (the one whose front matter has a Module Guid) is only checked, not compiled.
    The build fails, listing every problem at once, when a cmdlet page lacks a synopsis, a description, an
    example with code, or a description for a parameter, or when its syntax and parameter sections disagree.
.PARAMETER DocsPath
    The folder of markdown pages, named after its culture (docs/en-US).
.PARAMETER OutputPath
    The module's output folder (out/CodexPS); the help goes into its culture subfolder.
.PARAMETER MarkdigPath
    Markdig.dll (netstandard2.0) as restored by: dotnet restore build/tools.csproj --packages build/packages
.EXAMPLE
    ./build/Build-Help.ps1 -DocsPath ./docs/en-US -OutputPath ./out/CodexPS -MarkdigPath ./build/packages/markdig/0.45.0/lib/netstandard2.0/Markdig.dll
#>
[CmdletBinding()]
param(
    [string] $DocsPath = (Join-Path $PSScriptRoot '../docs/en-US'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/CodexPS'),
    [string] $MarkdigPath = (Join-Path $PSScriptRoot 'packages/markdig/0.45.0/lib/netstandard2.0/Markdig.dll')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$TextWidth = 80

#region Markdown reading

function Initialize-Markdig {
    param([string] $Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
        throw "Markdig.dll was not found at '$Path'. Restore it with: dotnet restore build/tools.csproj --packages build/packages"
    }
    $null = [Reflection.Assembly]::LoadFrom((Resolve-Path -LiteralPath $Path).ProviderPath)
    $builder = [Markdig.MarkdownPipelineBuilder]::new()
    $builder = [Markdig.MarkdownExtensions]::UseYamlFrontMatter($builder)
    $builder.Build()
}

function ConvertTo-InlineText {
    # The plain text of an inline container: code spans lose their backticks, links keep their text (and
    # the address when it is a web address the text does not already show), soft line breaks become spaces.
    param($Container)
    if ($null -eq $Container) { return '' }
    # (switch is not used on Markdig objects: it would enumerate the children of containers.)
    $text = [Text.StringBuilder]::new()
    foreach ($inline in $Container) {
        if ($inline -is [Markdig.Syntax.Inlines.LiteralInline]) { $null = $text.Append($inline.Content.ToString()) }
        elseif ($inline -is [Markdig.Syntax.Inlines.CodeInline]) { $null = $text.Append($inline.Content) }
        elseif ($inline -is [Markdig.Syntax.Inlines.HtmlEntityInline]) { $null = $text.Append($inline.Transcoded.ToString()) }
        elseif ($inline -is [Markdig.Syntax.Inlines.AutolinkInline]) { $null = $text.Append($inline.Url) }
        elseif ($inline -is [Markdig.Syntax.Inlines.LineBreakInline]) { $null = $text.Append($(if ($inline.IsHard) { "`n" } else { ' ' })) }
        elseif ($inline -is [Markdig.Syntax.Inlines.HtmlInline]) { }
        elseif ($inline -is [Markdig.Syntax.Inlines.LinkInline]) {
            $label = ConvertTo-InlineText $inline
            $null = $text.Append($label)
            if ($inline.Url -match '^https?://' -and $label -ne $inline.Url) { $null = $text.Append(" ($($inline.Url))") }
        }
        elseif ($inline -is [Markdig.Syntax.Inlines.ContainerInline]) { $null = $text.Append((ConvertTo-InlineText $inline)) }
        else { $null = $text.Append($inline.ToString()) }
    }
    $text.ToString()
}

function Get-Links {
    # Every link in a block, as text and address.
    param($Container)
    foreach ($inline in $Container) {
        if ($inline -is [Markdig.Syntax.Inlines.LinkInline]) {
            [pscustomobject]@{ Text = ConvertTo-InlineText $inline; Url = $inline.Url }
        }
        elseif ($inline -is [Markdig.Syntax.Inlines.ContainerInline]) { Get-Links $inline }
    }
}

function Get-BlockLinks {
    # Every link in a list of blocks, lists and quotes included.
    param($Blocks)
    foreach ($block in $Blocks) {
        if ($block -is [Markdig.Syntax.LeafBlock]) { Get-Links $block.Inline }
        elseif ($block -is [Markdig.Syntax.ContainerBlock]) { Get-BlockLinks $block }
    }
}

function Get-CodeText {
    param($Block)
    $Block.Lines.ToString().TrimEnd()
}

function Read-HelpPage {
    # Splits a page into its front matter, its title (the level-1 heading) and its level-2 sections, each
    # with the blocks before its first level-3 heading and its level-3 subsections.
    param([IO.FileInfo] $File, $Pipeline)
    $source = [IO.File]::ReadAllText($File.FullName)
    $document = [Markdig.Markdown]::Parse($source, $Pipeline)
    $page = [pscustomobject]@{
        Path        = $File.FullName
        Name        = $File.Name
        FrontMatter = [ordered]@{}
        Title       = $null
        Sections    = [ordered]@{}
        Preamble    = [Collections.Generic.List[object]]::new()
    }
    $section = $null
    $subsection = $null
    foreach ($block in $document) {
        if ($block -is [Markdig.Extensions.Yaml.YamlFrontMatterBlock]) {
            foreach ($line in ($block.Lines.ToString() -split "`r?`n")) {
                if ($line -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $page.FrontMatter[$Matches[1]] = $Matches[2] }
            }
            continue
        }
        if ($block -is [Markdig.Syntax.HeadingBlock]) {
            $text = (ConvertTo-InlineText $block.Inline).Trim()
            if ($block.Level -eq 1 -and -not $page.Title) {
                $page.Title = $text
                continue
            }
            if ($block.Level -eq 2) {
                $section = [pscustomobject]@{ Title = $text; Blocks = [Collections.Generic.List[object]]::new(); Subsections = [Collections.Generic.List[object]]::new() }
                $page.Sections[$text.ToUpperInvariant()] = $section
                $subsection = $null
                continue
            }
            if ($block.Level -eq 3 -and $section) {
                $subsection = [pscustomobject]@{ Title = $text; Blocks = [Collections.Generic.List[object]]::new() }
                $section.Subsections.Add($subsection)
                continue
            }
        }
        if ($block -is [Markdig.Syntax.ThematicBreakBlock] -or $block -is [Markdig.Syntax.HtmlBlock] -or $block -is [Markdig.Syntax.LinkReferenceDefinitionGroup]) { continue }
        if ($subsection) { $subsection.Blocks.Add($block) }
        elseif ($section) { $section.Blocks.Add($block) }
        else { $page.Preamble.Add($block) }
    }
    $page
}

function Get-Section {
    param($Page, [string] $Name)
    $key = $Name.ToUpperInvariant()
    if ($Page.Sections.Contains($key)) { $Page.Sections[$key] } else { $null }
}

function ConvertTo-Paragraphs {
    # Blocks as a list of paragraphs for MAML: a paragraph per text block and per list item, code indented.
    param($Blocks, [string] $Indent = '')
    foreach ($block in $Blocks) {
        if ($block -is [Markdig.Syntax.ParagraphBlock] -or $block -is [Markdig.Syntax.HeadingBlock]) {
            $Indent + (ConvertTo-InlineText $block.Inline).Trim()
        }
        elseif ($block -is [Markdig.Syntax.CodeBlock]) {
            ((Get-CodeText $block) -split "`r?`n" | ForEach-Object { "$Indent    $_".TrimEnd() }) -join "`n"
        }
        elseif ($block -is [Markdig.Syntax.ListBlock]) {
            $number = if ($block.IsOrdered -and $block.OrderedStart) { [int]$block.OrderedStart } else { 1 }
            foreach ($item in $block) {
                $marker = if ($block.IsOrdered) { "$number. " } else { '- ' }
                $number++
                $parts = @(ConvertTo-Paragraphs $item ($Indent + '  '))
                if ($parts.Count -gt 0) {
                    $Indent + $marker + $parts[0].TrimStart()
                    if ($parts.Count -gt 1) { $parts[1..($parts.Count - 1)] }
                }
            }
        }
        elseif ($block -is [Markdig.Syntax.ContainerBlock]) { ConvertTo-Paragraphs $block $Indent }
        elseif ($block -is [Markdig.Syntax.LeafBlock]) { $Indent + $block.Lines.ToString().Trim() }
    }
}

function Test-Filled {
    # Whether text says something: not empty, not a platyPS placeholder such as {{ Fill in the Synopsis }}.
    param([string[]] $Text)
    $joined = (@($Text) -join ' ').Trim()
    $joined -and $joined -notmatch '^\{\{.*\}\}$'
}

#endregion

#region Cmdlet pages

function Read-ParameterYaml {
    param([string] $Yaml)
    $values = [ordered]@{}
    foreach ($line in $Yaml -split "`r?`n") {
        if ($line -match '^\s*([A-Za-z ]+?)\s*:\s*(.*?)\s*$') { $values[$Matches[1]] = $Matches[2] }
    }
    $values
}

function Get-ValueForSet {
    # A yaml value that may differ per parameter set, written "True (SetA, SetB) False (SetC)"; else as is.
    param([string] $Value, [string] $SetName)
    $parts = [regex]::Matches($Value, '(\S+)\s*\(([^)]*)\)')
    if ($parts.Count -eq 0) { return $Value }
    foreach ($part in $parts) {
        $sets = $part.Groups[2].Value -split '\s*,\s*'
        if ($sets -contains $SetName -or $sets -contains 'All') { return $part.Groups[1].Value }
    }
    $parts[0].Groups[1].Value
}

function Read-CmdletPage {
    # The command model of one cmdlet page, and the problems that keep it from being compiled.
    param($Page)
    $problems = [Collections.Generic.List[string]]::new()
    $name = $Page.Title
    $expected = [IO.Path]::GetFileNameWithoutExtension($Page.Name)
    if (-not $name) { $problems.Add('has no level-1 heading with the command name'); $name = $expected }
    elseif ($name -ne $expected) { $problems.Add("is titled '$name' but the file is named for '$expected'") }
    if ($name -notmatch '^(\w+)-(\w+)$') { $problems.Add("'$name' is not a Verb-Noun command name") }
    $verb, $noun = $name -split '-', 2

    $synopsisSection = Get-Section $Page 'SYNOPSIS'
    $synopsis = if ($synopsisSection) { @(ConvertTo-Paragraphs $synopsisSection.Blocks) } else { @() }
    if (-not (Test-Filled $synopsis)) { $problems.Add('lacks a SYNOPSIS') }

    $descriptionSection = Get-Section $Page 'DESCRIPTION'
    $description = if ($descriptionSection) { @(ConvertTo-Paragraphs (@($descriptionSection.Blocks) + @($descriptionSection.Subsections | ForEach-Object { $_.Blocks }))) } else { @() }
    if (-not (Test-Filled $description)) { $problems.Add('lacks a DESCRIPTION') }

    # Parameters: one level-3 section per parameter, its description, and its yaml block.
    $parameters = [ordered]@{}
    $parameterSection = Get-Section $Page 'PARAMETERS'
    if ($parameterSection) {
        foreach ($sub in $parameterSection.Subsections) {
            if ($sub.Title -eq 'CommonParameters') { continue }
            if ($sub.Title -notmatch '^-(\w+)$') { $problems.Add("has a PARAMETERS heading '$($sub.Title)' that is not -Name"); continue }
            $parameterName = $Matches[1]
            $yamlBlock = @($sub.Blocks | Where-Object { $_ -is [Markdig.Syntax.FencedCodeBlock] -and $_.Info -eq 'yaml' }) | Select-Object -First 1
            $text = @(ConvertTo-Paragraphs @($sub.Blocks | Where-Object { -not ($_ -is [Markdig.Syntax.FencedCodeBlock] -and $_.Info -eq 'yaml') }))
            if (-not (Test-Filled $text)) { $problems.Add("lacks a description for parameter -$parameterName") }
            if (-not $yamlBlock) { $problems.Add("lacks the yaml block of parameter -$parameterName"); continue }
            $yaml = Read-ParameterYaml (Get-CodeText $yamlBlock)
            if (-not $yaml['Type']) { $problems.Add("gives no Type for parameter -$parameterName") }
            $parameters[$parameterName] = [pscustomobject]@{
                Name           = $parameterName
                Description    = $text
                Type           = [string]$yaml['Type']
                Sets           = [string]$yaml['Parameter Sets']
                Aliases        = [string]$yaml['Aliases']
                AcceptedValues = @(if ($yaml['Accepted values']) { $yaml['Accepted values'] -split '\s*,\s*' })
                Required       = [string]$yaml['Required']
                Position       = [string]$yaml['Position']
                DefaultValue   = [string]$yaml['Default value']
                PipelineInput  = [string]$yaml['Accept pipeline input']
                Globbing       = [string]$yaml['Accept wildcard characters']
            }
        }
    }

    # Syntax: one code block per parameter set, under a level-3 heading naming the set unless there is one.
    $syntaxItems = [Collections.Generic.List[object]]::new()
    $syntaxSection = Get-Section $Page 'SYNTAX'
    if ($syntaxSection) {
        $groups = @([pscustomobject]@{ Title = '__AllParameterSets'; Blocks = $syntaxSection.Blocks }) + @($syntaxSection.Subsections)
        foreach ($group in $groups) {
            foreach ($code in @($group.Blocks | Where-Object { $_ -is [Markdig.Syntax.CodeBlock] })) {
                $setName = ($group.Title -replace '\s*\(Default\)\s*$', '').Trim()
                $names = [regex]::Matches((Get-CodeText $code), '(?<![\w-])-(\w+)') | ForEach-Object { $_.Groups[1].Value }
                foreach ($parameterName in $names) {
                    if (-not $parameters.Contains($parameterName)) { $problems.Add("shows -$parameterName in its SYNTAX ($setName) but has no PARAMETERS section for it") }
                }
                $syntaxItems.Add([pscustomobject]@{ Set = $setName; Parameters = @($names | Where-Object { $parameters.Contains($_) }) })
            }
        }
    }
    if ($syntaxItems.Count -eq 0) { $problems.Add('lacks a SYNTAX code block') }
    foreach ($parameterName in $parameters.Keys) {
        if (-not ($syntaxItems | Where-Object { $_.Parameters -contains $parameterName })) { $problems.Add("documents -$parameterName, which no SYNTAX block shows") }
    }

    # Examples: a level-3 section each, with code and the sentences that explain it.
    $examples = [Collections.Generic.List[object]]::new()
    $exampleSection = Get-Section $Page 'EXAMPLES'
    if ($exampleSection) {
        foreach ($sub in $exampleSection.Subsections) {
            $code = @($sub.Blocks | Where-Object { $_ -is [Markdig.Syntax.CodeBlock] } | ForEach-Object { Get-CodeText $_ })
            $remarks = @(ConvertTo-Paragraphs @($sub.Blocks | Where-Object { $_ -isnot [Markdig.Syntax.CodeBlock] }))
            if ($code.Count -eq 0) { $problems.Add("has example '$($sub.Title)' without a code block"); continue }
            if (-not (Test-Filled $remarks)) { $problems.Add("has example '$($sub.Title)' without a sentence explaining it") }
            $examples.Add([pscustomobject]@{ Title = $sub.Title; Code = $code -join "`n`n"; Remarks = $remarks })
        }
    }
    if ($examples.Count -eq 0) { $problems.Add('lacks an example (### Example heading with a code block under EXAMPLES)') }

    $typeEntries = {
        param($SectionName)
        $section = Get-Section $Page $SectionName
        if ($section) {
            foreach ($sub in $section.Subsections) {
                [pscustomobject]@{ Type = $sub.Title; Description = @(ConvertTo-Paragraphs $sub.Blocks) }
            }
        }
    }
    $notesSection = Get-Section $Page 'NOTES'
    $linksSection = Get-Section $Page 'RELATED LINKS'

    [pscustomobject]@{
        Name        = $name
        Verb        = $verb
        Noun        = $noun
        HelpFile    = $Page.FrontMatter['external help file']
        Synopsis    = $synopsis
        Description = $description
        Syntax      = $syntaxItems
        Parameters  = $parameters
        Inputs      = @(& $typeEntries 'INPUTS')
        Outputs     = @(& $typeEntries 'OUTPUTS')
        Notes       = @(if ($notesSection) { ConvertTo-Paragraphs (@($notesSection.Blocks) + @($notesSection.Subsections | ForEach-Object { $_.Blocks })) })
        Examples    = $examples
        Links       = @(if ($linksSection) { Get-BlockLinks $linksSection.Blocks })
        Problems    = $problems
    }
}

#endregion

#region MAML writing

function Write-Paragraphs {
    param([Xml.XmlWriter] $Writer, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $MamlNs)
    foreach ($paragraph in @($Paragraphs | Where-Object { $_ })) {
        $Writer.WriteElementString('maml', 'para', $MamlNs, $paragraph)
    }
    $Writer.WriteEndElement()
}

function Write-Parameter {
    # One command:parameter, for a syntax item (its set's values, no value for switches) or the full list.
    param([Xml.XmlWriter] $Writer, $Parameter, [string] $SetName, [switch] $InSyntax)
    $set = if ($SetName) { $SetName } else { '__AllParameterSets' }
    $required = (Get-ValueForSet $Parameter.Required $set) -eq 'True'
    $position = Get-ValueForSet $Parameter.Position $set
    $position = if ($position -match '^\d+$') { $position } else { 'named' }
    $isSwitch = $Parameter.Type -eq 'SwitchParameter'
    $Writer.WriteStartElement('command', 'parameter', $CommandNs)
    $Writer.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $(if ($Parameter.Globbing -eq 'True') { 'true' } else { 'false' }))
    $Writer.WriteAttributeString('pipelineInput', $(if ($Parameter.PipelineInput) { $Parameter.PipelineInput } else { 'False' }))
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases) { $Parameter.Aliases } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Parameter.Name)
    Write-Paragraphs $Writer $Parameter.Description
    if ($InSyntax -and $Parameter.AcceptedValues.Count -gt 0) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $CommandNs)
        foreach ($value in $Parameter.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('command', 'variableLength', $CommandNs, 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    elseif (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
        $Writer.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $DevNs)
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Parameter.Type)
    $Writer.WriteElementString('maml', 'uri', $MamlNs, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $DevNs, $(if ($Parameter.DefaultValue) { $Parameter.DefaultValue } else { 'None' }))
    $Writer.WriteEndElement()
}

function Write-TypeList {
    param([Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, $Entries)
    $Writer.WriteStartElement('command', $ListName, $CommandNs)
    foreach ($entry in $Entries) {
        $Writer.WriteStartElement('command', $ItemName, $CommandNs)
        $Writer.WriteStartElement('dev', 'type', $DevNs)
        $Writer.WriteElementString('maml', 'name', $MamlNs, $entry.Type)
        $Writer.WriteEndElement()
        Write-Paragraphs $Writer $entry.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Command {
    param([Xml.XmlWriter] $Writer, $Command)
    $Writer.WriteStartElement('command', 'command', $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $DevNs)
    $Writer.WriteAttributeString('xmlns', 'MSHelp', $null, 'http://msdn.microsoft.com/mshelp')

    $Writer.WriteStartElement('command', 'details', $CommandNs)
    $Writer.WriteElementString('command', 'name', $CommandNs, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNs, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $CommandNs, $Command.Noun)
    Write-Paragraphs $Writer $Command.Synopsis
    $Writer.WriteEndElement()

    Write-Paragraphs $Writer $Command.Description

    $Writer.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($item in $Command.Syntax) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $Writer.WriteElementString('maml', 'name', $MamlNs, $Command.Name)
        foreach ($parameterName in $item.Parameters) {
            Write-Parameter $Writer $Command.Parameters[$parameterName] $item.Set -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $CommandNs)
    # get_Values(), not .Values: on a dictionary .Values would be the entry of a parameter named Values.
    foreach ($parameter in $Command.Parameters.get_Values()) {
        $firstSet = ($Command.Syntax | Where-Object { $_.Parameters -contains $parameter.Name } | Select-Object -First 1).Set
        Write-Parameter $Writer $parameter $firstSet
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' $Command.Inputs
    Write-TypeList $Writer 'returnValues' 'returnValue' $Command.Outputs

    $Writer.WriteStartElement('maml', 'alertSet', $MamlNs)
    $Writer.WriteStartElement('maml', 'alert', $MamlNs)
    foreach ($paragraph in $Command.Notes) { $Writer.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $CommandNs)
    foreach ($example in $Command.Examples) {
        $Writer.WriteStartElement('command', 'example', $CommandNs)
        $Writer.WriteElementString('maml', 'title', $MamlNs, "-------------------------- $($example.Title) --------------------------")
        $Writer.WriteElementString('dev', 'code', $DevNs, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $DevNs)
        foreach ($paragraph in $example.Remarks) { $Writer.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
        # An empty last paragraph: Get-Help then leaves a blank line before the next example's title.
        $Writer.WriteElementString('maml', 'para', $MamlNs, '')
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($link in $Command.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNs)
        $Writer.WriteElementString('maml', 'linkText', $MamlNs, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $MamlNs, $(if ($link.Url -match '^https?://') { $link.Url } else { '' }))
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Write-Maml {
    param([string] $Path, $Commands)
    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $writer = [Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($command in $Commands) { Write-Command $writer $command }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }

    # Read it back: a document PowerShell cannot load would only show up as missing help.
    $xml = [xml]::new()
    $xml.Load($Path)
    $names = [Xml.XmlNamespaceManager]::new($xml.NameTable)
    $names.AddNamespace('command', $CommandNs)
    $count = $xml.SelectNodes('//command:command', $names).Count
    if ($count -ne @($Commands).Count) { throw "$Path holds $count commands instead of $(@($Commands).Count)." }
}

#endregion

#region About topics

function Format-Wrapped {
    # Words wrapped to the text width: the first line after $First, the rest after $Rest.
    param([string] $Text, [string] $First, [string] $Rest)
    $lines = [Collections.Generic.List[string]]::new()
    foreach ($hardLine in $Text -split "`n") {
        $line = $First
        $empty = $true
        foreach ($word in ($hardLine -split '\s+' | Where-Object { $_ })) {
            if (-not $empty -and ($line.Length + 1 + $word.Length) -gt $TextWidth) {
                $lines.Add($line)
                $line = $Rest + $word
            }
            else {
                $line = if ($empty) { $line + $word } else { "$line $word" }
            }
            $empty = $false
        }
        $lines.Add($line.TrimEnd())
        $First = $Rest
    }
    $lines -join [Environment]::NewLine
}

function ConvertTo-AboutText {
    # Text blocks as indented, wrapped plain text: paragraphs at four spaces, list items with a hanging
    # indent, code at eight spaces as it is. Returns one string per block.
    param($Blocks, [string] $Indent = '    ')
    $newLine = [Environment]::NewLine
    foreach ($block in $Blocks) {
        if ($block -is [Markdig.Syntax.ParagraphBlock]) {
            Format-Wrapped (ConvertTo-InlineText $block.Inline).Trim() $Indent $Indent
        }
        elseif ($block -is [Markdig.Syntax.HeadingBlock]) {
            $Indent + (ConvertTo-InlineText $block.Inline).Trim().ToUpperInvariant()
        }
        elseif ($block -is [Markdig.Syntax.CodeBlock]) {
            ((Get-CodeText $block) -split "`r?`n" | ForEach-Object { "$Indent    $_".TrimEnd() }) -join $newLine
        }
        elseif ($block -is [Markdig.Syntax.ListBlock]) {
            $number = if ($block.IsOrdered -and $block.OrderedStart) { [int]$block.OrderedStart } else { 1 }
            $items = [Collections.Generic.List[string]]::new()
            foreach ($item in $block) {
                $marker = if ($block.IsOrdered) { "$number. " } else { '- ' }
                $number++
                $hanging = $Indent + (' ' * $marker.Length)
                $lead = $Indent + $marker
                $rendered = [Collections.Generic.List[string]]::new()
                foreach ($inner in $item) {
                    if ($inner -is [Markdig.Syntax.ParagraphBlock]) {
                        $rendered.Add((Format-Wrapped (ConvertTo-InlineText $inner.Inline).Trim() $lead $hanging))
                    }
                    else {
                        $rendered.Add((@(ConvertTo-AboutText @(, $inner) $hanging) -join $newLine))
                    }
                    $lead = $hanging
                }
                $items.Add($rendered -join $newLine)
            }
            $items -join $newLine
        }
        elseif ($block -is [Markdig.Syntax.ContainerBlock]) {
            @(ConvertTo-AboutText $block $Indent) -join ($newLine + $newLine)
        }
        elseif ($block -is [Markdig.Syntax.LeafBlock]) {
            Format-Wrapped $block.Lines.ToString().Trim() $Indent $Indent
        }
    }
}

function ConvertTo-AboutTopic {
    param($Page)
    $problems = [Collections.Generic.List[string]]::new()
    $expected = [IO.Path]::GetFileNameWithoutExtension($Page.Name)
    if ($Page.Title -ne $expected) { $problems.Add("is titled '$($Page.Title)' but the file is named for '$expected'") }
    $short = Get-Section $Page 'SHORT DESCRIPTION'
    if (-not $short -or -not (Test-Filled @(ConvertTo-Paragraphs $short.Blocks))) { $problems.Add('lacks a SHORT DESCRIPTION') }
    if (-not (Get-Section $Page 'LONG DESCRIPTION')) { $problems.Add('lacks a LONG DESCRIPTION') }

    $newLine = [Environment]::NewLine
    $chunks = [Collections.Generic.List[string]]::new()
    $chunks.Add("TOPIC$newLine    $expected")
    foreach ($section in $Page.Sections.Values) {
        $body = @(ConvertTo-AboutText $section.Blocks)
        $chunks.Add((@($section.Title.ToUpperInvariant()) + $body) -join ($newLine + $newLine))
        foreach ($sub in $section.Subsections) {
            $chunks.Add((@("  $($sub.Title.ToUpperInvariant())") + @(ConvertTo-AboutText $sub.Blocks)) -join ($newLine + $newLine))
        }
    }
    [pscustomobject]@{ Name = $expected; Text = ($chunks -join ($newLine + $newLine)) + $newLine; Problems = $problems }
}

#endregion

$pipeline = Initialize-Markdig $MarkdigPath
if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { throw "The help folder '$DocsPath' does not exist." }
$DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath
$culture = Split-Path -Leaf $DocsPath
if ($culture -notmatch '^[a-z]{2,3}(-[A-Za-z]{2,4})?$') { $culture = 'en-US' }
$helpFolder = Join-Path $OutputPath $culture

$commands = [Collections.Generic.List[object]]::new()
$abouts = [Collections.Generic.List[object]]::new()
$problems = [Collections.Generic.List[string]]::new()
$modulePage = $null
$files = @(Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File | Sort-Object Name)
if ($files.Count -eq 0) { throw "The help folder '$DocsPath' holds no markdown pages." }
foreach ($file in $files) {
    $page = Read-HelpPage $file $pipeline
    if ($file.Name -like 'about_*') {
        $topic = ConvertTo-AboutTopic $page
        $topic.Problems | ForEach-Object { $problems.Add("$($file.Name) $_") }
        $abouts.Add($topic)
    }
    elseif ($page.FrontMatter.Contains('Module Guid')) {
        $modulePage = $page
    }
    else {
        $command = Read-CmdletPage $page
        if (-not $command.HelpFile) { $command.Problems.Add("has no 'external help file' in its front matter") }
        $command.Problems | ForEach-Object { $problems.Add("$($file.Name) $_") }
        $commands.Add($command)
    }
}
if ($modulePage) {
    $listed = @($modulePage.Sections.Values | ForEach-Object { $_.Subsections } | ForEach-Object { $_.Title })
    foreach ($command in $commands) {
        if ($listed -notcontains $command.Name) { $problems.Add("$($modulePage.Name) does not list $($command.Name)") }
    }
}
if ($problems.Count -gt 0) {
    throw ("The help in '$DocsPath' is incomplete ($($problems.Count) problem(s)):" + [Environment]::NewLine +
        (($problems | ForEach-Object { "  $_" }) -join [Environment]::NewLine))
}

$null = New-Item -ItemType Directory -Force -Path $helpFolder
foreach ($group in ($commands | Group-Object HelpFile)) {
    $path = Join-Path $helpFolder $group.Name
    Write-Maml $path $group.Group
    Write-Host "==> $path ($($group.Count) commands)"
}
foreach ($topic in $abouts) {
    $path = Join-Path $helpFolder "$($topic.Name).help.txt"
    [IO.File]::WriteAllText($path, $topic.Text, [Text.UTF8Encoding]::new($false))
    Write-Host "==> $path"
}
