param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexHook and hook events' {
    BeforeAll {
        # A UserPromptSubmit command hook in CODEX_HOME/hooks.json that leaves a marker when it runs.
        $codexHome = New-TestDirectory 'codexps-home'
        $marker = Join-Path $codexHome 'hook-ran.txt'
        $hooks = @{ hooks = @{ UserPromptSubmit = @(@{ hooks = @(@{ type = 'command'; command = "echo ran >> '$marker'"; statusMessage = 'Checking the prompt' }) }) } }
        $hooks | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath (Join-Path $codexHome 'hooks.json')
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'untrusted turn' }, @{ Text = 'trusted turn' })
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $ws = New-TestDirectory
    }

    It 'lists the configured hook, untrusted at first' {
        $found = @(Get-CodexHook -WorkingDirectory $ws)
        $found | Should -HaveCount 1
        $hook = $found[0]
        $hook | Should -BeOfType CodexPS.Engine.Protocol.CodexHook
        $hook.EventName | Should -Be 'UserPromptSubmit'
        $hook.HandlerType | Should -Be 'Command'
        $hook.Command | Should -BeLike "echo ran*"
        $hook.SourcePath | Should -Be (Join-Path $codexHome 'hooks.json')
        $hook.Source | Should -Be 'User'
        $hook.TrustStatus | Should -Be 'Untrusted'
        $hook.CurrentHash | Should -Match '^sha256:[0-9a-f]{64}$'
        $hook.StatusMessage | Should -Be 'Checking the prompt'
        $hook.WorkingDirectory | Should -Be $ws
        ($hook | Out-String) | Should -Match 'UserPromptSubmit\s+True\s+Untrusted\s+User\s+echo ran'
        Get-CodexHook -WorkingDirectory $ws -EventName 'Pre*' | Should -BeNullOrEmpty
        @(Get-CodexHook -WorkingDirectory $ws -EventName 'userprompt*') | Should -HaveCount 1
    }

    It 'an untrusted hook does not run' {
        $conversation = New-CodexConversation -WorkingDirectory $ws
        $events = Send-CodexTurn -Conversation $conversation 'hello'
        $events | Where-Object Kind -In 'HookStarted', 'HookCompleted' | Should -BeNullOrEmpty
        $marker | Should -Not -Exist
    }

    It 'a trusted hook runs in the turn and its events arrive typed' {
        $hook = Get-CodexHook -WorkingDirectory $ws
        Set-CodexConfig -Key 'hooks.state' -Value @{ $hook.Key = @{ trusted_hash = $hook.CurrentHash } } -Confirm:$false -WarningAction SilentlyContinue
        (Get-CodexHook -WorkingDirectory $ws).TrustStatus | Should -Be 'Trusted'
        $conversation = New-CodexConversation -WorkingDirectory $ws
        @(Get-CodexHook -Conversation $conversation) | Should -HaveCount 1
        $events = Send-CodexTurn -Conversation $conversation 'hello again'
        $marker | Should -Exist
        $started = @($events | Where-Object Kind -EQ 'HookStarted')
        $completed = @($events | Where-Object Kind -EQ 'HookCompleted')
        $started | Should -HaveCount 1
        $completed | Should -HaveCount 1
        $started[0] | Should -BeOfType CodexPS.Engine.Protocol.HookEvent
        $started[0].Method | Should -Be 'hook/started'
        $started[0].TurnId | Should -Be $events[-1].TurnId
        $started[0].Run.EventName | Should -Be 'UserPromptSubmit'
        $started[0].Run.Status | Should -Be 'Running'
        $completed[0].Run.Id | Should -Be $started[0].Run.Id
        $completed[0].Run.Status | Should -Be 'Completed'
        $completed[0].Run.HandlerType | Should -Be 'Command'
        $completed[0].Run.Duration | Should -BeOfType [TimeSpan]
        $completed[0].Summary | Should -Match 'hook UserPromptSubmit Completed: Checking the prompt'
    }

    It 'an interactive host shows the running hook in the progress bar' {
        # The hook is trusted by now (the test before); a second runtime on the same CODEX_HOME runs it too.
        $scenario = {
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'hooked' })
            Connect-Codex -MockProvider $mock -CodexHome $CodexHome
            $events = @(New-CodexConversation -WorkingDirectory $Workspace | Send-CodexTurn 'with a hook')
            "kinds=$(($events.Kind | Sort-Object -Unique) -join ',')"
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ CodexHome = $codexHome; Workspace = $ws }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Match 'HookCompleted'
        @($run.Shown | Where-Object { $_ -like 'progress|*|Running hook: Checking the prompt' }).Count | Should -BeGreaterThan 0
    }

    It 'writes CodexWorkingDirectoryNotFound for a folder that does not exist' {
        $missing = Join-Path $ws 'no-such-folder'
        Get-CodexHook -WorkingDirectory $missing -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexWorkingDirectoryNotFound*'
        $errs[0].TargetObject | Should -Be $missing
    }
}
