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
    # The names and first error lines of what failed, printed again at the very end of the run.
    Failures = @(
        foreach ($test in $result.Failed) {
            '{0}: {1}' -f $test.ExpandedPath, ("$(@($test.ErrorRecord)[0])" -replace '\s+', ' ')
        }
        foreach ($block in @($result.FailedBlocks) + @($result.FailedContainers)) {
            if ($block) { '{0}: setup failed: {1}' -f ($block.ExpandedPath ?? $block.Item), ("$(@($block.ErrorRecord)[0])" -replace '\s+', ' ') }
        }
    )
} | ConvertTo-Json | Set-Content -Path $ResultFile
