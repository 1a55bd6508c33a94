param([string] $ModulePath)

# Every PowerShell example of the help (docs/en-US/*.md: the platyPS "### Example N" sections and the code
# blocks of about_CodexPS) runs here against the mock model, so the documentation cannot rot.
#
# Each example runs in a fresh runspace with the module imported, a mock model started ($mock), the runtime
# connected to it with a temporary CODEX_HOME, a temporary working folder as the current location and no
# OPENAI_API_KEY. Examples may start their own mock and call Connect-Codex themselves. An example fails when
# it throws or writes an error.
#
# Two markers, each an HTML comment on the line right before the code block, are recognised:
#   <!-- example: not run offline: <reason> -->   skips the block, with the reason (a real login, a network)
#   <!-- example setup: <PowerShell> -->           runs that code first (variables the prose takes as given)
#   <!-- example: pester -->                       the block is a Pester test file: it is saved as one and run
#                                                  with Invoke-Pester, and fails when any of its tests fails

BeforeDiscovery {
    $docs = Join-Path $PSScriptRoot '../../docs/en-US'
    $examples = foreach ($file in Get-ChildItem -Path $docs -Filter '*.md' | Sort-Object Name) {
        $lines = Get-Content -LiteralPath $file.FullName
        $heading = $null
        $number = 0
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^#{2,3} (.+)$') { $heading = $Matches[1].Trim(); $number = 0; continue }
            if ($lines[$i] -notmatch '^```powershell\s*$') { continue }
            $start = $i
            $code = [System.Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$'; $i++) { $code.Add($lines[$i]) }
            $number++
            $skip = $null
            $setup = $null
            $pester = $false
            for ($j = $start - 1; $j -ge 0 -and $lines[$j] -match '^<!--.*-->\s*$'; $j--) {
                if ($lines[$j] -match '^<!-- example: not run offline: (.+?) -->\s*$') { $skip = $Matches[1] }
                elseif ($lines[$j] -match '^<!-- example setup: (.+?) -->\s*$') { $setup = $Matches[1] }
                elseif ($lines[$j] -match '^<!-- example: pester -->\s*$') { $pester = $true }
                else { throw "$($file.Name) line $($j + 1): an example marker this test does not know: $($lines[$j])" }
            }
            @{
                Name  = '{0}: {1}{2}' -f $file.BaseName, $heading, $(if ($number -gt 1) { " (block $number)" })
                Code  = $code -join "`n"
                Setup = $setup
                Skip  = $skip
                Pester = $pester
                Line  = $start + 1
                File  = $file.Name
            }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    # The manifest, not (Get-Module CodexPS).Path (the root module's DLL): imported by its DLL alone the module has
    # no types and no views, and an example's output would be formatted without them.
    $script:modulePath = Join-Path (Get-Module CodexPS).ModuleBase 'CodexPS.psd1'
    $script:savedKey = $env:OPENAI_API_KEY
    $script:savedHome = $env:CODEX_HOME
    $script:savedLocation = Get-Location
    $script:savedModulePath = $env:PSModulePath
    $script:timeoutSeconds = 60
    $script:homes = [System.Collections.Generic.List[string]]::new()
    Remove-Item Env:OPENAI_API_KEY -ErrorAction SilentlyContinue
    # Examples may say Import-Module CodexPS, as a user with the module installed would.
    $env:PSModulePath = (Split-Path (Split-Path $script:modulePath)) + [IO.Path]::PathSeparator + $env:PSModulePath

    # The runtime lives in the module's process-wide state, so one runtime serves the examples that leave the
    # session as they found it. Examples that connect, disconnect, stop mocks, log in, change the config or the
    # plugins (which belong to a runtime and end with it) get a
    # runtime of their own with a fresh CODEX_HOME; a fresh shared one is started when next needed.
    $script:ownRuntime = 'Connect-Codex\b|Disconnect-Codex\b|Stop-CodexMockProvider|CodexMcpServer|Set-CodexConfig|CodexAccount|CodexPlugin'

    function Reset-SharedRuntime {
        Disconnect-Codex -All -Confirm:$false -ErrorAction SilentlyContinue
        Stop-CodexMockProvider -Confirm:$false -ErrorAction SilentlyContinue
        $env:CODEX_HOME = New-TestDirectory 'codexps-example-home'
        $script:homes.Add($env:CODEX_HOME)
        $script:sharedMock = Start-CodexMockProvider
        $null = Connect-Codex -MockProvider $script:sharedMock -CodexHome $env:CODEX_HOME -WarningAction SilentlyContinue
        $script:sharedProcess = (Get-CodexStatus).ProcessId
    }

    function Test-SharedRuntime {
        $status = Get-CodexStatus
        $script:sharedMock -and $script:sharedMock.IsRunning -and $status.RuntimeState -eq 'Running' -and $status.ProcessId -eq $script:sharedProcess
    }

    function Invoke-Example([string] $Code, [string] $Setup, [bool] $Pester) {
        $own = "$Setup`n$Code" -match $script:ownRuntime
        if ($own) {
            Disconnect-Codex -All -Confirm:$false -ErrorAction SilentlyContinue
            $env:CODEX_HOME = New-TestDirectory 'codexps-example-home'
            $script:homes.Add($env:CODEX_HOME)
        }
        elseif (-not (Test-SharedRuntime)) {
            Reset-SharedRuntime
        }
        $work = New-TestDirectory 'codexps-example'
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        if (-not $own) { $runspace.SessionStateProxy.SetVariable('mock', $script:sharedMock) }
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $prelude = @"
Set-Location -LiteralPath '$work'
`$ErrorActionPreference = 'Continue'
Import-Module '$script:modulePath'
"@
            if ($own) {
                $prelude += @"

`$mock = Start-CodexMockProvider
`$null = Connect-Codex -MockProvider `$mock -CodexHome `$env:CODEX_HOME -WarningAction SilentlyContinue
"@
            }
            $null = $ps.AddScript($prelude).AddStatement()
            if ($Setup) { $null = $ps.AddScript($Setup).AddStatement() }
            if ($Pester) {
                Set-Content -LiteralPath (Join-Path $work 'Example.Tests.ps1') -Value $Code
                $null = $ps.AddScript(@"
Import-Module '$((Get-Module Pester).Path)'
`$run = Invoke-Pester -Path ./Example.Tests.ps1 -PassThru -Output None
if (`$run.Result -ne 'Passed' -or `$run.PassedCount -eq 0) {
    Write-Error "The example's tests did not pass: `$(`$run.PassedCount) passed, `$(`$run.FailedCount) failed: `$(`$run.Failed.ErrorRecord)"
}
"@)
            }
            else {
                # The example's output is formatted too, as a console would, so a view that breaks shows up here.
                $null = $ps.AddScript("& { $Code`n } | Out-String -Width 120")
            }
            $thrown = $null
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            try {
                $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
                if (-not $handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds($script:timeoutSeconds))) {
                    $ps.Stop()
                    $thrown = "It did not finish within $script:timeoutSeconds seconds."
                }
                else {
                    $null = $ps.EndInvoke($handle)
                }
            }
            catch { $thrown = $_.Exception.InnerException ?? $_.Exception }
            [pscustomobject]@{
                Output = ($output | Out-String)
                Errors = @($ps.Streams.Error)
                Thrown = $thrown
            }
        }
        finally {
            # Nothing an example started outlives it: its jobs, and its own runtimes and mocks.
            $cleanup = [powershell]::Create()
            $cleanup.Runspace = $runspace
            $null = $cleanup.AddScript('Get-Job | Remove-Job -Force -ErrorAction SilentlyContinue')
            try { $null = $cleanup.Invoke() } catch { Write-Warning "Cleanup after the example failed: $_" }
            $cleanup.Dispose()
            $ps.Dispose()
            $runspace.Dispose()
            if ($own) {
                # The shared runtime is started again when an example next needs it.
                Disconnect-Codex -All -Confirm:$false -ErrorAction SilentlyContinue
                Stop-CodexMockProvider -Confirm:$false -ErrorAction SilentlyContinue
                $script:sharedMock = $null
            }
            Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

AfterAll {
    Disconnect-Codex -All -Confirm:$false -ErrorAction SilentlyContinue
    Stop-CodexMockProvider -Confirm:$false -ErrorAction SilentlyContinue
    if ($null -ne $script:savedKey) { $env:OPENAI_API_KEY = $script:savedKey }
    if ($null -ne $script:savedHome) { $env:CODEX_HOME = $script:savedHome } else { Remove-Item Env:CODEX_HOME -ErrorAction SilentlyContinue }
    Set-Location $script:savedLocation
    $env:PSModulePath = $script:savedModulePath
    $script:homes | ForEach-Object { Remove-Item -LiteralPath $_ -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Help example <Name>' -ForEach $examples {
    It 'runs against the mock without an error' {
        if ($Skip) {
            Set-ItResult -Skipped -Because "$File line $Line is marked not to run offline: $Skip"
            return
        }

        $result = Invoke-Example -Code $Code -Setup $Setup -Pester $Pester
        $result.Thrown | Should -BeNullOrEmpty -Because "the example at $File line $Line must not throw:`n$($result.Thrown)`n--- output ---`n$($result.Output)"
        $messages = $result.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }
        $result.Errors.Count | Should -Be 0 -Because "the example at $File line $Line must not write an error:`n$($messages -join "`n")`n--- output ---`n$($result.Output)"
    }
}
