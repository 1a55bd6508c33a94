param([string] $ModulePath)

# about_CodexPS must take a reader from nothing to a tested runbook: its first session and its Pester runbook
# are run here exactly as written, in a fresh pwsh that finds the module by name (as an installed one).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $script:About = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/en-US/about_CodexPS.md')

    function Get-CodeBlock([string] $After) {
        # The first powershell code block after the given text.
        $start = $About.IndexOf($After)
        $start | Should -BeGreaterOrEqual 0 -Because "about_CodexPS.md has '$After'"
        $match = [regex]::Match($About.Substring($start), '(?s)```powershell\r?\n(.*?)\r?\n```')
        $match.Success | Should -BeTrue
        $match.Groups[1].Value
    }

    function Invoke-Fresh([string] $Script) {
        # A fresh pwsh with a new CODEX_HOME, the built module on PSModulePath (so Import-Module CodexPS works).
        $file = Join-Path (New-TestDirectory 'codexps-about') 'run.ps1'
        Set-Content -Path $file -Value $Script
        $saved = @{ CODEX_HOME = $env:CODEX_HOME; PSModulePath = $env:PSModulePath }
        $env:CODEX_HOME = New-TestDirectory 'codexps-home'
        $env:PSModulePath = (Split-Path (Split-Path $ModulePath)) + [IO.Path]::PathSeparator + $env:PSModulePath
        try {
            $pwsh = @(Get-PwshCommand)
            $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
        } finally {
            $env:CODEX_HOME = $saved.CODEX_HOME
            $env:PSModulePath = $saved.PSModulePath
        }
    }
}

Describe 'about_CodexPS' {
    It 'is shown by Get-Help about_CodexPS' {
        $help = Get-Help about_CodexPS | Out-String
        $help | Should -Match 'TESTING RUNBOOKS WITH PESTER'
        $help | Should -Match 'LIVE FEEDBACK'
    }

    It 'its first session runs as written against the mock' {
        $block = Get-CodeBlock 'A first session against the mock model'
        $run = Invoke-Fresh ("`$ErrorActionPreference = 'Stop'`n" + $block + "`n'FIRST-SESSION-DONE'")
        $text = $run.Output -join "`n"
        $run.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'Hello from the mock model'
        $text | Should -Match 'Hello again'
        $run.Output | Should -Contain 'FIRST-SESSION-DONE'
    }

    It 'its runbook with tools runs as written: two read-only tools and one that asks first' {
        $block = Get-CodeBlock '### GIVING THE AGENT YOUR COMMANDS'
        $run = Invoke-Fresh ("`$ErrorActionPreference = 'Stop'`n" + $block + "`n'TOOLS-DONE'")
        $text = $run.Output -join "`n"
        $run.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'ams-web02 did not answer; I restarted it.'
        $run.Output | Should -Contain 'restarted: ams-web02'
        $text | Should -Match 'Get-ServerHealth\s+True\s+\{"Name":"ams-web02","Healthy":false\}'
        $text | Should -Match 'Restart-SiteServer\s+True\s+"restarted ams-web02"'
        $run.Output | Should -Contain 'TOOLS-DONE'
    }

    It 'its pool example runs as written: two members, two conversations each, every turn completed' {
        $block = Get-CodeBlock '#### A pool of runtimes'
        $run = Invoke-Fresh ("`$ErrorActionPreference = 'Stop'`n" + $block + "`n'POOL-DONE'")
        $text = $run.Output -join "`n"
        $run.ExitCode | Should -Be 0 -Because $text
        $run.Output | Should -Contain 'farm/1: 2 conversations'
        $run.Output | Should -Contain 'farm/2: 2 conversations'
        @($run.Output | Where-Object { $_ -eq 'turn Completed' }).Count | Should -Be 4
        $text | Should -Match 'farm/1\s+Up\s+Running\s+2'
        $run.Output | Should -Contain 'POOL-DONE'
    }

    It 'its runbook passes under Pester as written' {
        $block = Get-CodeBlock '### TESTING RUNBOOKS WITH PESTER'
        $runbook = Join-Path (New-TestDirectory 'codexps-runbook') 'Runbook.Tests.ps1'
        Set-Content -Path $runbook -Value $block
        $pester = (Get-Module Pester).Path
        $run = Invoke-Fresh @"
Import-Module '$pester'
`$result = Invoke-Pester -Path '$runbook' -PassThru -Output None
"passed=`$(`$result.PassedCount) failed=`$(`$result.FailedCount)"
`$result.Failed | ForEach-Object { "FAILED `$(`$_.ExpandedName): `$(`$_.ErrorRecord)" }
"@
        $text = $run.Output -join "`n"
        $text | Should -Match 'passed=1 failed=0'
    }
}
