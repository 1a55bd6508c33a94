param([string] $ModulePath)

# Faults of the runtime and of the model endpoint. Each asserts that nothing hangs (a generous deadline) and that
# nothing already received is lost (every delta the runtime sent, as the protocol log saw it, reached the pipeline).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Start-CollectedTurn {
        # Runs Send-CodexTurn in another runspace; every event is also put in $Seen as it arrives.
        param($Conversation, [string] $Prompt, $Seen)
        Start-InRunspace {
            param($c, $p, $seen)
            Send-CodexTurn $p -Conversation $c -IncludeDelta | ForEach-Object { $seen.Enqueue($_); $_ }
        } @{ c = $Conversation; p = $Prompt; seen = $Seen }
    }

    function Get-LoggedDeltaCount {
        # The agent message deltas the runtime sent, as the reader saw them (<< lines of the -LogPath file).
        param([string] $LogPath)
        @(Get-Content $LogPath | Where-Object { $_ -match ' << .*"method":"item/agentMessage/delta"' }).Count
    }

    function Receive-TurnJob {
        param($Job, [int] $TimeoutMs)
        Wait-Until { $Job.Handle.IsCompleted } -TimeoutMs $TimeoutMs
        $out = @($Job.PowerShell.EndInvoke($Job.Handle))
        [pscustomobject]@{ Events = $out; Errors = @($Job.PowerShell.Streams.Error) }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Faults of the runtime' {
    BeforeEach { Disconnect-Codex }

    It 'killed (SIGKILL) mid-turn: the turn fails with CodexRuntimeExited, every delta received is kept, and the same conversation goes on in a new runtime' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'one two three four five six seven eight'; Deltas = 8; DeltaDelayMs = 1500 }, @{ Text = 'resumed fine' })
        $log = Join-Path (New-TestDirectory) 'protocol.log'
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $seen = [Collections.Concurrent.ConcurrentQueue[object]]::new()
        $job = Start-CollectedTurn $c 'stream slowly' $seen
        Wait-Until { @($seen | Where-Object Kind -eq 'AgentMessageDelta').Count -ge 2 } -TimeoutMs 30000
        $oldPid = (Get-CodexStatus).ProcessId
        Stop-Process -Id $oldPid -Force   # SIGKILL on Unix

        $result = Receive-TurnJob $job -TimeoutMs 10000
        $result.Errors[-1].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeExited,*'
        $result.Errors[-1].CategoryInfo.Category | Should -Be 'ConnectionError'
        $deltas = @($result.Events | Where-Object Kind -eq 'AgentMessageDelta')
        $deltas.Count | Should -BeGreaterOrEqual 2
        $deltas.Count | Should -Be (Get-LoggedDeltaCount $log) -Because 'every delta the runtime sent before it died reaches the pipeline'
        ($deltas.Delta -join '') | Should -BeLike 'one two*'
        (Get-CodexStatus).RuntimeState | Should -Be 'Exited'

        $next = Send-CodexTurn 'again' -Conversation $c
        $next[-1].Status | Should -Be 'Completed'
        (Get-CodexStatus).ProcessId | Should -Not -Be $oldPid
        $c.State | Should -Be 'Active'
    }

    It 'stopped (SIGSTOP): the turn fails with CodexRuntimeUnresponsive after -ResponseTimeoutSec, the deltas received are kept, the stopped runtime is killed and replaced' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'alpha beta gamma delta epsilon zeta'; Deltas = 6; DeltaDelayMs = 1500 }, @{ Text = 'after the stop' })
        $log = Join-Path (New-TestDirectory) 'protocol.log'
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log -ResponseTimeoutSec 2
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $seen = [Collections.Concurrent.ConcurrentQueue[object]]::new()
        $job = Start-CollectedTurn $c 'stream slowly' $seen
        Wait-Until { @($seen | Where-Object Kind -eq 'AgentMessageDelta').Count -ge 2 } -TimeoutMs 30000
        $oldPid = (Get-CodexStatus).ProcessId
        kill -STOP $oldPid
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            # Silence of 2 s, then a probe unanswered for 2 s: generous for a noisy machine, but far from a hang.
            $result = Receive-TurnJob $job -TimeoutMs 30000
            Write-Host "SIGSTOP detected after $($sw.ElapsedMilliseconds) ms (-ResponseTimeoutSec 2)"
            $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 1.5 -Because 'the runtime gets the whole silence before it is probed'
            $result.Errors[-1].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeUnresponsive,*'
            $result.Errors[-1].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $result.Errors[-1].Exception.Message | Should -Match 'ResponseTimeoutSec'
            $deltas = @($result.Events | Where-Object Kind -eq 'AgentMessageDelta')
            $deltas.Count | Should -BeGreaterOrEqual 2
            $deltas.Count | Should -Be (Get-LoggedDeltaCount $log)
            Wait-Until { -not (Test-ProcessAlive $oldPid) } -TimeoutMs 10000
            (Get-CodexStatus).RuntimeState | Should -Be 'Exited'
        }
        finally {
            if (Test-ProcessAlive $oldPid) { kill -KILL $oldPid }
        }

        $next = Send-CodexTurn 'again' -Conversation $c
        $next[-1].Status | Should -Be 'Completed'
        (Get-CodexStatus).ProcessId | Should -Not -Be $oldPid
    }

    It 'a long quiet turn (a slow model) is probed but not cut short: the runtime answers, the model is not asked' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'late but fine'; DelayMs = 6000 })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ResponseTimeoutSec 1
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $before = (Get-CodexStatus).ProcessId
        $events = Send-CodexTurn 'take your time' -Conversation $c -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -BeNullOrEmpty
        $events[-1].Status | Should -Be 'Completed'
        ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'late but fine'
        $c.Client.ProbeCount | Should -BeGreaterOrEqual 1 -Because 'the watchdog really ran during the silence'
        $mock.Requests.Count | Should -Be 1 -Because 'a probe goes to the runtime, never to the model'
        (Get-CodexStatus).ProcessId | Should -Be $before
    }

    It 'stopped (SIGSTOP) between turns: the next command fails with CodexRuntimeUnresponsive instead of waiting for the request timeout, and the one after works' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'fresh runtime' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ResponseTimeoutSec 2
        $oldPid = (Get-CodexStatus).ProcessId
        kill -STOP $oldPid
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            { New-CodexConversation -WorkingDirectory (New-TestDirectory) -ErrorAction Stop } | Should -Throw -ErrorId 'CodexRuntimeUnresponsive*'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'the watchdog, not the 120 s request timeout, ends the wait'
            Wait-Until { -not (Test-ProcessAlive $oldPid) } -TimeoutMs 10000
        }
        finally {
            if (Test-ProcessAlive $oldPid) { kill -KILL $oldPid }
        }

        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        (Get-CodexStatus).ProcessId | Should -Not -Be $oldPid
        (Send-CodexTurn 'hi' -Conversation $c)[-1].Status | Should -Be 'Completed'
    }

    It 'a slow consumer that stalls the reader (backpressure) is not taken for a hung runtime' {
        $mock = Start-CodexMockProvider -Response @(@{ Delta = 'x'; Deltas = 4000 })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ResponseTimeoutSec 1
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $before = (Get-CodexStatus).ProcessId
        $script:first = $true
        $events = Send-CodexTurn 'flood' -Conversation $c -IncludeDelta -ErrorVariable errs -ErrorAction SilentlyContinue | ForEach-Object {
            # The first event holds the pipeline for 4 s: the turn's buffer fills and the reader waits on us.
            if ($script:first) { $script:first = $false; Start-Sleep -Seconds 4 }
            $_
        }
        $errs | Should -BeNullOrEmpty
        $events[-1].Status | Should -Be 'Completed'
        @($events | Where-Object Kind -eq 'AgentMessageDelta').Count | Should -Be 4000
        (Get-CodexStatus).ProcessId | Should -Be $before
    }

    It 'Disconnect-Codex and Remove-Module leave no runtime process (nor a child of it)' {
        $output = & (Get-PwshCommand)[0] @((Get-PwshCommand) | Select-Object -Skip 1) -NoProfile -NonInteractive -Command @"
Import-Module '$((Get-Module CodexPS).Path)'
`$m = Start-CodexMockProvider
Connect-Codex -MockProvider `$m -WarningAction SilentlyContinue
`$a = (Get-CodexStatus).ProcessId
Disconnect-Codex
Connect-Codex -MockProvider `$m -WarningAction SilentlyContinue
`$b = (Get-CodexStatus).ProcessId
Remove-Module CodexPS
Start-Sleep -Milliseconds 1000
`$children = @(Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$' | Where-Object {
    (Get-Content "/proc/`$(`$_.Name)/stat" -Raw -ErrorAction SilentlyContinue) -match "^\d+ \(.*\) \S (`$a|`$b) " })
"a=`$a alive=`$([bool](Get-Process -Id `$a -ErrorAction SilentlyContinue)) b=`$b alive=`$([bool](Get-Process -Id `$b -ErrorAction SilentlyContinue)) children=`$(`$children.Count)"
"@ 2>&1 | ForEach-Object { "$_" }
        (@($output) -match '^a=\d+ alive=False b=\d+ alive=False children=0$') | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
    }
}

Describe 'Faults of the model endpoint' {
    BeforeAll {
        $p = 'model_providers.codexps_mock.'
        $raw = @(
            'event: response.created', 'data: {"type":"response.created","response":{"id":"resp_raw"}}', ''
            'event: response.output_item.added', 'data: {"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"msg_raw","role":"assistant","content":[]}}', ''
            'event: response.output_text.delta', 'data: {"type":"response.output_text.delta","item_id":"msg_raw","output_index":0,"content_index":0,"delta":"kept delta"}', ''
            'event: response.output_text.delta', 'data: {this is not json', ''
            'garbage line without a field name', 'data: ', ''
        ) -join "`n"
    }

    BeforeEach { Disconnect-Codex }

    It '<Name>: a failed turn with the runtime''s error info, an ErrorRecord, no hang, earlier deltas kept' -TestCases @(
        @{ Name = 'HTTP 500'; Response = @(@{ Status = 500 }); ErrorId = 'CodexInternalServerError'; Category = 'ConnectionError'; Kept = '' }
        @{ Name = 'HTTP 401'; Response = @(@{ Status = 401 }); ErrorId = 'CodexUnauthorized'; Category = 'AuthenticationError'; Kept = '' }
        @{ Name = 'HTTP 429 usage limit'; Response = @(@{ Status = 429; Headers = @{ 'retry-after' = '1' } }); ErrorId = 'CodexUsageLimitExceeded'; Category = 'QuotaExceeded'; Kept = '' }
        @{ Name = 'a connection reset mid-stream'; Response = @(@{ Disconnect = $true; Text = 'kept part one'; Deltas = 3 }); ErrorId = 'CodexOther'; Category = 'NotSpecified'; Kept = 'kept part one' }
        @{ Name = 'malformed SSE'; Response = @(@{ Raw = 'RAW' }); ErrorId = 'CodexOther'; Category = 'NotSpecified'; Kept = 'kept delta' }
    ) {
        param($Name, $Response, $ErrorId, $Category, $Kept)
        $Response = @($Response | ForEach-Object { if ($_.Raw -eq 'RAW') { @{ Raw = $raw } } else { $_ } })
        $mock = Connect-TestMock -Response $Response
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $events = Send-CodexTurn 'fail please' -Conversation $c -IncludeDelta -ErrorVariable errs -ErrorAction SilentlyContinue
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 60
        $events[-1].Kind | Should -Be 'TurnCompleted'
        $events[-1].Status | Should -Be 'Failed'
        $events[-1].Error.ErrorId | Should -Be $ErrorId
        $events[-1].Error.Message | Should -Not -BeNullOrEmpty
        @($events | Where-Object Kind -eq 'Error').Count | Should -BeGreaterOrEqual 1
        $errs.Count | Should -BeGreaterOrEqual 1
        $errs[-1].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $errs[-1].CategoryInfo.Category | Should -Be $Category
        (@($events | Where-Object Kind -eq 'AgentMessageDelta').Delta -join '') | Should -Be $Kept
        if ($Name -eq 'HTTP 401') { $events[-1].Error.HttpStatusCode | Should -Be 401 }

        # The runtime is fine afterwards.
        $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText('recovered'))
        (Send-CodexTurn 'again' -Conversation $c)[-1].Status | Should -Be 'Completed'
    }

    It 'HTTP 429 with retry-after: the runtime waits, retries (request_max_retries 1) and the turn completes; the retry is reported' {
        $mock = Start-CodexMockProvider -Response @(
            @{ Status = 429; Body = '{"error":{"type":"rate_limit_exceeded","message":"slow down (CodexPS mock)"}}'; Headers = @{ 'retry-after' = '1' } }
            @{ Text = 'after the retry' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -Config @{ "${p}request_max_retries" = 1; "${p}stream_max_retries" = 1 }
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'hi' -Conversation $c -ErrorVariable errs -ErrorAction SilentlyContinue
        $events[-1].Status | Should -Be 'Completed'
        $errs | Should -BeNullOrEmpty
        $retry = @($events | Where-Object Kind -eq 'Error')
        $retry.Count | Should -BeGreaterOrEqual 1
        $retry[0].WillRetry | Should -BeTrue
        $posts = @($mock.Requests | Where-Object Path -like '*/responses')
        $posts.Count | Should -Be 2
        ($posts[1].ReceivedAt - $posts[0].ReceivedAt).TotalSeconds | Should -BeGreaterThan 0.8 -Because 'retry-after: 1 was honoured'
    }

    It 'HTTP 500 is retried by the runtime (request_max_retries 1) and the turn completes' {
        $mock = Start-CodexMockProvider -Response @(@{ Status = 500 }, @{ Text = 'after the 500' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -Config @{ "${p}request_max_retries" = 1; "${p}stream_max_retries" = 1 }
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'hi' -Conversation $c
        $events[-1].Status | Should -Be 'Completed'
        @($mock.Requests | Where-Object Path -like '*/responses').Count | Should -Be 2
    }

    It 'a slow drip (one byte a second) keeps the turn running without tripping the watchdog; an interrupt ends it with the deltas kept' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'dripping answer'; Deltas = 3; DripMs = 1000 }, @{ Text = 'next' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ResponseTimeoutSec 1
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $runtimePid = (Get-CodexStatus).ProcessId
        $seen = [Collections.Concurrent.ConcurrentQueue[object]]::new()
        $job = Start-CollectedTurn $c 'drip' $seen
        Wait-Until { @($seen | Where-Object Kind -eq 'AgentMessageDelta').Count -ge 3 } -TimeoutMs 30000
        Start-Sleep -Seconds 4
        $job.Handle.IsCompleted | Should -BeFalse -Because 'the end of the stream is still dripping in'
        (Get-CodexStatus).RuntimeState | Should -Be 'Running'
        (Get-CodexStatus).ProcessId | Should -Be $runtimePid

        Stop-CodexTurn -Conversation $c -Wait
        $result = Receive-TurnJob $job -TimeoutMs 15000
        $result.Events[-1].Kind | Should -Be 'TurnCompleted'
        $result.Events[-1].Status | Should -Be 'Interrupted'
        (@($result.Events | Where-Object Kind -eq 'AgentMessageDelta').Delta -join '') | Should -Be 'dripping answer'
        (Send-CodexTurn 'next' -Conversation $c)[-1].Status | Should -Be 'Completed'
    }

    It 'a quicker drip (a byte every 2 ms) is reassembled into the whole answer' {
        $mock = Connect-TestMock -Response @(@{ Text = 'dripped but whole'; Deltas = 2; DripMs = 2 })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'drip' -Conversation $c -IncludeDelta
        $events[-1].Status | Should -Be 'Completed'
        ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'dripped but whole'
        (@($events | Where-Object Kind -eq 'AgentMessageDelta').Delta -join '') | Should -Be 'dripped but whole'
    }
}

Describe 'Soak: 10 conversations x 30 turns with seeded approvals, declines and interrupts' {
    It 'ends every turn with a terminal event and leaks no process, thread, file handle or memory' -Skip:(-not $IsLinux) {
        $random = [Random]::new(20261128)
        $mock = Connect-TestMock -Response @()
        $ws = New-TestDirectory 'codexps-soak'
        $conversations = @(1..10 | ForEach-Object { New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox ReadOnly })
        $runtimePid = (Get-CodexStatus).ProcessId
        $self = [Diagnostics.Process]::GetCurrentProcess()

        function Get-Figures {
            # The mock keeps every request it received, whole (each carries the conversation so far): not CodexPS's memory.
            Write-Host ("Soak: the mock held {0:0.0} MB of request bodies" -f (($mock.Requests | Measure-Object { $_.Body.Length } -Sum).Sum / 1MB))
            $mock.ClearRequests()
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            $self.Refresh()
            $children = @(Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$' | Where-Object {
                    (Get-Content "/proc/$($_.Name)/stat" -Raw -ErrorAction SilentlyContinue) -match "^\d+ \(.*\) \S $runtimePid " })
            [pscustomobject]@{
                Threads        = $self.Threads.Count
                Handles        = @(Get-ChildItem "/proc/$PID/fd" -ErrorAction SilentlyContinue).Count
                ManagedMB      = [math]::Round([GC]::GetTotalMemory($true) / 1MB, 1)
                RuntimeThreads = @(Get-ChildItem "/proc/$runtimePid/task" -ErrorAction SilentlyContinue).Count
                RuntimeHandles = @(Get-ChildItem "/proc/$runtimePid/fd" -ErrorAction SilentlyContinue).Count
                RuntimeRssMB   = [math]::Round(((Get-Content "/proc/$runtimePid/status" | Where-Object { $_ -like 'VmRSS:*' }) -replace '\D') / 1KB, 1)
                Children       = $children.Count
            }
        }

        $counts = @{ Text = 0; Accepted = 0; Declined = 0; Interrupted = 0 }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $warm = $null
        for ($round = 0; $round -lt 30; $round++) {
            foreach ($c in $conversations) {
                $pick = $random.Next(10)
                if ($pick -lt 6) {
                    $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText("answer $round", 3))
                    $events = @(Send-CodexTurn "text $round" -Conversation $c -IncludeDelta)
                    $events[-1].Status | Should -Be 'Completed'
                    $counts.Text++
                }
                elseif ($pick -lt 9) {
                    $accept = $pick -eq 6
                    $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromCommand("echo soak $round"), [CodexPS.Engine.Mock.MockResponse]::FromText('after the command'))
                    $handler = if ($accept) { { 'Accept' } } else { { 'Decline' } }
                    $events = @(Send-CodexTurn "command $round" -Conversation $c -ApprovalHandler $handler)
                    $events[-1].Status | Should -Be 'Completed'
                    ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be $(if ($accept) { 'Accept' } else { 'Decline' })
                    $command = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
                    $command.Status | Should -Be $(if ($accept) { 'Completed' } else { 'Declined' })
                    if ($accept) { $counts.Accepted++ } else { $counts.Declined++ }
                }
                else {
                    $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::StallResponse())
                    $posts = $mock.Requests.Count
                    $turn = $c.StartTurnAsync("stall $round", $null, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
                    # Interrupt once the model is being asked: the turn is then surely running in the runtime.
                    Wait-Until { $turn.Id -and $mock.Requests.Count -gt $posts } -TimeoutMs 15000
                    Stop-CodexTurn -Conversation $c -Wait
                    $done = $turn.Completion.Wait(15000)
                    $done | Should -BeTrue -Because 'an interrupted turn ends'
                    $turn.Completion.Result.Status | Should -Be 'Interrupted'
                    $turn.StopReading()
                    $counts.Interrupted++
                }
            }

            if ($round -eq 1) { $warm = Get-Figures }
        }

        $sw.Stop()
        Start-Sleep -Milliseconds 500
        $end = Get-Figures
        Write-Host ("Soak: 300 turns in {0:0.0} s ({1} text, {2} accepted commands, {3} declined, {4} interrupted)" -f $sw.Elapsed.TotalSeconds, $counts.Text, $counts.Accepted, $counts.Declined, $counts.Interrupted)
        Write-Host "Soak after 2 rounds: $($warm | ConvertTo-Json -Compress)"
        Write-Host "Soak at the end:     $($end | ConvertTo-Json -Compress)"
        foreach ($kind in $counts.Keys) { $counts[$kind] | Should -BeGreaterThan 0 -Because "the seeded mix includes $kind turns" }
        $end.Children | Should -Be 0 -Because 'no command process outlives its turn'
        ($end.Threads - $warm.Threads) | Should -BeLessOrEqual 10
        ($end.Handles - $warm.Handles) | Should -BeLessOrEqual 20
        ($end.RuntimeHandles - $warm.RuntimeHandles) | Should -BeLessOrEqual 20
        ($end.ManagedMB - $warm.ManagedMB) | Should -BeLessOrEqual 16
        (Get-CodexStatus).ProcessId | Should -Be $runtimePid
        Disconnect-Codex
        Wait-Until { -not (Test-ProcessAlive $runtimePid) } -TimeoutMs 10000
    }
}
