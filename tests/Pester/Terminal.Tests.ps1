param([string] $ModulePath)

# Ctrl+C as a terminal sends it. A pwsh runs interactively in a pseudo-terminal (a tmux pane on a tmux server of
# this test's own), the test types into it as a user would and reads what happened from JSON files the pwsh
# writes. The other Ctrl+C tests stop a pipeline through PowerShell's API; only this one sends the signal that a
# terminal sends: SIGINT to its foreground process group.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $pwsh = Get-PwshCommand
    $moduleFile = (Get-Module CodexPS).Path
    $tmux = if ($IsLinux -or $IsMacOS) { Get-Command tmux -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1 }

    function Invoke-Tmux {
        # Runs tmux against this test's own server (its own socket), so no other tmux session is touched.
        param([string[]] $Arguments)
        $out = & $tmux.Source -L $script:socket @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "tmux $($Arguments -join ' ') failed ($LASTEXITCODE): $out" }
        $out
    }

    function Get-Screen {
        try { (Invoke-Tmux @('capture-pane', '-p', '-t', $script:session)) -join "`n" } catch { "(no screen: $_)" }
    }

    function Send-Line {
        # Types a line into the pane and presses Enter.
        param([string] $Text)
        $null = Invoke-Tmux @('send-keys', '-t', $script:session, '-l', $Text)
        $null = Invoke-Tmux @('send-keys', '-t', $script:session, 'Enter')
    }

    function Wait-File {
        param([string] $Path, [int] $TimeoutMs, [string] $What)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while (-not ((Test-Path $Path) -and (Get-Content $Path -Raw))) {
            if ($sw.ElapsedMilliseconds -gt $TimeoutMs) { throw "Timed out after $TimeoutMs ms waiting for $What. Screen:`n$(Get-Screen)" }
            Start-Sleep -Milliseconds 100
        }
        Get-Content $Path -Raw
    }

    function Get-ProcStat {
        # Fields 5 (process group), 6 (session) and 8 (the terminal's foreground group) of /proc/ID/stat.
        param([int] $Id)
        $stat = Get-Content "/proc/$Id/stat" -Raw
        $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        [pscustomobject]@{ Group = [int]$fields[2]; Session = [int]$fields[3]; ForegroundGroup = [int]$fields[5] }
    }
}

Describe 'Ctrl+C in a terminal' {
    BeforeEach {
        $script:socket = 'codexps-test-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:session = 'ctrlc'
        $script:started = @()
    }

    AfterEach {
        if ($tmux) {
            # The pane's pwsh gets SIGHUP and exits; the runtime then sees its stdin close and exits too.
            try { $null = Invoke-Tmux @('kill-server') } catch { Write-Verbose "tmux server already gone: $_" }
        }
        foreach ($id in $script:started) {
            if ($id -and (Test-ProcessAlive $id)) {
                try { Wait-Until { -not (Test-ProcessAlive $id) } -TimeoutMs 5000 } catch { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
            }
        }
    }

    It 'interrupts the running turn, keeps the runtime and its PID, and the next turn runs an approved command (<Way>)' -ForEach @(
        @{ Way = 'tmux send-keys C-c' }
        @{ Way = 'kill -INT to the foreground process group' }
    ) {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'Windows has no pseudo-terminal signals; there the runtime gets a hidden console of its own (ConsoleChild), which cannot be tested on this machine'; return }
        if (-not $tmux) { Set-ItResult -Skipped -Because 'tmux is not installed (the test installs nothing); it needs a pseudo-terminal'; return }

        $dir = New-TestDirectory 'codexps-terminal'
        $workspace = New-Item -ItemType Directory -Path (Join-Path $dir 'workspace') | Select-Object -ExpandProperty FullName
        $setup = Join-Path $dir 'setup.ps1'
        $phase1 = Join-Path $dir 'phase1.ps1'
        $phase2 = Join-Path $dir 'phase2.ps1'

        # Started with -NoExit: the pane's pwsh runs this, then waits at its prompt like any interactive session.
        # Each prompt it draws is counted in prompt.txt, so the test sees the prompt come back.
        Set-Content -Path $setup -Value @'
param([string] $ModulePath, [string] $Dir, [string] $Workspace)
$global:Dir = $Dir
$global:Workspace = $Workspace
$global:prompts = 0
function global:prompt { $global:prompts++; Set-Content -Path (Join-Path $global:Dir 'prompt.txt') -Value $global:prompts; 'PS-CODEXPS-TEST> ' }
Import-Module $ModulePath
# A first turn that streams for a minute (3,000 pieces 20 ms apart), then a command and the answer after it.
$global:mock = Start-CodexMockProvider -Response @(
    @{ Delta = 'tick '; Deltas = 3000; DeltaDelayMs = 20 }
    @{ Command = 'echo approved > after-ctrl-c.txt' }
    @{ Text = 'I wrote after-ctrl-c.txt.' })
Connect-Codex -MockProvider $global:mock -CodexHome (Join-Path $Dir 'home') -WarningAction SilentlyContinue
$global:conversation = New-CodexConversation -WorkingDirectory $Workspace -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
$global:runtimeBefore = (Get-CodexStatus).ProcessId
@{ Pwsh = $PID; Runtime = $global:runtimeBefore } | ConvertTo-Json | Set-Content -Path (Join-Path $Dir 'setup.json')
'@
        Set-Content -Path $phase1 -Value @'
$global:seen = 0
Send-CodexTurn 'Stream for a long time.' -Conversation $global:conversation | ForEach-Object {
    $global:seen++
    if ($global:seen -eq 1) { Set-Content -Path (Join-Path $global:Dir 'running.txt') -Value 'running' }
}
Set-Content -Path (Join-Path $global:Dir 'phase1-ended.txt') -Value 'the turn ended without Ctrl+C'
'@
        Set-Content -Path $phase2 -Value @'
$status = Get-CodexStatus
$result = [ordered]@{
    RuntimeBefore = $global:runtimeBefore
    RuntimeAfterCtrlC = $status.ProcessId
    RuntimeStateAfterCtrlC = "$($status.RuntimeState)"
    RuntimeAliveAfterCtrlC = [bool](Get-Process -Id $global:runtimeBefore -ErrorAction SilentlyContinue)
    InterruptedTurnStatus = "$($global:conversation.LastTurn.Completion.Result.Status)"
}
$events = @(Send-CodexTurn 'Write after-ctrl-c.txt.' -Conversation $global:conversation -ApprovalHandler { 'Accept' })
$result.NextTurnStatus = "$($events[-1].Status)"
$result.CommandStatus = "$(($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item.Status)"
$result.FileWritten = Test-Path (Join-Path $global:Workspace 'after-ctrl-c.txt')
$result.RuntimeAtEnd = (Get-CodexStatus).ProcessId
$result | ConvertTo-Json | Set-Content -Path (Join-Path $global:Dir 'result.json')
'@

        $command = @($pwsh) + @('-NoProfile', '-NoLogo', '-NoExit', '-File', $setup, '-ModulePath', $moduleFile, '-Dir', $dir, '-Workspace', $workspace)
        $null = Invoke-Tmux (@('new-session', '-d', '-s', $script:session, '-x', '200', '-y', '50', '--') + $command)
        $ids = Wait-File (Join-Path $dir 'setup.json') -TimeoutMs 120000 -What 'the pane''s pwsh to connect' | ConvertFrom-Json
        $script:started = @($ids.Pwsh, $ids.Runtime)
        Wait-File (Join-Path $dir 'prompt.txt') -TimeoutMs 30000 -What 'the first prompt' | Out-Null

        # The terminal's foreground group is pwsh's; the runtime is in neither that group nor pwsh's session.
        $pwshStat = Get-ProcStat $ids.Pwsh
        $runtimeStat = Get-ProcStat $ids.Runtime
        $pwshStat.ForegroundGroup | Should -Be $pwshStat.Group
        $runtimeStat.Group | Should -Not -Be $pwshStat.ForegroundGroup
        $runtimeStat.Session | Should -Not -Be $pwshStat.Session

        Send-Line ". '$phase1'"
        Wait-File (Join-Path $dir 'running.txt') -TimeoutMs 60000 -What 'the first turn to start streaming' | Out-Null
        Start-Sleep -Milliseconds 500
        $promptsBefore = [int](Get-Content (Join-Path $dir 'prompt.txt') -Raw)
        if ($Way -eq 'tmux send-keys C-c') {
            $null = Invoke-Tmux @('send-keys', '-t', $script:session, 'C-c')
        }
        else {
            $foreground = (Get-ProcStat $ids.Pwsh).ForegroundGroup
            kill -s INT -- "-$foreground"
            $LASTEXITCODE | Should -Be 0
        }

        # pwsh draws its prompt again: the pipeline was stopped and the session goes on.
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while ([int](Get-Content (Join-Path $dir 'prompt.txt') -Raw) -le $promptsBefore) {
            if ($sw.ElapsedMilliseconds -gt 30000) { throw "The prompt did not come back within 30 s of Ctrl+C. Screen:`n$(Get-Screen)" }
            Start-Sleep -Milliseconds 100
        }
        Join-Path $dir 'phase1-ended.txt' | Should -Not -Exist -Because 'the first turn streams for a minute unless Ctrl+C stops it'
        Test-ProcessAlive $ids.Pwsh | Should -BeTrue
        Test-ProcessAlive $ids.Runtime | Should -BeTrue -Because "SIGINT went to the terminal's foreground group only. Screen:`n$(Get-Screen)"

        Send-Line ". '$phase2'"
        $result = Wait-File (Join-Path $dir 'result.json') -TimeoutMs 120000 -What 'the next turn' | ConvertFrom-Json
        $because = "result: $($result | ConvertTo-Json -Compress)`nScreen:`n$(Get-Screen)"
        $result.RuntimeAfterCtrlC | Should -Be $ids.Runtime -Because $because
        $result.RuntimeStateAfterCtrlC | Should -Be 'Running' -Because $because
        $result.RuntimeAliveAfterCtrlC | Should -BeTrue -Because $because
        $result.InterruptedTurnStatus | Should -Be 'Interrupted' -Because $because
        $result.NextTurnStatus | Should -Be 'Completed' -Because $because
        $result.CommandStatus | Should -Be 'Completed' -Because $because
        $result.FileWritten | Should -BeTrue -Because $because
        $result.RuntimeAtEnd | Should -Be $ids.Runtime -Because $because
        (Get-Content (Join-Path $workspace 'after-ctrl-c.txt') -Raw).Trim() | Should -Be 'approved'
    }
}
