param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $pwsh = Get-PwshCommand
    $moduleFile = (Get-Module CodexPS).Path

    function Invoke-ChildHost {
        # Runs a script in a separate pwsh process and returns its output lines.
        param([string] $Script)
        $file = Join-Path (New-TestDirectory 'codexps-child') 'child.ps1'
        Set-Content -Path $file -Value $Script
        $hostArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)
        & $pwsh[0] $hostArgs 2>&1 | ForEach-Object { "$_" }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Connect-Codex' {
    It 'starts the pinned runtime with the mock provider and reports it' {
        $mock = Start-CodexMockProvider
        $status = Connect-Codex -MockProvider $mock -PassThru -WarningAction SilentlyContinue
        $status.RuntimeState | Should -Be 'Running'
        $status.CodexVersion | Should -Be (Get-Content -Raw (Join-Path $PSScriptRoot '../../native/package.json') | ConvertFrom-Json).dependencies.'@openai/codex'
        $status.CodexPath | Should -Exist
        $status.ModelProvider | Should -Be $mock.BaseUrl
        Test-ProcessAlive $status.ProcessId | Should -BeTrue
    }

    It 'replaces the running runtime and stops the old one when the settings change' {
        $mock = Start-CodexMockProvider
        $other = Start-CodexMockProvider
        $old = Connect-Codex -MockProvider $mock -PassThru -WarningAction SilentlyContinue
        $new = Connect-Codex -MockProvider $other -PassThru -WarningAction SilentlyContinue
        $new.ProcessId | Should -Not -Be $old.ProcessId
        $new.ModelProvider | Should -Be $other.BaseUrl
        Wait-Until { -not (Test-ProcessAlive $old.ProcessId) } -TimeoutMs 5000
    }

    It 'reuses the running runtime (no restart) when the settings are the same' {
        $mock = Start-CodexMockProvider
        $home1 = New-TestDirectory 'codexps-home'
        $first = Connect-Codex -MockProvider $mock -CodexHome $home1 -Config @{ model_reasoning_effort = 'low' } -PassThru -WarningAction SilentlyContinue
        $second = Connect-Codex -MockProvider $mock -CodexHome $home1 -Config @{ model_reasoning_effort = 'low' } -PassThru -WarningAction SilentlyContinue
        $second.ProcessId | Should -Be $first.ProcessId
        $second.SessionId | Should -Be $first.SessionId
        Test-ProcessAlive $first.ProcessId | Should -BeTrue
        # A different config is a different runtime.
        $third = Connect-Codex -MockProvider $mock -CodexHome $home1 -Config @{ model_reasoning_effort = 'high' } -PassThru -WarningAction SilentlyContinue
        $third.ProcessId | Should -Not -Be $first.ProcessId
        Wait-Until { -not (Test-ProcessAlive $first.ProcessId) } -TimeoutMs 5000
    }

    It 'passes -Config overrides (dotted keys and nested hashtables) to the runtime' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'configured' })
        Connect-Codex -MockProvider $mock -Config @{ 'model_reasoning_effort' = 'high'; developer_instructions = 'Answer in CodexPS test mode.' } -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $c.ReasoningEffort | Should -Be 'high'
        $null = Send-CodexTurn 'hi' -Conversation $c
        $mock.Requests[-1].Body | Should -Match 'Answer in CodexPS test mode.'
    }

    It 'uses any Responses-compatible endpoint with -BaseUrl and -Model (custom endpoints, local servers)' {
        # The mock stands in for a local server such as Ollama: a plain URL with a model the endpoint serves.
        $endpoint = Start-CodexMockProvider -Response @(@{ Text = 'from the custom endpoint' })
        $env:CODEXPS_TEST_ENDPOINT_KEY = 'sk-test-endpoint-key'
        try {
            Connect-Codex -BaseUrl $endpoint.BaseUrl -ProviderName 'Local test server' -Model 'local-llm:7b' -ApiKeyEnvironmentVariable CODEXPS_TEST_ENDPOINT_KEY -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $c.Model | Should -Be 'local-llm:7b'
            $c.ModelProvider | Should -Be 'codexps_custom'
            $result = Send-CodexTurn 'hi' -Conversation $c -WarningAction SilentlyContinue | Select-Object -Last 1
            $result.Status | Should -Be 'Completed'
            $endpoint.Requests.Count | Should -BeGreaterThan 0
            ($endpoint.Requests[-1].Body | ConvertFrom-Json).model | Should -Be 'local-llm:7b'
            # The key reached the endpoint as a bearer token; the mock keeps only the fact, never the value.
            $endpoint.Requests[-1].Headers['Authorization'] | Should -Be '(redacted)'
        }
        finally { Remove-Item Env:CODEXPS_TEST_ENDPOINT_KEY }
    }

    It 'refuses a -BaseUrl that is not http(s), and -BaseUrl with -MockProvider' {
        { Connect-Codex -BaseUrl 'ftp://example.com/v1' } | Should -Throw -ErrorId 'CodexBaseUrlInvalid,CodexPS.Commands.ConnectCodexCommand'
        $mock = Start-CodexMockProvider
        { Connect-Codex -BaseUrl 'http://127.0.0.1:1/v1' -MockProvider $mock } | Should -Throw -ErrorId 'CodexProviderConflict,CodexPS.Commands.ConnectCodexCommand'
    }

    It 'fails with CodexRuntimeNotFound naming where it looked when the binary is missing' {
        $missing = Join-Path (New-TestDirectory) 'no-codex-here'
        { Connect-Codex -CodexPath $missing } | Should -Throw -ErrorId 'CodexRuntimeNotFound,CodexPS.Commands.ConnectCodexCommand'
        try { Connect-Codex -CodexPath $missing } catch { $err = $_ }
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match ([regex]::Escape($missing))
        $err.Exception.Message | Should -Match 'npm'
    }

    It 'fails with CodexRuntimeNotFound when the binary is not executable' -Skip:$IsWindows {
        $file = Join-Path (New-TestDirectory) 'codex'
        Set-Content -Path $file -Value 'not a program'
        { Connect-Codex -CodexPath $file } | Should -Throw -ErrorId 'CodexRuntimeNotFound,CodexPS.Commands.ConnectCodexCommand'
    }

    It 'finds the binary through $env:CODEXPS_CODEX_PATH' {
        $real = (Get-CodexStatus).CodexPath
        $env:CODEXPS_CODEX_PATH = $real
        try {
            $mock = Start-CodexMockProvider
            $status = Connect-Codex -MockProvider $mock -PassThru -WarningAction SilentlyContinue
            $status.CodexPath | Should -Be $real
        }
        finally { Remove-Item Env:CODEXPS_CODEX_PATH }
    }

    It 'starts a runtime with defaults on first use, without Connect-Codex' {
        Disconnect-Codex
        $home2 = New-TestDirectory 'codexps-defaulthome'
        $saved = $env:CODEX_HOME
        $env:CODEX_HOME = $home2
        try {
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory) -WarningAction SilentlyContinue
            $c.Id | Should -Not -BeNullOrEmpty
            $status = Get-CodexStatus
            $status.RuntimeState | Should -Be 'Running'
            $status.CodexHome | Should -Be $home2
            $status.ModelProvider | Should -BeNullOrEmpty
        }
        finally {
            $env:CODEX_HOME = $saved
            Disconnect-Codex
        }
    }

    It 'Disconnect-Codex stops the runtime and leaves no process' {
        $mock = Start-CodexMockProvider
        $status = Connect-Codex -MockProvider $mock -PassThru -WarningAction SilentlyContinue
        Disconnect-Codex
        Wait-Until { -not (Test-ProcessAlive $status.ProcessId) } -TimeoutMs 5000
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
    }
}

Describe 'The runtime never outlives its owner' {
    It 'exits when the host process is killed' {
        $pidFile = Join-Path (New-TestDirectory) 'runtime.pid'
        $script = @"
Import-Module '$moduleFile'
`$m = Start-CodexMockProvider
Connect-Codex -MockProvider `$m -WarningAction SilentlyContinue
(Get-CodexStatus).ProcessId | Set-Content '$pidFile'
Start-Sleep -Seconds 120
"@
        $file = Join-Path (New-TestDirectory) 'host.ps1'
        Set-Content -Path $file -Value $script
        $hostProcess = Start-Process -FilePath $pwsh[0] -ArgumentList (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) -PassThru
        try {
            Wait-Until { (Test-Path $pidFile) -and (Get-Content $pidFile) } -TimeoutMs 30000
            $runtimePid = [int](Get-Content $pidFile)
            Test-ProcessAlive $runtimePid | Should -BeTrue
            $hostProcess.Kill()   # SIGKILL: no cleanup code runs in the host
            Wait-Until { -not (Test-ProcessAlive $runtimePid) } -TimeoutMs 5000
            Test-ProcessAlive $runtimePid | Should -BeFalse
        }
        finally {
            if (-not $hostProcess.HasExited) { $hostProcess.Kill() }
        }
    }

    It 'exits when the module is removed' {
        $output = Invoke-ChildHost @"
Import-Module '$moduleFile'
`$m = Start-CodexMockProvider
Connect-Codex -MockProvider `$m -WarningAction SilentlyContinue
`$id = (Get-CodexStatus).ProcessId
Remove-Module CodexPS
Start-Sleep -Milliseconds 500
"pid=`$id alive=`$([bool](Get-Process -Id `$id -ErrorAction SilentlyContinue))"
"@
        (@($output) -match '^pid=\d+ alive=False$') | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
    }

    It 'exits when the host exits normally' {
        $output = Invoke-ChildHost @"
Import-Module '$moduleFile'
`$m = Start-CodexMockProvider
Connect-Codex -MockProvider `$m -WarningAction SilentlyContinue
"pid=`$((Get-CodexStatus).ProcessId)"
"@
        $line = @($output) -match '^pid=\d+$' | Select-Object -First 1
        $line | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
        $runtimePid = [int]($line -replace 'pid=')
        Wait-Until { -not (Test-ProcessAlive $runtimePid) } -TimeoutMs 5000
    }
}

Describe 'Assembly isolation' {
    It 'imports and runs a turn in a pwsh that already loaded its own System.Text.Json' {
        $output = Invoke-ChildHost @"
`$before = [System.Text.Json.JsonSerializer]::Serialize(@{ a = 1 })
`$stj = [System.Text.Json.JsonSerializer].Assembly.GetName().Version
Import-Module '$moduleFile'
`$m = Start-CodexMockProvider -Response @(@{ Text = 'isolated ok' })
Connect-Codex -MockProvider `$m -WarningAction SilentlyContinue
`$c = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
`$last = Send-CodexTurn 'hi' -Conversation `$c | Where-Object { `$_.Kind -eq 'ItemCompleted' -and `$_.Item.Type -eq 'AgentMessage' }
"stj=`$stj answer=`$(`$last.Item.Text)"
"loaded=`$(([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'System.Text.Json' }).Count)"
Disconnect-Codex
"@
        (@($output) -match '^stj=.* answer=isolated ok$') | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
        (@($output) -match '^loaded=1$') | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
    }

    It 'ships no System.Text.Json of its own' {
        Join-Path (Split-Path $moduleFile) 'System.Text.Json.dll' | Should -Not -Exist
    }
}

Describe 'Connect-Codex -ApiKeyEnvironmentVariable, the README''s first real-key path' {
    BeforeEach {
        Disconnect-Codex
        Remove-Item Env:CODEXPS_TEST_README_KEY -ErrorAction SilentlyContinue
    }

    AfterEach {
        Remove-Item Env:CODEXPS_TEST_README_KEY -ErrorAction SilentlyContinue
    }

    It 'refuses an unset or empty variable with CodexApiKeyVariableNotSet before any runtime starts' {
        $home1 = New-TestDirectory 'codexps-home'
        $caught = $null
        try { Connect-Codex -ApiKeyEnvironmentVariable CODEXPS_TEST_README_KEY -CodexHome $home1 -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -Be 'CodexApiKeyVariableNotSet,CodexPS.Commands.ConnectCodexCommand'
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $caught.TargetObject | Should -Be 'CODEXPS_TEST_README_KEY'
        $caught.Exception.Message | Should -Match 'not set'
        # Nothing started: no runtime, and the home was never used.
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
        @(Get-ChildItem $home1 -Force).Count | Should -Be 0

        $env:CODEXPS_TEST_README_KEY = '   '
        { Connect-Codex -ApiKeyEnvironmentVariable CODEXPS_TEST_README_KEY -CodexHome $home1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'CodexApiKeyVariableNotSet,CodexPS.Commands.ConnectCodexCommand' -ExpectedMessage '*empty*'
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'

        # With -BaseUrl too, and a $null in -Environment removes the variable, which then counts as unset.
        $env:CODEXPS_TEST_README_KEY = 'sk-inherited'
        { Connect-Codex -ApiKeyEnvironmentVariable CODEXPS_TEST_README_KEY -BaseUrl 'http://127.0.0.1:9/v1' -Environment @{ CODEXPS_TEST_README_KEY = $null } -CodexHome $home1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'CodexApiKeyVariableNotSet,CodexPS.Commands.ConnectCodexCommand'
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
    }

    It 'runs the README''s first session against the mock standing in for the endpoint through -BaseUrl' {
        $work = New-TestDirectory
        $patch = "*** Begin Patch`n*** Add File: $(Join-Path $work 'hello.txt')`n+hello`n*** End Patch"
        $endpoint = Start-CodexMockProvider -Response @(@{ Patch = $patch }, @{ Text = 'Created hello.txt' })
        $key = 'sk-codexps-readme-' + [guid]::NewGuid().ToString('N')
        $env:CODEXPS_TEST_README_KEY = $key
        Connect-Codex -ApiKeyEnvironmentVariable CODEXPS_TEST_README_KEY -BaseUrl $endpoint.BaseUrl -Model 'gpt-5.5' -CodexHome (New-TestDirectory 'codexps-home') -WorkingDirectory $work -WarningAction SilentlyContinue
        $c = New-CodexConversation -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite -WorkingDirectory $work
        $events = Send-CodexTurn 'Create hello.txt' -Conversation $c -ApprovalHandler { 'Accept' } -WarningAction SilentlyContinue
        $events[-1].Status | Should -Be 'Completed'
        ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'Created hello.txt'
        Get-Content (Join-Path $work 'hello.txt') | Should -Be 'hello'
        (Get-CodexStatus).RuntimeState | Should -Be 'Running'
        # The key reached the endpoint as the bearer token (the mock keeps only the fact), never the runtime's arguments.
        $endpoint.Requests.Count | Should -BeGreaterOrEqual 2
        $endpoint.Requests | ForEach-Object { $_.Headers['Authorization'] | Should -Be '(redacted)' }
        if ($IsLinux) {
            [IO.File]::ReadAllText("/proc/$((Get-CodexStatus).ProcessId)/cmdline") | Should -Not -Match ([regex]::Escape($key))
        }
        Disconnect-Codex
    }
}

Describe 'Connect-Codex -Environment' {
    BeforeAll {
        function Get-RuntimeEnvironment {
            # The runtime process's own environment, as the OS holds it.
            param([int] $ProcessId)
            $table = @{}
            foreach ($entry in ([IO.File]::ReadAllText("/proc/$ProcessId/environ") -split "`0")) {
                $at = $entry.IndexOf('=')
                if ($at -gt 0) { $table[$entry.Substring(0, $at)] = $entry.Substring($at + 1) }
            }
            $table
        }
    }

    AfterEach {
        Disconnect-Codex
        Remove-Item Env:CODEXPS_TEST_INHERITED -ErrorAction SilentlyContinue
    }

    It 'adds variables to the runtime and removes inherited ones with $null' -Skip:(-not $IsLinux) {
        $env:CODEXPS_TEST_INHERITED = 'from-pwsh'
        $mock = Start-CodexMockProvider
        $certFile = Join-Path (New-TestDirectory) 'ca.pem'
        $status = Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -PassThru -WarningAction SilentlyContinue -Environment @{
            HTTPS_PROXY            = 'http://127.0.0.1:3128'
            SSL_CERT_FILE          = $certFile
            CODEXPS_TEST_INHERITED = $null
        }
        $environment = Get-RuntimeEnvironment $status.ProcessId
        $environment['HTTPS_PROXY'] | Should -Be 'http://127.0.0.1:3128'
        $environment['SSL_CERT_FILE'] | Should -Be $certFile
        $environment.ContainsKey('CODEXPS_TEST_INHERITED') | Should -BeFalse
        # What CodexPS itself sets is still there.
        $environment['CODEX_HOME'] | Should -Be $status.CodexHome

        # Without -Environment the inherited variable reaches the runtime as before.
        $plain = Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -PassThru -WarningAction SilentlyContinue
        (Get-RuntimeEnvironment $plain.ProcessId)['CODEXPS_TEST_INHERITED'] | Should -Be 'from-pwsh'
        (Get-RuntimeEnvironment $plain.ProcessId).ContainsKey('HTTPS_PROXY') | Should -Be ($null -ne $env:HTTPS_PROXY)
    }

    It 'is part of the runtime''s settings: another environment is another runtime, the same one reuses it' {
        $mock = Start-CodexMockProvider
        $codexHome = New-TestDirectory 'codexps-home'
        $first = Connect-Codex -MockProvider $mock -CodexHome $codexHome -Environment @{ CODEXPS_TEST_A = '1' } -PassThru -WarningAction SilentlyContinue
        $same = Connect-Codex -MockProvider $mock -CodexHome $codexHome -Environment @{ CODEXPS_TEST_A = '1' } -PassThru -WarningAction SilentlyContinue
        $same.ProcessId | Should -Be $first.ProcessId
        $other = Connect-Codex -MockProvider $mock -CodexHome $codexHome -Environment @{ CODEXPS_TEST_A = '2' } -PassThru -WarningAction SilentlyContinue
        $other.ProcessId | Should -Not -Be $first.ProcessId
        $none = Connect-Codex -MockProvider $mock -CodexHome $codexHome -PassThru -WarningAction SilentlyContinue
        $none.ProcessId | Should -Not -Be $other.ProcessId
    }

    It 'never shows a secret given this way: not in verbose, debug, errors, the status, the protocol log or the arguments' {
        $secret = 'proxy-secret-' + [guid]::NewGuid().ToString('N')
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'ok' })
        $log = Join-Path (New-TestDirectory) 'protocol.log'
        $Error.Clear()
        $streams = Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log -PassThru -Verbose -Debug -Environment @{
            HTTPS_PROXY = "http://user:$secret@127.0.0.1:3128"
            CODEXPS_TEST_TOKEN = (ConvertTo-SecureString $secret -AsPlainText -Force)
        } *>&1 | Out-String -Width 4096
        $streams | Should -Match 'HTTPS_PROXY'
        $streams | Should -Not -Match ([regex]::Escape($secret))
        $status = Get-CodexStatus
        ($status | Format-List * | Out-String -Width 4096) | Should -Not -Match ([regex]::Escape($secret))
        ($status | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue) | Should -Not -Match ([regex]::Escape($secret))
        $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi' -Verbose -Debug *>&1 | Out-String -Width 4096 | Should -Not -Match ([regex]::Escape($secret))
        Get-Content -Raw $log | Should -Not -Match ([regex]::Escape($secret))
        ($Error | ForEach-Object { $_ | Out-String; $_.Exception.ToString() }) -join "`n" | Should -Not -Match ([regex]::Escape($secret))
        if ($IsLinux) {
            [IO.File]::ReadAllText("/proc/$($status.ProcessId)/cmdline") | Should -Not -Match ([regex]::Escape($secret))
            # The runtime itself has it: that is what it was given for.
            [IO.File]::ReadAllText("/proc/$($status.ProcessId)/environ") | Should -Match ([regex]::Escape($secret))
        }
    }

    It 'refuses CODEX_HOME, a bad name, and -Environment with -Uri' {
        { Connect-Codex -Environment @{ CODEX_HOME = '/tmp/x' } -ErrorAction Stop } | Should -Throw -ErrorId 'CodexEnvironmentInvalid,CodexPS.Commands.ConnectCodexCommand'
        { Connect-Codex -Environment @{ 'A=B' = '1' } -ErrorAction Stop } | Should -Throw -ErrorId 'CodexEnvironmentInvalid,CodexPS.Commands.ConnectCodexCommand'
        { Connect-Codex -Uri 'ws://127.0.0.1:9' -Environment @{ A = '1' } -ErrorAction Stop } | Should -Throw -ErrorId 'CodexProviderConflict,CodexPS.Commands.ConnectCodexCommand'
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
    }
}
