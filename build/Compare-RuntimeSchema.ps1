#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Prints what changed between two app-server protocol schemas (codex app-server generate-json-schema), as far
    as CodexPS is concerned.
.DESCRIPTION
    Methods added or removed (client requests, server requests, notifications both ways), and for every type the
    module can meet (the parameters, results and notifications of the methods its source names, and every type
    they reference), the fields added, removed or changed. Methods and types the module never uses are counted,
    not listed. Returns an object with the same content (-PassThru), so build.ps1 and tests can read it.
.PARAMETER Old
    The committed schema folder (native/schema).
.PARAMETER New
    The freshly generated one.
.PARAMETER SourceRoot
    The module's C# source (src/): a method counts as used when its name appears there as a string literal.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $Old,
    [Parameter(Mandatory)][string] $New,
    [Parameter(Mandatory)][string] $SourceRoot,
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Read-Bundle {
    # The bundle file holds every definition of the protocol in one place.
    param([string] $Folder)
    $path = Join-Path $Folder 'codex_app_server_protocol.schemas.json'
    if (-not (Test-Path $path)) { throw "No protocol bundle at $path (generate-json-schema writes it)." }
    Get-Content -Raw $path | ConvertFrom-Json -AsHashtable -Depth 200
}

function Get-Methods {
    # method name -> the title of its params type, for every message family of the protocol.
    param([hashtable] $Bundle)
    $methods = [ordered]@{}
    foreach ($family in 'ClientRequest', 'ServerRequest', 'ServerNotification', 'ClientNotification') {
        $definition = $Bundle.definitions[$family]
        if (-not $definition) { continue }
        $variants = if ($definition.ContainsKey('oneOf')) { $definition.oneOf } elseif ($definition.ContainsKey('anyOf')) { $definition.anyOf } else { @() }
        foreach ($variant in $variants) {
            $properties = $variant['properties']
            if (-not $properties -or -not $properties['method'] -or -not $properties['method']['enum']) { continue }
            $name = $properties.method.enum[0]
            $params = if ($properties['params'] -and $properties.params['$ref']) { ($properties.params['$ref'] -split '/')[-1] } else { $null }
            $methods["$family $name"] = [pscustomobject]@{ Family = $family; Name = $name; Params = $params }
        }
    }
    $methods
}

function Get-Definitions {
    # Every named definition of the bundle, nested v1/v2 sections flattened (v2 wins a name clash).
    param([hashtable] $Bundle)
    $all = @{}
    foreach ($entry in $Bundle.definitions.GetEnumerator()) {
        if ($entry.Value -is [System.Collections.IDictionary] -and -not $entry.Value.ContainsKey('type') -and -not $entry.Value.ContainsKey('oneOf') -and
            -not $entry.Value.ContainsKey('anyOf') -and -not $entry.Value.ContainsKey('properties') -and -not $entry.Value.ContainsKey('$ref') -and
            -not $entry.Value.ContainsKey('enum') -and -not $entry.Value.ContainsKey('allOf')) {
            foreach ($inner in $entry.Value.GetEnumerator()) { $all[$inner.Key] = $inner.Value }
        }
        else { $all[$entry.Key] = $entry.Value }
    }
    $all
}

function Get-References {
    # The names of the definitions a schema fragment refers to.
    param($Node)
    if ($Node -is [System.Collections.IDictionary]) {
        foreach ($entry in $Node.GetEnumerator()) {
            if ($entry.Key -eq '$ref' -and $entry.Value -is [string]) { ($entry.Value -split '/')[-1] }
            else { Get-References $entry.Value }
        }
    }
    elseif ($Node -is [System.Collections.IList]) { foreach ($item in $Node) { Get-References $item } }
}

function Get-Reachable {
    param([hashtable] $Definitions, [string[]] $Roots)
    $seen = [System.Collections.Generic.HashSet[string]]::new()
    $queue = [System.Collections.Generic.Queue[string]]::new()
    foreach ($root in $Roots) { if ($root -and $seen.Add($root)) { $queue.Enqueue($root) } }
    while ($queue.Count) {
        $name = $queue.Dequeue()
        if (-not $Definitions.ContainsKey($name)) { continue }
        foreach ($ref in @(Get-References $Definitions[$name])) { if ($seen.Add($ref)) { $queue.Enqueue($ref) } }
    }
    $seen
}

function Get-Shape {
    # A definition's fields (or variants) as name -> a compact, comparable text of their schema.
    param($Definition)
    $shape = [ordered]@{}
    if ($Definition -isnot [System.Collections.IDictionary]) { return $shape }
    if ($Definition.ContainsKey('properties')) {
        $required = @(if ($Definition.ContainsKey('required')) { $Definition.required })
        foreach ($p in $Definition.properties.GetEnumerator()) {
            $text = $p.Value | ConvertTo-Json -Compress -Depth 50
            $shape[$p.Key] = ($(if ($p.Key -in $required) { 'required ' } else { '' }) + $text)
        }
    }
    foreach ($key in 'enum', 'oneOf', 'anyOf', 'allOf', 'type') {
        if ($Definition.ContainsKey($key)) { $shape["($key)"] = $Definition[$key] | ConvertTo-Json -Compress -Depth 50 }
    }
    $shape
}

function Get-Used {
    # Method names the module's source spells as string literals ("thread/start").
    param([string] $Root)
    $used = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($file in Get-ChildItem -Recurse -File -Filter *.cs $Root | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' }) {
        foreach ($m in [regex]::Matches((Get-Content -Raw $file.FullName), '"([a-zA-Z]+(?:/[a-zA-Z]+)+)"')) { $null = $used.Add($m.Groups[1].Value) }
    }
    $used
}

$oldBundle = Read-Bundle $Old
$newBundle = Read-Bundle $New
$oldMethods = Get-Methods $oldBundle
$newMethods = Get-Methods $newBundle
$oldDefinitions = Get-Definitions $oldBundle
$newDefinitions = Get-Definitions $newBundle
$used = Get-Used $SourceRoot

$added = @($newMethods.Keys | Where-Object { -not $oldMethods.Contains($_) } | ForEach-Object { $newMethods[$_] })
$removed = @($oldMethods.Keys | Where-Object { -not $newMethods.Contains($_) } | ForEach-Object { $oldMethods[$_] })
$usedMethods = @($oldMethods.Values + $newMethods.Values | Where-Object { $used.Contains($_.Name) })
$removedUsed = @($removed | Where-Object { $used.Contains($_.Name) })

# The types the module can meet: its methods' params, their "...Response" results, and all they reference.
$roots = foreach ($method in $usedMethods) {
    if ($method.Params) { $method.Params; $method.Params -replace 'Params$', 'Response' -replace 'Notification$', 'Notification' }
}
$reachable = [System.Collections.Generic.HashSet[string]]::new()
foreach ($set in (Get-Reachable $oldDefinitions $roots), (Get-Reachable $newDefinitions $roots)) { foreach ($n in $set) { $null = $reachable.Add($n) } }

$typeChanges = foreach ($name in ($reachable | Sort-Object)) {
    $before = if ($oldDefinitions.ContainsKey($name)) { Get-Shape $oldDefinitions[$name] } else { $null }
    $after = if ($newDefinitions.ContainsKey($name)) { Get-Shape $newDefinitions[$name] } else { $null }
    if ($null -eq $before -and $null -eq $after) { continue }
    if ($null -eq $before) { [pscustomobject]@{ Type = $name; Change = 'added'; Fields = @() }; continue }
    if ($null -eq $after) { [pscustomobject]@{ Type = $name; Change = 'removed'; Fields = @() }; continue }
    $fields = @(
        foreach ($k in $after.Keys) { if (-not $before.Contains($k)) { "+ $k" } elseif ($before[$k] -ne $after[$k]) { "~ $k" } }
        foreach ($k in $before.Keys) { if (-not $after.Contains($k)) { "- $k" } }
    )
    if ($fields.Count) { [pscustomobject]@{ Type = $name; Change = 'changed'; Fields = $fields } }
}
$typeChanges = @($typeChanges)
$allChanged = @($newDefinitions.Keys | Where-Object { $oldDefinitions.ContainsKey($_) -and (($oldDefinitions[$_] | ConvertTo-Json -Compress -Depth 60) -ne ($newDefinitions[$_] | ConvertTo-Json -Compress -Depth 60)) }).Count

$summary = [pscustomobject][ordered]@{
    MethodsAdded        = $added
    MethodsRemoved      = $removed
    UsedMethodsRemoved  = $removedUsed
    UsedTypesChanged    = $typeChanges
    DefinitionsChanged  = $allChanged
    UsedMethodCount     = @($usedMethods | Select-Object -ExpandProperty Name -Unique).Count
    AffectsModule       = ($removedUsed.Count + $typeChanges.Count) -gt 0
}

Write-Host "Protocol drift: $($added.Count) methods added, $($removed.Count) removed; $allChanged definitions changed in all."
foreach ($m in $added) { Write-Host ("  + {0,-18} {1}" -f $m.Family, $m.Name) }
foreach ($m in $removed) { Write-Host ("  - {0,-18} {1}{2}" -f $m.Family, $m.Name, $(if ($used.Contains($m.Name)) { '   (USED BY CODEXPS)' } else { '' })) }
Write-Host "Types CodexPS can meet (through the $($summary.UsedMethodCount) methods its source names): $($typeChanges.Count) changed."
foreach ($t in $typeChanges) {
    Write-Host "  $($t.Type) ($($t.Change))"
    foreach ($f in $t.Fields) { Write-Host "      $f" }
}
if (-not $summary.AffectsModule) { Write-Host 'Nothing CodexPS uses has changed.' }
if ($PassThru) { $summary }
