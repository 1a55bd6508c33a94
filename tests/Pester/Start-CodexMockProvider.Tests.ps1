param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Start-CodexMockProvider' {
    It 'listens on a free loopback port and reports BaseUrl, Port and Requests' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'a' })
        $mock.Port | Should -BeGreaterThan 0
        $mock.BaseUrl | Should -Be "http://127.0.0.1:$($mock.Port)/v1"
        $mock.Requests.Count | Should -Be 0
        $mock.Remaining | Should -Be 1
        Stop-CodexMockProvider $mock
        $mock.IsRunning | Should -BeFalse
    }

    It 'reads a script from a JSON file' {
        $file = Join-Path (New-TestDirectory) 'script.json'
        '[{"Text":"from a file","Deltas":2},{"Status":500}]' | Set-Content $file
        $mock = Start-CodexMockProvider -Path $file
        $mock.Remaining | Should -Be 2
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory) -WarningAction SilentlyContinue
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $first = Send-CodexTurn 'one' -Conversation $c -IncludeDelta
        ($first | Where-Object Kind -EQ 'AgentMessageDelta').Count | Should -Be 2
        $second = Send-CodexTurn 'two' -Conversation $c -ErrorAction SilentlyContinue
        $second[-1].Status | Should -Be 'Failed'
        $mock.Requests.Count | Should -Be 2
    }

    It 'refuses an unknown response key with CodexMockScriptInvalid' {
        { Start-CodexMockProvider -Response @(@{ Txet = 'typo' }) } | Should -Throw -ErrorId 'CodexMockScriptInvalid,CodexPS.Commands.StartCodexMockProviderCommand'
    }

    It 'refuses a missing script file with CodexMockScriptUnreadable' {
        $missing = Join-Path (New-TestDirectory) 'none.json'
        try { Start-CodexMockProvider -Path $missing } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexMockScriptUnreadable*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'never records the Authorization header' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'x' })
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $request = [System.Net.Http.HttpRequestMessage]::new('POST', "$($mock.BaseUrl)/responses")
            $request.Headers.TryAddWithoutValidation('Authorization', 'Bearer sk-secret-value') | Out-Null
            $request.Content = [System.Net.Http.StringContent]::new('{"stream":true}')
            $response = $client.Send($request)
            $body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            $body | Should -Match 'response.completed'
        }
        finally { $client.Dispose() }
        $mock.Requests[0].Headers['Authorization'] | Should -Be '(redacted)'
        ($mock.Requests | ConvertTo-Json -Depth 5) | Should -Not -Match 'sk-secret-value'
    }
}
