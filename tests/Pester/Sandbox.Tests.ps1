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
}
