param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Connect-Codex -Uri (a runtime on another machine, here on loopback)' {
    BeforeAll {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'answer over the wire' }, @{ Stall = $true })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue
        $tokenFile = Join-Path (New-TestDirectory 'codexps-token') 'token'
        $plainToken = 'cap-' + [guid]::NewGuid().ToString('N')
        [IO.File]::WriteAllText($tokenFile, $plainToken)
        $remote = Start-RemoteRuntime -Mock $mock -TokenFile $tokenFile
        Disconnect-Codex
    }

    AfterAll {
        if ($remote -and -not $remote.Process.HasExited) { $remote.Process.Kill($true) }
    }

    It 'drives the remote runtime with the right token: every cmdlet works the same' {
        Connect-Codex -Name remote -Uri $remote.Uri -Token (ConvertTo-SecureString $plainToken -AsPlainText -Force) -WarningAction SilentlyContinue
        $status = Get-CodexStatus -Runtime remote
        $status.RuntimeState | Should -Be 'Running'
        $status.CodexPath | Should -Be $remote.Uri.ToString()
        $status.ProcessId | Should -BeNullOrEmpty
        $status.CodexHome | Should -Be $remote.Home
        $status.CodexVersion | Should -Be $status.PinnedCodexVersion
        $conversation = New-CodexConversation -Runtime remote -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn -Conversation $conversation -Prompt 'over the network' -WarningAction SilentlyContinue)
        $events[-1].Status | Should -Be 'Completed'
        ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'answer over the wire'
        $mock.Requests[-1].Body | Should -Match 'over the network'
    }

    It 'reads the token from -TokenPath, and warns about no ws:// on loopback' {
        Connect-Codex -Name fromfile -Uri $remote.Uri -TokenPath $tokenFile -WarningVariable warned -WarningAction SilentlyContinue
        (Get-CodexStatus -Runtime fromfile).RuntimeState | Should -Be 'Running'
        @($warned | Where-Object { "$_" -match 'unencrypted' }).Count | Should -Be 0
        Disconnect-Codex -Name fromfile
    }

    It 'warns that ws:// to another machine is unencrypted and suggests a tunnel' {
        # This machine's own non-loopback address on a closed port: the warning comes first, then the refusal.
        $address = [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
            Where-Object OperationalStatus -EQ 'Up' | ForEach-Object { $_.GetIPProperties().UnicastAddresses.Address } |
            Where-Object { $_.AddressFamily -eq 'InterNetwork' -and -not [System.Net.IPAddress]::IsLoopback($_) } | Select-Object -First 1
        if (-not $address) { Set-ItResult -Skipped -Because 'this machine has no non-loopback IPv4 address'; return }
        $uri = [uri]"ws://$($address):1"
        try { Connect-Codex -Name faraway -Uri $uri -TokenPath $tokenFile -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop } catch { $null = $_ }
        ($warned -join ' ') | Should -Match 'unencrypted'
        ($warned -join ' ') | Should -Match 'ssh -N -L 1:127\.0\.0\.1:1'
        ($warned -join ' ') | Should -Not -Match ([regex]::Escape($plainToken))
        Disconnect-Codex -Name faraway -ErrorAction SilentlyContinue
    }

    It 'refuses an unreadable -TokenPath with CodexTokenFileUnreadable' {
        $missing = Join-Path (New-TestDirectory 'codexps-token') 'none'
        $err = $null
        try { Connect-Codex -Name nofile -Uri $remote.Uri -TokenPath $missing } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexTokenFileUnreadable,*'
        $err.CategoryInfo.Category | Should -Be 'ReadError'
        $err.TargetObject | Should -Be $missing
    }

    It 'refuses a wrong token with CodexRemoteAuthenticationFailed' {
        $err = $null
        try { Connect-Codex -Name wrong -Uri $remote.Uri -Token (ConvertTo-SecureString 'not-the-token' -AsPlainText -Force) } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRemoteAuthenticationFailed*'
        $err.Exception.Message | Should -Match '401'
        $err.Exception.Message | Should -Not -Match 'not-the-token'
    }

    It 'reports the connection dropped mid-turn as CodexRuntimeExited, without hanging' {
        $conversation = New-CodexConversation -Runtime remote -WorkingDirectory (New-TestDirectory)
        $run = Start-InRunspace -Script {
            param($c)
            Send-CodexTurn -Conversation $c -Prompt 'stall please' -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
            $e | ForEach-Object { $_.FullyQualifiedErrorId }
        } -Arguments @{ c = $conversation }
        Wait-Until { $conversation.ActiveTurn -and $conversation.ActiveTurn.Id } -TimeoutMs 15000
        $remote.Process.Kill($true)
        Wait-Until { $run.Handle.IsCompleted } -TimeoutMs 10000
        $errors = $run.PowerShell.EndInvoke($run.Handle)
        ($errors -join ' ') | Should -Match 'CodexRuntimeExited'
        (Get-CodexStatus -Runtime remote).RuntimeState | Should -Be 'Exited'
    }
}
