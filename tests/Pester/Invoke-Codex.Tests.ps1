param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Invoke-Codex' {
    It 'runs a one-shot turn on an ephemeral conversation and returns the whole result' {
        $mock = Connect-TestMock -Response @(@{ Text = 'The answer is 42.'; Deltas = 3 })
        $result = Invoke-Codex 'What is the answer?' -WorkingDirectory (New-TestDirectory)
        $result | Should -BeOfType ([CodexPS.Engine.Conversations.CodexTurnResult])
        $result.Status | Should -Be 'Completed'
        $result.FinalResponse | Should -Be 'The answer is 42.'
        $result.Items.Type | Should -Contain 'AgentMessage'
        $result.Items.Type | Should -Contain 'UserMessage'
        $result.Usage.OutputTokens | Should -Be 3
        $result.Usage.InputTokens | Should -BeGreaterThan 0
        $result.Usage.TotalTokens | Should -Be ($result.Usage.InputTokens + $result.Usage.OutputTokens)
        $result.Usage.PSObject.Properties.Name | Should -Contain 'CachedInputTokens'
        $result.Usage.PSObject.Properties.Name | Should -Contain 'ReasoningOutputTokens'
        $result.ConversationId | Should -Match '^[0-9a-f-]{36}$'
        $result.Duration | Should -BeOfType ([timespan])
        $mock.Requests[0].Body | Should -Match 'What is the answer'
        (Get-CodexStatus).Conversations.Where({ $_.Id -eq $result.ConversationId }).Ephemeral | Should -BeTrue
    }

    It 'takes the conversation options and an approval handler' {
        $ws = New-TestDirectory
        $mock = Connect-TestMock -Response @(@{ Command = 'echo one-shot > one-shot.txt' }, @{ Text = 'made it' })
        $result = Invoke-Codex 'make a file' -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted -ApprovalHandler { 'Accept' }
        $result.FinalResponse | Should -Be 'made it'
        ($result.Items | Where-Object Type -EQ 'CommandExecution').ExitCode | Should -Be 0
        Join-Path $ws 'one-shot.txt' | Should -Exist
    }

    It 'reports a failed turn as Status Failed with a non-terminating error' {
        $mock = Connect-TestMock -Response @(@{ Status = 429 })
        $result = Invoke-Codex 'hi' -WorkingDirectory (New-TestDirectory) -ErrorVariable errs -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.Error.ErrorId | Should -Be 'CodexUsageLimitExceeded'
        $errs[-1].FullyQualifiedErrorId | Should -BeLike 'CodexUsageLimitExceeded,*'
        $errs[-1].CategoryInfo.Category | Should -Be 'QuotaExceeded'
    }

    Context 'the final answer' {
        It 'is the message the runtime marks as the final answer (phase final_answer)' {
            $mock = Connect-TestMock -Response @(@{ Text = 'The final answer.'; Phase = 'final_answer' })
            $result = Invoke-Codex 'answer' -WorkingDirectory (New-TestDirectory) -WarningAction SilentlyContinue
            ($result.Items | Where-Object Type -EQ 'AgentMessage').Phase | Should -Be 'FinalAnswer'
            $result.FinalResponse | Should -Be 'The final answer.'
        }

        It 'is the last message when the runtime marks no phase' {
            $mock = Connect-TestMock -Response @(@{ Text = 'No phase here.' })
            $result = Invoke-Codex 'answer' -WorkingDirectory (New-TestDirectory) -WarningAction SilentlyContinue
            ($result.Items | Where-Object Type -EQ 'AgentMessage').Phase | Should -BeNullOrEmpty
            $result.FinalResponse | Should -Be 'No phase here.'
        }

        It 'is null when the only message is commentary' {
            $mock = Connect-TestMock -Response @(@{ Text = 'Let me look around first.'; Phase = 'commentary' })
            $result = Invoke-Codex 'answer' -WorkingDirectory (New-TestDirectory) -WarningAction SilentlyContinue
            $result.Status | Should -Be 'Completed'
            ($result.Items | Where-Object Type -EQ 'AgentMessage').Phase | Should -Be 'Commentary'
            ($result.Items | Where-Object Type -EQ 'AgentMessage').Text | Should -Be 'Let me look around first.'
            $result.FinalResponse | Should -BeNullOrEmpty
        }

        It 'reports a commentary-only turn under an output schema as CodexOutputInvalidJson, with no Output' {
            $mock = Connect-TestMock -Response @(@{ Text = '{"answer":1}'; Phase = 'commentary' })
            $schema = @{ type = 'object'; properties = @{ answer = @{ type = 'integer' } }; required = @('answer') }
            $result = Invoke-Codex 'answer' -WorkingDirectory (New-TestDirectory) -OutputSchema $schema -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue
            $result.Output | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexOutputInvalidJson,*'
            $errs[0].Exception.Message | Should -Match 'no final answer'
        }

        It 'gives the same Output as Send-CodexTurn and the engine''s result' {
            $mock = Connect-TestMock -Response @(@{ Text = '{"answer":5}'; Phase = 'final_answer' }, @{ Text = '{"answer":5}'; Phase = 'final_answer' })
            $schema = @{ type = 'object'; properties = @{ answer = @{ type = 'integer' } }; required = @('answer') }
            $result = Invoke-Codex 'five' -WorkingDirectory (New-TestDirectory) -OutputSchema $schema -WarningAction SilentlyContinue
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $done = Send-CodexTurn 'five' -Conversation $c -OutputSchema $schema -WarningAction SilentlyContinue | Select-Object -Last 1
            $result.Output.answer | Should -Be 5
            $done.Output.answer | Should -Be 5
            $c.LastTurn.Result.Output.answer | Should -Be 5
            $c.LastTurn.Result.FinalResponse | Should -Be '{"answer":5}'
            $result.Output.GetType() | Should -Be $done.Output.GetType()
        }
    }

    It 'refuses an empty prompt' {
        $mock = Connect-TestMock
        Invoke-Codex ' ' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexPromptEmpty*'
        $mock.Requests.Count | Should -Be 0
    }
}
