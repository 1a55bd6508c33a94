param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Invoke-SandboxedCommand {
        # One turn in which the model runs a shell command; returns the command's completed item.
        param([string] $Command, [hashtable] $Conversation)
        $mock = Connect-TestMock -Response @(@{ Command = $Command }, @{ Text = 'done' })
        $folder = New-TestDirectory 'codexps-sandbox'
        $c = New-CodexConversation -WorkingDirectory $folder -ApprovalPolicy Never @Conversation
        $events = @(Send-CodexTurn -Conversation $c -Prompt 'run it' -WarningAction SilentlyContinue)
        $events[-1].Status | Should -Be 'Completed'
        [pscustomobject]@{
            Folder = $folder
            Item   = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' } | Select-Object -Last 1).Item
        }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Sandbox modes' {
    It 'ReadOnly keeps commands from writing in the working folder' {
        $run = Invoke-SandboxedCommand -Command 'echo hi > written.txt' -Conversation @{ Sandbox = 'ReadOnly' }
        $run.Item.ExitCode | Should -Not -Be 0
        Join-Path $run.Folder 'written.txt' | Should -Not -Exist
    }

    It 'WorkspaceWrite lets commands write in the working folder' {
        $run = Invoke-SandboxedCommand -Command 'echo hi > written.txt' -Conversation @{ Sandbox = 'WorkspaceWrite' }
        $run.Item.ExitCode | Should -Be 0
        Join-Path $run.Folder 'written.txt' | Should -Exist
    }

    Context 'network access' {
        BeforeAll {
            # A loopback listener stands in for "the network": the command tries to open a connection to it.
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $port = $listener.LocalEndpoint.Port
            $probe = "bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port && echo connected'"
        }

        AfterAll { $listener.Stop() }

        It 'WorkspaceWrite blocks the network by default' {
            $run = Invoke-SandboxedCommand -Command $probe -Conversation @{ Sandbox = 'WorkspaceWrite' }
            $run.Item.Output | Should -Not -Match 'connected'
            $run.Item.ExitCode | Should -Not -Be 0
        }

        It 'New-CodexConversation -NetworkAccess lets commands reach it' {
            $run = Invoke-SandboxedCommand -Command $probe -Conversation @{ Sandbox = 'WorkspaceWrite'; NetworkAccess = $true }
            $run.Item.Output | Should -Match 'connected'
            $run.Item.ExitCode | Should -Be 0
            $listener.Pending() | Should -BeTrue
        }
    }

    Context 'extra writable folders (-AdditionalDirectory)' {
        BeforeAll {
            # Outside the working folder and outside /tmp ($TMPDIR), which a WorkspaceWrite sandbox lets commands write anyway.
            $extra = Join-Path $HOME ('codexps-extra-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            $null = New-Item -ItemType Directory -Path $extra
        }

        AfterAll { Remove-Item -LiteralPath $extra -Recurse -Force -ErrorAction SilentlyContinue }

        It 'lets commands write there in that conversation only' {
            $with = Invoke-SandboxedCommand -Command "echo hi > '$extra/with.txt'" -Conversation @{ Sandbox = 'WorkspaceWrite'; AdditionalDirectory = $extra }
            $with.Item.ExitCode | Should -Be 0
            Join-Path $extra 'with.txt' | Should -Exist

            $without = Invoke-SandboxedCommand -Command "echo hi > '$extra/without.txt'" -Conversation @{ Sandbox = 'WorkspaceWrite' }
            $without.Item.ExitCode | Should -Not -Be 0
            $without.Item.Output | Should -Match 'Read-only file system'
            Join-Path $extra 'without.txt' | Should -Not -Exist
        }

        It 'is reported by the conversation and kept by a turn that sets -Sandbox again' {
            $mock = Connect-TestMock -Response @(@{ Command = "echo hi > '$extra/turn.txt'" }, @{ Text = 'done' })
            $c = New-CodexConversation -WorkingDirectory (New-TestDirectory 'codexps-sandbox') -Sandbox WorkspaceWrite -ApprovalPolicy Never -AdditionalDirectory $extra
            $c.AdditionalDirectories | Should -Be @($extra)
            # The turn's own sandbox policy replaces the thread's; it must carry the extra folder along.
            $events = @(Send-CodexTurn -Conversation $c -Prompt 'run it' -Sandbox WorkspaceWrite -WarningAction SilentlyContinue)
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item.ExitCode | Should -Be 0
            Join-Path $extra 'turn.txt' | Should -Exist
        }

        It 'refuses a folder that does not exist before starting anything' {
            $missing = Join-Path $extra 'nope'
            { New-CodexConversation -Sandbox WorkspaceWrite -AdditionalDirectory $missing -ErrorAction Stop } |
                Should -Throw -ErrorId 'CodexAdditionalDirectoryNotFound,CodexPS.Commands.NewCodexConversationCommand'
            try { New-CodexConversation -AdditionalDirectory $missing -ErrorAction Stop } catch { $_.TargetObject | Should -Be $missing; $_.CategoryInfo.Category | Should -Be 'ObjectNotFound' }
        }
    }

    Context 'a fork with other permissions (Copy-CodexConversation -Sandbox -ApprovalPolicy)' {
        It "runs the fork's first turn under the new policy while the original keeps its own" {
            $mock = Connect-TestMock -Response @(
                @{ Command = 'echo one > first.txt' }, @{ Text = 'wrote' },
                @{ Command = 'echo fork > fork.txt' }, @{ Text = 'tried' },
                @{ Command = 'echo two > second.txt' }, @{ Text = 'wrote again' })
            $folder = New-TestDirectory 'codexps-fork'
            $original = New-CodexConversation -WorkingDirectory $folder -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $null = Send-CodexTurn -Conversation $original -Prompt 'write' -WarningAction SilentlyContinue
            Join-Path $folder 'first.txt' | Should -Exist

            $fork = Copy-CodexConversation -Id $original.Id -Sandbox ReadOnly
            $fork.Sandbox | Should -Be 'ReadOnly'
            $fork.ApprovalPolicy | Should -Be 'Never'   # not given: the original's
            $forkEvents = @(Send-CodexTurn -Conversation $fork -Prompt 'write in the fork' -WarningAction SilentlyContinue)
            ($forkEvents | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item.ExitCode | Should -Not -Be 0
            Join-Path $folder 'fork.txt' | Should -Not -Exist

            $original.Sandbox | Should -Be 'WorkspaceWrite'
            $events = @(Send-CodexTurn -Conversation $original -Prompt 'write again' -WarningAction SilentlyContinue)
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item.ExitCode | Should -Be 0
            Join-Path $folder 'second.txt' | Should -Exist
        }

        It 'asks for approval in a fork made -ApprovalPolicy Untrusted, and not in the original' {
            $mock = Connect-TestMock -Response @(
                @{ Text = 'hello' },
                @{ Command = 'echo fork > fork.txt' }, @{ Text = 'asked' },
                @{ Command = 'echo orig > orig.txt' }, @{ Text = 'ran' })
            $folder = New-TestDirectory 'codexps-fork'
            $original = New-CodexConversation -WorkingDirectory $folder -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $null = Send-CodexTurn -Conversation $original -Prompt 'hello' -WarningAction SilentlyContinue   # a fork needs the saved history
            $fork = Copy-CodexConversation -Id $original.Id -ApprovalPolicy Untrusted
            $fork.ApprovalPolicy | Should -Be 'Untrusted'
            $fork.Sandbox | Should -Be 'WorkspaceWrite'   # not given: the original's

            $asked = [System.Collections.Generic.List[object]]::new()
            $forkEvents = @(Send-CodexTurn -Conversation $fork -Prompt 'write' -ApprovalHandler { $asked.Add($_); 'Decline' } -WarningAction SilentlyContinue)
            $asked.Count | Should -Be 1
            $asked[0].Kind | Should -Be 'CommandExecution'
            Join-Path $folder 'fork.txt' | Should -Not -Exist
            $forkEvents[-1].Status | Should -Be 'Completed'

            $asked.Clear()
            $null = Send-CodexTurn -Conversation $original -Prompt 'write' -ApprovalHandler { $asked.Add($_); 'Decline' } -WarningAction SilentlyContinue
            $asked.Count | Should -Be 0
            Join-Path $folder 'orig.txt' | Should -Exist
        }
    }
}
