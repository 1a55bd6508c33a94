<#
.SYNOPSIS
    Runs the Pester tests against the built module and writes the counts to a JSON file for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultFile,
    [string[]] $Path = $PSScriptRoot
)
$ErrorActionPreference = 'Stop'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module $PesterPath -Force

$container = New-PesterContainer -Path $Path -Data @{ ModulePath = $ModulePath }
$config = New-PesterConfiguration
$config.Run.Container = $container
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
    NotRun  = $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $ResultFile
