param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    function Get-LifecycleEvents([string] $Source) {
        @(Get-Event -SourceIdentifier $Source -ErrorAction Ignore | ForEach-Object { $_.SourceEventArgs })
    }
}

AfterAll {
    Get-EventSubscriber | Where-Object SourceIdentifier -like 'CodexPS*' | Unregister-Event
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Conversation manager' {
    Context 'Connect-Codex -MaxConversations' {
        BeforeAll {
            $mock = Start-CodexMockProvider
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -MaxConversations 2 -WarningAction SilentlyContinue
        }

        It 'refuses one conversation more than allowed with MaxConversationsExceeded' {
            $first = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $null = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $err = $null
            try { New-CodexConversation -WorkingDirectory (New-TestDirectory) } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'MaxConversationsExceeded*'
            $err.Exception.Message | Should -Match 'at most|most Connect-Codex -MaxConversations allows'
            (Get-CodexStatus).Conversations.Count | Should -Be 2

            # Removing one frees its place.
            Remove-CodexConversation -Id $first.Id -Confirm:$false
            $first.State | Should -Be 'Removed'
            New-CodexConversation -WorkingDirectory (New-TestDirectory) | Should -Not -BeNullOrEmpty
        }
    }

    Context 'inactivity timeout and lifecycle events' {
        BeforeAll {
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'first answer' }, @{ Text = 'second answer' })
            Register-ObjectEvent -InputObject (Get-CodexStatus).Events -EventName ConversationEvent -SourceIdentifier CodexPS.Test.Idle
            $global:CodexPSTestOnEvent = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -IdleTimeoutSec 0.5 -WarningAction SilentlyContinue -OnEvent {
                $global:CodexPSTestOnEvent.Enqueue("$($EventArgs.Kind) $($EventArgs.ConversationId)")
            }
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $first = Send-CodexTurn -Conversation $conversation -Prompt 'remember the word otter' | Select-Object -Last 1
        }

        It 'unloads an idle conversation and reports ConversationInactive' {
            $first.Status | Should -Be 'Completed'
            Wait-Until { $conversation.State -eq 'Inactive' } -TimeoutMs 10000
            Wait-Until { (Get-LifecycleEvents CodexPS.Test.Idle).Kind -contains 'ConversationInactive' } -TimeoutMs 5000
            $inactive = Get-LifecycleEvents CodexPS.Test.Idle | Where-Object Kind -EQ 'ConversationInactive' | Select-Object -First 1
            $inactive.ConversationId | Should -Be $conversation.Id
        }

        It 'loads it again transparently for the next turn, with its history' {
            $second = Send-CodexTurn -Conversation $conversation -Prompt 'which word?' | Select-Object -Last 1
            $second.Status | Should -Be 'Completed'
            (Get-LifecycleEvents CodexPS.Test.Idle).Kind | Should -Contain 'ConversationResumed'
            $mock.Requests[-1].Body | Should -Match 'remember the word otter'
            $mock.Requests[-1].Body | Should -Match 'first answer'
        }

        It 'raised ConversationCreated, and reaches an -OnEvent script block too' {
            (Get-LifecycleEvents CodexPS.Test.Idle).Kind | Should -Contain 'ConversationCreated'
            Wait-Until { $global:CodexPSTestOnEvent -contains "ConversationCreated $($conversation.Id)" } -TimeoutMs 5000
            $global:CodexPSTestOnEvent | Should -Contain "ConversationInactive $($conversation.Id)"
        }
    }

    Context 'recovery after the runtime dies' {
        BeforeAll {
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'before the crash' }, @{ Text = 'after the crash' })
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
            Register-ObjectEvent -InputObject (Get-CodexStatus).Events -EventName ConversationEvent -SourceIdentifier CodexPS.Test.Crash
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $null = Send-CodexTurn -Conversation $conversation -Prompt 'the secret colour is teal'
            $oldPid = (Get-CodexStatus).ProcessId
        }

        It 'marks the conversation and reports ConversationError when the runtime is killed' {
            Stop-Process -Id $oldPid -Force
            Wait-Until { $conversation.State -eq 'Detached' } -TimeoutMs 10000
            Wait-Until { (Get-LifecycleEvents CodexPS.Test.Crash).Kind -contains 'ConversationError' } -TimeoutMs 5000
        }

        It 'starts a new runtime on the next turn and resumes the thread with its full history' {
            $events = @(Send-CodexTurn -Conversation $conversation -Prompt 'what was the colour?' -WarningAction SilentlyContinue)
            $events[-1].Status | Should -Be 'Completed'
            $conversation.State | Should -Be 'Active'
            (Get-CodexStatus).ProcessId | Should -Not -Be $oldPid
            $conversation.Client.ProcessId | Should -Be (Get-CodexStatus).ProcessId
            # The model endpoint got the earlier turn back from the rollout.
            $mock.Requests[-1].Body | Should -Match 'the secret colour is teal'
            $mock.Requests[-1].Body | Should -Match 'before the crash'
            (Get-LifecycleEvents CodexPS.Test.Crash).Kind | Should -Contain 'ConversationResumed'
        }

        It 'cannot recover an ephemeral conversation and says so' {
            $ephemeral = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Ephemeral
            Stop-Process -Id (Get-CodexStatus).ProcessId -Force
            Wait-Until { $ephemeral.State -eq 'Detached' } -TimeoutMs 10000
            Send-CodexTurn -Conversation $ephemeral -Prompt 'hello?' -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotRecoverable*'
        }
    }
}

Describe 'Named runtimes' {
    BeforeAll {
        Disconnect-Codex -All
        $mockA = Start-CodexMockProvider -Response @(@{ Text = 'from tenant A' })
        $mockB = Start-CodexMockProvider -Response @(@{ Text = 'from tenant B' })
        $homeA = New-TestDirectory 'codexps-home-a'
        $homeB = New-TestDirectory 'codexps-home-b'
        Connect-Codex -Name tenantA -MockProvider $mockA -CodexHome $homeA -WarningAction SilentlyContinue
        Connect-Codex -Name tenantB -MockProvider $mockB -CodexHome $homeB -WarningAction SilentlyContinue
    }

    It 'runs several runtimes at once, each with its own CODEX_HOME' {
        $status = Get-CodexStatus -Runtime tenant*
        $status.Name | Should -Be @('tenantA', 'tenantB')
        $status.CodexHome | Should -Be @($homeA, $homeB)
        $status[0].ProcessId | Should -Not -Be $status[1].ProcessId
    }

    It 'starts conversations on the runtime -Runtime names, and turns run there' {
        $a = New-CodexConversation -Runtime tenantA -WorkingDirectory (New-TestDirectory)
        $b = New-CodexConversation -Runtime tenantB -WorkingDirectory (New-TestDirectory)
        $a.Client.Name | Should -Be 'tenantA'
        $b.Client.Name | Should -Be 'tenantB'
        (Send-CodexTurn -ConversationId $a.Id -Prompt 'hi' | Where-Object Kind -EQ 'ItemCompleted' | Select-Object -Last 1).Item.Text | Should -Be 'from tenant A'
        (Send-CodexTurn -Conversation $b -Prompt 'hi' | Where-Object Kind -EQ 'ItemCompleted' | Select-Object -Last 1).Item.Text | Should -Be 'from tenant B'
        $mockA.Requests.Count | Should -Be 1
        $mockB.Requests.Count | Should -Be 1
    }

    It 'refuses a runtime name that was never connected' {
        { New-CodexConversation -Runtime nosuch } | Should -Throw -ErrorId 'CodexRuntimeNotFound,CodexPS.Commands.NewCodexConversationCommand'
        Get-CodexStatus -Runtime nosuch -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeNotFound*'
    }

    It 'stops one named runtime, then all' {
        $pidA = (Get-CodexStatus -Runtime tenantA).ProcessId
        Disconnect-Codex -Name tenantA
        Wait-Until { -not (Test-ProcessAlive $pidA) } -TimeoutMs 5000
        (Get-CodexStatus -Runtime tenantB).RuntimeState | Should -Be 'Running'
        $pidB = (Get-CodexStatus -Runtime tenantB).ProcessId
        Disconnect-Codex -All
        Wait-Until { -not (Test-ProcessAlive $pidB) } -TimeoutMs 5000
        Get-CodexStatus -Runtime * | Should -BeNullOrEmpty
    }
}
