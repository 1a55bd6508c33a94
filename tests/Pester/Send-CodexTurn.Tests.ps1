param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Send-CodexTurn' {
    Context 'a text turn' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Text = 'Hello from the mock model'; Deltas = 5 })
            $ws = New-TestDirectory
            $conversation = New-CodexConversation -WorkingDirectory $ws
            $events = $conversation | Send-CodexTurn 'Say hello' -IncludeDelta
        }

        It 'returns a conversation with Id, Model, WorkingDirectory and Path' {
            $conversation.Id | Should -Match '^[0-9a-f-]{36}$'
            $conversation.Model | Should -Be 'gpt-5.5'
            $conversation.WorkingDirectory | Should -Be $ws
            $conversation.Path | Should -Exist
        }

        It 'writes typed events ending with TurnCompleted' {
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Completed'
            # Thread-level notifications (status changes) may come first; TurnStarted precedes every item.
            $kinds = @($events.Kind)
            $kinds.IndexOf([CodexPS.Engine.Protocol.CodexEventKind]::TurnStarted) | Should -BeLessThan $kinds.IndexOf([CodexPS.Engine.Protocol.CodexEventKind]::ItemStarted)
            ($events | Where-Object Kind -EQ 'Notification').Method | Should -Not -Contain 'turn/started'
            $events | ForEach-Object { $_.ConversationId | Should -Be $conversation.Id }
            $events | ForEach-Object { $_.TurnId | Should -Not -BeNullOrEmpty }
            $events | ForEach-Object { $_.Raw | Should -Not -BeNullOrEmpty }
        }

        It 'streams the answer as deltas and completes the message item' {
            $deltas = $events | Where-Object Kind -EQ 'AgentMessageDelta'
            $deltas.Count | Should -Be 5
            -join $deltas.Delta | Should -Be 'Hello from the mock model'
            $message = $events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }
            $message.Item.Text | Should -Be 'Hello from the mock model'
        }

        It 'reports token usage' {
            $usage = $events | Where-Object Kind -EQ 'TokenUsage' | Select-Object -Last 1
            $usage.Last.OutputTokens | Should -Be 5
            $usage.Total.TotalTokens | Should -BeGreaterThan 0
        }

        It 'sent the prompt to the model endpoint' {
            $mock.Requests.Count | Should -Be 1
            $mock.Requests[0].Body | Should -Match 'Say hello'
        }

        It 'leaves deltas out without -IncludeDelta' {
            $more = $conversation | Send-CodexTurn 'Again'
            $more | Where-Object Kind -Like '*Delta' | Should -BeNullOrEmpty
            $more[-1].Kind | Should -Be 'TurnCompleted'
        }
    }

    Context 'approvals' {
        BeforeEach {
            $ws = New-TestDirectory
        }

        It 'runs a command the handler approves' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo approved > approved.txt' }, @{ Text = 'done' })
            $seen = [System.Collections.Generic.List[object]]::new()
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
            $events = Send-CodexTurn 'make a file' -Conversation $c -ApprovalHandler { $seen.Add($_); 'Accept' }
            $seen.Count | Should -Be 1
            $seen[0].Kind | Should -Be 'CommandExecution'
            $seen[0].Command | Should -Match 'echo approved'
            $approval = $events | Where-Object Kind -EQ 'ApprovalRequested'
            $approval.Decision | Should -Be 'Accept'
            $command = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
            $command.ExitCode | Should -Be 0
            $command.Status | Should -Be 'Completed'
            Join-Path $ws 'approved.txt' | Should -Exist
            $events[-1].Status | Should -Be 'Completed'
        }

        It 'does not run a command the handler declines' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo declined > declined.txt' }, @{ Text = 'ok' })
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
            $events = Send-CodexTurn 'make a file' -Conversation $c -ApprovalHandler { 'Decline' }
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
            Join-Path $ws 'declined.txt' | Should -Not -Exist
            $command = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
            $command.Status | Should -Be 'Declined'
        }

        It 'declines without a handler in a non-interactive host' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo nobody > nobody.txt' }, @{ Text = 'ok' })
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
            $events = Send-CodexTurn 'make a file' -Conversation $c -WarningVariable warnings -WarningAction SilentlyContinue
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
            Join-Path $ws 'nobody.txt' | Should -Not -Exist
            $warnings -join "`n" | Should -Match 'non-interactive'
        }

        It 'declines every request with -WhatIf, even with a handler' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo whatif > whatif.txt' }, @{ Text = 'ok' })
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
            $events = Send-CodexTurn 'make a file' -Conversation $c -ApprovalHandler { 'Accept' } -WhatIf
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
            Join-Path $ws 'whatif.txt' | Should -Not -Exist
        }

        It 'uses the conversation''s handler when the turn has none' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo conv > conv.txt' }, @{ Text = 'ok' })
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite -ApprovalHandler { 'AcceptForSession' }
            $events = Send-CodexTurn 'make a file' -Conversation $c
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'AcceptForSession'
            Join-Path $ws 'conv.txt' | Should -Exist
        }

        It 'applies a patch the handler accepts' {
            $patch = "*** Begin Patch`n*** Add File: hello.txt`n+hello from a patch`n*** End Patch"
            $mock = Connect-TestMock -Response @(@{ Patch = $patch }, @{ Text = 'patched' })
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox ReadOnly
            $requests = [System.Collections.Generic.List[object]]::new()
            $events = Send-CodexTurn 'add a file' -Conversation $c -ApprovalHandler { $requests.Add($_); 'Accept' }
            $requests[0].Kind | Should -Be 'FileChange'
            $requests[0].Changes.Path | Should -Match 'hello.txt'
            (Get-Content (Join-Path $ws 'hello.txt')) | Should -Be 'hello from a patch'
            $change = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'FileChange' }).Item
            $change.Status | Should -Be 'Completed'
            $change.Changes[0].Kind | Should -Be 'Add'
            # turn/diff/updated may come after turn/completed (then it belongs to no turn and only the conversation
            # keeps it): either way it must arrive, and name the file.
            $turnId = $events[-1].TurnId
            Wait-Until { $null -ne $c.GetDiff($turnId) } -TimeoutMs 30000
            $c.GetDiff($turnId).Diff | Should -Match 'hello.txt'
            $events | Where-Object Kind -EQ 'TurnDiff' | ForEach-Object { $_.Diff | Should -Match 'hello.txt' }
        }

        It 'reports a handler that throws and declines' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo boom > boom.txt' }, @{ Text = 'ok' })
            $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
            $events = Send-CodexTurn 'x' -Conversation $c -ApprovalHandler { throw 'handler broke' } -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerFailed*'
            Join-Path $ws 'boom.txt' | Should -Not -Exist
            $events[-1].Kind | Should -Be 'TurnCompleted'
        }
    }

    Context 'warnings and protocol lines' {
        It 'come in order with the events: each -Debug line right before the event it carried' {
            $mock = Connect-TestMock -Response @(@{ Text = 'ordered'; Deltas = 3 })
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $all = @(Send-CodexTurn 'in order' -Conversation $c -Debug -WarningAction SilentlyContinue 5>&1)
            $index = { param($test) for ($i = 0; $i -lt $all.Count; $i++) { if (& $test $all[$i]) { return $i } }; -1 }
            $startedLine = & $index { param($o) $o -is [System.Management.Automation.DebugRecord] -and $o.Message -match '"method":"turn/started"' }
            $startedEvent = & $index { param($o) $o -is [CodexPS.Engine.Protocol.CodexEvent] -and $o.Kind -eq 'TurnStarted' }
            $completedLine = & $index { param($o) $o -is [System.Management.Automation.DebugRecord] -and $o.Message -match '"method":"turn/completed"' }
            $completedEvent = & $index { param($o) $o -is [CodexPS.Engine.Protocol.CodexEvent] -and $o.Kind -eq 'TurnCompleted' }
            $startedLine | Should -BeGreaterOrEqual 0
            $completedLine | Should -BeGreaterOrEqual 0
            $startedLine | Should -BeLessThan $startedEvent
            $completedLine | Should -BeLessThan $completedEvent
            # Nothing of the turn's end is held back for a batch boundary: the line comes after the events before it.
            $messageEvent = & $index { param($o) $o -is [CodexPS.Engine.Protocol.CodexEvent] -and $o.Kind -eq 'ItemCompleted' -and $o.Item.Type -eq 'AgentMessage' }
            $completedLine | Should -BeGreaterThan $messageEvent
            @($all | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match '"method":"turn/completed"' }).Count | Should -Be 1
        }
    }

    Context 'interrupts' {
        It 'Ctrl+C (StopProcessing) interrupts the turn within a second and the conversation stays usable' {
            $mock = Connect-TestMock -Response @(@{ Stall = $true }, @{ Text = 'after the interrupt' })
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Start-InRunspace { param($c) Send-CodexTurn 'wait forever' -Conversation $c } @{ c = $c }
            Wait-Until { $mock.Requests.Count -ge 1 -and $c.ActiveTurn }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $job.PowerShell.Stop()
            $sw.Stop()
            $sw.ElapsedMilliseconds | Should -BeLessThan 1000
            Wait-Until { -not $c.ActiveTurn } -TimeoutMs 3000
            $c.LastTurn.Completion.Result.Status | Should -Be 'Interrupted'
            $events = Send-CodexTurn 'again' -Conversation $c
            $events[-1].Status | Should -Be 'Completed'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'after the interrupt'
        }

        It 'Stop-CodexTurn interrupts from another place' {
            $mock = Connect-TestMock -Response @(@{ Stall = $true })
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Start-InRunspace { param($c) Send-CodexTurn 'wait forever' -Conversation $c } @{ c = $c }
            Wait-Until { $mock.Requests.Count -ge 1 -and $c.ActiveTurn }
            $c | Stop-CodexTurn -Wait
            $events = $job.PowerShell.EndInvoke($job.Handle)
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Interrupted'
        }
    }

    Context 'bad input' {
        BeforeAll {
            $mock = Connect-TestMock -Response @()
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        }

        It 'refuses an empty prompt and sends nothing' {
            $before = $mock.Requests.Count
            Send-CodexTurn '' -Conversation $c -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexPromptEmpty*'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $mock.Requests.Count | Should -Be $before
        }

        It 'refuses an unknown conversation id' {
            Send-CodexTurn 'hi' -ConversationId 'no-such-thread' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errs[0].TargetObject | Should -Be 'no-such-thread'
        }

        It 'refuses a conversation whose runtime was stopped and sends nothing' {
            $old = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $before = $mock.Requests.Count
            Disconnect-Codex
            Send-CodexTurn 'hi' -Conversation $old -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeStopped*'
            $errs[0].TargetObject.Id | Should -Be $old.Id
            $mock.Requests.Count | Should -Be $before
        }
    }

    Context 'faults' {
        It 'fails with CodexRuntimeExited within 2 seconds when the runtime is killed mid-turn, and the next command starts a new runtime' {
            $mock = Connect-TestMock -Response @(@{ Stall = $true }, @{ Text = 'new runtime' })
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Start-InRunspace { param($c) Send-CodexTurn 'wait' -Conversation $c } @{ c = $c }
            Wait-Until { $mock.Requests.Count -ge 1 -and $c.ActiveTurn }
            $oldPid = (Get-CodexStatus).ProcessId
            $sw = [Diagnostics.Stopwatch]::StartNew()
            Stop-Process -Id $oldPid -Force
            Wait-Until { $job.Handle.IsCompleted } -TimeoutMs 2000
            $sw.ElapsedMilliseconds | Should -BeLessThan 2000
            $null = $job.PowerShell.EndInvoke($job.Handle)
            $job.PowerShell.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeExited*'
            (Get-CodexStatus).RuntimeState | Should -Be 'Exited'

            $c2 = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            (Get-CodexStatus).ProcessId | Should -Not -Be $oldPid
            (Get-CodexStatus).RuntimeState | Should -Be 'Running'
            (Send-CodexTurn 'hello' -Conversation $c2)[-1].Status | Should -Be 'Completed'
        }

        It 'maps model endpoint answer <Name> to a failed turn with ErrorId <ErrorId>' -TestCases @(
            @{ Name = 'HTTP 500'; Response = @{ Status = 500 }; ErrorId = 'CodexInternalServerError' }
            @{ Name = 'HTTP 429'; Response = @{ Status = 429 }; ErrorId = 'CodexUsageLimitExceeded' }
            @{ Name = 'a closed stream'; Response = @{ Disconnect = $true; Text = 'partial' }; ErrorId = 'Codex*' }
        ) {
            param($Name, $Response, $ErrorId)
            $mock = Connect-TestMock -Response @($Response)
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $events = Send-CodexTurn 'fail please' -Conversation $c -ErrorVariable errs -ErrorAction SilentlyContinue
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Failed'
            $events[-1].Error.ErrorId | Should -BeLike $ErrorId
            $errs.Count | Should -BeGreaterOrEqual 1
            $errs[-1].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        }
    }
}
