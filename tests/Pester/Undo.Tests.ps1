param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-Bytes {
        # Every file of a folder as name → base64 of its bytes, so two states compare byte for byte.
        param([string] $Path)
        $state = [ordered]@{}
        Get-ChildItem -LiteralPath $Path -File -Recurse | Sort-Object FullName | ForEach-Object {
            $state[$_.FullName.Substring($Path.Length)] = [Convert]::ToBase64String([IO.File]::ReadAllBytes($_.FullName))
        }
        $state | ConvertTo-Json -Compress
    }

    function Write-TestFile {
        param([string] $Path, [string] $Text)
        [IO.File]::WriteAllText($Path, $Text, [Text.UTF8Encoding]::new($false))
    }

    function Get-ModelInput {
        # The user prompts of the last model request, as the model received them.
        param($Mock)
        $body = $Mock.Requests[-1].Body | ConvertFrom-Json -Depth 50
        @($body.input | Where-Object { $_.type -eq 'message' -and $_.role -eq 'user' } | ForEach-Object { $_.content.text })
    }

    # One turn that edits two files, adds one and deletes one (apply_patch, the runtime's own tool).
    $script:FourChanges = @(
        '*** Begin Patch'
        '*** Update File: app.txt'
        '@@'
        ' one'
        '-two'
        '+TWO'
        ' three'
        '*** Update File: lib/util.txt'
        '@@'
        '-alpha'
        '+ALPHA'
        '*** Add File: added.txt'
        '+brand new'
        '+second line'
        '*** Delete File: gone.txt'
        '*** End Patch'
    ) -join "`n"
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Undo-CodexTurn' {
    Context 'a turn that edits two files, adds one and deletes one' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(
                @{ Text = 'first answer' },
                @{ Patch = $FourChanges }, @{ Text = 'changed four files' },
                @{ Text = 'after the undo' })
            $ws = New-TestDirectory
            $null = New-Item -ItemType Directory (Join-Path $ws 'lib')
            Write-TestFile (Join-Path $ws 'app.txt') "one`ntwo`nthree`nfour`nfive`n"
            Write-TestFile (Join-Path $ws 'lib/util.txt') "alpha`nbeta`n"
            Write-TestFile (Join-Path $ws 'gone.txt') "keep me`nplease`n"
            Write-TestFile (Join-Path $ws 'untouched.txt') 'no newline at the end'
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $null = Send-CodexTurn -Conversation $conversation 'first prompt, kept'
            $before = Get-Bytes $ws
            $events = Send-CodexTurn -Conversation $conversation 'second prompt, to be undone'
            $undoneTurn = $events[-1].TurnId
            Wait-Until { $null -ne $conversation.GetDiff($undoneTurn) } -TimeoutMs 30000
            $after = Get-Bytes $ws
        }

        It 'the turn changed the four files' {
            $after | Should -Not -Be $before
            Join-Path $ws 'added.txt' | Should -Exist
            Join-Path $ws 'gone.txt' | Should -Not -Exist
        }

        It '-WhatIf lists the files and the turn and changes nothing' {
            # What-if lines go to the host, which only a transcript records.
            $log = Join-Path (New-TestDirectory) 'whatif.txt'
            $null = Start-Transcript -LiteralPath $log
            try { Undo-CodexTurn -Conversation $conversation -WhatIf | Should -BeNullOrEmpty } finally { $null = Stop-Transcript }
            $out = Get-Content -Raw -LiteralPath $log
            foreach ($name in 'app.txt', 'util.txt', 'added.txt', 'gone.txt') { $out | Should -Match ([regex]::Escape($name)) }
            $out | Should -Match 'Remove as before'
            $out | Should -Match 'Recreate as before'
            $out | Should -Match ([regex]::Escape($undoneTurn))
            Get-Bytes $ws | Should -Be $after
            @(Get-CodexTurn -Conversation $conversation) | Should -HaveCount 2
        }

        It 'asks for confirmation by default (ConfirmImpact High)' {
            $attribute = [CodexPS.Commands.UndoCodexTurnCommand].GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
            $attribute.ConfirmImpact | Should -Be 'High'
            $attribute.SupportsShouldProcess | Should -BeTrue
        }

        It 'puts every file back byte for byte and says what it did' {
            $files = @(Undo-CodexTurn -Conversation $conversation -Confirm:$false -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            Get-Bytes $ws | Should -Be $before
            $files | Should -HaveCount 4
            $files | ForEach-Object { $_ | Should -BeOfType CodexPS.Engine.Undo.CodexUndoFile; $_.Status | Should -Be 'Restored'; $_.TurnIds | Should -Be @($undoneTurn) }
            ($files | Where-Object Path -Like '*added.txt').Action | Should -Be 'Remove'
            ($files | Where-Object Path -Like '*gone.txt').Action | Should -Be 'Recreate'
            ($files | Where-Object Path -Like '*app.txt').Action | Should -Be 'Restore'
            ($files | Out-String) | Should -Match 'Restored\s+Remove\s+1\s+\S*added.txt'
        }

        It 'removes the turn from the history: the next request to the model no longer carries it' {
            @(Get-CodexTurn -Conversation $conversation) | Should -HaveCount 1
            $next = Send-CodexTurn -Conversation $conversation 'third prompt'
            $next[-1].Status | Should -Be 'Completed'
            $prompts = Get-ModelInput $mock
            $prompts | Should -Contain 'first prompt, kept'
            $prompts | Should -Contain 'third prompt'
            $prompts | Should -Not -Contain 'second prompt, to be undone'
            $mock.Requests[-1].Body | Should -Not -Match 'brand new'
        }
    }

    Context 'a file changed since the turn' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Patch = $FourChanges }, @{ Text = 'changed' })
            $ws = New-TestDirectory
            $null = New-Item -ItemType Directory (Join-Path $ws 'lib')
            Write-TestFile (Join-Path $ws 'app.txt') "one`ntwo`nthree`n"
            Write-TestFile (Join-Path $ws 'lib/util.txt') "alpha`nbeta`n"
            Write-TestFile (Join-Path $ws 'gone.txt') "keep me`n"
            $original = Get-Bytes $ws
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $events = Send-CodexTurn -Conversation $conversation 'change things'
            Wait-Until { $null -ne $conversation.GetDiff($events[-1].TurnId) } -TimeoutMs 30000
            # The user edits one file the turn changed (outside the turn's lines) and recreates the deleted one.
            Add-Content -LiteralPath (Join-Path $ws 'app.txt') -Value 'my own line'
            Write-TestFile (Join-Path $ws 'gone.txt') "mine now`n"
            $edited = Get-Bytes $ws
        }

        It 'refuses, names each conflicting file, and changes nothing' {
            $out = Undo-CodexTurn -Conversation $conversation -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $errs | Should -HaveCount 2
            $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'CodexUndoConflict*'; $_.CategoryInfo.Category | Should -Be 'InvalidData' }
            $errs.TargetObject | Should -Be @((Join-Path $ws 'app.txt'), (Join-Path $ws 'gone.txt'))
            Get-Bytes $ws | Should -Be $edited
            @(Get-CodexTurn -Conversation $conversation) | Should -HaveCount 1
        }

        It '-Force leaves only the conflicting files as they are, says which, and undoes the rest' {
            $files = @(Undo-CodexTurn -Conversation $conversation -Force -Confirm:$false -WarningVariable warns -ErrorVariable errs 3>$null)
            $errs | Should -BeNullOrEmpty
            "$warns" | Should -Match 'app\.txt'
            "$warns" | Should -Match 'gone\.txt'
            "$warns" | Should -Not -Match 'util\.txt'
            [IO.File]::ReadAllText((Join-Path $ws 'lib/util.txt')) | Should -Be "alpha`nbeta`n"
            Join-Path $ws 'added.txt' | Should -Not -Exist
            [IO.File]::ReadAllText((Join-Path $ws 'app.txt')) | Should -Be "one`nTWO`nthree`nmy own line$([Environment]::NewLine)"
            [IO.File]::ReadAllText((Join-Path $ws 'gone.txt')) | Should -Be "mine now`n"
            ($files | Where-Object Status -EQ 'Conflict').Path | Should -Be @((Join-Path $ws 'app.txt'), (Join-Path $ws 'gone.txt'))
            @(Get-CodexTurn -Conversation $conversation) | Should -HaveCount 0
        }
    }

    Context 'two turns at once' {
        BeforeAll {
            $first = "*** Begin Patch`n*** Update File: notes.txt`n@@`n a`n-b`n+B`n c`n*** Add File: made.txt`n+made by turn one`n*** End Patch"
            $second = "*** Begin Patch`n*** Update File: notes.txt`n@@`n-a`n+A`n B`n*** Update File: made.txt`n@@`n-made by turn one`n+edited by turn two`n*** Delete File: old.txt`n*** End Patch"
            $mock = Connect-TestMock -Response @(
                @{ Text = 'nothing yet' },
                @{ Patch = $first }, @{ Text = 'turn one done' },
                @{ Patch = $second }, @{ Text = 'turn two done' })
            $ws = New-TestDirectory
            Write-TestFile (Join-Path $ws 'notes.txt') "a`nb`nc`n"
            Write-TestFile (Join-Path $ws 'old.txt') "old`n"
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $null = Send-CodexTurn -Conversation $conversation 'turn zero'
            $original = Get-Bytes $ws
            $one = Send-CodexTurn -Conversation $conversation 'turn one'
            $two = Send-CodexTurn -Conversation $conversation 'turn two'
            Wait-Until { $null -ne $conversation.GetDiff($two[-1].TurnId) } -TimeoutMs 30000
        }

        It 'undoes the given turn and every later one, newest first' {
            [IO.File]::ReadAllText((Join-Path $ws 'notes.txt')) | Should -Be "A`nB`nc`n"
            $files = @(Undo-CodexTurn -Conversation $conversation -Turn $one[-1].TurnId -Confirm:$false -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            Get-Bytes $ws | Should -Be $original
            ($files | Where-Object Path -Like '*notes.txt').TurnIds | Should -Be @($two[-1].TurnId, $one[-1].TurnId)
            @(Get-CodexTurn -Conversation $conversation) | Should -HaveCount 1
        }

        It 'writes CodexTurnNotFound for a turn the conversation does not have' {
            Undo-CodexTurn -Conversation $conversation -Turn 'no-such-turn' -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexTurnNotFound*'
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errs[0].TargetObject | Should -Be 'no-such-turn'
        }
    }

    Context 'a file without a final newline, and tab completion' {
        BeforeAll {
            # The runtime's patch writer ends every file with a newline; undo must still give back the exact bytes.
            $patch = "*** Begin Patch`n*** Update File: plain.txt`n@@`n first`n-second`n+SECOND`n*** End Patch"
            $mock = Connect-TestMock -Response @(@{ Patch = $patch }, @{ Text = 'edited' })
            $ws = New-TestDirectory
            Write-TestFile (Join-Path $ws 'plain.txt') "first`nsecond"
            $original = Get-Bytes $ws
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $events = Send-CodexTurn -Conversation $conversation 'edit the plain file'
            Wait-Until { $null -ne $conversation.GetDiff($events[-1].TurnId) } -TimeoutMs 30000
        }

        It 'completes -Turn with the conversation''s turn ids' {
            $line = "Undo-CodexTurn -ConversationId '$($conversation.Id)' -Turn "
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            $completions.ListItemText | Should -Contain $events[-1].TurnId
            $completions[0].ToolTip | Should -Be 'edit the plain file'
        }

        It 'restores the file byte for byte, without the newline the turn added' {
            [IO.File]::ReadAllText((Join-Path $ws 'plain.txt')) | Should -Be "first`nSECOND`n"
            $null = Undo-CodexTurn -Conversation $conversation -Confirm:$false -ErrorVariable errs
            $errs | Should -BeNullOrEmpty
            Get-Bytes $ws | Should -Be $original
        }
    }

    Context 'a working directory inside a git repository' -Skip:(-not (Get-Command git -ErrorAction SilentlyContinue)) {
        BeforeAll {
            # The runtime writes turn-diff paths relative to the repository root, not to the working directory.
            $mock = Connect-TestMock -Response @(@{ Patch = "*** Begin Patch`n*** Add File: hello.txt`n+hello`n*** End Patch" }, @{ Text = 'added' })
            $root = New-TestDirectory
            git -C $root init -q
            $ws = Join-Path $root 'sub'
            $null = New-Item -ItemType Directory $ws
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $events = Send-CodexTurn -Conversation $conversation 'add a file'
            Wait-Until { $null -ne $conversation.GetDiff($events[-1].TurnId) } -TimeoutMs 30000
        }

        It 'finds the files by the repository root' {
            $conversation.GetDiff($events[-1].TurnId).Diff | Should -Match '(?m)^\+\+\+ b/sub/hello.txt$'
            $files = @(Undo-CodexTurn -Conversation $conversation -Confirm:$false)
            $files.Path | Should -Be (Join-Path $ws 'hello.txt')
            Join-Path $ws 'hello.txt' | Should -Not -Exist
        }
    }

    Context 'a thread the runtime cannot revert' {
        BeforeAll {
            # Only the experimental API can start a thread with the old "legacy" history, which thread/revert refuses.
            $patch = "*** Begin Patch`n*** Update File: kept.txt`n@@`n-before`n+after`n*** End Patch"
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'first' }, @{ Patch = $patch }, @{ Text = 'edited' })
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ExperimentalApi
            $ws = New-TestDirectory
            Write-TestFile (Join-Path $ws 'kept.txt') "before`n"
            $probe = New-CodexConversation -WorkingDirectory $ws
            $start = [System.Text.Json.Nodes.JsonObject]::new()
            $start['cwd'] = $ws; $start['historyMode'] = 'legacy'; $start['sandbox'] = 'workspace-write'; $start['approvalPolicy'] = 'never'
            $answer = $probe.Client.RequestAsync('thread/start', $start, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
            $legacyId = $answer.GetProperty('thread').GetProperty('id').GetString()
            $answer.GetProperty('thread').GetProperty('historyMode').GetString() | Should -Be 'legacy'
            # A first turn sent directly, so the thread is saved and can be resumed into CodexPS.
            $turn = [System.Text.Json.Nodes.JsonNode]::Parse("{`"threadId`":`"$legacyId`",`"input`":[{`"type`":`"text`",`"text`":`"hello`"}]}")
            $null = $probe.Client.RequestAsync('turn/start', $turn, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
            Wait-Until { @(Get-CodexTurn -ConversationId $legacyId -ErrorAction SilentlyContinue | Where-Object Status -EQ 'Completed').Count -eq 1 } -TimeoutMs 30000
            $conversation = Resume-CodexConversation -Id $legacyId
            $events = Send-CodexTurn -Conversation $conversation 'edit kept.txt' -Sandbox WorkspaceWrite
            Wait-Until { $null -ne $conversation.GetDiff($events[-1].TurnId) } -TimeoutMs 30000
        }

        It 'writes CodexUndoNotSupported with the runtime''s answer and puts the files back' {
            [IO.File]::ReadAllText((Join-Path $ws 'kept.txt')) | Should -Be "after`n"
            Undo-CodexTurn -Conversation $conversation -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexUndoNotSupported*'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            "$($errs[0])" | Should -Match 'thread/revert only supports paginated threads'
            $errs[0].TargetObject | Should -Be $conversation.Id
            [IO.File]::ReadAllText((Join-Path $ws 'kept.txt')) | Should -Be "after`n"
            @(Get-CodexTurn -Conversation $conversation) | Should -HaveCount 2
        }
    }

    Context 'after Resume-CodexConversation in a fresh runtime' {
        BeforeAll {
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'kept' }, @{ Patch = $FourChanges }, @{ Text = 'changed' }, @{ Text = 'after' })
            $codexHome = New-TestDirectory 'codexps-home'
            Connect-Codex -MockProvider $mock -CodexHome $codexHome
            $ws = New-TestDirectory
            $null = New-Item -ItemType Directory (Join-Path $ws 'lib')
            Write-TestFile (Join-Path $ws 'app.txt') "one`ntwo`nthree`n"
            Write-TestFile (Join-Path $ws 'lib/util.txt') "alpha`n"
            Write-TestFile (Join-Path $ws 'gone.txt') "bye`nbye`n"
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $null = Send-CodexTurn -Conversation $conversation 'kept prompt'
            $before = Get-Bytes $ws
            $null = Send-CodexTurn -Conversation $conversation 'undone prompt'
            $id = $conversation.Id
            Disconnect-Codex
            Connect-Codex -MockProvider $mock -CodexHome $codexHome
            $resumed = Resume-CodexConversation -Id $id
        }

        It 'reads the turn back from the thread and puts the files back' {
            $resumed.LastDiff | Should -BeNullOrEmpty
            $files = @(Undo-CodexTurn -Conversation $resumed -Confirm:$false -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            $files | Should -HaveCount 4
            Get-Bytes $ws | Should -Be $before
            $null = Send-CodexTurn -Conversation $resumed 'next prompt'
            Get-ModelInput $mock | Should -Not -Contain 'undone prompt'
            Get-ModelInput $mock | Should -Contain 'kept prompt'
        }
    }
}
