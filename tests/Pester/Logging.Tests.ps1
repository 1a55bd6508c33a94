param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $plainKey = 'sk-codexps-logging-secret-0123456789'
    $secureKey = ConvertTo-SecureString $plainKey -AsPlainText -Force
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Protocol logging' {
    Context 'Connect-Codex -LogPath' {
        BeforeAll {
            $logFile = Join-Path (New-TestDirectory 'codexps-log') 'sub/codex.log'
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'logged answer' })
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $logFile -WarningAction SilentlyContinue
            $null = Invoke-Codex 'log this prompt'
            Connect-CodexAccount -ApiKey $secureKey -WarningAction SilentlyContinue -Confirm:$false
            Disconnect-Codex
            $log = Get-Content -Raw $logFile
        }

        It 'writes every protocol line both ways with a timestamp' {
            $log | Should -Match '(?m)^\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d >> \{.*"method":"initialize"'
            $log | Should -Match '(?m) << \{.*"method":"turn/completed"'
            $log | Should -Match 'log this prompt'
            $log | Should -Match 'logged answer'
        }

        It 'redacts the API key' {
            $log | Should -Match '"method":"account/login/start"'
            $log | Should -Match '"apiKey":"\*\*\*"'
            $log | Should -Not -Match ([regex]::Escape($plainKey))
        }

        It 'refuses a log file that cannot be written with CodexLogPathInvalid' {
            $blocker = Join-Path (New-TestDirectory) 'a-file'
            Set-Content $blocker 'x'
            { Connect-Codex -LogPath (Join-Path $blocker 'codex.log') } | Should -Throw -ErrorId 'CodexLogPathInvalid,CodexPS.Commands.ConnectCodexCommand'
        }
    }

    Context '-Debug and -Verbose' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Text = 'debug answer' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        }

        It '-Debug shows the raw protocol lines of the command, secrets redacted' {
            $debug = @(Send-CodexTurn -Conversation $conversation -Prompt 'show me the wire' -Debug 5>&1 |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message
            $debug | Should -Not -BeNullOrEmpty
            ($debug -match '^codex [\d:.]+ >> \{.*"method":"turn/start"').Count | Should -Be 1
            ($debug -match '^codex [\d:.]+ << \{.*"method":"item/agentMessage/delta"').Count | Should -BeGreaterThan 0

            $loginDebug = @(Connect-CodexAccount -ApiKey $secureKey -Debug -Confirm:$false -WarningAction SilentlyContinue 5>&1 |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message
            ($loginDebug -match '"apiKey":"\*\*\*"').Count | Should -Be 1
            ($loginDebug -join "`n") | Should -Not -Match ([regex]::Escape($plainKey))
        }

        It '-Verbose summarises each request with its answer time' {
            $verbose = @(Get-CodexModel -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
            $verbose | Should -Contain ($verbose -match '^codex: request model/list \(id \d+\)$')[0]
            ($verbose -match '^codex: response to model/list \(id \d+\) after [\d.]+ ms$').Count | Should -BeGreaterThan 0
        }

        It 'writes nothing to those streams without -Debug or -Verbose' {
            $records = @(Send-CodexTurn -Conversation $conversation -Prompt 'quiet' 4>&1 5>&1 |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] -or $_ -is [System.Management.Automation.VerboseRecord] })
            $records.Count | Should -Be 0
            $client = (Get-Module CodexPS).ImplementingAssembly.GetType('CodexPS.RuntimeRegistry').GetMethod('ClientFor').Invoke($null, @($null))
            $client.ProtocolLog.HasLines | Should -BeFalse
        }
    }
}
