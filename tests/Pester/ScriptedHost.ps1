<#
.SYNOPSIS
    Runs a scenario in a runspace whose host answers CodexPS's prompts from a script (ScriptedHost.cs), and
    prints one JSON object: the scenario's output, its errors and the host's log of questions asked.
.NOTES
    Started by the tests as a child pwsh without -NonInteractive, so that CodexPS sees a host that can ask.
    The spec file holds ModulePath, Scenario (script text), Arguments (variables for the scenario), Choices and Inputs.
#>
param([Parameter(Mandatory)] [string] $SpecFile)
$ErrorActionPreference = 'Stop'
$spec = Get-Content -Raw $SpecFile | ConvertFrom-Json -AsHashtable
Add-Type -Path (Join-Path $PSScriptRoot 'ScriptedHost.cs')

$scriptedHost = [CodexPS.Tests.ScriptedHost]::new()
foreach ($choice in @($spec.Choices)) { if ($null -ne $choice) { $scriptedHost.User.Choices.Enqueue([int] $choice) } }
foreach ($text in @($spec.Inputs)) { if ($null -ne $text) { $scriptedHost.User.Inputs.Enqueue([string] $text) } }

$runspace = [runspacefactory]::CreateRunspace($scriptedHost)
$runspace.Open()
$ps = [powershell]::Create()
$ps.Runspace = $runspace
$null = $ps.AddScript("Import-Module '$($spec.ModulePath)'").AddStatement()
$null = $ps.AddScript($spec.Scenario)
# The arguments become variables of the scenario's runspace.
foreach ($key in @($spec.Arguments.Keys)) { $runspace.SessionStateProxy.SetVariable($key, $spec.Arguments[$key]) }
$output = @()
try {
    $output = @($ps.Invoke() | ForEach-Object { "$_" })
} catch {
    $output += "FAILED: $_"
}

[pscustomobject]@{
    Output = $output
    Errors = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
    Log = @($scriptedHost.User.Log)
    Shown = @($scriptedHost.User.Shown)
    Information = @($ps.Streams.Information | ForEach-Object { [pscustomobject]@{ Tags = @($_.Tags); Text = "$($_.MessageData)" } })
    Progress = @($ps.Streams.Progress).Count
} | ConvertTo-Json -Depth 4 -Compress
$ps.Dispose()
$runspace.Dispose()
