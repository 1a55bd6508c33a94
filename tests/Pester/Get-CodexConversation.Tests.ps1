param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $missing = '00000000-0000-0000-0000-000000000000'
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'History and lifecycle' {
    BeforeAll {
        $mock = Connect-TestMock -Response @(
            @{ Text = 'older answer' }, @{ Text = 'first answer' }, @{ Text = 'second answer' },
            @{ Text = 'the compacted summary' }, @{ Text = 'answer in the fork' })
        $ws = New-TestDirectory
        $home1 = (Get-CodexStatus).CodexHome
        # A conversation from an earlier session of the same home: a runtime that is then replaced.
        $older = New-CodexConversation -WorkingDirectory $ws
        $null = $older | Send-CodexTurn 'an older question'
        Connect-Codex -MockProvider $mock -CodexHome $home1
        $conversation = New-CodexConversation -WorkingDirectory $ws
        $null = $conversation | Send-CodexTurn 'hello one'
        $null = $conversation | Send-CodexTurn 'hello two'
    }

    Context 'Get-CodexConversation' {
        It 'lists saved conversations of this and earlier sessions as typed objects' {
            $all = @(Get-CodexConversation)
            $all.Id | Should -Contain $conversation.Id
            $all.Id | Should -Contain $older.Id
            $mine = $all | Where-Object Id -EQ $conversation.Id
            $mine | Should -BeOfType ([CodexPS.Engine.Protocol.CodexThreadInfo])
            $mine.Preview | Should -Be 'hello one'
            $mine.WorkingDirectory | Should -Be $ws
            $mine.Model | Should -Be 'gpt-5.5'
            $mine.Path | Should -Exist
            $mine.Archived | Should -BeFalse
            $mine.CreatedAt | Should -BeOfType ([DateTimeOffset])
        }

        It 'stops after -First' {
            @(Get-CodexConversation -First 1).Count | Should -Be 1
        }

        It 'filters by working directory' {
            $other = New-TestDirectory
            @(Get-CodexConversation -WorkingDirectory $other).Count | Should -Be 0
            @(Get-CodexConversation -WorkingDirectory $ws).Count | Should -Be 2
        }

        It 'reads conversations by id, from the pipeline too' {
            $read = $conversation | Get-CodexConversation
            $read.Id | Should -Be $conversation.Id
            $read.Archived | Should -BeNullOrEmpty
        }

        It 'reports an unknown id as CodexConversationNotFound and goes on' {
            $found = Get-CodexConversation -Id $missing, $conversation.Id -ErrorVariable err -ErrorAction SilentlyContinue
            $found.Id | Should -Be $conversation.Id
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].TargetObject | Should -Be $missing
        }
    }

    Context 'Get-CodexTurn and Get-CodexItem' {
        It 'reads the turns oldest first with typed items' {
            $turns = @($conversation | Get-CodexTurn)
            $turns.Count | Should -Be 2
            $turns[0] | Should -BeOfType ([CodexPS.Engine.Protocol.CodexTurnInfo])
            $turns[0].Status | Should -Be 'Completed'
            $turns[0].ConversationId | Should -Be $conversation.Id
            $turns[0].ItemCount | Should -Be 2
            $turns[0].Items[0].Text | Should -Be 'hello one'
            $turns[1].Items[1] | Should -BeOfType ([CodexPS.Engine.Protocol.AgentMessageItem])
            $turns[1].Items[1].Text | Should -Be 'second answer'
        }

        It 'reads the history of an earlier session by id from the pipeline' {
            $turns = @(Get-CodexConversation -Id $older.Id | Get-CodexTurn)
            $turns.Count | Should -Be 1
            $turns[0].Items[-1].Text | Should -Be 'older answer'
        }

        It 'reads all items, or those of one turn' {
            $items = @($conversation | Get-CodexItem)
            $items.Type | Should -Be @('UserMessage', 'AgentMessage', 'UserMessage', 'AgentMessage')
            $items[1].Text | Should -Be 'first answer'
            $items[1].ConversationId | Should -Be $conversation.Id
            $last = $conversation | Get-CodexTurn | Select-Object -Last 1
            $ofTurn = @($last | Get-CodexItem)
            $ofTurn.Text | Should -Be @('hello two', 'second answer')
            $ofTurn | ForEach-Object { $_.TurnId | Should -Be $last.Id }
            @(Get-CodexItem -ConversationId $conversation.Id -TurnId $last.Id).Count | Should -Be 2
        }

        It 'reports an unknown conversation as CodexConversationNotFound' {
            Get-CodexTurn -ConversationId $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].TargetObject | Should -Be $missing
            Get-CodexItem -ConversationId $missing -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err2[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err2[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Rename-CodexConversation' {
        It 'does nothing with -WhatIf' {
            $conversation | Rename-CodexConversation -NewName 'not this' -WhatIf
            (Get-CodexConversation -Id $conversation.Id).Name | Should -BeNullOrEmpty
        }

        It 'sets the name, which -Search then finds' {
            $renamed = $conversation | Rename-CodexConversation -NewName 'Greeting thread' -PassThru
            $renamed.Name | Should -Be 'Greeting thread'
            (Get-CodexConversation -Search 'Greeting').Id | Should -Be $conversation.Id
        }

        It 'reports an unknown id' {
            Rename-CodexConversation -Id $missing -NewName x -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].TargetObject | Should -Be $missing
        }
    }

    Context 'Compress-CodexConversation' {
        It 'runs a compaction turn through the model and returns it' {
            $before = $mock.Requests.Count
            $turn = $conversation | Compress-CodexConversation
            $turn | Should -BeOfType ([CodexPS.Engine.Protocol.CodexTurnInfo])
            $turn.Status | Should -Be 'Completed'
            $turn.Items.Type | Should -Contain 'ContextCompaction'
            # The runtime asked the model for the summary: one more request, answered by the next scripted response.
            $mock.Requests.Count | Should -Be ($before + 1)
            @($conversation | Get-CodexTurn).Count | Should -Be 3
        }

        It 'reports an unknown id' {
            Compress-CodexConversation -Id $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].TargetObject | Should -Be $missing
        }
    }

    Context 'Copy-CodexConversation' {
        It 'forks into a live conversation that continues the history' {
            $fork = $older | Copy-CodexConversation
            $fork | Should -BeOfType ([CodexPS.Engine.Conversations.CodexConversation])
            $fork.Id | Should -Not -Be $older.Id
            $result = $fork | Send-CodexTurn 'continue in the fork' | Select-Object -Last 1
            $result.Status | Should -Be 'Completed'
            $mock.Requests[-1].Body | Should -Match 'an older question'
            (Get-CodexConversation -Id $fork.Id).ForkedFromId | Should -Be $older.Id
            @($fork | Get-CodexTurn).Count | Should -Be 2
        }

        It 'reports an unknown id and a missing working directory' {
            Copy-CodexConversation -Id $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].TargetObject | Should -Be $missing
            Copy-CodexConversation -Id $conversation.Id -WorkingDirectory (Join-Path $ws 'nope') -ErrorVariable err2 -ErrorAction SilentlyContinue
            $err2[0].FullyQualifiedErrorId | Should -BeLike 'CodexWorkingDirectoryNotFound*'
        }
    }

    Context 'Remove-CodexConversation and Restore-CodexConversation' {
        It 'does nothing with -WhatIf' {
            Get-CodexConversation -Id $conversation.Id | Remove-CodexConversation -WhatIf
            (Get-CodexConversation).Id | Should -Contain $conversation.Id
        }

        It 'archives from the pipeline and restores' {
            Get-CodexConversation -Search 'Greeting' | Remove-CodexConversation
            (Get-CodexConversation).Id | Should -Not -Contain $conversation.Id
            $archived = Get-CodexConversation -Archived
            $archived.Id | Should -Contain $conversation.Id
            ($archived | Where-Object Id -EQ $conversation.Id).Archived | Should -BeTrue
            $restored = $conversation | Restore-CodexConversation -PassThru
            $restored.Id | Should -Be $conversation.Id
            (Get-CodexConversation).Id | Should -Contain $conversation.Id
            (Get-CodexConversation -Archived).Id | Should -Not -Contain $conversation.Id
        }

        It 'restoring a conversation that is not archived is CodexConversationNotFound' {
            Restore-CodexConversation -Id $conversation.Id -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].TargetObject | Should -Be $conversation.Id
        }

        It 'deletes for good with -Delete -Force' {
            $doomed = New-CodexConversation -WorkingDirectory $ws
            $null = $doomed | Send-CodexTurn 'to be deleted'
            $path = (Get-CodexConversation -Id $doomed.Id).Path
            $path | Should -Exist
            $doomed | Remove-CodexConversation -Delete -Force
            $path | Should -Not -Exist
            (Get-CodexConversation).Id | Should -Not -Contain $doomed.Id
            (Get-CodexConversation -Archived).Id | Should -Not -Contain $doomed.Id
            Get-CodexConversation -Id $doomed.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'declares ConfirmImpact Medium, so archiving does not ask by default' {
            $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Remove-CodexConversation))
            $meta.ConfirmImpact | Should -Be 'Medium'
            $meta.SupportsShouldProcess | Should -BeTrue
        }

        It 'reports unknown ids for archive and delete' {
            Remove-CodexConversation -Id $missing -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            Remove-CodexConversation -Id $missing -Delete -Force -ErrorVariable err2 -ErrorAction SilentlyContinue
            $err2[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $err2[0].TargetObject | Should -Be $missing
        }
    }
}
