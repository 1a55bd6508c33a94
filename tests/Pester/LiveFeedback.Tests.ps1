param([string] $ModulePath)

# Live feedback: an interactive host sees progress and the answer's text while it streams (Information stream,
# PSHOST tag); the output stream gets only the events asked for, and a non-interactive host gets none of it.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    # Turns as a person would run them: a command that needs approval (Yes) and a streamed answer, then Invoke-Codex.
    $script:Scenario = {
        $mock = Start-CodexMockProvider -Response @(
            @{ Command = 'echo live > live.txt' },
            @{ Text = "All done`e[2J`rnow"; Deltas = 3 },
            @{ Text = 'Looking at the repo'; Deltas = 4 })
        Connect-Codex -MockProvider $mock -CodexHome $CodexHome
        $conversation = New-CodexConversation -WorkingDirectory $Workspace -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
        $events = @($conversation | Send-CodexTurn 'Do the thing')
        "kinds=$(($events.Kind | Sort-Object -Unique) -join ',')"
        "count=$($events.Count)"
        "strings=$(@($events | Where-Object { $_ -is [string] }).Count)"
        $result = Invoke-Codex 'Answer briefly' -WorkingDirectory $Workspace
        "final=$($result.FinalResponse)"
        Disconnect-Codex; Stop-CodexMockProvider
    }.ToString()
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Live feedback in an interactive host' {
    BeforeAll {
        $script:ws = New-TestDirectory
        # Choice 0 is Yes for the command's approval.
        $script:run = Invoke-ScriptedHost -Scenario $Scenario -Arguments @{ CodexHome = (New-TestDirectory 'codexps-home'); Workspace = $ws } -Choices 0
        $script:progress = @($run.Shown | Where-Object { $_ -like 'progress|*' })
        $script:text = -join @($run.Shown | Where-Object { $_ -like 'text|*' } | ForEach-Object { $_.Substring(5) })
    }

    It 'ran without errors and the approved command ran' {
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Contain 'final=Looking at the repo'
        Join-Path $ws 'live.txt' | Should -Exist
    }

    It 'names what the agent does now in the progress bar and clears it at the end' {
        $statuses = @($progress | ForEach-Object { ($_ -split '\|', 3)[2] })
        $statuses | Should -Contain 'Thinking'
        $statuses | Should -Contain 'Writing the answer'
        $statuses | Where-Object { $_ -like 'Running: *echo live*' } | Should -Not -BeNullOrEmpty
        $statuses | Where-Object { $_ -like 'Waiting for approval: CommandExecution*echo live*' } | Should -Not -BeNullOrEmpty
        # Waiting for approval shows while the user is asked; once answered, the command is named again.
        $wait = [array]::FindIndex([string[]] $statuses, [Predicate[string]] { $args[0] -like 'Waiting for approval*' })
        $running = [array]::FindLastIndex([string[]] $statuses, [Predicate[string]] { $args[0] -like 'Running: *' })
        $wait | Should -BeLessThan $running
        # Each of the two commands ends its progress with a Completed record; the only other Completed records take the
        # bar down just before the answer's text is written.
        $shown = @($run.Shown)
        $ends = @(for ($i = 0; $i -lt $shown.Count; $i++) {
                if ($shown[$i] -like 'progress|Completed|*' -and -not ($i + 1 -lt $shown.Count -and $shown[$i + 1] -like 'text|?*')) { $i }
            })
        $ends.Count | Should -Be 2
        $progress[-1] | Should -BeLike 'progress|Completed|*'
        # Progress is written when the activity changes, not for each piece of text.
        $progress.Count | Should -BeLessThan 30
    }

    It 'writes no text while a progress bar is up (the console host would redraw the bar after every piece, asking the terminal where the cursor is)' {
        $barUp = $false
        $texts = 0
        foreach ($entry in $run.Shown) {
            if ($entry -like 'progress|*') { $barUp = $entry -notlike 'progress|Completed|*' }
            elseif ($entry -like 'text|?*') { $texts++; $barUp | Should -BeFalse -Because "'$entry' was written while the bar was up" }
        }
        $texts | Should -BeGreaterThan 4
    }

    It 'shows the answer text while it streams, without -IncludeDelta' {
        $text | Should -Match 'Looking at the repo'
        $info = @($run.Information | Where-Object { $_.Tags -contains 'CodexPS.AgentMessage' })
        # Streamed in pieces (4 deltas for the first answer), not written once at the end.
        @($info | Where-Object { $_.Text -and 'Looking at the repo'.Contains($_.Text) -and $_.Text -ne 'Looking at the repo' }).Count | Should -BeGreaterOrEqual 2
        $info | ForEach-Object { $_.Tags | Should -Contain 'PSHOST' }
    }

    It 'keeps the output stream clean: no deltas, no text strings' {
        $run.Output | Should -Contain 'strings=0'
        ($run.Output | Where-Object { $_ -like 'kinds=*' }) | Should -Not -Match 'Delta'
    }

    It 'neutralises escape sequences and control characters from the model' {
        $text | Should -Not -Match "`e"
        $text | Should -Not -Match "`r"
        $text | Should -Match ([regex]::Escape("All done$([char]0x241B)[2J$([char]0x240D)now"))
    }
}

Describe 'Live feedback after plugins' {
    It 'streams the redacted text, never the secret' {
        $scenario = {
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'the key is sk-live0123456789abcdef, keep it'; Deltas = 6 })
            Connect-Codex -MockProvider $mock -CodexHome $CodexHome
            $null = Register-CodexPlugin -Redact 'sk-[a-z0-9]+' -Confirm:$false
            (Invoke-Codex 'what is the key' -WorkingDirectory $Workspace).FinalResponse
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ CodexHome = (New-TestDirectory 'codexps-home'); Workspace = (New-TestDirectory) }
        $run.Errors | Should -BeNullOrEmpty
        $shown = -join @($run.Shown | Where-Object { $_ -like 'text|*' } | ForEach-Object { $_.Substring(5) })
        $shown | Should -Match 'the key is'
        $shown | Should -Not -Match 'sk-live'
        $run.Output[0] | Should -Not -Match 'sk-live'
    }
}

Describe 'Live feedback with -IncludeDelta' {
    It 'shows progress but leaves the text to the deltas written to the pipeline' {
        $scenario = {
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'pieces for the caller'; Deltas = 4 })
            Connect-Codex -MockProvider $mock -CodexHome $CodexHome
            $events = @(New-CodexConversation -WorkingDirectory $Workspace | Send-CodexTurn 'go' -IncludeDelta)
            "deltas=$(@($events | Where-Object Kind -EQ 'AgentMessageDelta').Count)"
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ CodexHome = (New-TestDirectory 'codexps-home'); Workspace = (New-TestDirectory) }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Contain 'deltas=4'
        @($run.Information | Where-Object { $_.Tags -contains 'CodexPS.AgentMessage' }).Count | Should -Be 0
        @($run.Shown | Where-Object { $_ -like 'progress|*' }).Count | Should -BeGreaterThan 1
    }
}

Describe 'No live feedback in a non-interactive host' {
    BeforeAll {
        $script:mock = Connect-TestMock -Response @(@{ Text = 'Quiet answer'; Deltas = 3 }, @{ Text = 'Second quiet answer'; Deltas = 3 })
    }

    It 'writes no information, no progress and no deltas' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$((Get-Module CodexPS).Path)'; New-CodexConversation -WorkingDirectory '$(New-TestDirectory)' | Send-CodexTurn 'hi'")
        # A runspace of this process shares the module state, so the turn runs on the runtime connected above.
        $events = @($ps.Invoke())
        $events[-1].Kind | Should -Be 'TurnCompleted'
        @($events | Where-Object Kind -Like '*Delta').Count | Should -Be 0
        $ps.Streams.Information.Count | Should -Be 0
        $ps.Streams.Progress.Count | Should -Be 0
        $ps.Dispose()
    }

    It 'writes nothing to the information stream of this -NonInteractive pwsh either' {
        $result = Invoke-Codex 'again' -WorkingDirectory (New-TestDirectory) -InformationVariable info
        $result.FinalResponse | Should -Be 'Second quiet answer'
        $info.Count | Should -Be 0
    }
}
