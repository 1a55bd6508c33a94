param([string] $ModulePath)

# The doctor against the real pinned runtime; the mock is the only stand-in (the model endpoint). Every check has a
# passing case and a failing one.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $script:mock = Start-CodexMockProvider
    $script:checkNames = 'Runtime', 'Sandbox', 'CodexHome', 'Config', 'Login', 'Endpoint', 'McpServer'

    function Get-Check {
        param([object[]] $Checks, [string] $Name)
        $found = @($Checks | Where-Object Name -EQ $Name)
        $found.Count | Should -BeGreaterThan 0 -Because "the doctor reports a $Name check"
        $found
    }

    function Get-ClosedPort {
        # A port nothing listens on: bound once to get a free number, then released.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        $port
    }
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Test-CodexEnvironment on this machine with the mock as endpoint' {
    BeforeAll {
        $script:home1 = New-TestDirectory 'codexps-home'
        $script:checks = @(Test-CodexEnvironment -MockProvider $mock -CodexHome $home1)
    }

    It 'passes: no check fails' {
        $checks | Should -Not -BeNullOrEmpty
        $failed = @($checks | Where-Object Status -EQ 'Fail')
        $failed.Count | Should -Be 0 -Because "nothing may fail on the CI machine: $($failed | Out-String)"
        @($checks | Where-Object Status -EQ 'Skipped').Count | Should -Be 0
        Test-CodexEnvironment -MockProvider $mock -CodexHome $home1 -Quiet | Should -BeTrue
    }

    It 'writes one typed CodexEnvironmentCheck per check, each saying what it found, and a fix unless it passed' {
        $checks | ForEach-Object { $_ | Should -BeOfType CodexPS.Engine.Diagnostics.CodexEnvironmentCheck }
        @($checks.Name | Select-Object -Unique) | Should -Be $checkNames
        foreach ($check in $checks) {
            $check.Found | Should -Not -BeNullOrEmpty
            if ($check.Status -eq 'Pass') { $check.Fix | Should -BeNullOrEmpty } else { $check.Fix | Should -Not -BeNullOrEmpty }
        }
    }

    It 'Runtime: finds the pinned runtime and says it is in the supported range' {
        $runtime = Get-Check $checks Runtime
        $runtime.Status | Should -Be 'Pass'
        $runtime.Found | Should -Match ('codex ' + [regex]::Escape((Get-CodexStatus).PinnedCodexVersion) + ' ')
        $runtime.Found | Should -Match ('supported \(' + [regex]::Escape((Get-CodexStatus).SupportedCodexVersions) + ', pinned')
        Test-Path -LiteralPath $runtime.Target | Should -BeTrue
    }

    It 'Sandbox: a command in the runtime''s sandbox runs and cannot write outside it; bubblewrap from PATH, else the bundled copy (Warn)' -Skip:(-not $IsLinux) {
        $sandbox = Get-Check $checks Sandbox
        if (Get-Command bwrap -CommandType Application -ErrorAction Ignore) {
            $sandbox.Status | Should -Be 'Pass'
            $sandbox.Found | Should -Match 'bubblewrap at '
        }
        else {
            $sandbox.Status | Should -Be 'Warn'
            $sandbox.Found | Should -Match 'not on PATH; the runtime uses its bundled copy'
            $sandbox.Target | Should -Match 'codex-resources[/\\]bwrap$'
            $sandbox.Fix | Should -Match 'apt install bubblewrap'
        }
        $sandbox.Found | Should -Match 'could not write outside it'
    }

    It 'CodexHome: the folder is private to the user' -Skip:$IsWindows {
        $codexHome = Get-Check $checks CodexHome
        $codexHome.Status | Should -Be 'Pass'
        $codexHome.Target | Should -Be $home1
        $codexHome.Found | Should -Match 'owned by you'
    }

    It 'Config: config/read succeeds and the values fit the schema' {
        $config = Get-Check $checks Config
        $config.Status | Should -Be 'Pass'
        $config.Found | Should -Match 'config/read succeeded'
        $config.Found | Should -Match 'fits the runtime''s schema'
    }

    It 'Login: the mock provider needs no login' {
        $login = Get-Check $checks Login
        $login.Status | Should -Be 'Pass'
        $login.Found | Should -Match "No login needed: the model provider 'codexps_mock'"
    }

    It 'Endpoint: the mock answers a GET that spends no tokens, within the time limit' {
        $before = @($mock.Requests).Count
        $endpoint = Get-Check $checks Endpoint
        $endpoint.Status | Should -Be 'Pass'
        $endpoint.Target | Should -Be ($mock.BaseUrl.ToString().TrimEnd('/') + '/models')
        $endpoint.Found | Should -Match 'answered HTTP 404'
        $get = @($mock.Requests | Where-Object { $_.Method -eq 'GET' -and $_.Path -eq '/v1/models' })
        $get.Count | Should -BeGreaterThan 0 -Because 'the doctor asked the mock'
        @($mock.Requests | Where-Object Method -EQ 'POST').Count | Should -Be 0 -Because 'no model request (no tokens) was made'
    }

    It 'McpServer: none configured is a pass' {
        $mcp = Get-Check $checks McpServer
        $mcp.Status | Should -Be 'Pass'
        $mcp.Found | Should -Be 'No MCP servers are configured.'
    }

    It 'has a table view that fits 80 columns' {
        $text = $checks | Out-String -Width 80
        $text | Should -Match 'Status\s+Check\s+Found / Fix'
        @($text -split "`r?`n" | Where-Object { $_.Length -gt 80 }).Count | Should -Be 0
    }
}

Describe 'Test-CodexEnvironment uses the connected runtime''s settings' {
    It 'examines the connected runtime: its CODEX_HOME and its endpoint' {
        $home2 = New-TestDirectory 'codexps-home'
        $mock2 = Start-CodexMockProvider
        Connect-Codex -MockProvider $mock2 -CodexHome $home2
        $pid2 = (Get-CodexStatus).ProcessId
        $checks = @(Test-CodexEnvironment)
        (Get-Check $checks CodexHome).Target | Should -Be $home2
        (Get-Check $checks Endpoint).Target | Should -Be ($mock2.BaseUrl.ToString().TrimEnd('/') + '/models')
        (Get-Check $checks Runtime).Status | Should -Be 'Pass'
        (Get-CodexStatus).ProcessId | Should -Be $pid2 -Because 'the doctor examined the running runtime and left it running'
        Disconnect-Codex
        Stop-CodexMockProvider -MockProvider $mock2
    }
}

Describe 'Test-CodexEnvironment failures' {
    It 'Runtime: a runtime path that does not exist fails, and the checks that need a runtime are skipped' {
        $missing = Join-Path (New-TestDirectory 'codexps-nobin') 'codex'
        $checks = @(Test-CodexEnvironment -MockProvider $mock -CodexPath $missing -CodexHome (New-TestDirectory 'codexps-home'))
        $runtime = Get-Check $checks Runtime
        $runtime.Status | Should -Be 'Fail'
        $runtime.Found | Should -Match ([regex]::Escape($missing))
        $runtime.Fix | Should -Match 'Install-CodexRuntime|npm install'
        foreach ($name in 'Config', 'Login', 'Endpoint', 'McpServer') { (Get-Check $checks $name).Status | Should -Be 'Skipped' }
        Test-CodexEnvironment -MockProvider $mock -CodexPath $missing -Quiet | Should -BeFalse
    }

    It 'Sandbox: a sandbox that cannot run a command (as where user namespaces are forbidden) fails' -Skip:(-not $IsLinux) {
        # A wrapper that is the real runtime for everything but `codex sandbox`, which fails as bwrap does without namespaces.
        $real = (Get-Check @(Test-CodexEnvironment -MockProvider $mock) Runtime).Target
        $wrapper = Join-Path (New-TestDirectory 'codexps-wrap') 'codex'
        Set-Content -LiteralPath $wrapper -Value "#!/bin/sh`nif [ `"`$1`" = sandbox ]; then echo 'bwrap: setting up uid map: Permission denied' >&2; exit 1; fi`nexec '$real' `"`$@`"`n"
        chmod +x $wrapper
        $checks = @(Test-CodexEnvironment -MockProvider $mock -CodexPath $wrapper)
        (Get-Check $checks Runtime).Status | Should -Be 'Pass'
        $sandbox = Get-Check $checks Sandbox
        $sandbox.Status | Should -Be 'Fail'
        $sandbox.Found | Should -Match 'failed \(exit code 1\): bwrap: setting up uid map: Permission denied'
        $sandbox.Fix | Should -Match 'unprivileged user namespaces'
    }

    It 'CodexHome: a world-writable CODEX_HOME fails, and so does an auth.json others can read' -Skip:$IsWindows {
        $open = New-TestDirectory 'codexps-home'
        chmod 777 $open
        $check = Get-Check @(Test-CodexEnvironment -MockProvider $mock -CodexHome $open) CodexHome
        $check.Status | Should -Be 'Fail'
        $check.Found | Should -Match 'mode 777'
        $check.Found | Should -Match 'anyone can write into it'
        $check.Fix | Should -Match "chmod 700 '$([regex]::Escape($open))'"

        $private = New-TestDirectory 'codexps-home'
        chmod 700 $private
        Set-Content -LiteralPath (Join-Path $private 'auth.json') -Value '{}'
        chmod 644 (Join-Path $private 'auth.json')
        $auth = Get-Check @(Test-CodexEnvironment -MockProvider $mock -CodexHome $private) CodexHome
        $auth.Status | Should -Be 'Fail'
        $auth.Found | Should -Match 'auth\.json \(your stored login\) is readable or writable by anyone'
        $auth.Fix | Should -Match 'chmod 600'
    }

    It 'CodexHome: a folder that does not exist yet is a warning, not a failure' {
        $absent = Join-Path (New-TestDirectory 'codexps-parent') 'not-yet'
        $check = (Get-Check @(Test-CodexEnvironment -MockProvider $mock -CodexHome $absent) CodexHome)
        $check.Status | Should -Be 'Warn'
        $check.Found | Should -Match 'does not exist yet'
    }

    It 'Config: an invalid config.toml fails with the runtime''s own message naming the file and line' {
        $bad = New-TestDirectory 'codexps-home'
        Set-Content -LiteralPath (Join-Path $bad 'config.toml') -Value "model = `"gpt-5.5`"`nthis is not toml ["
        $config = Get-Check @(Test-CodexEnvironment -MockProvider $mock -CodexHome $bad) Config
        $config.Status | Should -Be 'Fail'
        $config.Target | Should -Be (Join-Path $bad 'config.toml')
        $config.Found | Should -Match 'cannot read its config'
        $config.Found | Should -Match ([regex]::Escape((Join-Path $bad 'config.toml')) + ':2')
    }

    It 'Config: a value of the wrong kind fails' {
        $bad = New-TestDirectory 'codexps-home'
        Set-Content -LiteralPath (Join-Path $bad 'config.toml') -Value "sandbox_mode = `"everything-goes`""
        $config = Get-Check @(Test-CodexEnvironment -MockProvider $mock -CodexHome $bad) Config
        $config.Status | Should -Be 'Fail'
        $config.Found | Should -Match 'sandbox_mode'
    }

    It 'Login: logged out with a provider that needs an OpenAI login fails; an API key login passes' {
        $fresh = New-TestDirectory 'codexps-home'
        # The runtime's default provider (OpenAI) needs a login; its endpoint is not the point here, so it gets 1 s.
        $checks = @(Test-CodexEnvironment -CodexHome $fresh -TimeoutSec 1)
        $login = Get-Check $checks Login
        $login.Status | Should -Be 'Fail'
        $login.Found | Should -Match "Logged out, and the model provider 'openai' needs an OpenAI login"
        $login.Fix | Should -Match 'Connect-CodexAccount'

        Connect-Codex -CodexHome $fresh
        Connect-CodexAccount -ApiKey (ConvertTo-SecureString 'sk-test-doctor' -AsPlainText -Force) -Confirm:$false | Out-Null
        $after = @(Test-CodexEnvironment -TimeoutSec 1)
        (Get-Check $after Login).Status | Should -Be 'Pass'
        (Get-Check $after Login).Found | Should -Match 'Logged in: apiKey'
        ($after | Out-String) | Should -Not -Match 'sk-test-doctor'
        if (-not $IsWindows) { (Get-Check $after CodexHome).Status | Should -Be 'Pass' -Because 'the runtime stores auth.json privately' }
        Disconnect-Codex
    }

    It 'Login: a key variable that is not set fails' {
        $variable = 'CODEXPS_DOCTOR_UNSET_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $login = Get-Check @(Test-CodexEnvironment -BaseUrl $mock.BaseUrl -ApiKeyEnvironmentVariable $variable) Login
        $login.Status | Should -Be 'Fail'
        $login.Target | Should -Be $variable
        $login.Found | Should -Match "reads its key from \`$$variable, which is not set"
    }

    It 'Endpoint: a closed port fails within the time limit' {
        $port = Get-ClosedPort
        $checks = @(Test-CodexEnvironment -BaseUrl "http://127.0.0.1:$port/v1" -TimeoutSec 3)
        $endpoint = Get-Check $checks Endpoint
        $endpoint.Status | Should -Be 'Fail'
        $endpoint.Target | Should -Be "http://127.0.0.1:$port/v1/models"
        $endpoint.Found | Should -Match 'failed after \d+ ms'
        $endpoint.Fix | Should -Match 'proxy'
        Test-CodexEnvironment -BaseUrl "http://127.0.0.1:$port/v1" -TimeoutSec 3 -Quiet | Should -BeFalse
    }

    It 'McpServer: a server that starts passes with its tools; one whose command does not exist fails' {
        $pwsh = Get-PwshCommand
        $serverArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'McpTestServer.ps1'))
        $config = @{ mcp_servers = @{
            good   = @{ command = $pwsh[0]; args = $serverArgs; startup_timeout_sec = 60 }
            broken = @{ command = '/nonexistent/codexps-mcp-server' }
        } }
        $checks = @(Get-Check @(Test-CodexEnvironment -MockProvider $mock -Config $config) McpServer)
        $checks.Target | Sort-Object | Should -Be @('broken', 'good')
        $good = $checks | Where-Object Target -EQ good
        $good.Status | Should -Be 'Pass'
        $good.Found | Should -Match "MCP server 'good' started \(codexps-test 1\.0\.0\) with 2 tool"
        $broken = $checks | Where-Object Target -EQ broken
        $broken.Status | Should -Be 'Fail'
        $broken.Found | Should -Match "MCP server 'broken' did not start: MCP startup failed: No such file or directory"
        $broken.Fix | Should -Match 'Set-CodexMcpServer'
    }

    It 'refuses -MockProvider with -BaseUrl before anything starts' {
        { Test-CodexEnvironment -MockProvider $mock -BaseUrl 'http://127.0.0.1:1/v1' -ErrorAction SilentlyContinue } |
            Should -Throw -ErrorId 'CodexProviderConflict,CodexPS.Commands.TestCodexEnvironmentCommand'
    }
}
