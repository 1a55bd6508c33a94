param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $pwsh = Get-PwshCommand
    $serverScript = Join-Path $PSScriptRoot 'McpTestServer.ps1'
    # The shipped stdio MCP server, started by the runtime itself.
    $serverArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $serverScript)
    function Get-ConfigText { Get-Content -Raw (Join-Path $codexHome 'config.toml') -ErrorAction SilentlyContinue }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'MCP server management' {
    BeforeAll {
        $mock = Start-CodexMockProvider -Response @(
            @{ Tool = 'echo'; Namespace = 'mcp__test'; Arguments = @{ text = 'hi from the model' } }
            @{ Text = 'The tool answered.' }
        )
        $codexHome = New-TestDirectory 'codexps-home'
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $added = Add-CodexMcpServer -Name test -Command $pwsh[0] -ArgumentList $serverArgs -Environment @{ CODEXPS_TEST_SECRET = 's3cr3t-value' } -StartupTimeoutSec 60 -PassThru -Confirm:$false
    }

    It 'adds a stdio server to config.toml and shows it ready with its tools' {
        $added | Should -BeOfType CodexPS.Engine.Mcp.CodexMcpServer
        $added.Name | Should -Be 'test'
        $added.Transport | Should -Be 'Stdio'
        $added.Command | Should -Be $pwsh[0]
        $added.Arguments[-1] | Should -Be $serverScript
        $added.ServerName | Should -Be 'codexps-test'
        $added.ServerVersion | Should -Be '1.0.0'
        $added.ToolsError | Should -BeNullOrEmpty
        $added.Tools.Name | Should -Be @('ask', 'echo')
        ($added.Tools | Where-Object Name -EQ echo).Description | Should -Be 'Repeats the text it is given.'
        ($added.Tools | Where-Object Name -EQ echo).ReadOnly | Should -BeTrue
        (ConvertFrom-Json ($added.Tools | Where-Object Name -EQ echo).InputSchema).required | Should -Be @('text')
        Get-ConfigText | Should -Match '\[mcp_servers\.test\]'
    }

    It 'never shows environment values, only their names' {
        $added.EnvironmentVariableNames | Should -Be @('CODEXPS_TEST_SECRET')
        ($added | Format-List * | Out-String) | Should -Not -Match 's3cr3t-value'
        ($added | ConvertTo-Json -Depth 5) | Should -Not -Match 's3cr3t-value'
    }

    It 'formats servers and tools as tables' {
        $text = $added | Out-String -Width 200
        $text | Should -Match 'test\s+True\s+\S+\s+ask, echo'
        ($added.Tools | Out-String) | Should -Match 'test\s+echo\s+True\s+Repeats the text'
    }

    It 'lets the model call the server''s tool in a turn, as an McpToolCall item' {
        # A model outside the runtime's catalogue gets MCP tools directly (catalogue models find them by tool_search).
        $conversation = New-CodexConversation -Model codexps-mcp-mock -Sandbox ReadOnly -ApprovalPolicy Never
        Wait-Until { (Get-CodexMcpServer test -Conversation $conversation).StartupStatus -in 'Ready', 'Failed' } -TimeoutMs 30000
        (Get-CodexMcpServer test -Conversation $conversation).StartupStatus | Should -Be 'Ready'
        $events = @(Send-CodexTurn -Conversation $conversation -Prompt 'Use the echo tool.' -WarningAction SilentlyContinue)
        $call = $events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'McpToolCall' } | Select-Object -First 1
        $call | Should -Not -BeNullOrEmpty
        $call.Item | Should -BeOfType CodexPS.Engine.Protocol.McpToolCallItem
        $call.Item.Server | Should -Be 'test'
        $call.Item.Tool | Should -Be 'echo'
        (ConvertFrom-Json $call.Item.Arguments).text | Should -Be 'hi from the model'
        $call.Item.Status | Should -Be 'Completed'
        $call.Item.ResultText | Should -Be 'echo: hi from the model'
        $call.Summary | Should -Be 'mcp: test.echo → echo: hi from the model'
        $events[-1].Status | Should -Be 'Completed'
        # The runtime gave the tool's answer back to the model.
        $mock.Requests[1].Body | Should -Match 'echo: hi from the model'
    }

    It 'lists the server with Get-CodexMcpServer, by name and wildcard' {
        (Get-CodexMcpServer).Name | Should -Contain 'test'
        (Get-CodexMcpServer -Name 't*').Name | Should -Be 'test'
        Get-CodexMcpServer -Name 'nomatch*' | Should -BeNullOrEmpty
    }

    It 'writes CodexMcpServerNotFound for an unknown name' {
        Get-CodexMcpServer -Name nosuch -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexMcpServerNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'nosuch'
    }

    It 'switches the server off and on with Set-CodexMcpServer' {
        Set-CodexMcpServer test -Enabled $false -Confirm:$false
        (Get-CodexMcpServer test).Enabled | Should -BeFalse
        Get-ConfigText | Should -Match 'enabled = false'
        $back = Get-CodexMcpServer test | Set-CodexMcpServer -Enabled $true -PassThru -Confirm:$false
        $back.Enabled | Should -BeTrue
        # Fields not given stay as they were.
        $back.Command | Should -Be $pwsh[0]
        $back.EnvironmentVariableNames | Should -Be @('CODEXPS_TEST_SECRET')
    }

    It 'limits the tools the model gets with -EnabledTool and -DisabledTool, written to config.toml' {
        $only = Set-CodexMcpServer test -EnabledTool echo -PassThru -Confirm:$false
        $only.EnabledTools | Should -Be @('echo')
        $only.DisabledTools | Should -BeNullOrEmpty
        $only.Tools.Name | Should -Be @('echo')
        Get-ConfigText | Should -Match 'enabled_tools = \["echo"\]'

        # $null removes the allow-list; the deny-list takes 'ask' away.
        $deny = Set-CodexMcpServer test -EnabledTool $null -DisabledTool ask -PassThru -Confirm:$false
        $deny.EnabledTools | Should -BeNullOrEmpty
        $deny.DisabledTools | Should -Be @('ask')
        $deny.Tools.Name | Should -Be @('echo')
        Get-ConfigText | Should -Not -Match 'enabled_tools'
        Get-ConfigText | Should -Match 'disabled_tools = \["ask"\]'

        # A new runtime reads the same lists back from config.toml.
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        (Get-CodexMcpServer test).DisabledTools | Should -Be @('ask')

        $all = Set-CodexMcpServer test -DisabledTool $null -PassThru -Confirm:$false
        $all.DisabledTools | Should -BeNullOrEmpty
        $all.Tools.Name | Should -Be @('ask', 'echo')
        Get-ConfigText | Should -Not -Match 'disabled_tools'
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-ConfigText
        Set-CodexMcpServer test -Enabled $false -WhatIf
        Add-CodexMcpServer -Name other -Command 'other-server' -WhatIf
        Remove-CodexMcpServer test -WhatIf
        Get-ConfigText | Should -Be $before
    }

    It 'refuses to add a server whose name exists, and replaces it with -Force' {
        Add-CodexMcpServer -Name test -Command 'x' -ErrorVariable err -ErrorAction SilentlyContinue -Confirm:$false
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexMcpServerExists*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        (Get-CodexMcpServer test).Command | Should -Be $pwsh[0]

        Add-CodexMcpServer -Name replaced -Command 'first' -Confirm:$false
        Add-CodexMcpServer -Name replaced -Command 'second' -Force -Confirm:$false
        $config = Get-ConfigText
        $config | Should -Match 'command = "second"'
        $config | Should -Not -Match 'command = "first"'
        Remove-CodexMcpServer replaced -Confirm:$false
    }

    It 'adds an HTTP server and reports why it cannot be reached' {
        $server = Add-CodexMcpServer -Name web -Url 'http://127.0.0.1:9/mcp' -BearerTokenEnvironmentVariable WEB_TOKEN -PassThru -Confirm:$false
        $server.Transport | Should -Be 'Http'
        $server.Url | Should -Be 'http://127.0.0.1:9/mcp'
        $server.BearerTokenEnvironmentVariable | Should -Be 'WEB_TOKEN'
        $server.ToolsError | Should -Not -BeNullOrEmpty
        $server.Tools | Should -BeNullOrEmpty
    }

    It 'reports a definition the runtime rejects with CodexMcpServerConfigRejected and keeps the config' {
        $before = Get-ConfigText
        Set-CodexMcpServer web -Command 'also-a-command' -ErrorVariable err -ErrorAction SilentlyContinue -Confirm:$false
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexMcpServerConfigRejected*'
        $err[0].Exception.Message | Should -Match 'url is not supported for stdio'
        $err[0].TargetObject | Should -Be 'web'
        Get-ConfigText | Should -Be $before
    }

    It 'refuses bad input with clear errors and writes nothing' -TestCases @(
        @{ Case = 'a bad name'; Script = { Add-CodexMcpServer -Name 'bad name!' -Command x -Confirm:$false }; ErrorId = 'CodexMcpServerNameInvalid'; Category = 'InvalidArgument' }
        @{ Case = 'a non-http URL'; Script = { Add-CodexMcpServer -Name ftp -Url 'ftp://example.com/mcp' -Confirm:$false }; ErrorId = 'CodexMcpServerUrlInvalid'; Category = 'InvalidArgument' }
        @{ Case = 'a missing folder'; Script = { Add-CodexMcpServer -Name cwd -Command x -WorkingDirectory (Join-Path $codexHome 'no-such-folder') -Confirm:$false }; ErrorId = 'CodexWorkingDirectoryNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'an unknown server'; Script = { Set-CodexMcpServer nosuch -Enabled $true -Confirm:$false }; ErrorId = 'CodexMcpServerNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'nothing to set'; Script = { Set-CodexMcpServer test -Confirm:$false }; ErrorId = 'CodexMcpServerNothingToSet'; Category = 'InvalidArgument' }
        @{ Case = 'removing an unknown server'; Script = { Remove-CodexMcpServer nosuch -Confirm:$false }; ErrorId = 'CodexMcpServerNotFound'; Category = 'ObjectNotFound' }
    ) {
        param($Case, $Script, $ErrorId, $Category)
        $before = Get-ConfigText
        $ErrorActionPreference = 'Continue'
        $err = @(& $Script 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        $err[0].CategoryInfo.Category | Should -Be $Category
        Get-ConfigText | Should -Be $before
    }

    It 'removes servers from the config and from the runtime''s list' {
        Get-CodexMcpServer web | Remove-CodexMcpServer -Confirm:$false
        Remove-CodexMcpServer te* -Confirm:$false
        Get-CodexMcpServer | Should -BeNullOrEmpty
        Get-ConfigText | Should -Not -Match 'mcp_servers'
    }
}

Describe 'Removing a server the session config also sets' {
    It 'refuses with CodexMcpServerInSessionConfig and changes nothing; without those keys it removes it' {
        $mock = Start-CodexMockProvider
        $codexHome = New-TestDirectory 'codexps-home'
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        Add-CodexMcpServer -Name kept -Command $pwsh[0] -ArgumentList $serverArgs -EnabledTool echo -StartupTimeoutSec 60 -Confirm:$false
        (Get-CodexMcpServer kept).EnabledTools | Should -Be @('echo')
        $before = Get-ConfigText

        Connect-Codex -MockProvider $mock -CodexHome $codexHome -Config @{ 'mcp_servers.kept.tool_timeout_sec' = 30 }
        Remove-CodexMcpServer kept -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexMcpServerInSessionConfig,CodexPS.Commands.RemoveCodexMcpServerCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].TargetObject | Should -Be 'kept'
        $err[0].Exception.Message | Should -Match 'mcp_servers\.kept\.tool_timeout_sec'
        Get-ConfigText | Should -Be $before

        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        Remove-CodexMcpServer kept -Confirm:$false
        Get-CodexMcpServer | Should -BeNullOrEmpty
        Get-ConfigText | Should -Not -Match 'mcp_servers'
    }
}
