param([string] $ModulePath)

# Pools of runtimes (Connect-Codex -Size / -Uri with several). Every "machine" is a runtime listening on 127.0.0.1
# with its own CODEX_HOME (or one shared folder, as shared storage), its model the mock endpoint.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    $tokenFile = Join-Path (New-TestDirectory 'codexps-token') 'token'
    $plainToken = 'cap-' + [guid]::NewGuid().ToString('N')
    [IO.File]::WriteAllText($tokenFile, $plainToken)
    $script:remotes = [System.Collections.Generic.List[object]]::new()

    function Start-Remotes {
        param($Mock, [int] $Count, [string] $CodexHome)
        foreach ($i in 1..$Count) {
            $r = Start-RemoteRuntime -Mock $Mock -TokenFile $tokenFile -CodexHome $CodexHome
            $script:remotes.Add($r)
            $r
        }
    }

    function Get-MemberProcess {
        # The process behind a remote member, found by the address it listens on.
        param([string] $Member)
        $uri = (Get-CodexStatus -Runtime $Member).CodexPath
        ($script:remotes | Where-Object { $_.Uri.ToString() -eq $uri }).Process
    }

    function Start-Turns {
        # One Send-CodexTurn per conversation, each in a runspace of its own, so they run at once.
        param($Conversations, [string] $Prompt)
        foreach ($c in $Conversations) {
            $run = Start-InRunspace -Script {
                param($c, $p)
                $events = @(Send-CodexTurn -Conversation $c -Prompt $p -ErrorVariable e -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue)
                [pscustomobject]@{ Last = $events[-1]; Errors = @($e | ForEach-Object { $_.FullyQualifiedErrorId }); Messages = @($e | ForEach-Object { "$_" }); Warnings = @($w | ForEach-Object { "$_" }) }
            } -Arguments @{ c = $c; p = "$Prompt $($c.Id)" }
            $run | Add-Member -NotePropertyName Conversation -NotePropertyValue $c -PassThru | Add-Member -NotePropertyName Member -NotePropertyValue $c.Runtime -PassThru
        }
    }

    function Connect-RemotePool {
        # A pool of three remote members; -CodexHome: one folder all three share (shared storage).
        param($Mock, [string] $Pool, [string] $CodexHome, [switch] $Failover)
        $remote = @(Start-Remotes -Mock $Mock -Count 3 -CodexHome $CodexHome)
        Connect-Codex -Name $Pool -Uri $remote.Uri -TokenPath $tokenFile -Failover:$Failover -WarningAction SilentlyContinue
        # Member N is the Nth address: its process is known before any turn runs, so killing it costs no time.
        $remote
    }

    function Invoke-FanoutMemberKilled {
        # Six inputs fanned out over a pool of three remote members, all at once; member 2 is killed while they run.
        # Returns the results, the errors (id and target) and the warnings of the one Invoke-Codex.
        param($Mock, [string] $Pool, [string] $CodexHome, [switch] $Failover)
        $remote = @(Connect-RemotePool -Mock $Mock -Pool $Pool -CodexHome $CodexHome -Failover:$Failover)
        $run = Start-InRunspace -Script {
            param($pool, $dir)
            $results = @(1..6 | ForEach-Object { [pscustomobject]@{ Repo = "repo-$_" } } |
                Invoke-Codex -Runtime $pool -ThrottleLimit 6 -Prompt { "bump $($_.Repo)" } -WorkingDirectory $dir -ErrorVariable e -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue)
            [pscustomobject]@{ Results = $results; Errors = @($e | ForEach-Object { [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Target = $_.TargetObject; Message = "$_" } }); Warnings = @($w | ForEach-Object { "$_" }) }
        } -Arguments @{ pool = $Pool; dir = (New-TestDirectory) }
        Wait-Until { @($Mock.Requests).Count -ge 6 } -TimeoutMs 30000
        $remote[1].Process.Kill($true)
        Wait-Until { $run.Handle.IsCompleted } -TimeoutMs 90000
        $out = $run.PowerShell.EndInvoke($run.Handle) | Select-Object -Last 1
        $run.PowerShell.Dispose()
        $out
    }

    function Invoke-MemberKilled {
        # A pool of three remote members with six conversations, a turn running on each; member 2 is killed while
        # they run. -CodexHome: one folder all three share (shared storage). Returns each turn's outcome.
        param($Mock, [string] $Pool, [string] $CodexHome, [switch] $Failover)
        $remote = @(Connect-RemotePool -Mock $Mock -Pool $Pool -CodexHome $CodexHome -Failover:$Failover)
        $dir = New-TestDirectory
        $conversations = @(1..6 | ForEach-Object { New-CodexConversation -Runtime $Pool -WorkingDirectory $dir })
        $runs = @(Start-Turns -Conversations $conversations -Prompt 'work')
        Wait-Until { @($Mock.Requests).Count -ge 6 } -TimeoutMs 30000
        $remote[1].Process.Kill($true)
        Receive-Turns -Runs $runs
    }

    function Receive-Turns {
        param($Runs, [int] $TimeoutMs = 90000)
        Wait-Until { @($Runs | Where-Object { -not $_.Handle.IsCompleted }).Count -eq 0 } -TimeoutMs $TimeoutMs
        foreach ($run in $Runs) {
            $out = $run.PowerShell.EndInvoke($run.Handle) | Select-Object -Last 1
            $run.PowerShell.Dispose()
            $out | Add-Member -NotePropertyName Member -NotePropertyValue $run.Member -PassThru | Add-Member -NotePropertyName Conversation -NotePropertyValue $run.Conversation -PassThru
        }
    }
}

AfterAll {
    Disconnect-Codex -All
    foreach ($r in $script:remotes) {
        if (-not $r.Process.HasExited) {
            & kill -CONT $r.Process.Id 2>$null
            $r.Process.Kill($true)
        }
    }
    Stop-CodexMockProvider
}

Describe 'A pool of 3 remote runtimes and 1 local one' {
    BeforeAll {
        # No script: the one slow answer is queued by the test that needs it, so nothing before it can take it.
        $mock = Connect-TestMock
        $remote = @(Start-Remotes -Mock $mock -Count 3)
        Disconnect-Codex
        Connect-Codex -Name farm -Uri $remote.Uri -TokenPath $tokenFile -Size 1 -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $work = New-TestDirectory
    }

    AfterAll {
        Disconnect-Codex -Name farm
    }

    It 'has four members, each with its own health, address and CODEX_HOME' {
        $members = @(Get-CodexStatus -Name farm)
        $members.Name | Should -Be @('farm/1', 'farm/2', 'farm/3', 'farm/4')
        $members.Pool | Sort-Object -Unique | Should -Be 'farm'
        $members.Health | Should -Be @('Up', 'Up', 'Up', 'Up')
        $members.RuntimeState | Should -Be @('Running', 'Running', 'Running', 'Running')
        $members[0..2].CodexPath | Should -Be @($remote.Uri | ForEach-Object { $_.ToString() })
        $members[0..2].CodexHome | Should -Be @($remote.Home)
        $members[0..2] | ForEach-Object { $_.ProcessId | Should -BeNullOrEmpty }
        $members[3].ProcessId | Should -BeGreaterThan 0
        ($members.CodexHome | Sort-Object -Unique).Count | Should -Be 4
        # The pool view: one row per member.
        $table = Get-CodexStatus -Name farm | Format-Table -View Pool | Out-String -Width 120
        $table | Should -Match 'farm/4\s+Up\s+Running'
    }

    It 'takes 24 conversations evenly: six on each member' {
        $conversations = @(1..24 | ForEach-Object { New-CodexConversation -Runtime farm -WorkingDirectory $work })
        $groups = $conversations | Group-Object Runtime | Sort-Object Name
        $groups.Name | Should -Be @('farm/1', 'farm/2', 'farm/3', 'farm/4')
        $groups | ForEach-Object Count | Should -Be @(6, 6, 6, 6)
        (Get-CodexStatus -Name farm).PlacedConversations | Should -Be @(6, 6, 6, 6)
        # The conversations really are on those runtimes.
        foreach ($member in (Get-CodexStatus -Name farm)) {
            @($member.Conversations).Count | Should -Be 6
        }
        $conversations | Remove-CodexConversation -Confirm:$false
    }

    It 'finds a conversation by its id alone, whichever member holds it' {
        $conversation = New-CodexConversation -Runtime farm -WorkingDirectory $work
        $conversation.Runtime | Should -BeLike 'farm/*'
        $events = @(Send-CodexTurn -ConversationId $conversation.Id -Prompt 'global id' -WarningAction SilentlyContinue)
        $events[-1].Status | Should -Be 'Completed'
        (Get-CodexConversation -Id $conversation.Id).Id | Should -Be $conversation.Id
        $mock.Requests[-1].Body | Should -Match 'global id'
        Remove-CodexConversation -ConversationId $conversation.Id -Confirm:$false
    }

    It 'keeps an -Affinity key on one member, and a new key goes to the least busy one' {
        $a = @(1..4 | ForEach-Object { New-CodexConversation -Runtime farm -Affinity 'repo-a' -WorkingDirectory $work })
        @($a.Runtime | Sort-Object -Unique).Count | Should -Be 1
        $b = @(1..3 | ForEach-Object { New-CodexConversation -Runtime farm -Affinity 'repo-b' -WorkingDirectory $work })
        @($b.Runtime | Sort-Object -Unique).Count | Should -Be 1
        $b[0].Runtime | Should -Not -Be $a[0].Runtime
        # Without a key, placement avoids the two loaded members.
        $c = New-CodexConversation -Runtime farm -WorkingDirectory $work
        $c.Runtime | Should -Not -BeIn @($a[0].Runtime, $b[0].Runtime)
        @($a + $b + $c) | Remove-CodexConversation -Confirm:$false
    }

    It 'puts a new conversation on a member without an active turn' {
        $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromDictionary(@{ Text = 'slow'; DelayMs = 4000 }))
        $busy = New-CodexConversation -Runtime farm -WorkingDirectory $work
        $run = @(Start-Turns -Conversations $busy -Prompt 'busy')
        Wait-Until { $busy.ActiveTurn -and $busy.ActiveTurn.Id } -TimeoutMs 15000
        # Every member has the same number of conversations but one: that one has the running turn.
        $others = @(1..3 | ForEach-Object { New-CodexConversation -Runtime farm -WorkingDirectory $work })
        $others.Runtime | Should -Not -Contain $busy.Runtime
        $next = New-CodexConversation -Runtime farm -WorkingDirectory $work
        $next.Runtime | Should -Not -Be $busy.Runtime
        (Receive-Turns -Runs $run).Last.Status | Should -Be 'Completed'
        @($busy) + $others + $next | Remove-CodexConversation -Confirm:$false
    }
}

Describe 'Connecting a pool' {
    BeforeAll {
        $mock = Connect-TestMock
        $remote = @(Start-Remotes -Mock $mock -Count 2)
    }

    It 'refuses a wrong token with CodexRemoteAuthenticationFailed, names the address, and holds no member' {
        $err = $null
        try {
            Connect-Codex -Name badtoken -Uri $remote.Uri -Token (ConvertTo-SecureString 'not-the-token' -AsPlainText -Force) -Size 1 -MockProvider $mock
        } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRemoteAuthenticationFailed,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.TargetObject | Should -Be $remote[0].Uri
        "$err" | Should -Not -Match 'not-the-token'
        Get-CodexStatus -Name badtoken -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @(Get-CodexStatus -Name 'badtoken*').Count | Should -Be 0
    }

    It 'takes -Failover only for a pool' {
        $err = $null
        try { Connect-Codex -Name single -Failover -MockProvider $mock } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexProviderConflict,*'
        $err.TargetObject | Should -Be 'single'
    }

    It 'replaces a pool by a runtime of the same name, and Disconnect-Codex stops every member' {
        Connect-Codex -Name swap -Size 2 -MockProvider $mock
        $pids = (Get-CodexStatus -Name swap).ProcessId
        $pids.Count | Should -Be 2
        Connect-Codex -Name swap -MockProvider $mock
        (Get-CodexStatus -Name swap).Name | Should -Be 'swap'
        Wait-Until { -not (Test-ProcessAlive $pids[0]) -and -not (Test-ProcessAlive $pids[1]) } -TimeoutMs 10000
        Connect-Codex -Name swap -Size 2 -MockProvider $mock
        $pids = (Get-CodexStatus -Name swap).ProcessId
        Disconnect-Codex -Name swap
        Wait-Until { -not (Test-ProcessAlive $pids[0]) -and -not (Test-ProcessAlive $pids[1]) } -TimeoutMs 10000
        Get-CodexStatus -Name swap -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'completes -Runtime with pools and their members' {
        Connect-Codex -Name tabpool -Size 2 -MockProvider $mock
        $line = 'New-CodexConversation -Runtime tabp'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Contain 'tabpool'
        $names | Should -Contain 'tabpool/1'
        Disconnect-Codex -Name tabpool
    }
}

Describe 'A member that goes down' {
    It 'fails the turns on it with CodexRuntimeUnavailable; the other members finish theirs' {
        $mock = Connect-TestMock -Response @(1..6 | ForEach-Object { @{ Text = "slow answer $_"; DelayMs = 6000 } })
        $results = @(Invoke-MemberKilled -Mock $mock -Pool down)
        $work = New-TestDirectory
        foreach ($r in $results) {
            if ($r.Member -eq 'down/2') {
                @($r.Errors -like 'CodexRuntimeUnavailable,*').Count | Should -BeGreaterThan 0 -Because "$($r.Messages)"
                $r.Last.Status | Should -Not -Be 'Completed'
            } else {
                $r.Last.Status | Should -Be 'Completed' -Because "$($r.Messages)"
                $r.Errors | Should -BeNullOrEmpty
            }
        }
        @($results | Where-Object Member -EQ 'down/2').Count | Should -Be 2
        $status = Get-CodexStatus -Name down/2
        $status.Health | Should -Be 'Down'
        $status.LastError | Should -Match 'closed|exited'
        # Placement skips it; without -Failover its conversation says what to do.
        $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText('after'))
        (New-CodexConversation -Runtime down -WorkingDirectory $work).Runtime | Should -Not -Be 'down/2'
        $stranded = ($results | Where-Object Member -EQ 'down/2')[0].Conversation
        $err = $null
        try { Send-CodexTurn -Conversation $stranded -Prompt 'again' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeUnavailable,*'
        "$err" | Should -Match '-Failover'
        Disconnect-Codex -Name down
    }

    It 'with -Failover and shared storage, moves its conversations to another member, where their turns finish' {
        $mock = Connect-TestMock -Response @(1..6 | ForEach-Object { @{ Text = "slow answer $_"; DelayMs = 6000 } }) + @(1..4 | ForEach-Object { @{ Text = "after failover $_" } })
        $results = @(Invoke-MemberKilled -Mock $mock -Pool moving -CodexHome (New-TestDirectory 'codexps-shared-home') -Failover)
        foreach ($r in $results) {
            $r.Last.Status | Should -Be 'Completed' -Because "$($r.Messages)"
            $r.Errors | Should -BeNullOrEmpty
            $r.Conversation.Runtime | Should -Not -Be 'moving/2'
        }
        $moved = @($results | Where-Object Member -EQ 'moving/2')
        $moved.Count | Should -Be 2
        foreach ($m in $moved) {
            ($m.Warnings -join ' ') | Should -Match 'moved to moving/[13]'
            # The prompt reached the model twice: once on the member that died, once where it finished.
            @($mock.Requests | Where-Object { $_.Body -match [regex]::Escape($m.Conversation.Id) }).Count | Should -BeGreaterOrEqual 2
        }
        Disconnect-Codex -Name moving
    }

    It 'in a fan-out (Invoke-Codex -ThrottleLimit), fails the inputs on it with CodexRuntimeUnavailable and completes the rest' {
        $mock = Connect-TestMock -Response @(1..6 | ForEach-Object { @{ Text = "slow answer $_"; DelayMs = 6000 } })
        $out = Invoke-FanoutMemberKilled -Mock $mock -Pool fandown
        $failed = @($out.Errors | Where-Object Id -Like 'CodexRuntimeUnavailable,*')
        $failed.Count | Should -Be 2 -Because (($out.Errors | ForEach-Object Message) -join '; ')
        $failed.Target.Repo | ForEach-Object { $_ | Should -BeLike 'repo-*' }
        $out.Results.Count | Should -Be 4
        $out.Results | ForEach-Object { $_.Status | Should -Be 'Completed'; $_.RuntimeName | Should -Not -Be 'fandown/2' }
        # Nothing is lost: every input either has its result or its error.
        @($out.Results.InputObject.Repo) + @($failed.Target.Repo) | Sort-Object | Should -Be @(1..6 | ForEach-Object { "repo-$_" })
        Disconnect-Codex -Name fandown
    }

    It 'in a fan-out with -Failover, runs the inputs of the member that went down again on another member' {
        $mock = Connect-TestMock -Response @(1..6 | ForEach-Object { @{ Text = "slow answer $_"; DelayMs = 6000 } })
        $out = Invoke-FanoutMemberKilled -Mock $mock -Pool fanmove -CodexHome (New-TestDirectory 'codexps-shared-home') -Failover
        $out.Errors | Should -BeNullOrEmpty -Because (($out.Errors | ForEach-Object Message) -join '; ')
        $out.Results.Count | Should -Be 6
        $out.Results.InputObject.Repo | Should -Be @(1..6 | ForEach-Object { "repo-$_" })
        $where = (($out.Results | ForEach-Object { "$($_.InputObject.Repo)=$($_.RuntimeName)" }) -join ', ') + ' / ' + ($out.Warnings -join ' | ')
        $out.Results | ForEach-Object { $_.Status | Should -Be 'Completed'; $_.RuntimeName | Should -Not -Be 'fanmove/2' -Because $where }
        @($out.Warnings | Where-Object { $_ -match 'fanmove/2 went down .* runs again on another member' }).Count | Should -Be 2
        Disconnect-Codex -Name fanmove
    }

    It 'gives up a remote member whose readyz stops answering, without waiting for the watchdog' {
        $mock = Connect-TestMock -Response @(@{ Text = 'never'; DelayMs = 60000 })
        $remote = @(Start-Remotes -Mock $mock -Count 2)
        Connect-Codex -Name frozen -Uri $remote.Uri -TokenPath $tokenFile -ResponseTimeoutSec 600 -WarningAction SilentlyContinue
        $conversation = New-CodexConversation -Runtime frozen -WorkingDirectory (New-TestDirectory)
        $conversation.Runtime | Should -Be 'frozen/1'
        $runs = @(Start-Turns -Conversations $conversation -Prompt 'freeze')
        Wait-Until { @($mock.Requests).Count -ge 1 } -TimeoutMs 30000
        $process = Get-MemberProcess 'frozen/1'
        & kill -STOP $process.Id
        try {
            $result = Receive-Turns -Runs $runs -TimeoutMs 40000
        } finally {
            & kill -CONT $process.Id
        }
        @($result.Errors -like 'CodexRuntimeUnavailable,*').Count | Should -BeGreaterThan 0 -Because "$($result.Messages)"
        ($result.Messages -join ' ') | Should -Match 'readyz'
        (Get-CodexStatus -Name frozen/1).LastError | Should -Match 'readyz'
        (Get-CodexStatus -Name frozen/2).Health | Should -Be 'Up'
        Disconnect-Codex -Name frozen
    }
}
