param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    function Get-Completion([string] $Line) {
        @([System.Management.Automation.CommandCompletion]::CompleteInput($Line, $Line.Length, $null).CompletionMatches)
    }
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Argument completers' {
    BeforeAll {
        $null = Connect-TestMock -Response @(@{ Text = 'saved' })
        $saved = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn -Conversation $saved -Prompt 'a conversation to find again'
        $loaded = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        Add-CodexMcpServer -Name docs -Url 'http://127.0.0.1:9/mcp' -Confirm:$false
        Add-CodexMcpServer -Name files -Command 'files-server' -Confirm:$false
    }

    It 'completes -ConversationId of <_> with the session''s conversations' -ForEach @('Send-CodexTurn', 'Stop-CodexTurn', 'Get-CodexMcpServer') {
        $matches = Get-Completion "$_ -ConversationId "
        $matches.CompletionText | Should -Contain $loaded.Id
        $matches.CompletionText | Should -Contain $saved.Id
        ($matches | Where-Object CompletionText -EQ $loaded.Id).ToolTip | Should -Match 'Active in runtime ''default'''
    }

    It 'completes saved conversations for -Id with their preview, by prefix and quoted' {
        $prefix = $saved.Id.Substring(0, 12)
        $matches = Get-Completion "Rename-CodexConversation -Id $prefix"
        $matches.CompletionText | Should -Contain $saved.Id
        $matches.CompletionText | ForEach-Object { $_ | Should -BeLike "$prefix*" }
        (Get-Completion "Get-CodexTurn -ConversationId '$prefix").CompletionText | Should -Contain "'$($saved.Id)'"
        # A conversation only on disk (not loaded in this runtime) comes with the preview of its first prompt.
        Disconnect-Codex
        $null = Connect-Codex -MockProvider (Start-CodexMockProvider) -CodexHome (Split-Path (Split-Path (Split-Path (Split-Path (Split-Path $saved.Path))))) -WarningAction SilentlyContinue
        $fromDisk = Get-Completion "Remove-CodexConversation -Id $prefix" | Where-Object CompletionText -EQ $saved.Id
        $fromDisk.ToolTip | Should -Match 'a conversation to find again'
    }

    It 'completes MCP server names from the config, with wildcards' {
        (Get-Completion 'Get-CodexMcpServer -Name ').CompletionText | Should -Be @('docs', 'files')
        (Get-Completion 'Remove-CodexMcpServer -Name f').CompletionText | Should -Be @('files')
        (Get-Completion 'Set-CodexMcpServer -Name *oc').CompletionText | Should -Be @('docs')
        (Get-Completion 'Set-CodexMcpServer -Name docs').ToolTip | Should -Be 'http://127.0.0.1:9/mcp'
    }

    It 'completes config keys from the runtime''s schema and its current config, with wildcards and quoting' {
        $all = Get-Completion 'Get-CodexConfig -Key '
        $all.CompletionText | Should -Contain 'model'
        $all.CompletionText | Should -Contain 'sandbox_workspace_write.network_access'
        # A key only this config has (MCP servers are free-form tables) comes from the runtime, its value as tooltip.
        ($all | Where-Object CompletionText -EQ 'mcp_servers.docs.url').ToolTip | Should -Be 'mcp_servers.docs.url = http://127.0.0.1:9/mcp'
        (Get-Completion 'Set-CodexConfig -Key sandbox_w').CompletionText | Should -Be @(
            'sandbox_workspace_write', 'sandbox_workspace_write.exclude_slash_tmp', 'sandbox_workspace_write.exclude_tmpdir_env_var',
            'sandbox_workspace_write.network_access', 'sandbox_workspace_write.writable_roots')
        (Get-Completion 'Get-CodexConfig *network_acc').CompletionText | Should -Contain 'sandbox_workspace_write.network_access'
        (Get-Completion "Get-CodexConfig -Key 'model_reasoning_e").CompletionText | Should -Contain "'model_reasoning_effort'"
        (Get-Completion 'Set-CodexConfig -Key approval_policy').ToolTip | Should -Not -BeNullOrEmpty
    }

    It 'completes mock scenario names' {
        (Get-Completion 'Start-CodexMockProvider -Scenario ').CompletionText | Should -Be ([enum]::GetNames([CodexPS.Engine.Mock.MockScenario]) | Sort-Object)
        (Get-Completion 'Start-CodexMockProvider -Scenario Rate').CompletionText | Should -Be @('RateLimitSpike')
    }

    It 'offers nothing and starts nothing without a runtime' {
        Disconnect-Codex -All
        (Get-Completion 'Get-CodexMcpServer -Name ').Count | Should -Be 0
        # Config keys still come from the schema, without asking (or starting) a runtime.
        (Get-Completion 'Get-CodexConfig -Key model_pro').CompletionText | Should -Contain 'model_provider'
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
    }
}
