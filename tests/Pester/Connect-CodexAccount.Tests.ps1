param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function New-TestKey {
        # A recognisable fake key: it must never show up anywhere CodexPS writes.
        $plain = 'sk-codexps-test-' + [guid]::NewGuid().ToString('N')
        [pscustomobject]@{ Plain = $plain; Secure = (ConvertTo-SecureString $plain -AsPlainText -Force) }
    }

    function Get-AuthFile { Join-Path (Get-CodexStatus).CodexHome 'auth.json' }

    function Start-FakeIssuer {
        # A stand-in for auth.openai.com's device-code endpoints: it hands out a code, and the code is never
        # entered (every poll answers "pending"). The runtime is pointed at it by CODEX_APP_SERVER_LOGIN_ISSUER.
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $listener = [Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        $log = [Collections.Concurrent.ConcurrentQueue[string]]::new()
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($listener, $log)
                while ($listener.IsListening) {
                    try { $context = $listener.GetContext() } catch { break }
                    $path = $context.Request.Url.AbsolutePath
                    $log.Enqueue($path)
                    if ($path -like '*/deviceauth/usercode') { $status = 200; $text = '{"device_auth_id":"dev-1","user_code":"CDPS-1234","interval":"1"}' }
                    else { $status = 404; $text = '{"error":"authorization_pending"}' }
                    $bytes = [Text.Encoding]::UTF8.GetBytes($text)
                    $context.Response.StatusCode = $status
                    $context.Response.ContentType = 'application/json'
                    $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                    $context.Response.Close()
                }
            }).AddArgument($listener).AddArgument($log)
        [pscustomobject]@{ Url = "http://127.0.0.1:$port"; Listener = $listener; Log = $log; PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }

    function Stop-FakeIssuer {
        param($Issuer)
        $Issuer.Listener.Stop()
        $null = $Issuer.Handle.AsyncWaitHandle.WaitOne(5000)
        $Issuer.PowerShell.Dispose()
    }

    function Get-TokenPollCount {
        param($Issuer)
        @($Issuer.Log.ToArray() | Where-Object { $_ -like '*/deviceauth/token' }).Count
    }

    function Connect-OpenAIAuthMock {
        # The mock as a provider that authenticates like OpenAI's: only then does the runtime report an
        # API-key account (and send the key to the provider).
        param([object[]] $Response = @())
        $mock = Start-CodexMockProvider -Response $Response
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -Config @{ "model_providers.$($mock.Provider.Id).requires_openai_auth" = $true }
        $mock
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Connect-CodexAccount' {
    BeforeEach {
        $script:mock = Connect-OpenAIAuthMock -Response @(@{ Text = 'logged in' })
    }

    It 'logs in with an API key given as a SecureString' {
        Get-CodexAccount | Should -BeNullOrEmpty
        $key = New-TestKey
        $account = Connect-CodexAccount -ApiKey $key.Secure
        $account | Should -BeOfType ([CodexPS.Engine.Protocol.CodexAccount])
        $account.AuthMode | Should -Be 'apiKey'
        $account.Email | Should -BeNullOrEmpty
        (Get-CodexAccount).AuthMode | Should -Be 'apiKey'
        $status = Get-CodexStatus
        $status.Account.AuthMode | Should -Be 'apiKey'
        $status.AuthMode | Should -Be 'apiKey'
        $status.Plan | Should -BeNullOrEmpty
        # The runtime's own behaviour: it keeps the key in CODEX_HOME/auth.json, in plain text.
        (Get-Content -Raw (Get-AuthFile) | ConvertFrom-Json).auth_mode | Should -Be 'apikey'
    }

    It 'takes the key from the pipeline' {
        $key = New-TestKey
        ($key.Secure | Connect-CodexAccount).AuthMode | Should -Be 'apiKey'
    }

    It 'never shows the key in output, verbose, debug, errors or the runtime''s command line and environment' {
        $key = New-TestKey
        $Error.Clear()
        $streams = Connect-CodexAccount -ApiKey $key.Secure -Verbose -Debug *>&1 | Out-String -Width 4096
        $streams | Should -Match 'apiKey'
        $streams | Should -Not -Match ([regex]::Escape($key.Plain))
        ($Error | ForEach-Object { $_ | Out-String; $_.Exception.ToString() }) -join "`n" | Should -Not -Match ([regex]::Escape($key.Plain))

        $runtimePid = (Get-CodexStatus).ProcessId
        $runtimePid | Should -Not -BeNullOrEmpty
        if ($IsLinux) {
            $cmdline = [IO.File]::ReadAllText("/proc/$runtimePid/cmdline")
            $cmdline | Should -Match 'app-server'
            $cmdline | Should -Not -Match ([regex]::Escape($key.Plain))
            [IO.File]::ReadAllText("/proc/$runtimePid/environ") | Should -Not -Match ([regex]::Escape($key.Plain))
        }

        # A turn after the login: the provider uses OpenAI auth, so the runtime sends the key as Authorization
        # (the mock records that header only as "(redacted)").
        $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi'
        $requests = @($script:mock.Requests | Where-Object Path -Like '*/responses')
        $requests.Count | Should -BeGreaterThan 0 -Because 'the turn made a model request, whose headers are checked'
        foreach ($request in $requests) {
            $request.Headers['authorization'] | Should -Be '(redacted)'
            $request.Body | Should -Not -Match ([regex]::Escape($key.Plain))
        }
    }

    It 'warns that a provider without OpenAI auth reports no account, and the runtime sends it no key' {
        $plainMock = Connect-TestMock -Response @(@{ Text = 'no auth' })
        $key = New-TestKey
        Connect-CodexAccount -ApiKey $key.Secure -WarningVariable warnings -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        ($warnings -join ' ') | Should -Match 'does not use an OpenAI login'
        ($warnings -join ' ') | Should -Not -Match ([regex]::Escape($key.Plain))
        Get-CodexAccount | Should -BeNullOrEmpty
        # The key is stored all the same.
        Get-AuthFile | Should -Exist
        $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi'
        $plainRequests = @($plainMock.Requests | Where-Object Path -Like '*/responses')
        $plainRequests | Should -HaveCount 1 -Because 'the turn made one model request, whose headers are checked'
        foreach ($request in $plainRequests) {
            $request.Headers.Keys | Should -Not -Contain 'authorization'
        }
    }

    It 'rejects an empty key with CodexApiKeyEmpty and logs nothing in' {
        Connect-CodexAccount -ApiKey ([securestring]::new()) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexApiKeyEmpty,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -BeOfType ([securestring])

        # White space only is empty too; the runtime itself would store it.
        Connect-CodexAccount -ApiKey (ConvertTo-SecureString '   ' -AsPlainText -Force) -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'CodexApiKeyEmpty,*'
        $err2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-CodexAccount | Should -BeNullOrEmpty
        Get-AuthFile | Should -Not -Exist
    }

    It 'changes nothing with -WhatIf' {
        $key = New-TestKey
        Connect-CodexAccount -ApiKey $key.Secure -WhatIf | Should -BeNullOrEmpty
        Get-CodexAccount | Should -BeNullOrEmpty
        Get-AuthFile | Should -Not -Exist
    }

    It 'turns the runtime''s refusal of a device-code login (no internet here) into CodexDeviceCodeLoginFailed' {
        $caught = $null
        try { Connect-CodexAccount -DeviceCode -TimeoutSec 30 -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'CodexDeviceCodeLoginFailed,*'
        $caught.CategoryInfo.Category | Should -Be 'ConnectionError'
        $caught.Exception.Message | Should -Match 'device'
        Get-CodexAccount | Should -BeNullOrEmpty
        (Get-CodexStatus).RuntimeState | Should -Be 'Running'
    }

    It 'asks nothing of the runtime with -DeviceCode -WhatIf' {
        Connect-CodexAccount -DeviceCode -WhatIf | Should -BeNullOrEmpty
        Get-CodexAccount | Should -BeNullOrEmpty
    }
}

Describe 'Connect-CodexAccount -DeviceCode against a local stand-in issuer' {
    BeforeEach {
        $script:issuer = Start-FakeIssuer
        $env:CODEX_APP_SERVER_LOGIN_ISSUER = $script:issuer.Url
        $null = Connect-TestMock
    }

    AfterEach {
        Disconnect-Codex
        Remove-Item Env:CODEX_APP_SERVER_LOGIN_ISSUER -ErrorAction SilentlyContinue
        Stop-FakeIssuer $script:issuer
    }

    It 'shows the URL and the code, and withdraws the login when -TimeoutSec passes' {
        $caught = $null
        try { Connect-CodexAccount -DeviceCode -TimeoutSec 2 -InformationVariable shown -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'CodexLoginTimedOut,*'
        $caught.CategoryInfo.Category | Should -Be 'OperationTimeout'
        ($shown | Out-String) | Should -Match ([regex]::Escape("$($script:issuer.Url)/codex/device"))
        ($shown | Out-String) | Should -Match 'CDPS-1234'
        $shown[0].Tags | Should -Contain 'CodexDeviceCode'
        Get-TokenPollCount $script:issuer | Should -BeGreaterThan 0
        # Cancelled: the runtime stops asking the issuer whether the code was entered (it polls every second).
        Start-Sleep -Milliseconds 1500
        $polls = Get-TokenPollCount $script:issuer
        Start-Sleep -Milliseconds 2500
        Get-TokenPollCount $script:issuer | Should -Be $polls
        Get-CodexAccount | Should -BeNullOrEmpty
    }

    It 'stops waiting on Ctrl+C and withdraws the login' {
        $run = Start-InRunspace { Connect-CodexAccount -DeviceCode -TimeoutSec 600 }
        Wait-Until { (Get-TokenPollCount $script:issuer) -gt 0 }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $run.PowerShell.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $run.PowerShell.Dispose()
        Start-Sleep -Milliseconds 1500
        $polls = Get-TokenPollCount $script:issuer
        Start-Sleep -Milliseconds 2500
        Get-TokenPollCount $script:issuer | Should -Be $polls
        (Get-CodexStatus).RuntimeState | Should -Be 'Running'
        Get-CodexAccount | Should -BeNullOrEmpty
    }
}

Describe 'Disconnect-CodexAccount' {
    BeforeEach {
        $null = Connect-OpenAIAuthMock
        $null = Connect-CodexAccount -ApiKey (New-TestKey).Secure
    }

    It 'logs out and removes the stored credentials' {
        Get-AuthFile | Should -Exist
        Disconnect-CodexAccount | Should -BeNullOrEmpty
        Get-CodexAccount | Should -BeNullOrEmpty
        (Get-CodexStatus).Account | Should -BeNullOrEmpty
        Get-AuthFile | Should -Not -Exist
        # Logging out again is not an error.
        Disconnect-CodexAccount -ErrorAction Stop
    }

    It 'changes nothing with -WhatIf' {
        Disconnect-CodexAccount -WhatIf
        (Get-CodexAccount).AuthMode | Should -Be 'apiKey'
        Get-AuthFile | Should -Exist
    }
}

Describe 'Get-CodexStatus account, rate-limit labels and config requirements' {
    It 'labels rate-limit windows for people' {
        $labelFor = { param($m) [CodexPS.Engine.Protocol.CodexRateLimitWindow]::LabelFor($m) }
        & $labelFor 300 | Should -BeExactly '5h'
        & $labelFor 10080 | Should -BeExactly 'weekly'
        & $labelFor 90 | Should -BeExactly '90m'
        & $labelFor 2880 | Should -BeExactly '2d'
        & $labelFor 1440 | Should -BeExactly '1d'
        & $labelFor 60 | Should -BeExactly '1h'
        & $labelFor $null | Should -BeNullOrEmpty
    }

    It 'shows the labels and absolute reset times of the windows a turn reported' {
        $resetAt = [DateTimeOffset]::UtcNow.AddHours(2).ToUnixTimeSeconds()
        $null = Connect-TestMock -Response @(@{
                Text       = 'limited'
                RateLimits = @{ PrimaryUsedPercent = 42; PrimaryWindowMinutes = 300; PrimaryResetAt = $resetAt; SecondaryWindowMinutes = 10080; SecondaryUsedPercent = 7 }
            })
        $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi'
        $limits = (Get-CodexStatus).RateLimits
        $limits.Primary.Label | Should -BeExactly '5h'
        $limits.Secondary.Label | Should -BeExactly 'weekly'
        $limits.Primary.ResetsAt | Should -BeOfType ([DateTimeOffset])
        $limits.Primary.ResetsAt.ToUnixTimeSeconds() | Should -Be $resetAt
        $limits.ToString() | Should -Match '5h 42%.*weekly 7%'
        (Get-CodexStatus | Out-String) | Should -Match '5h 42%'
    }

    It 'reports no account and no config requirements for a fresh home' {
        $null = Connect-TestMock
        $status = Get-CodexStatus
        $status.Account | Should -BeNullOrEmpty
        $status.AuthMode | Should -BeNullOrEmpty
        $status.Plan | Should -BeNullOrEmpty
        $status.ConfigRequirements | Should -BeNullOrEmpty
        $status.PSObject.Properties.Name | Should -Contain 'ConfigRequirements'
    }
}

Describe 'Connect-CodexAccount -ChatGpt (the browser login), up to the real OpenAI page' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'FakeChatGpt.ps1')

        function Assert-RealSignInUrl {
            # The page a person would see: OpenAI's authorize endpoint for Codex, answering the runtime's local server.
            param([string] $Url)
            $uri = [Uri]$Url
            $uri.Scheme | Should -Be 'https'
            $uri.Host | Should -Be 'auth.openai.com'
            $uri.AbsolutePath | Should -Be '/oauth/authorize'
            $query = [Web.HttpUtility]::ParseQueryString($uri.Query)
            $query['response_type'] | Should -Be 'code'
            $query['client_id'] | Should -Match '^app_'
            $query['code_challenge_method'] | Should -Be 'S256'
            $query['code_challenge'] | Should -Not -BeNullOrEmpty
            $query['state'] | Should -Not -BeNullOrEmpty
            $query['originator'] | Should -Be 'codexps'
            $callback = [Uri]$query['redirect_uri']
            $callback.Host | Should -Be '127.0.0.1'
            $callback.AbsolutePath | Should -Be '/auth/callback'
            $callback
        }
    }

    BeforeEach {
        $null = Connect-TestMock
        $script:savedBrowser = $env:CODEXPS_BROWSER
        Remove-Item Env:CODEXPS_BROWSER -ErrorAction SilentlyContinue
    }

    AfterEach {
        Disconnect-Codex
        if ($null -ne $script:savedBrowser) { $env:CODEXPS_BROWSER = $script:savedBrowser } else { Remove-Item Env:CODEXPS_BROWSER -ErrorAction SilentlyContinue }
    }

    It 'opens the real sign-in page while the runtime''s callback server listens, and withdraws the login when -TimeoutSec passes' {
        $seen = @{}
        $caught = $null
        try {
            Connect-CodexAccount -ChatGpt -TimeoutSec 3 -InformationVariable shown -ErrorAction Stop -Browser {
                $seen.Url = $_
                $callback = [Web.HttpUtility]::ParseQueryString(([Uri]$_).Query)['redirect_uri']
                $seen.Listening = Test-LocalPort $callback
            }
        }
        catch { $caught = $_ }
        $callback = Assert-RealSignInUrl $seen.Url
        $seen.Listening | Should -BeTrue
        ($shown | Out-String) | Should -Match 'Opened the ChatGPT sign-in page with the -Browser script block'
        $shown[0].Tags | Should -Contain 'CodexChatGptLogin'
        $caught.FullyQualifiedErrorId | Should -BeLike 'CodexLoginTimedOut,*'
        $caught.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $caught.TargetObject | Should -Be $seen.Url
        # account/login/cancel reached the runtime: its callback server is gone, and nothing was logged in.
        Wait-Until { -not (Test-LocalPort $callback) } -TimeoutMs 10000
        Get-CodexAccount | Should -BeNullOrEmpty
        Join-Path (Get-CodexStatus).CodexHome 'auth.json' | Should -Not -Exist
        (Get-CodexStatus).RuntimeState | Should -Be 'Running'
    }

    It 'stops waiting on Ctrl+C and withdraws the login' {
        $box = [hashtable]::Synchronized(@{})
        $run = Start-InRunspace -Arguments @{ Box = $box } {
            param($Box)
            Connect-CodexAccount -ChatGpt -TimeoutSec 600 -Browser { $Box.Url = $_ }
        }
        Wait-Until { $box.Url } -TimeoutMs 30000
        $callback = Assert-RealSignInUrl $box.Url
        Wait-Until { Test-LocalPort $callback } -TimeoutMs 10000
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $run.PowerShell.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $run.PowerShell.Dispose()
        Wait-Until { -not (Test-LocalPort $callback) } -TimeoutMs 10000
        Get-CodexAccount | Should -BeNullOrEmpty
        (Get-CodexStatus).RuntimeState | Should -Be 'Running'
    }

    It 'shows the URL where no browser can be opened (no display, -NoBrowser, or $env:CODEXPS_BROWSER empty)' {
        foreach ($case in 'NoBrowser', 'EmptyVariable', 'NoDisplay') {
            $saved = @{ DISPLAY = $env:DISPLAY; WAYLAND_DISPLAY = $env:WAYLAND_DISPLAY }
            try {
                $parameters = @{ ChatGpt = $true; TimeoutSec = 2; ErrorAction = 'Stop'; InformationVariable = 'shown' }
                switch ($case) {
                    'NoBrowser' { $parameters.NoBrowser = $true }
                    'EmptyVariable' { $env:CODEXPS_BROWSER = '' }
                    'NoDisplay' { Remove-Item Env:DISPLAY, Env:WAYLAND_DISPLAY -ErrorAction SilentlyContinue }
                }
                if ($case -eq 'NoDisplay' -and -not $IsLinux) { continue }
                $caught = $null
                try { Connect-CodexAccount @parameters } catch { $caught = $_ }
                $text = $shown | Out-String
                $text | Should -Match 'To sign in, open https://auth\.openai\.com/oauth/authorize\?' -Because $case
                $text | Should -Match 'http://127\.0\.0\.1:\d+/auth/callback' -Because $case
                $text | Should -Match 'DeviceCode' -Because $case
                $caught.FullyQualifiedErrorId | Should -BeLike 'CodexLoginTimedOut,*' -Because $case
            }
            finally {
                Remove-Item Env:CODEXPS_BROWSER -ErrorAction SilentlyContinue
                foreach ($name in $saved.Keys) { if ($null -ne $saved[$name]) { Set-Item "Env:$name" $saved[$name] } }
            }
        }
    }

    It 'opens the page with the program named by $env:CODEXPS_BROWSER, the system opener''s stand-in' -Skip:$IsWindows {
        $folder = New-TestDirectory 'codexps-browser'
        $opened = Join-Path $folder 'opened.txt'
        $opener = Join-Path $folder 'open-browser'
        "#!/bin/sh`nprintf '%s' `"`$1`" > '$opened'`n" | Set-Content -NoNewline $opener
        chmod +x $opener
        $env:CODEXPS_BROWSER = $opener
        { Connect-CodexAccount -ChatGpt -TimeoutSec 3 -InformationVariable script:shown -ErrorAction Stop } | Should -Throw -ErrorId 'CodexLoginTimedOut,*'
        $shown = $script:shown
        Wait-Until { Test-Path $opened } -TimeoutMs 10000
        $null = Assert-RealSignInUrl (Get-Content -Raw $opened)
        ($shown | Out-String) | Should -Match ([regex]::Escape('$CODEXPS_BROWSER'))
    }

    It 'finishes the sign-in against a stand-in issuer: the runtime exchanges the code and stores a ChatGPT login' {
        $service = Start-FakeChatGptService
        try {
            $mock = Start-CodexMockProvider
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningAction SilentlyContinue `
                -Environment @{ CODEX_APP_SERVER_LOGIN_ISSUER = $service.Url } -Config @{ chatgpt_base_url = $service.BackendUrl }
            $seen = @{}
            Connect-CodexAccount -ChatGpt -TimeoutSec 60 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop -Browser {
                # What the browser does once the person has signed in: the issuer sends it back to the callback with a code.
                $query = [Web.HttpUtility]::ParseQueryString(([Uri]$_).Query)
                $seen.Url = $_
                # The runtime's server answers with the success page (after a redirect), and only then reports the login done.
                $seen.Answer = Invoke-WebRequest -Uri ($query['redirect_uri'] + '?code=codexps-test-code&state=' + [Uri]::EscapeDataString($query['state'])) -SkipHttpErrorCheck
            }
            ([Uri]$seen.Url).GetLeftPart('Authority') | Should -Be $service.Url
            $seen.Answer.StatusCode | Should -Be 200
            $seen.Answer.BaseResponse.RequestMessage.RequestUri.AbsolutePath | Should -Be '/success'
            @($service.Log.ToArray() | Where-Object Path -EQ '/oauth/token').Count | Should -BeGreaterThan 0
            ($warnings -join ' ') | Should -Match 'does not use an OpenAI login'
            (Get-Content -Raw (Join-Path (Get-CodexStatus).CodexHome 'auth.json') | ConvertFrom-Json).auth_mode | Should -Be 'chatgpt'
        }
        finally { Stop-FakeChatGptService $service }
    }

    It 'asks nothing of the runtime with -ChatGpt -WhatIf' {
        $seen = @{}
        Connect-CodexAccount -ChatGpt -WhatIf -Browser { $seen.Url = $_ } | Should -BeNullOrEmpty
        $seen.Url | Should -BeNullOrEmpty
        Get-CodexAccount | Should -BeNullOrEmpty
    }
}

Describe 'Connect-CodexAccount -AccessToken (ChatGPT tokens obtained elsewhere) and the runtime''s refresh request' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'FakeChatGpt.ps1')

        function Connect-TokenMock {
            # The mock is the model endpoint; the stand-in ChatGPT backend keeps the runtime's own calls local.
            param([object[]] $Response)
            $mock = Start-CodexMockProvider -Response $Response
            $script:logFile = Join-Path (New-TestDirectory) 'protocol.log'
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ExperimentalApi -LogPath $script:logFile `
                -Config @{ chatgpt_base_url = $script:service.BackendUrl } -WarningAction SilentlyContinue
            $mock
        }

        function Get-AnswerText { param($Events) ($Events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text }
    }

    BeforeEach {
        $script:service = Start-FakeChatGptService
        $script:token = New-TestJwt
    }

    AfterEach {
        Disconnect-Codex
        Stop-FakeChatGptService $script:service
    }

    It 'needs a runtime connected with -ExperimentalApi (the runtime offers this login there only)' {
        $null = Connect-TestMock
        $caught = $null
        try { Connect-CodexAccount -AccessToken (ConvertTo-SecureString $script:token -AsPlainText -Force) -AccountId 'acct-codexps-test' -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'CodexExperimentalApiRequired,*'
        $caught.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $caught.Exception.Message | Should -Match 'ExperimentalApi'
    }

    It 'answers the runtime''s refresh request from -RefreshScript when the endpoint refuses the token, and the turn goes on' {
        $mock = Connect-TokenMock -Response @(@{ Status = 401; Body = '{"error":{"message":"token expired","code":"token_expired"}}' }, @{ Text = 'after the refresh' })
        $marker = Join-Path (New-TestDirectory) 'refresh.json'
        $newToken = New-TestJwt -Email 'refreshed@example.com'
        # The script runs in a runspace of its own: it gets the request as $_ and sees none of this scope's variables.
        $refresh = [scriptblock]::Create("@{ Reason = `$_.Reason; PreviousAccountId = `$_.PreviousAccountId; Kind = [string]`$_.Kind } | ConvertTo-Json | Set-Content '$marker'; @{ AccessToken = '$newToken' }")
        $Error.Clear()
        $streams = Connect-CodexAccount -AccessToken (ConvertTo-SecureString $script:token -AsPlainText -Force) -AccountId 'acct-codexps-test' -RefreshScript $refresh -Verbose -Debug -WarningAction SilentlyContinue *>&1 | Out-String -Width 4096
        $streams | Should -Match 'account/login/start'

        $events = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi' -WarningAction SilentlyContinue
        $events[-1].Status | Should -Be 'Completed'
        Get-AnswerText $events | Should -Be 'after the refresh'
        # Refused once, retried with the new token.
        @($mock.Requests | Where-Object Path -Like '*/responses').Count | Should -Be 2
        Wait-Until { Test-Path $marker }
        $asked = Get-Content -Raw $marker | ConvertFrom-Json
        $asked.Kind | Should -Be 'ChatgptAuthTokensRefresh'
        $asked.Reason | Should -Be 'unauthorized'
        $asked.PreviousAccountId | Should -Be 'acct-codexps-test'

        # Neither token shows anywhere CodexPS writes: streams, errors, the protocol log (the refresh answer is redacted there).
        $log = Get-Content -Raw $script:logFile
        $log | Should -Match 'account/chatgptAuthTokens/refresh'
        foreach ($secret in $script:token, $newToken) {
            $streams | Should -Not -Match ([regex]::Escape($secret))
            $log | Should -Not -Match ([regex]::Escape($secret))
            ($Error | ForEach-Object { $_ | Out-String; $_.Exception.ToString() }) -join "`n" | Should -Not -Match ([regex]::Escape($secret))
        }
    }

    It 'declines the refresh request without -RefreshScript: the turn fails on the 401 and a warning says why' {
        $mock = Connect-TokenMock -Response @(@{ Status = 401 }, @{ Text = 'never sent' })
        Connect-CodexAccount -AccessToken (ConvertTo-SecureString $script:token -AsPlainText -Force) -AccountId 'acct-codexps-test' -WarningAction SilentlyContinue
        $caught = $null
        try { $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi' -WarningVariable turnWarnings -WarningAction SilentlyContinue -ErrorAction Stop } catch { $caught = $_ }
        # The runtime heard the decline and failed the turn with it; it sent nothing more to the endpoint.
        $caught.Exception.Message | Should -Match 'auth refresh request failed'
        @($mock.Requests | Where-Object Path -Like '*/responses').Count | Should -Be 1
        $null = Get-CodexStatus -WarningVariable statusWarnings -WarningAction SilentlyContinue
        (@($turnWarnings) + @($statusWarnings)) -join ' ' | Should -Match 'new ChatGPT tokens.*no refresh script.*declined'
        Get-Content -Raw $script:logFile | Should -Match '"error".*CodexPS has no new ChatGPT tokens'
    }

    It 'declines when the refresh script fails, and reports its error' {
        $mock = Connect-TokenMock -Response @(@{ Status = 401 }, @{ Text = 'never sent' })
        Connect-CodexAccount -AccessToken (ConvertTo-SecureString $script:token -AsPlainText -Force) -AccountId 'acct-codexps-test' -RefreshScript { throw 'the vault is locked' } -WarningAction SilentlyContinue
        $caught = $null
        try { $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'hi' -WarningVariable turnWarnings -WarningAction SilentlyContinue -ErrorAction Stop } catch { $caught = $_ }
        $caught.Exception.Message | Should -Match 'auth refresh request failed'
        @($mock.Requests | Where-Object Path -Like '*/responses').Count | Should -Be 1
        $null = Get-CodexStatus -WarningVariable statusWarnings -WarningAction SilentlyContinue
        (@($turnWarnings) + @($statusWarnings)) -join ' ' | Should -Match 'declined.*the vault is locked'
    }

    It 'refuses an empty token and changes nothing with -WhatIf' {
        $null = Connect-TokenMock -Response @()
        Connect-CodexAccount -AccessToken ([securestring]::new()) -AccountId 'a' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexAccessTokenEmpty,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Connect-CodexAccount -AccessToken (ConvertTo-SecureString $script:token -AsPlainText -Force) -AccountId 'a' -WhatIf
        Get-Content -Raw $script:logFile | Should -Not -Match 'chatgptAuthTokens'
    }
}
