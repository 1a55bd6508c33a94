param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $pwsh = Get-PwshCommand
    $moduleFile = (Get-Module CodexPS).Path

    function Read-Jsonl { param([string] $Path) Get-Content -LiteralPath $Path | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -Depth 64 } }

    function Invoke-Child {
        # A separate pwsh process: nothing of this session's module state (runtime, mocks) is there.
        param([string] $Script)
        $file = Join-Path (New-TestDirectory 'codexps-child') 'child.ps1'
        Set-Content -LiteralPath $file -Value ("Import-Module '$moduleFile'`n" + $Script)
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Start-CodexRecording and Stop-CodexRecording' {
    BeforeAll {
        $mock = Connect-TestMock -Response @(
            @{ Text = 'First recorded answer.'; Deltas = 3 }
            @{ Text = 'Second answer.' }
            @{ Text = 'Third answer.' }
            @{ Text = 'Fourth answer.' }
        )
        $dir = New-TestDirectory 'codexps-rec'
        $status = Get-CodexStatus
    }

    It 'writes session metadata, then every event with method, params and time, flushed as it happens (JSONL)' {
        $c = New-CodexConversation -WorkingDirectory $dir
        $recording = $c | Start-CodexRecording -Path (Join-Path $dir '{conversationId}.jsonl') -PassThru
        $recording | Should -BeOfType CodexPS.Engine.Persistence.CodexRecording
        $recording.Path | Should -Be (Join-Path $dir "$($c.Id).jsonl")
        $recording.Format | Should -Be 'Jsonl'
        $recording.IsRecording | Should -BeTrue
        $c.Recordings | Should -HaveCount 1
        $events = @($c | Send-CodexTurn 'Record this.')

        # Flushed per event: the file holds the whole turn before the recording is stopped.
        Wait-Until { @(Read-Jsonl $recording.Path | Where-Object method -EQ 'turn/completed').Count -eq 1 }
        $stopped = @($c | Stop-CodexRecording)
        $stopped | Should -HaveCount 1
        $stopped[0].IsRecording | Should -BeFalse
        $stopped[0].StoppedAt | Should -Not -BeNullOrEmpty
        $c.Recordings | Should -HaveCount 0

        $lines = @(Read-Jsonl $recording.Path)
        $head = $lines[0]
        $head.schema | Should -Be 'codexps.recording/1'
        $head.type | Should -Be 'session'
        $head.session.id | Should -Be $status.SessionId
        $head.session.id | Should -Match '^[0-9a-f]{8}-'
        [datetimeoffset]$head.session.timestamp | Should -BeGreaterThan ([datetimeoffset]::UtcNow.AddMinutes(-5))
        $head.session.cwd | Should -Be $dir
        $head.session.originator | Should -Be 'codexps'
        $head.session.runtimeVersion | Should -Be $status.CodexVersion
        $head.session.moduleVersion | Should -Be $status.ModuleVersion
        $head.session.PSObject.Properties.Name | Should -Contain 'instructions'
        $head.session.instructions | Should -BeNullOrEmpty
        $head.conversation.id | Should -Be $c.Id
        $head.conversation.rolloutPath | Should -Be $c.Path

        $recorded = $lines | Select-Object -Skip 1
        $recorded.Count | Should -Be $stopped[0].EventCount
        $recorded.method | Should -Contain 'turn/started'
        $recorded.method | Should -Contain 'item/completed'
        @($recorded | Where-Object method -EQ 'item/agentMessage/delta').Count | Should -Be 3
        $recorded | ForEach-Object { $_.type | Should -Be 'event'; $_.timestamp | Should -Not -BeNullOrEmpty; $_.params | Should -Not -BeNull }
        ($recorded | Where-Object method -EQ 'turn/completed').params.turn.id | Should -Be $events[-1].TurnId
        (Get-Content -Raw $recording.Path) | Should -Match 'First recorded answer\.'
    }

    It 'formats recordings as a table' {
        $c = New-CodexConversation -WorkingDirectory $dir
        $recording = $c | Start-CodexRecording -Path (Join-Path $dir 'table.jsonl') -PassThru
        $text = $recording | Out-String -Width 200
        $text | Should -Match 'ConversationId\s+Format\s+Events\s+Recording\s+Path'
        $text | Should -Match ([regex]::Escape($c.Id) + '\s+Jsonl\s+\d+\s+True\s+.*table\.jsonl')
        $c | Stop-CodexRecording | Out-Null
    }

    It 'writes one Json document only when the recording stops' {
        $c = New-CodexConversation -WorkingDirectory $dir
        $path = Join-Path $dir 'doc.json'
        Start-CodexRecording -ConversationId $c.Id -Path $path
        $c | Send-CodexTurn 'Into a document.' | Out-Null
        $path | Should -Not -Exist
        $stopped = Stop-CodexRecording -ConversationId $c.Id -Path $path
        $stopped.Format | Should -Be 'Json'
        $doc = Get-Content -Raw $path | ConvertFrom-Json -Depth 64
        $doc.schema | Should -Be 'codexps.recording/1'
        $doc.session.id | Should -Be $status.SessionId
        $doc.conversation.id | Should -Be $c.Id
        $doc.events.method | Should -Contain 'turn/completed'
        $doc.events.Count | Should -Be $stopped.EventCount
    }

    It 'refuses an unknown placeholder before anything starts, and a second recording to the same file' {
        $c = New-CodexConversation -WorkingDirectory $dir
        { $c | Start-CodexRecording -Path (Join-Path $dir '{nope}.jsonl') -ErrorAction Stop } | Should -Throw -ErrorId 'CodexRecordingTemplateInvalid,CodexPS.Commands.StartCodexRecordingCommand'
        $c.Recordings | Should -HaveCount 0
        $c | Start-CodexRecording -Path (Join-Path $dir 'twice.jsonl')
        $c | Start-CodexRecording -Path (Join-Path $dir 'twice.jsonl') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexRecordingInProgress,CodexPS.Commands.StartCodexRecordingCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err[0].TargetObject | Should -Be (Join-Path $dir 'twice.jsonl')
        $other = New-CodexConversation -WorkingDirectory $dir
        $c | Stop-CodexRecording | Out-Null
        $other | Start-CodexRecording -Path (Join-Path $dir 'twice.jsonl') -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'CodexRecordingPathExists,CodexPS.Commands.StartCodexRecordingCommand'
        Stop-CodexRecording -Conversation $other -Path (Join-Path $dir 'none.jsonl') -ErrorVariable err3 -ErrorAction SilentlyContinue
        $err3[0].FullyQualifiedErrorId | Should -Be 'CodexRecordingNotFound,CodexPS.Commands.StopCodexRecordingCommand'
    }

    It 'records with -RecordTo on New-CodexConversation and expands every placeholder' {
        $c = New-CodexConversation -WorkingDirectory $dir -RecordTo (Join-Path $dir 'new/{sessionId}/{date}/{conversationId}-{timestamp}.jsonl')
        $c.Recordings | Should -HaveCount 1
        $path = $c.Recordings[0].Path
        $date = [datetime]::UtcNow.ToString('yyyy-MM-dd')
        $path | Should -Match ([regex]::Escape((Join-Path $dir "new/$($status.SessionId)/$date/$($c.Id)-")) + '\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.jsonl$')
        $c | Send-CodexTurn 'Recorded from the start.' | Out-Null
        $c.Recordings | Should -HaveCount 1 -Because 'New-CodexConversation -RecordTo records until Stop-CodexRecording'
        $c | Stop-CodexRecording | Out-Null
        (Read-Jsonl $path).method | Should -Contain 'turn/completed'
    }

    It 'records one turn with -RecordTo on Send-CodexTurn and stops afterwards' {
        $c = New-CodexConversation -WorkingDirectory $dir
        $c | Send-CodexTurn 'Only this turn.' -RecordTo (Join-Path $dir 'turn-{conversationId}.json') | Out-Null
        $c.Recordings | Should -HaveCount 0
        $doc = Get-Content -Raw (Join-Path $dir "turn-$($c.Id).json") | ConvertFrom-Json -Depth 64
        @($doc.events | Where-Object method -EQ 'turn/started').Count | Should -Be 1
        { $c | Send-CodexTurn 'x' -RecordTo '{bad' -ErrorAction Stop } | Should -Throw -ErrorId 'CodexRecordingTemplateInvalid,CodexPS.Commands.SendCodexTurnCommand'
    }
}

Describe 'Recordings hold no secrets and end with the runtime' {
    It 'never writes an API key given to Connect-CodexAccount' {
        $mock = Connect-TestMock -Response @(@{ Text = 'after login' })
        $dir = New-TestDirectory 'codexps-rec'
        $plain = 'sk-codexps-rec-' + [guid]::NewGuid().ToString('N')
        $c = New-CodexConversation -WorkingDirectory $dir -RecordTo (Join-Path $dir 'secret.jsonl')
        $json = Start-CodexRecording -Conversation $c -Path (Join-Path $dir 'secret.json') -PassThru
        Connect-CodexAccount -ApiKey (ConvertTo-SecureString $plain -AsPlainText -Force) -Confirm:$false | Out-Null
        $c | Send-CodexTurn 'hello' | Out-Null
        $c | Stop-CodexRecording | Out-Null
        (Get-Content -Raw (Join-Path (Get-CodexStatus).CodexHome 'auth.json')) | Should -Match ([regex]::Escape($plain)) -Because 'the key did reach the runtime'
        (Get-Content -Raw (Join-Path $dir 'secret.jsonl')) | Should -Not -Match ([regex]::Escape($plain))
        (Get-Content -Raw $json.Path) | Should -Not -Match ([regex]::Escape($plain))
        (Get-Content -Raw $json.Path) | Should -Not -Match 'sk-codexps'
    }

    It 'writes a Json recording when the runtime is disconnected' {
        $mock = Connect-TestMock -Response @(@{ Text = 'bye' })
        $dir = New-TestDirectory 'codexps-rec'
        $c = New-CodexConversation -WorkingDirectory $dir -RecordTo (Join-Path $dir 'end.json')
        $c | Send-CodexTurn 'hello' | Out-Null
        Join-Path $dir 'end.json' | Should -Not -Exist
        Disconnect-Codex
        Join-Path $dir 'end.json' | Should -Exist
        (Get-Content -Raw (Join-Path $dir 'end.json') | ConvertFrom-Json).events.method | Should -Contain 'turn/completed'
    }

}

Describe 'Resume-CodexConversation' {
    BeforeAll {
        $codexHome = New-TestDirectory 'codexps-home'
        $dir = New-TestDirectory 'codexps-resume'
        $mock = Start-CodexMockProvider -Response @(
            @{ Text = 'Noted.' }
            @{ Text = 'Answer after resume by id.' }
            @{ Text = 'Answer after resume by rollout.' }
            @{ Text = 'Answer after resume by recording.' }
        )
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $original = New-CodexConversation -WorkingDirectory $dir -RecordTo (Join-Path $dir 'resume.jsonl')
        $original | Send-CodexTurn 'The secret word is PELICAN-42.' | Out-Null
        $original | Stop-CodexRecording | Out-Null
        $rollout = $original.Path
        Disconnect-Codex
    }

    It 'resumes by id in a fresh runtime, and the model receives the earlier history' {
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $resumed = Resume-CodexConversation -Id $original.Id
        $resumed | Should -BeOfType CodexPS.Engine.Conversations.CodexConversation
        $resumed.Id | Should -Be $original.Id
        $last = $resumed | Send-CodexTurn 'What was the secret word?' | Select-Object -Last 1
        $last.Status | Should -Be 'Completed'
        $mock.Requests.Count | Should -Be 2
        $mock.Requests[1].Body | Should -Match 'PELICAN-42'
        $mock.Requests[1].Body | Should -Match 'What was the secret word'
        Disconnect-Codex
    }

    It 'resumes from the runtime''s own rollout file (thread id from its session_meta line)' {
        Get-Content -LiteralPath $rollout -TotalCount 1 | ConvertFrom-Json | ForEach-Object { $_.type; $_.payload.id } | Should -Be @('session_meta', $original.Id)
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $resumed = Get-Item -LiteralPath $rollout | Resume-CodexConversation
        $resumed.Id | Should -Be $original.Id
        $resumed | Send-CodexTurn 'And again?' | Out-Null
        $mock.Requests[2].Body | Should -Match 'PELICAN-42'
        Disconnect-Codex
    }

    It 'resumes from a CodexPS recording (conversation id from its metadata)' {
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $resumed = Resume-CodexConversation -Path (Join-Path $dir 'resume.jsonl')
        $resumed.Id | Should -Be $original.Id
        $resumed | Send-CodexTurn 'Once more?' | Out-Null
        $mock.Requests[3].Body | Should -Match 'PELICAN-42'
        # Already loaded: the same live object comes back.
        (Resume-CodexConversation -Id $original.Id) | Should -Be $resumed
    }

    It 'reports a thread the runtime does not know as CodexConversationNotFound naming the file' {
        $foreign = Join-Path $dir 'foreign.jsonl'
        (Get-Content -LiteralPath (Join-Path $dir 'resume.jsonl')) -replace [regex]::Escape($original.Id), '01999999-0000-7000-8000-000000000000' | Set-Content -LiteralPath $foreign
        Resume-CodexConversation -Path $foreign -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexConversationNotFound,CodexPS.Commands.ResumeCodexConversationCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be $foreign
        $err[0].Exception.Message | Should -Match ([regex]::Escape($foreign))
        Resume-CodexConversation -Id '01999999-0000-7000-8000-000000000000' -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'CodexConversationNotFound,CodexPS.Commands.ResumeCodexConversationCommand'
        $err2[0].TargetObject | Should -Be '01999999-0000-7000-8000-000000000000'
    }
}

Describe 'Resume-CodexConversation refuses bad files before anything is sent' {
    BeforeAll {
        $dir = New-TestDirectory 'codexps-bad'
        $header = '{"type":"session","schema":"codexps.recording/1","session":{"id":"s"},"conversation":{"id":"01999999-0000-7000-8000-000000000001"}}'
        $event = '{"type":"event","seq":1,"timestamp":"2026-01-01T00:00:00.0000000+00:00","method":"turn/started","params":{"turn":{"id":"t"}}}'
        function New-BadFile { param([string] $Name, [string] $Text) $p = Join-Path $dir $Name; [IO.File]::WriteAllText($p, $Text); $p }
        $cases = @(
            @{ Name = 'missing'; Path = (Join-Path $dir 'missing.jsonl'); ErrorId = 'CodexResumeFileNotFound'; Category = 'ObjectNotFound'; Line = $null }
            @{ Name = 'empty'; Path = (New-BadFile 'empty.jsonl' ''); ErrorId = 'CodexResumeFileEmpty'; Category = 'InvalidData'; Line = $null }
            @{ Name = 'not JSON'; Path = (New-BadFile 'notjson.jsonl' "$header`n$event`nnot json at all`n"); ErrorId = 'CodexResumeLineInvalid'; Category = 'InvalidData'; Line = 3 }
            @{ Name = 'unknown schema'; Path = (New-BadFile 'schema.jsonl' ($header -replace 'recording/1', 'recording/7') + "`n"); ErrorId = 'CodexResumeSchemaUnknown'; Category = 'InvalidData'; Line = 1 }
            @{ Name = 'truncated (strict)'; Path = (New-BadFile 'cut.jsonl' "$header`n$event`n$($event.Substring(0, 40))"); ErrorId = 'CodexResumeLineTruncated'; Category = 'InvalidData'; Line = 3; Strict = $true }
        )
    }

    BeforeEach { Disconnect-Codex }

    It 'reports <Name> with its ErrorId, the file as target and the line, and starts no runtime' -ForEach @(
        @{ Name = 'missing' }, @{ Name = 'empty' }, @{ Name = 'not JSON' }, @{ Name = 'unknown schema' }, @{ Name = 'truncated (strict)' }
    ) {
        $case = $cases | Where-Object Name -EQ $Name
        $out = Resume-CodexConversation -Path $case.Path -Strict:([bool]$case.Strict) -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be "$($case.ErrorId),CodexPS.Commands.ResumeCodexConversationCommand"
        $err[0].CategoryInfo.Category | Should -Be $case.Category
        $err[0].TargetObject | Should -Be $case.Path
        $err[0].Exception.Message | Should -Match ([regex]::Escape($case.Path))
        if ($case.Line) {
            $err[0].Exception.LineNumber | Should -Be $case.Line
            $err[0].Exception.Message | Should -Match "Line $($case.Line)\b"
        }
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
    }

    It 'reports a truncated last line and resumes from the lines before it' {
        $mock = Connect-TestMock -Response @(@{ Text = 'one' }, @{ Text = 'two' })
        $c = New-CodexConversation -WorkingDirectory $dir -RecordTo (Join-Path $dir 'crashed.jsonl')
        $c | Send-CodexTurn 'Remember OSTRICH-7.' | Out-Null
        $c | Stop-CodexRecording | Out-Null
        # A crash mid-write leaves half a line at the end.
        $text = [IO.File]::ReadAllText((Join-Path $dir 'crashed.jsonl'))
        [IO.File]::WriteAllText((Join-Path $dir 'crashed.jsonl'), $text + $event.Substring(0, 50))
        $lineCount = @(Get-Content (Join-Path $dir 'crashed.jsonl')).Count
        $resumed = Resume-CodexConversation -Path (Join-Path $dir 'crashed.jsonl') -ErrorVariable err -ErrorAction SilentlyContinue
        $resumed.Id | Should -Be $c.Id
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexResumeLineTruncated,CodexPS.Commands.ResumeCodexConversationCommand'
        $err[0].TargetObject | Should -Be (Join-Path $dir 'crashed.jsonl')
        $err[0].Exception.LineNumber | Should -Be $lineCount
        $resumed | Send-CodexTurn 'What do you remember?' | Out-Null
        $mock.Requests[1].Body | Should -Match 'OSTRICH-7'
        Resume-CodexConversation -Path (Join-Path $dir 'crashed.jsonl') -Strict -ErrorVariable strictErr -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $strictErr[0].FullyQualifiedErrorId | Should -Be 'CodexResumeLineTruncated,CodexPS.Commands.ResumeCodexConversationCommand'
    }
}

Describe 'Resume-CodexConversation -Replay' {
    BeforeAll {
        $dir = New-TestDirectory 'codexps-replay'
        $mock = Connect-TestMock -Response @(
            @{ Command = 'echo accepted > accepted.txt' }
            @{ Command = 'echo declined > declined.txt' }
            @{ Text = 'Both handled.'; Deltas = 2 }
        )
        $c = New-CodexConversation -WorkingDirectory $dir -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
        $live = @($c | Send-CodexTurn 'run two commands' -RecordTo (Join-Path $dir 'replay.jsonl') -ApprovalHandler {
                if ($_.Command -match 'accepted') { 'Accept' } else { 'Decline' } })
        $requestsAfterRecording = $mock.Requests.Count
        Join-Path $dir 'accepted.txt' | Should -Exist
        Remove-Item (Join-Path $dir 'accepted.txt')
    }

    It 'writes the recorded events as the same typed objects' {
        $replayed = @(Resume-CodexConversation -Path (Join-Path $dir 'replay.jsonl') -Replay)
        $liveTurn = @($live | Where-Object TurnId)
        # Every live event comes back, in the same order, with the same type, kind, turn, time and payload.
        $next = 0
        foreach ($evt in $liveTurn) {
            while ($next -lt $replayed.Count -and -not ($replayed[$next].Method -eq $evt.Method -and $replayed[$next].Raw -eq $evt.Raw)) { $next++ }
            $next | Should -BeLessThan $replayed.Count -Because "$($evt.Kind) $($evt.Method) was recorded"
            $match = $replayed[$next]
            $match.GetType() | Should -Be $evt.GetType()
            $match.Kind | Should -Be $evt.Kind
            $match.TurnId | Should -Be $evt.TurnId
            $match.ConversationId | Should -Be $c.Id
            $match.Timestamp | Should -Be $evt.Timestamp
            $next++
        }
        $replayed[-1] | Should -BeOfType CodexPS.Engine.Protocol.TurnCompletedEvent
        $replayed[-1].Status | Should -Be 'Completed'
        $replayed | Where-Object Kind -Match 'Delta' | Should -BeNullOrEmpty
        @(Resume-CodexConversation -Path (Join-Path $dir 'replay.jsonl') -Replay -IncludeDelta | Where-Object Kind -EQ 'AgentMessageDelta').Count | Should -Be 2
    }

    It 'replays approvals with their recorded decisions and answers nothing, runs nothing, calls no runtime' {
        $requestsBefore = $mock.Requests.Count
        $replayed = @(Resume-CodexConversation -Path (Join-Path $dir 'replay.jsonl') -Replay)
        $approvals = @($replayed | Where-Object Kind -EQ 'ApprovalRequested')
        $approvals | Should -HaveCount 2
        $approvals[0] | Should -BeOfType CodexPS.Engine.Protocol.ApprovalRequestedEvent
        $approvals[0].Request.Command | Should -Match 'accepted'
        $approvals[0].Decision | Should -Be 'Accept'
        $approvals[0].Request.DecidedBy | Should -Be 'ApprovalHandler'
        $approvals[1].Decision | Should -Be 'Decline'
        $approvals[1].Summary | Should -Match 'Decline'
        Join-Path $dir 'accepted.txt' | Should -Not -Exist
        Join-Path $dir 'declined.txt' | Should -Not -Exist
        $mock.Requests.Count | Should -Be $requestsBefore
        $mock.Requests.Count | Should -Be $requestsAfterRecording
    }

    It 'starts no runtime in a fresh process' {
        $path = Join-Path $dir 'replay.jsonl'
        $output = Invoke-Child @"
`$events = @(Resume-CodexConversation -Path '$path' -Replay)
'count=' + `$events.Count
'types=' + ((`$events | ForEach-Object { `$_.GetType().Name } | Sort-Object -Unique) -join ',')
'decisions=' + ((`$events | Where-Object Kind -EQ ApprovalRequested | ForEach-Object Decision) -join ',')
'state=' + (Get-CodexStatus).RuntimeState
"@
        $output | Should -Contain 'state=NotStarted'
        $output | Should -Contain 'decisions=Accept,Decline'
        ($output | Where-Object { $_ -like 'types=*' }) | Should -Match 'ApprovalRequestedEvent.*ItemEvent.*TurnCompletedEvent.*TurnStartedEvent'
        Join-Path $dir 'accepted.txt' | Should -Not -Exist
    }

    It 'refuses to replay a rollout file' {
        Resume-CodexConversation -Path $c.Path -Replay -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexReplayNeedsRecording,CodexPS.Commands.ResumeCodexConversationCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be $c.Path
    }
}
