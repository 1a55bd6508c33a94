param([string] $ModulePath)

# Runtimes shared by runspaces, and recovery that never moves a conversation to settings its caller did not choose.
# Every runtime the module starts here goes through a wrapper binary ($env:CODEXPS_CODEX_PATH) that logs its pid,
# CODEX_HOME and arguments before it execs the real codex, so no start can go unseen; $HOME points at an empty
# folder, so a runtime that fell back to ~/.codex would show it.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $modulePath = (Get-Module CodexPS).Path
    $realCodex = (Get-CodexStatus).CodexPath
    $saved = @{ HOME = $env:HOME; CODEX_HOME = $env:CODEX_HOME; CODEXPS_CODEX_PATH = $env:CODEXPS_CODEX_PATH }

    $fakeHome = New-TestDirectory 'codexps-fake-userhome'
    $env:HOME = $fakeHome
    Remove-Item Env:CODEX_HOME -ErrorAction Ignore
    $spawnLog = Join-Path (New-TestDirectory 'codexps-spawns') 'spawns.tsv'
    $env:CODEXPS_TEST_SPAWN_LOG = $spawnLog
    if (-not $IsWindows) {
        $wrapper = Join-Path (New-TestDirectory 'codexps-wrapper') 'codex'
        Set-Content -Path $wrapper -Value @"
#!/bin/sh
printf '%s\t%s\t%s\n' "`$`$" "`$CODEX_HOME" "`$*" >> "`$CODEXPS_TEST_SPAWN_LOG"
exec '$realCodex' "`$@"
"@
        chmod +x $wrapper
        $env:CODEXPS_CODEX_PATH = $wrapper
    }

    function Get-Spawn {
        # Every app-server the module started so far, as the wrapper saw it.
        if (-not (Test-Path $spawnLog)) { return @() }
        @(Get-Content $spawnLog | Where-Object { $_ -match "`tapp-server" } | ForEach-Object {
                $pidText, $codexHome, $arguments = $_ -split "`t", 3
                [pscustomobject]@{
                    Pid = [int]$pidText
                    CodexHome = $codexHome
                    Provider = if ($arguments -match 'model_provider="([^"]+)"') { $Matches[1] } else { $null }
                    BaseUrl = if ($arguments -match 'base_url="([^"]+)"') { $Matches[1] } else { $null }
                }
            })
    }

    function Assert-ChosenRuntime {
        # Each runtime started since $Since ran with a CODEX_HOME and a mock the caller chose, never the user's own.
        param([int] $Since, [string[]] $Homes, [string[]] $BaseUrls)
        $spawns = @(Get-Spawn | Select-Object -Skip $Since)
        foreach ($spawn in $spawns) {
            $spawn.CodexHome | Should -BeIn $Homes -Because "runtime $($spawn.Pid) must run in a CODEX_HOME the caller chose"
            $spawn.CodexHome | Should -Not -BeLike "$fakeHome*"
            $spawn.Provider | Should -Be 'codexps_mock' -Because "runtime $($spawn.Pid) must use the caller's mock, never the openai provider"
            $spawn.BaseUrl | Should -BeIn $BaseUrls
            if ($IsLinux -and (Test-Path "/proc/$($spawn.Pid)/environ")) {
                # The live process itself says the same.
                $environment = [IO.File]::ReadAllText("/proc/$($spawn.Pid)/environ") -split "`0"
                $environment | Should -Contain "CODEX_HOME=$($spawn.CodexHome)"
                ([IO.File]::ReadAllText("/proc/$($spawn.Pid)/cmdline") -split "`0") | Should -Contain 'model_provider="codexps_mock"'
            }
        }
        $spawns
    }

    function Get-Permission {
        # Every sandbox mode and approval policy the runtime told the model in one request: in its permission
        # instructions and in the turn context it sends along. A runtime that resumed a thread with its own defaults
        # adds a `read-only` one there.
        param($Request)
        [pscustomobject]@{
            Sandbox = @([regex]::Matches($Request.Body, 'sandbox_mode(?:` is `|\\?"\s*:\s*\\?")([a-z-]+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
            Approval = @([regex]::Matches($Request.Body, 'approval_policy(?:` is `|\\?"\s*:\s*\\?")([a-z-]+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
        }
    }

    function Invoke-InRunspace {
        # Runs a script in a runspace of its own (which stays open) and waits for it; returns output and errors.
        param([scriptblock] $Script, [hashtable] $Arguments = @{}, $Runspace, [int] $TimeoutMs = 120000)
        $ps = [powershell]::Create()
        if ($Runspace) { $ps.Runspace = $Runspace } else { $null = $ps.AddScript("Import-Module '$modulePath'").AddStatement() }
        $null = $ps.AddScript($Script.ToString())
        foreach ($key in $Arguments.Keys) { $null = $ps.AddParameter($key, $Arguments[$key]) }
        $handle = $ps.BeginInvoke()
        Wait-Until { $handle.IsCompleted } -TimeoutMs $TimeoutMs
        [pscustomobject]@{ Output = @($ps.EndInvoke($handle)); Errors = @($ps.Streams.Error); Runspace = $ps.Runspace; PowerShell = $ps }
    }
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
    $env:HOME = $saved.HOME
    if ($saved.CODEX_HOME) { $env:CODEX_HOME = $saved.CODEX_HOME }
    if ($saved.CODEXPS_CODEX_PATH) { $env:CODEXPS_CODEX_PATH = $saved.CODEXPS_CODEX_PATH } else { Remove-Item Env:CODEXPS_CODEX_PATH -ErrorAction Ignore }
    Remove-Item Env:CODEXPS_TEST_SPAWN_LOG -ErrorAction Ignore
}

Describe 'Runspaces share runtimes' -Skip:$IsWindows {
    BeforeEach { Disconnect-Codex -All }

    It 'four ForEach-Object -Parallel runspaces, each with its own CODEX_HOME and mock, all pass, ten times over' {
        $before = @(Get-Spawn).Count
        $results = foreach ($round in 1..10) {
            1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                $task = $_
                Import-Module $using:modulePath
                $ErrorActionPreference = 'Stop'
                $mock = $null
                try {
                    $mock = Start-CodexMockProvider -Response @(@{ Text = "answer $task" })
                    $codexHome = Join-Path ([IO.Path]::GetTempPath()) ('codexps-home-rs-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
                    Connect-Codex -CodexHome $codexHome -MockProvider $mock -WarningAction SilentlyContinue
                    $c = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
                    $last = Send-CodexTurn "task $task" -Conversation $c -WarningAction SilentlyContinue | Select-Object -Last 1
                    $requests = @($mock.Requests | Where-Object { $_.Body -match "task $task" }).Count
                    Disconnect-Codex
                    [pscustomobject]@{ Task = $task; Status = "$($last.Status)"; Requests = $requests; Home = $codexHome; BaseUrl = $mock.BaseUrl; Rollout = $c.Path; Error = $null }
                }
                catch {
                    [pscustomobject]@{ Task = $task; Status = 'Failed'; Requests = 0; Home = $null; BaseUrl = $null; Rollout = $null; Error = "$($_.FullyQualifiedErrorId): $_" }
                }
                finally {
                    if ($mock) { Stop-CodexMockProvider -MockProvider $mock }
                }
            }
        }
        $results.Count | Should -Be 40
        @($results | Where-Object Status -NE 'Completed') | Should -BeNullOrEmpty -Because (($results | Where-Object Error).Error -join "`n")
        # Every model request reached the endpoint that runspace configured.
        @($results | Where-Object Requests -LT 1) | Should -BeNullOrEmpty
        foreach ($result in $results) {
            $result.Rollout | Should -BeLike (Join-Path $result.Home 'sessions*')
        }
        # One runtime per runspace and round, each with its own home and mock; none restarted, none with defaults.
        $spawns = Assert-ChosenRuntime -Since $before -Homes $results.Home -BaseUrls $results.BaseUrl
        $spawns.Count | Should -Be 40
        ($spawns.CodexHome | Sort-Object -Unique).Count | Should -Be 40
    }

    It 'two runspaces with different -CodexHome each find their rollout in their own home' {
        $results = 1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:modulePath
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'stored' })
            $codexHome = Join-Path ([IO.Path]::GetTempPath()) ('codexps-home-own-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            Connect-Codex -CodexHome $codexHome -MockProvider $mock -WarningAction SilentlyContinue
            $c = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
            $null = Send-CodexTurn 'keep me' -Conversation $c -WarningAction SilentlyContinue
            Disconnect-Codex
            Stop-CodexMockProvider -MockProvider $mock
            [pscustomobject]@{ Home = $codexHome; Id = $c.Id; Rollout = $c.Path }
        }
        $results.Count | Should -Be 2
        $results[0].Home | Should -Not -Be $results[1].Home
        foreach ($result in $results) {
            $own = @(Get-ChildItem -Path (Join-Path $result.Home 'sessions') -Recurse -File | Where-Object Name -Like "*$($result.Id)*")
            $own.Count | Should -Be 1
            $own[0].FullName | Should -Be $result.Rollout
            $other = ($results | Where-Object Home -NE $result.Home).Home
            @(Get-ChildItem -Path (Join-Path $other 'sessions') -Recurse -File | Where-Object Name -Like "*$($result.Id)*") | Should -BeNullOrEmpty
        }
        Test-Path (Join-Path $fakeHome '.codex') | Should -BeFalse
    }

    It 'a Disconnect-Codex in one runspace never stops the runtime another runspace holds' {
        $mockA = Start-CodexMockProvider -Response @(@{ Text = 'A one' }, @{ Text = 'A two' })
        $homeA = New-TestDirectory 'codexps-home'
        Connect-Codex -MockProvider $mockA -CodexHome $homeA -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $pidA = (Get-CodexStatus).ProcessId
        $other = Invoke-InRunspace {
            param($homeB)
            $mockB = Start-CodexMockProvider -Response @(@{ Text = 'B' })
            Connect-Codex -MockProvider $mockB -CodexHome $homeB -WarningAction SilentlyContinue
            $b = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
            $null = Send-CodexTurn 'from B' -Conversation $b -WarningAction SilentlyContinue
            Disconnect-Codex
            (Get-CodexStatus).ProcessId
        } @{ homeB = (New-TestDirectory 'codexps-home') }
        $other.Errors | Should -BeNullOrEmpty
        Test-ProcessAlive $pidA | Should -BeTrue
        (Get-CodexStatus).ProcessId | Should -Be $pidA
        # The other runspace's Disconnect-Codex let go of its own runtime only; this one goes on.
        (Send-CodexTurn 'still here' -Conversation $c | Select-Object -Last 1).Status | Should -Be 'Completed'
        $other.PowerShell.Dispose()
    }

    It 'a runspace that used another''s runtime and closes leaves it running; Connect-Codex with equal settings joins it' {
        $mock = Start-CodexMockProvider
        $codexHome = New-TestDirectory 'codexps-home'
        $status = Connect-Codex -MockProvider $mock -CodexHome $codexHome -PassThru -WarningAction SilentlyContinue
        $joined = Invoke-InRunspace {
            param($mock, $codexHome, $dir)
            Connect-Codex -MockProvider $mock -CodexHome $codexHome -WorkingDirectory $dir -PassThru -WarningAction SilentlyContinue
        } @{ mock = $mock; codexHome = $codexHome; dir = (Get-Location).ProviderPath }
        $joined.Errors | Should -BeNullOrEmpty
        $joined.Output[0].ProcessId | Should -Be $status.ProcessId
        $joined.PowerShell.Runspace.Dispose()
        $joined.PowerShell.Dispose()
        Start-Sleep -Milliseconds 500
        Test-ProcessAlive $status.ProcessId | Should -BeTrue
        (Get-CodexStatus).ProcessId | Should -Be $status.ProcessId
    }
}

Describe 'Recovery keeps the conversation''s own runtime' -Skip:$IsWindows {
    BeforeEach { Disconnect-Codex -All }

    It 'a runtime killed after its settings were removed by another runspace gives CodexRuntimeDisconnected, and nothing starts' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'first' }, @{ Stall = $true })
        $codexHome = New-TestDirectory 'codexps-home'
        # Another runspace connects the runtime and starts the conversation; this one only uses it.
        $owner = Invoke-InRunspace {
            param($mock, $codexHome)
            Connect-Codex -MockProvider $mock -CodexHome $codexHome -WarningAction SilentlyContinue
            $c = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
            $null = Send-CodexTurn 'first' -Conversation $c -WarningAction SilentlyContinue
            $c
        } @{ mock = $mock; codexHome = $codexHome }
        $owner.Errors | Should -BeNullOrEmpty
        $c = $owner.Output[0]
        $runtimePid = $c.Client.ProcessId

        # A turn of this session runs on it while the owner lets go: the runtime stays for that turn.
        $turn = Start-InRunspace { param($c) Send-CodexTurn 'stall' -Conversation $c -ErrorAction SilentlyContinue -ErrorVariable e -WarningAction SilentlyContinue | Out-Null; $e } @{ c = $c }
        Wait-Until { $c.ActiveTurn -and $c.ActiveTurn.Id } -TimeoutMs 30000
        $gone = Invoke-InRunspace { Disconnect-Codex } -Runspace $owner.Runspace
        $gone.Errors | Should -BeNullOrEmpty
        Test-ProcessAlive $runtimePid | Should -BeTrue -Because 'another runspace''s turn is still running on it'

        $spawned = @(Get-Spawn).Count
        Stop-Process -Id $runtimePid -Force
        Wait-Until { $turn.Handle.IsCompleted } -TimeoutMs 15000
        ($turn.PowerShell.EndInvoke($turn.Handle) | ForEach-Object FullyQualifiedErrorId) | Should -BeLike 'CodexRuntimeExited*'
        Wait-Until { $c.State -eq 'Detached' } -TimeoutMs 10000

        Send-CodexTurn 'are you there?' -Conversation $c -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeDisconnected,*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err[0].Exception.Message | Should -Match $c.Id
        $err[0].TargetObject.Id | Should -Be $c.Id
        Start-Sleep -Milliseconds 500
        @(Get-Spawn).Count | Should -Be $spawned -Because 'no runtime may start with settings other than the conversation''s'
        $owner.PowerShell.Dispose()
        $turn.PowerShell.Dispose()
    }

    It 'a runtime killed first and disconnected after gives CodexRuntimeDisconnected too' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'first' })
        $owner = Invoke-InRunspace {
            param($mock, $codexHome)
            Connect-Codex -MockProvider $mock -CodexHome $codexHome -WarningAction SilentlyContinue
            New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
        } @{ mock = $mock; codexHome = (New-TestDirectory 'codexps-home') }
        $c = $owner.Output[0]
        $c.Client.KillRuntime()
        Wait-Until { $c.State -eq 'Detached' } -TimeoutMs 10000
        $null = Invoke-InRunspace { Disconnect-Codex } -Runspace $owner.Runspace
        $spawned = @(Get-Spawn).Count
        Send-CodexTurn 'hello?' -Conversation $c -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeDisconnected,*'
        @(Get-Spawn).Count | Should -Be $spawned
        $owner.PowerShell.Dispose()
    }

    It 'every recovery path restarts the conversation''s own runtime, never one with defaults' {
        $before = @(Get-Spawn).Count
        $mock = Start-CodexMockProvider -Response @(1..8 | ForEach-Object { @{ Text = "answer $_" } })
        $codexHome = New-TestDirectory 'codexps-home'
        Connect-Codex -MockProvider $mock -CodexHome $codexHome -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'one' -Conversation $c

        # 1. The next turn on a conversation whose runtime was killed.
        $c.Client.KillRuntime()
        Wait-Until { $c.State -eq 'Detached' } -TimeoutMs 10000
        (Send-CodexTurn 'two' -Conversation $c | Select-Object -Last 1).Status | Should -Be 'Completed'

        # 2. A command that needs no conversation (the runtime restarts by itself).
        Stop-Process -Id (Get-CodexStatus).ProcessId -Force
        Wait-Until { (Get-CodexStatus).RuntimeState -eq 'Exited' } -TimeoutMs 10000
        Get-CodexModel | Should -Not -BeNullOrEmpty
        (Send-CodexTurn 'two-b' -Conversation $c | Select-Object -Last 1).Status | Should -Be 'Completed'

        # 3. The same conversation used by id from another runspace after another kill.
        $c.Client.KillRuntime()
        Wait-Until { $c.State -eq 'Detached' } -TimeoutMs 10000
        $other = Invoke-InRunspace { param($id) Send-CodexTurn 'three' -ConversationId $id -WarningAction SilentlyContinue | Select-Object -Last 1 } @{ id = $c.Id }
        $other.Errors | Should -BeNullOrEmpty
        "$($other.Output[-1].Status)" | Should -Be 'Completed'
        $other.PowerShell.Dispose()

        # 4. After this runspace's settings moved on: the conversation keeps its own runtime's settings.
        $mock2 = Start-CodexMockProvider -Response @(@{ Text = 'other' })
        $home2 = New-TestDirectory 'codexps-home'
        Connect-Codex -Name second -MockProvider $mock2 -CodexHome $home2 -WarningAction SilentlyContinue
        $c.Client.KillRuntime()
        Wait-Until { $c.State -eq 'Detached' } -TimeoutMs 10000
        (Send-CodexTurn 'four' -Conversation $c | Select-Object -Last 1).Status | Should -Be 'Completed'
        $c.Client.CodexHome | Should -Be $codexHome

        $spawns = Assert-ChosenRuntime -Since $before -Homes @($codexHome, $home2) -BaseUrls @($mock.BaseUrl, $mock2.BaseUrl)
        $spawns.Count | Should -Be 6
        @($spawns | Where-Object CodexHome -EQ $codexHome).Count | Should -Be 5
        Test-Path (Join-Path $fakeHome '.codex') | Should -BeFalse
        # Every turn's requests went to the mock this runtime was connected with.
        foreach ($prompt in 'one', 'two', 'two-b', 'three', 'four') {
            @($mock.Requests | Where-Object { $_.Body -match "`"text`":`"$prompt`"" }).Count | Should -BeGreaterOrEqual 1 -Because "turn '$prompt' went to its runtime's mock"
        }
        @($mock2.Requests).Count | Should -Be 0
    }

    It 'a recovered conversation keeps its sandbox and approval policy in what the model is sent' {
        $ws = New-TestDirectory
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'before' }, @{ Command = 'echo recovered > recovered.txt' }, @{ Text = 'after' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
        $null = Send-CodexTurn 'before the crash' -Conversation $c
        $before = Get-Permission $mock.Requests[-1]
        $before.Sandbox | Should -Be @('workspace-write')
        $before.Approval | Should -Not -BeNullOrEmpty
        $count = $mock.Requests.Count

        $c.Client.KillRuntime()
        Wait-Until { $c.State -eq 'Detached' } -TimeoutMs 10000
        $events = @(Send-CodexTurn 'after the crash' -Conversation $c -ApprovalHandler { 'Accept' } -WarningAction SilentlyContinue)
        foreach ($request in @($mock.Requests | Select-Object -Skip $count)) {
            $after = Get-Permission $request
            $after.Sandbox | Should -Be $before.Sandbox -Because 'the resumed thread keeps its sandbox (a cold resume would add read-only)'
            $after.Approval | Should -Be $before.Approval
        }
        $c.Sandbox | Should -Be 'WorkspaceWrite'
        $c.ApprovalPolicy | Should -Be 'Untrusted'
        # The command approved after the recovery runs to its end in the workspace sandbox.
        $command = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
        $command.Status | Should -Be 'Completed'
        Join-Path $ws 'recovered.txt' | Should -Exist
        $events[-1].Status | Should -Be 'Completed'
    }
}

Describe 'One runtime per name, started once' -Skip:$IsWindows {
    BeforeEach { Disconnect-Codex -All }

    It 'concurrent first commands after a kill share one start, and no runspace sees a raw .NET exception' {
        $mock = Start-CodexMockProvider
        $codexHome = New-TestDirectory 'codexps-home'
        Connect-Codex -MockProvider $mock -CodexHome $codexHome -WarningAction SilentlyContinue
        foreach ($attempt in 1..3) {
            Stop-Process -Id (Get-CodexStatus).ProcessId -Force
            Wait-Until { (Get-CodexStatus).RuntimeState -eq 'Exited' } -TimeoutMs 10000
            $spawned = @(Get-Spawn).Count
            $gate = [Threading.ManualResetEventSlim]::new($false)
            $runs = 1..2 | ForEach-Object {
                Start-InRunspace {
                    param($gate)
                    $null = $gate.Wait(30000)
                    $models = @(Get-CodexModel -ErrorVariable e1 -ErrorAction SilentlyContinue)
                    $status = Get-CodexStatus -ErrorVariable e2 -ErrorAction SilentlyContinue
                    [pscustomobject]@{ Models = $models.Count; Pid = $status.ProcessId; State = $status.RuntimeState; Errors = @($e1) + @($e2) | ForEach-Object { "$($_.FullyQualifiedErrorId) $($_.Exception.GetType().FullName)" } }
                } @{ gate = $gate }
            }
            Start-Sleep -Milliseconds 300
            $gate.Set()
            $results = foreach ($run in $runs) {
                Wait-Until { $run.Handle.IsCompleted } -TimeoutMs 60000
                $run.PowerShell.EndInvoke($run.Handle)
                @($run.PowerShell.Streams.Error) | Should -BeNullOrEmpty
                $run.PowerShell.Dispose()
            }
            $results.Errors | Should -BeNullOrEmpty
            $results.Models | Should -Not -Contain 0
            $results.State | Should -Be @('Running', 'Running')
            $results[0].Pid | Should -Be $results[1].Pid
            (Get-CodexStatus).ProcessId | Should -Be $results[0].Pid
            $started = @(Assert-ChosenRuntime -Since $spawned -Homes @($codexHome) -BaseUrls @($mock.BaseUrl))
            $started.Count | Should -Be 1 -Because 'both commands share one start'
            $started[0].Pid | Should -Be $results[0].Pid
        }
    }
}
