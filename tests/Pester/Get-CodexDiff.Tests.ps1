param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexDiff' {
    Context 'after a turn that patched files' {
        BeforeAll {
            $patch = "*** Begin Patch`n*** Add File: hello.txt`n+hello`n*** Update File: app.txt`n@@`n-old`n+new`n*** Delete File: gone.txt`n*** End Patch"
            $mock = Connect-TestMock -Response @(@{ Patch = $patch }, @{ Text = 'patched' }, @{ Text = 'nothing to change' })
            $ws = New-TestDirectory
            'old' | Set-Content (Join-Path $ws 'app.txt')
            'bye' | Set-Content (Join-Path $ws 'gone.txt')
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $events = Send-CodexTurn -Conversation $conversation 'patch the files'
            $turnId = $events[-1].TurnId
        }

        It 'the patch was applied' {
            Get-Content (Join-Path $ws 'app.txt') | Should -Be 'new'
            Join-Path $ws 'gone.txt' | Should -Not -Exist
        }

        It 'writes one object per file with its kind and diff' {
            $files = @(Get-CodexDiff $conversation)
            $files | Should -HaveCount 3
            $files | ForEach-Object { $_ | Should -BeOfType CodexPS.Engine.Conversations.CodexDiffFile }
            $byPath = @{}; $files | ForEach-Object { $byPath[$_.Path] = $_ }
            $byPath['hello.txt'].Kind | Should -Be 'Add'
            $byPath['app.txt'].Kind | Should -Be 'Update'
            $byPath['gone.txt'].Kind | Should -Be 'Delete'
            $byPath['app.txt'].Diff | Should -Match '(?m)^-old$'
            $byPath['app.txt'].Diff | Should -Match '(?m)^\+new$'
            $byPath['app.txt'].Diff | Should -Not -Match 'hello'
            $files | ForEach-Object { $_.TurnId | Should -Be $turnId; $_.ConversationId | Should -Be $conversation.Id }
        }

        It 'writes the whole unified diff with -Raw, equal to the last TurnDiff event' {
            # turn/diff/updated may come after turn/completed, outside the turn's events; it must arrive either way.
            Wait-Until { $null -ne $conversation.GetDiff($turnId) } -TimeoutMs 30000
            $raw = Get-CodexDiff -Conversation $conversation -Raw
            $raw | Should -BeOfType string
            $raw | Should -Match '(?m)^diff --git a/hello.txt b/hello.txt$'
            $raw | Should -Match 'deleted file mode'
            $raw | Should -Be $conversation.GetDiff($turnId).Diff
            # The last one the turn carried, when the runtime sent it in the turn, is the one kept.
            $events | Where-Object Kind -EQ 'TurnDiff' | Select-Object -Last 1 | ForEach-Object { $raw | Should -Be $_.Diff }
        }

        It 'finds the diff by turn id, also from a piped event, after later turns' {
            $next = Send-CodexTurn -Conversation $conversation 'anything else?'
            $next[-1].Status | Should -Be 'Completed'
            @(Get-CodexDiff -Conversation $conversation -TurnId $turnId) | Should -HaveCount 3
            @($events[-1] | Get-CodexDiff) | Should -HaveCount 3
            # The default is the latest turn that changed files, not simply the latest turn.
            @(Get-CodexDiff $conversation)[0].TurnId | Should -Be $turnId
        }

        It 'formats the files as a table' {
            (Get-CodexDiff $conversation | Out-String) | Should -Match 'Add\s+\+1 -0\s+hello.txt'
        }
    }

    Context 'bad input' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Text = 'no files' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        }

        It 'writes nothing for a conversation whose turns changed no files' {
            $null = Send-CodexTurn -Conversation $conversation 'hello'
            Get-CodexDiff $conversation -ErrorVariable errs | Should -BeNullOrEmpty
            $errs | Should -BeNullOrEmpty
        }

        It 'writes CodexTurnDiffNotFound for an unknown turn' {
            Get-CodexDiff $conversation -TurnId 'no-such-turn' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexTurnDiffNotFound*'
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errs[0].TargetObject | Should -Be 'no-such-turn'
        }

        It 'writes CodexConversationNotFound for an unknown conversation' {
            Get-CodexDiff -ConversationId 'no-such-thread' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
        }
    }
}
