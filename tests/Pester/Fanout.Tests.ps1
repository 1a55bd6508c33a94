param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Fan-out' {
    Context 'ForEach-Object -Parallel' {
        It 'runs one conversation per runspace, four at once, and every turn completes' {
            $mock = Connect-TestMock -Response @(1..4 | ForEach-Object { @{ Text = "parallel answer"; DelayMs = 200 } })
            $modulePath = (Get-Module CodexPS).Path
            $results = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                Import-Module $using:modulePath
                $conversation = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
                $last = Send-CodexTurn -Conversation $conversation -Prompt "task $_" -WarningAction SilentlyContinue | Select-Object -Last 1
                [pscustomobject]@{ Task = $_; Conversation = $conversation.Id; Status = "$($last.Status)" }
            }
            $results.Count | Should -Be 4
            $results.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed')
            ($results.Conversation | Sort-Object -Unique).Count | Should -Be 4
            # All four ran on the session's one runtime.
            (Get-CodexStatus).Conversations.Count | Should -Be 4
            @($mock.Requests | Where-Object { $_.Body -match 'task [1-4]' }).Count | Should -Be 4
        }
    }

    Context 'Send-CodexTurn -AsJob' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Text = 'answer from a job'; Deltas = 4 }, @{ Stall = $true }, @{ Text = 'after the stop' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        }

        It 'returns a job at once whose output is the turn''s events' {
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'run in the background' -AsJob
            $job | Should -BeOfType ([System.Management.Automation.Job])
            $job.PSJobTypeName | Should -Be 'CodexTurnJob'
            Get-Job -Id $job.Id | Should -Not -BeNullOrEmpty
            $null = Wait-Job $job -Timeout 30
            $job.State | Should -Be 'Completed'
            $events = @(Receive-Job $job)
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Completed'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'answer from a job'
            Remove-Job $job
        }

        It 'Stop-Job interrupts the turn and the conversation stays usable' {
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'this one stalls' -AsJob
            Wait-Until { $conversation.ActiveTurn -and $conversation.ActiveTurn.Id } -TimeoutMs 10000
            # The stalled response must be the job's: on a slow machine the turn may not have asked the model yet.
            Wait-Until { $mock.Requests.Count -ge 2 } -TimeoutMs 30000
            Stop-Job $job
            $job.State | Should -Be 'Stopped'
            Wait-Until { $null -eq $conversation.ActiveTurn } -TimeoutMs 5000
            $next = Send-CodexTurn -Conversation $conversation -Prompt 'still there?' | Select-Object -Last 1
            $next.Status | Should -Be 'Completed'
            Remove-Job $job
        }
    }

    Context 'Send-CodexTurn -AsJob with an output schema and handlers' {
        BeforeAll {
            $schema = @{ type = 'object'; properties = @{ answer = @{ type = 'integer' } }; required = @('answer') }
        }

        It 'fills Output of TurnCompleted as the engine checked it' {
            $mock = Connect-TestMock -Response @(@{ Text = '{"answer":42}'; Phase = 'final_answer' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'answer as JSON' -OutputSchema $schema -AsJob
            $null = Wait-Job $job -Timeout 30
            $job.State | Should -Be 'Completed'
            $done = @(Receive-Job $job -WarningAction SilentlyContinue)[-1]
            $done.Kind | Should -Be 'TurnCompleted'
            $done.Output.answer | Should -Be 42
            $job.Result.Output.answer | Should -Be 42
            Remove-Job $job
        }

        It 'reports an answer that breaks the schema with CodexOutputSchemaMismatch' {
            $mock = Connect-TestMock -Response @(@{ Text = '{"answer":"many"}' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'answer as JSON' -OutputSchema $schema -AsJob
            $null = Wait-Job $job -Timeout 30
            $events = @(Receive-Job $job -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            $events[-1].Output | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexOutputSchemaMismatch*'
            Remove-Job $job
        }

        It 'asks the turn''s -ApprovalHandler script block, in the job''s own runspace' {
            $ws = New-TestDirectory
            $mock = Connect-TestMock -Response @(@{ Command = 'echo from-job > job.txt' }, @{ Text = 'done' })
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'write job.txt' -AsJob -ApprovalHandler {
                if ($_.Kind -eq 'CommandExecution' -and $_.Command -match 'from-job') { 'Accept' } else { 'Decline' }
            }
            $null = Wait-Job $job -Timeout 60
            $job.State | Should -Be 'Completed'
            $approval = @(Receive-Job $job) | Where-Object Kind -EQ 'ApprovalRequested'
            $approval.Request.Decision | Should -Be 'Accept'
            $approval.Request.DecidedBy | Should -Be 'ApprovalHandler'
            Join-Path $ws 'job.txt' | Should -Exist
            Remove-Job $job
        }

        It 'asks the conversation''s handler (New-CodexConversation -ApprovalHandler), and a failing handler declines with an error' {
            $ws = New-TestDirectory
            $mock = Connect-TestMock -Response @(@{ Command = 'echo nope > nope.txt' }, @{ Text = 'declined' })
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted -ApprovalHandler { throw 'handler broke' }
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'write nope.txt' -AsJob
            $null = Wait-Job $job -Timeout 60
            $events = @(Receive-Job $job -ErrorVariable errs -ErrorAction SilentlyContinue)
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Request.Decision | Should -Be 'Decline'
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerFailed*'
            $errs[0].Exception.Message | Should -Match 'handler broke'
            Join-Path $ws 'nope.txt' | Should -Not -Exist
            Remove-Job $job
        }

        It 'declines with a warning when no handler decides' {
            $ws = New-TestDirectory
            $mock = Connect-TestMock -Response @(@{ Command = 'echo nobody > nobody.txt' }, @{ Text = 'declined' })
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'write nobody.txt' -AsJob
            $null = Wait-Job $job -Timeout 60
            $events = @(Receive-Job $job -WarningVariable warns -WarningAction SilentlyContinue)
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Request.DecidedBy | Should -Be 'Job'
            ($warns -join "`n") | Should -Match 'Declined in a background job'
            Join-Path $ws 'nobody.txt' | Should -Not -Exist
            Remove-Job $job
        }
    }

    Context 'PowerShell serialization' {
        BeforeAll {
            $null = Connect-TestMock -Response @(@{ Command = 'echo serialized' }, @{ Text = 'serialized answer' }, @{ Text = 'one-shot answer' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $events = @(Send-CodexTurn -Conversation $conversation -Prompt 'serialize me' -WarningAction SilentlyContinue)
            $result = Invoke-Codex 'one shot' -WarningAction SilentlyContinue
            $file = Join-Path (New-TestDirectory) 'objects.xml'
            @($conversation) + $events + @($result) | Export-Clixml -Path $file
            $back = @(Import-Clixml -Path $file)
        }

        It 'keeps every object with its type name behind the Deserialized. prefix' {
            $back.Count | Should -Be ($events.Count + 2)
            $back[0].pstypenames[0] | Should -Be 'Deserialized.CodexPS.Engine.Conversations.CodexConversation'
            $back[-1].pstypenames[0] | Should -Be 'Deserialized.CodexPS.Engine.Conversations.CodexTurnResult'
            for ($i = 0; $i -lt $events.Count; $i++) {
                $back[$i + 1].pstypenames[0] | Should -Be ('Deserialized.' + $events[$i].GetType().FullName)
            }
        }

        It 'keeps the key properties of conversations, events, items and results' {
            $back[0].Id | Should -Be $conversation.Id
            $back[0].Model | Should -Be $conversation.Model
            $back[0].Path | Should -Be $conversation.Path
            # Deserialized enums keep their name as ToString() (and their number as the value), as PowerShell does for every enum.
            $back[0].Sandbox.ToString() | Should -Be 'WorkspaceWrite'
            $back[0].ApprovalPolicy.ToString() | Should -Be 'Never'

            $command = $back | Where-Object { $null -ne $_.Kind -and $_.Kind.ToString() -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' } | Select-Object -First 1
            $command.Item.Command | Should -Match 'echo serialized'
            $command.Item.ExitCode | Should -Be 0
            $command.ConversationId | Should -Be $conversation.Id
            $command.Summary | Should -Match 'command: .*echo serialized'

            $completed = $back[$events.Count]
            $completed.Kind.ToString() | Should -Be 'TurnCompleted'
            $completed.Status.ToString() | Should -Be 'Completed'
            $completed.TurnId | Should -Be $events[-1].TurnId

            $back[-1].Status.ToString() | Should -Be 'Completed'
            $back[-1].FinalResponse | Should -Be 'one-shot answer'
            $back[-1].Usage.TotalTokens | Should -Be $result.Usage.TotalTokens
        }

        It 'keeps nested objects at the depth of jobs and remoting (one level), by the module''s types file' {
            # Start-Job, process jobs and remoting serialize one level deep; CodexPS.Types.ps1xml asks for more.
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($result, 1))
            $copy.Usage.TotalTokens | Should -Be $result.Usage.TotalTokens
            ($copy.Items | Where-Object Type -EQ 'AgentMessage').Text | Should -Be 'one-shot answer'
            $commandEvent = $events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }
            $copied = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($commandEvent, 1))
            $copied.Item.Command | Should -Match 'echo serialized'
            $copied.Item.ExitCode | Should -Be 0
        }

        It 'formats deserialized events with the same view' {
            $text = $back[1..$events.Count] | Out-String -Width 120
            $text | Should -Match 'TurnCompleted'
            $text | Should -Match 'command: .*echo serialized'
        }
    }
}
