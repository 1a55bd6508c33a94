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

    It 'refuses an empty prompt' {
        $mock = Connect-TestMock
        Invoke-Codex ' ' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexPromptEmpty*'
        $mock.Requests.Count | Should -Be 0
    }
}
