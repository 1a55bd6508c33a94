param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    $script:Patch = "*** Begin Patch`n*** Update File: notes.txt`n@@`n-draft`n+final`n*** End Patch"

    function Invoke-TestRunbook {
        # The runbook under test: a command turn and a patch turn in one conversation of the workspace.
        param([string] $Workspace, [string] $FirstPrompt = 'Show the greeting.')
        $c = New-CodexConversation -WorkingDirectory $Workspace -Sandbox WorkspaceWrite -ApprovalPolicy Never
        $first = Send-CodexTurn $FirstPrompt -Conversation $c -ErrorAction SilentlyContinue -ErrorVariable +script:RunbookErrors
        $second = Send-CodexTurn 'Finalise notes.txt.' -Conversation $c -ErrorAction SilentlyContinue -ErrorVariable +script:RunbookErrors
        [pscustomobject]@{ Conversation = $c; First = $first; Second = $second }
    }

    function New-TestWorkspace {
        $ws = New-TestDirectory 'codexps-cassette-ws'
        'draft' | Set-Content -Path (Join-Path $ws 'notes.txt')
        $ws
    }

    function Start-RecordedRunbook {
        # Records the runbook against the mock standing in for the real endpoint; returns the run and the cassette file.
        $workspace = New-TestWorkspace
        $mock = Start-CodexMockProvider -Response @(
            @{ Command = 'echo hello-from-runbook'; Usage = @{ InputTokens = 120; OutputTokens = 9; CachedInputTokens = 20 }
               RateLimits = @{ PrimaryUsedPercent = 12.5; PrimaryWindowMinutes = 300; PrimaryResetAt = 1893456000 } }
            @{ Text = 'The greeting is hello-from-runbook.'; Phase = 'final_answer' }
            @{ Patch = $script:Patch }
            @{ Text = 'notes.txt is final.'; Phase = 'final_answer' }
        )
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $run = Invoke-TestRunbook -Workspace $workspace
        $file = Join-Path (New-TestDirectory 'codexps-cassette') 'runbook.cassette.json'
        $cassette = Export-CodexCassette -Conversation $run.Conversation -Path $file
        Disconnect-Codex
        Stop-CodexMockProvider $mock
        [pscustomobject]@{ Run = $run; File = $file; Cassette = $cassette; Mock = $mock; Workspace = $workspace }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Cassettes: record once, replay with -Strict' {
    BeforeAll {
        $script:RunbookErrors = @()
        $script:Recorded = Start-RecordedRunbook
    }

    It 'records the runbook: a command turn and a patch turn' {
        $script:RunbookErrors | Should -BeNullOrEmpty
        $script:Recorded.Run.First | Should -HaveRunCommand 'echo hello-from-runbook'
        $script:Recorded.Run.Second | Should -HaveChangedFile 'notes.txt'
        Get-Content (Join-Path $script:Recorded.Workspace 'notes.txt') | Should -Be 'final'
        $script:Recorded.Mock.IsRunning | Should -BeFalse
    }

    It 'writes a readable cassette: each model request with what the model said, usage and rate limits' {
        $json = Get-Content -Raw $script:Recorded.File | ConvertFrom-Json
        $json.format | Should -Be 'codexps.cassette'
        $json.version | Should -Be 1
        $json.conversationId | Should -Be $script:Recorded.Run.Conversation.Id
        $json.requests.Count | Should -Be 4
        $json.requests[0].turn | Should -Be 1
        $json.requests[0].prompt | Should -Be @('Show the greeting.')
        $json.requests[0].output[0].type | Should -Be 'function_call'
        $json.requests[0].output[0].name | Should -Be 'exec_command'
        $json.requests[0].output[0].arguments.cmd | Should -Be 'echo hello-from-runbook'
        $json.requests[0].usage.inputTokens | Should -Be 120
        $json.requests[0].usage.outputTokens | Should -Be 9
        $json.requests[0].usage.cachedInputTokens | Should -Be 20
        $json.requests[0].rateLimits.primary.usedPercent | Should -Be 12.5
        $json.requests[0].rateLimits.primary.windowMinutes | Should -Be 300
        $json.requests[0].rateLimits.primary.resetsAt | Should -Be 1893456000
        $json.requests[1].toolOutputs[0] | Should -Match 'hello-from-runbook'
        $json.requests[1].toolOutputs[0] | Should -Not -Match 'Wall time'
        $json.requests[1].output[0].text | Should -Be 'The greeting is hello-from-runbook.'
        $json.requests[1].output[0].phase | Should -Be 'final_answer'
        $json.requests[1].rateLimits | Should -BeNullOrEmpty
        $json.requests[2].turn | Should -Be 2
        $json.requests[2].prompt | Should -Be @('Finalise notes.txt.')
        $json.requests[2].output[0].type | Should -Be 'custom_tool_call'
        $json.requests[2].output[0].input | Should -Be $script:Patch
        $json.requests[3].toolOutputs[0] | Should -Match 'notes.txt'
        $script:Recorded.Cassette.Requests.Count | Should -Be 4
        $script:Recorded.Cassette.Path | Should -Be $script:Recorded.File
    }

    It 'replays with -Strict in a fresh workspace and runtime: the same commands, changes and answers' {
        $workspace = New-TestWorkspace
        $replay = Start-CodexMockProvider -Cassette $script:Recorded.File -Strict
        Connect-Codex -MockProvider $replay -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $script:RunbookErrors = @()
        $run = Invoke-TestRunbook -Workspace $workspace
        $script:RunbookErrors | Should -BeNullOrEmpty
        $run.First | Should -HaveRunCommand '^echo hello-from-runbook$'
        $run.First | Should -HaveFinalAnswer '^The greeting is hello-from-runbook\.$'
        $run.First | Should -Not -HaveChangedFile 'notes.txt'
        $run.Second | Should -HaveChangedFile 'notes.txt'
        $run.Second | Should -HaveFinalAnswer 'notes.txt is final'
        $run.Second | Should -Not -HaveRunCommand 'echo'
        $run.Second | Should -Not -HaveAskedApproval
        Get-Content (Join-Path $workspace 'notes.txt') | Should -Be 'final'
        ($run.First | Where-Object Kind -EQ 'ItemCompleted' | Where-Object { $_.Item.Type -eq 'CommandExecution' }).Item.Output | Should -Match 'hello-from-runbook'
        $replay.Responder.Played | Should -Be 4
        $replay.Responder.Remaining | Should -Be 0
        $replay.Responder.Divergences | Should -BeNullOrEmpty
        ($run.First | Where-Object Kind -EQ 'TurnCompleted').Status | Should -Be 'Completed'
        # The usage the real endpoint reported is what the replay reports.
        ($run.First | Where-Object Kind -EQ 'TokenUsage' | Select-Object -First 1).Last.InputTokens | Should -Be 120
        Disconnect-Codex
        Stop-CodexMockProvider $replay
    }

    It 'fails the turn with CodexCassetteMismatch when the runbook''s prompt changed (-Strict), showing both sides' {
        $workspace = New-TestWorkspace
        $replay = Start-CodexMockProvider -Cassette $script:Recorded.File -Strict
        Connect-Codex -MockProvider $replay -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory $workspace -Sandbox WorkspaceWrite -ApprovalPolicy Never
        $events = Send-CodexTurn 'Show the farewell.' -Conversation $c -ErrorAction SilentlyContinue -ErrorVariable failure
        ($events | Where-Object Kind -EQ 'TurnCompleted').Status | Should -Be 'Failed'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'CodexCassetteMismatch,*'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $failure[0].Exception.Message | Should -Match "recorded: 'Show the greeting\.'"
        $failure[0].Exception.Message | Should -Match "received: 'Show the farewell\.'"
        $events | Should -Not -HaveRunCommand 'echo'
        $replay.Responder.Divergences[0].ErrorId | Should -Be 'CodexCassetteMismatch'
        $replay.Responder.Played | Should -Be 0
        Disconnect-Codex
        Stop-CodexMockProvider $replay
    }

    It 'without -Strict warns about the changed prompt and carries on' {
        $workspace = New-TestWorkspace
        $replay = Start-CodexMockProvider -Cassette $script:Recorded.File
        Connect-Codex -MockProvider $replay -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory $workspace -Sandbox WorkspaceWrite -ApprovalPolicy Never
        $events = Send-CodexTurn 'Show the farewell.' -Conversation $c -WarningVariable warned -WarningAction SilentlyContinue
        ($events | Where-Object Kind -EQ 'TurnCompleted').Status | Should -Be 'Completed'
        $events | Should -HaveRunCommand 'echo hello-from-runbook'
        ($warned | Where-Object { "$_" -like 'CodexCassetteMismatch*' }) | Should -Not -BeNullOrEmpty
        ($warned -join "`n") | Should -Match "received: 'Show the farewell\.'"
        $replay.Responder.Divergences[0].Failed | Should -BeFalse
        Disconnect-Codex
        Stop-CodexMockProvider $replay
    }

    It 'fails the next model request with CodexCassetteExhausted once the cassette runs out' {
        $workspace = New-TestWorkspace
        $replay = Start-CodexMockProvider -Cassette $script:Recorded.File -Strict
        Connect-Codex -MockProvider $replay -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $script:RunbookErrors = @()
        $run = Invoke-TestRunbook -Workspace $workspace
        $script:RunbookErrors | Should -BeNullOrEmpty
        $extra = Send-CodexTurn 'One more thing.' -Conversation $run.Conversation -ErrorAction SilentlyContinue -ErrorVariable failure
        ($extra | Where-Object Kind -EQ 'TurnCompleted').Status | Should -Be 'Failed'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'CodexCassetteExhausted,*'
        $failure[0].Exception.Message | Should -Match '4 recorded'
        $extra | Should -Not -HaveFinalAnswer '.'
        Disconnect-Codex
        Stop-CodexMockProvider $replay
    }
}

Describe 'Export-CodexCassette' {
    It 'redacts secrets in prompts, commands and headers (redactor plugins, -Redact, known header names)' {
        $workspace = New-TestWorkspace
        $mock = Start-CodexMockProvider -Response @(
            @{ Command = "curl -H 'Authorization: Bearer sk-live-1234567890abcdef' -H 'X-Api-Key: key-abcdef123456' https://example.invalid" }
            @{ Text = 'Done with ticket TICKET-4242.' }
        )
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        Register-CodexPlugin -Redact 'hunter2-[a-z]+'
        try {
            $c = New-CodexConversation -WorkingDirectory $workspace -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $null = Send-CodexTurn 'Deploy with password hunter2-secret and check TICKET-4242' -Conversation $c -ErrorAction SilentlyContinue
            $file = Join-Path (New-TestDirectory) 'secret.cassette.json'
            $null = Export-CodexCassette $c $file -Redact 'TICKET-\d+'
        }
        finally { Unregister-CodexPlugin -Name Redactor }
        $text = Get-Content -Raw $file
        $text | Should -Not -Match 'hunter2-secret'
        $text | Should -Not -Match 'sk-live-1234567890abcdef'
        $text | Should -Not -Match 'key-abcdef123456'
        $text | Should -Not -Match 'TICKET-4242'
        $json = $text | ConvertFrom-Json
        $json.requests[0].prompt[0] | Should -Be 'Deploy with password *** and check ***'
        $json.requests[0].output[0].arguments.cmd | Should -Match "Authorization: \*\*\*'"
        $json.requests[0].output[0].arguments.cmd | Should -Match "X-Api-Key: \*\*\*'"
        $json.masks | Should -Contain '***'
        Disconnect-Codex
        Stop-CodexMockProvider $mock
    }

    It 'refuses an existing file without -Force, replaces it with -Force, and writes nothing with -WhatIf' {
        $mock = Connect-TestMock -Response @(@{ Text = 'one' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'hi' -Conversation $c
        $file = Join-Path (New-TestDirectory) 'c.json'
        Export-CodexCassette $c (Join-Path (Split-Path $file) 'whatif.json') -WhatIf
        Test-Path (Join-Path (Split-Path $file) 'whatif.json') | Should -BeFalse
        'old' | Set-Content $file
        Export-CodexCassette $c $file -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexExportPathExists,*'
        (Get-Content -Raw $file).Trim() | Should -Be 'old'
        (Export-CodexCassette $c $file -Force).Requests.Count | Should -Be 1
        (Get-Content -Raw $file | ConvertFrom-Json).requests[0].output[0].text | Should -Be 'one'
        Disconnect-Codex
        Stop-CodexMockProvider $mock
    }

    It 'reports a conversation without a rollout or an unknown id as an ErrorRecord' {
        $mock = Connect-TestMock -Response @(@{ Text = 'ephemeral' })
        $result = Invoke-Codex 'hi' -WorkingDirectory (New-TestDirectory)
        Export-CodexCassette $result (Join-Path (New-TestDirectory) 'x.json') -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexRolloutNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be $result
        Export-CodexCassette '00000000-0000-0000-0000-000000000000' (Join-Path (New-TestDirectory) 'y.json') -ErrorAction SilentlyContinue -ErrorVariable err2
        $err2[0].FullyQualifiedErrorId | Should -Match '^Codex'
        $err2[0].TargetObject | Should -Be '00000000-0000-0000-0000-000000000000'
        Disconnect-Codex
        Stop-CodexMockProvider $mock
    }
}

Describe 'Start-CodexMockProvider -Cassette with a bad cassette' {
    BeforeAll {
        $script:Dir = New-TestDirectory 'codexps-badcassette'
        function Get-CassetteError([string] $Text) {
            $file = Join-Path $script:Dir ("c" + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.json')
            Set-Content -Path $file -Value $Text -NoNewline
            try { Start-CodexMockProvider -Cassette $file; $null } catch { $_ }
        }
    }

    It 'refuses a file that is not JSON, naming the line' {
        $err = Get-CassetteError "{`n  ""format"": ""codexps.cassette"",`n  ""version"": 1,`n  this is not json`n}"
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexCassetteInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match 'line 4'
        $err.Exception.LineNumber | Should -Be 4
    }

    It 'refuses a truncated cassette, naming the line' {
        $err = Get-CassetteError "{`n  ""format"": ""codexps.cassette"",`n  ""version"": 1,`n  ""requests"": [`n    { ""output"": [ { ""type"": ""message"", ""text"": ""hi"" }"
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexCassetteInvalid,*'
        $err.Exception.Message | Should -Match 'line 5'
        $err.Exception.Message | Should -Match 'cut short'
    }

    It 'refuses a version it does not read, naming the line of the version' {
        $err = Get-CassetteError "{`n  ""format"": ""codexps.cassette"",`n  ""version"": 2,`n  ""requests"": []`n}"
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexCassetteInvalid,*'
        $err.Exception.Message | Should -Match 'line 3'
        $err.Exception.Message | Should -Match 'version 2'
    }

    It 'refuses a request whose output item cannot be replayed, naming its line' {
        $err = Get-CassetteError "{`n  ""format"": ""codexps.cassette"",`n  ""version"": 1,`n  ""requests"": [`n    { ""output"": [`n      { ""type"": ""function_call"" }`n    ] }`n  ]`n}"
        $err.Exception.Message | Should -Match 'line 6'
        $err.Exception.Message | Should -Match 'function_call needs the "name"'
    }

    It 'refuses a missing cassette with CodexCassetteNotFound' {
        $err = try { Start-CodexMockProvider -Cassette (Join-Path $script:Dir 'none.json') } catch { $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexCassetteNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'serves nothing: a bad cassette starts no endpoint' {
        $file = Join-Path $script:Dir 'bad.json'
        Set-Content -Path $file -Value 'not json at all'
        $served = $null
        $err = try { $served = Start-CodexMockProvider -Cassette $file; $null } catch { $_ }
        $served | Should -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexCassetteInvalid,*'
        $err.Exception.Message | Should -Match 'line 1'
        $err.TargetObject | Should -Be $file
    }
}

Describe 'Should operators' {
    BeforeAll {
        Register-CodexShouldOperator
        $script:Mock = Connect-TestMock -Response @(
            @{ Command = 'echo approve-me'; Escalate = $true }
            @{ Text = 'Asked and answered.'; Phase = 'final_answer' }
        )
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Sandbox WorkspaceWrite -ApprovalPolicy OnRequest
        $script:Events = Send-CodexTurn 'run it' -Conversation $c -ApprovalHandler { 'Decline' }
        $script:Result = Invoke-Codex 'again' -WorkingDirectory (New-TestDirectory) -ErrorAction SilentlyContinue
    }

    AfterAll {
        Disconnect-Codex
        Stop-CodexMockProvider $script:Mock
    }

    It 'Register-CodexShouldOperator is idempotent and lists the operators with -PassThru' {
        Register-CodexShouldOperator -PassThru | Should -Be @('HaveRunCommand', 'HaveChangedFile', 'HaveAskedApproval', 'HaveFinalAnswer')
    }

    It '-HaveAskedApproval passes on the events of a turn that asked, and -Not fails naming the request' {
        $script:Events | Should -HaveAskedApproval
        $script:Events | Should -HaveAskedApproval 'approve-me'
        { $script:Events | Should -Not -HaveAskedApproval } | Should -Throw '*but the runtime asked:*approve-me*'
        { $script:Events | Should -HaveAskedApproval 'something-else' } | Should -Throw "*the requests were:*approve-me*"
    }

    It '-HaveRunCommand does not count a declined command and names what ran instead' {
        { $script:Events | Should -HaveRunCommand 'approve-me' } | Should -Throw '*no command ran.*'
        $script:Events | Should -Not -HaveRunCommand 'approve-me'
    }

    It '-HaveFinalAnswer names the answer it saw; works on an Invoke-Codex result' {
        $script:Events | Should -HaveFinalAnswer 'Asked and answered'
        { $script:Events | Should -HaveFinalAnswer 'something else' } | Should -Throw "*but it was 'Asked and answered.'*"
        { $script:Events | Should -Not -HaveFinalAnswer 'Asked' -Because 'the runbook must stay quiet' } | Should -Throw "*because the runbook must stay quiet, but it was*"
        $script:Result | Should -HaveFinalAnswer 'CodexPS mock model'
    }

    It '-HaveChangedFile names the files changed instead, or says none changed' {
        { $script:Events | Should -HaveChangedFile 'notes.txt' } | Should -Throw '*but no file changed.*'
        { $script:Result | Should -HaveAskedApproval } | Should -Throw '*Invoke-Codex result keeps no approval requests*'
    }
}
