param([string] $ModulePath)

# The requests the runtime sends besides command and patch approvals: permission requests (request_permissions),
# the model's questions (request_user_input) and MCP elicitations. Each reaches -ApprovalHandler with its own
# Kind, and without a handler in a non-interactive host it is declined and the turn still ends.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    # Both tools are behind runtime features in codex 0.169.0: request_user_input answers "unavailable in
    # Default mode" without the first, and request_permissions is not offered to the model without the second.
    $script:Features = @{
        'features.default_mode_request_user_input' = $true
        'features.request_permissions_tool' = $true
    }

    function Connect-RequestMock {
        param([object[]] $Response, [hashtable] $Config = $script:Features)
        $mock = Start-CodexMockProvider -Response $Response
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -Config $Config
        $mock
    }

    function Get-ToolOutput {
        # What the runtime told the model the tool gave back: the last function_call_output it posted to the mock.
        param($Mock)
        $body = $Mock.Requests[-1].Body | ConvertFrom-Json
        $output = ($body.input | Where-Object type -EQ 'function_call_output' | Select-Object -Last 1).output
        if ($output -is [string]) { return $output }
        ($output | ForEach-Object text) -join "`n"
    }

    function Invoke-BoundedTurn {
        # Send-CodexTurn in another runspace, whose host has no UI (nobody can be asked), and a bound on the wait.
        param($Conversation, [string] $Prompt, [int] $TimeoutMs = 60000)
        $job = Start-InRunspace -Script {
            param($Conversation, $Prompt)
            Send-CodexTurn -Conversation $Conversation -Prompt $Prompt
        } -Arguments @{ Conversation = $Conversation; Prompt = $Prompt }
        try {
            Wait-Until { $job.Handle.IsCompleted } -TimeoutMs $TimeoutMs
            [pscustomobject]@{
                Events = @($job.PowerShell.EndInvoke($job.Handle))
                Warnings = @($job.PowerShell.Streams.Warning | ForEach-Object Message)
            }
        } finally {
            if (-not $job.Handle.IsCompleted) { $job.PowerShell.Stop() }
            $job.PowerShell.Dispose()
        }
    }

    # The start of every scenario: a mock with the given script, a runtime with the features, a conversation.
    $script:ScenarioStart = {
        function Start-Scenario([object[]] $Response, [hashtable] $Config, [string] $Model) {
            $script:mock = Start-CodexMockProvider -Response $Response
            Connect-Codex -MockProvider $mock -CodexHome (Join-Path ([IO.Path]::GetTempPath()) ('codexps-home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))) -Config $Config
            $options = @{ Sandbox = 'WorkspaceWrite'; ApprovalPolicy = 'OnRequest' }
            if ($Model) { $options.Model = $Model }
            New-CodexConversation @options
        }
        function Get-ToolOutput {
            $body = $mock.Requests[-1].Body | ConvertFrom-Json
            $output = ($body.input | Where-Object type -EQ 'function_call_output' | Select-Object -Last 1).output
            if ($output -is [string]) { $output } else { ($output | ForEach-Object text) -join ' ' }
        }
    }.ToString()

    $script:QuestionArguments = @{
        questions = @(@{
            id = 'color'; header = 'Color'; question = 'Which color?'
            options = @(@{ label = 'Red'; description = 'warm' }, @{ label = 'Blue'; description = 'cold' })
        })
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Permission requests (request_permissions)' {
    BeforeEach {
        $ws = New-TestDirectory
        $wanted = Join-Path (New-TestDirectory 'codexps-perm') 'out'
        $arguments = @{ reason = 'write the build output'; permissions = @{ file_system = @{ write = @($wanted) }; network = @{ enabled = $true } } }
        $mock = Connect-RequestMock -Response @(@{ Tool = 'request_permissions'; Arguments = $arguments }, @{ Text = 'ok' })
        $c = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy OnRequest
    }

    It 'reaches the handler with Kind Permissions and what is asked, and an Accept grants it for the turn' {
        $seen = [System.Collections.Generic.List[object]]::new()
        $events = Send-CodexTurn 'ask for more' -Conversation $c -ApprovalHandler { $seen.Add($_); 'Accept' }
        $seen.Count | Should -Be 1
        $seen[0].Kind | Should -Be 'Permissions'
        $seen[0].Reason | Should -Be 'write the build output'
        $seen[0].PermissionsSummary | Should -Be "write $wanted; network"
        ($seen[0].Permissions | ConvertFrom-Json).network.enabled | Should -BeTrue
        $seen[0].Cwd | Should -Be $ws
        $approval = $events | Where-Object Kind -EQ 'ApprovalRequested'
        $approval.Decision | Should -Be 'Accept'
        $approval.Summary | Should -BeLike 'permissions: grant write*network*Accept'
        $granted = Get-ToolOutput $mock | ConvertFrom-Json
        $granted.scope | Should -Be 'turn'
        $granted.permissions.network.enabled | Should -BeTrue
        $granted.permissions.file_system.write | Should -Contain $wanted
        $events[-1].Status | Should -Be 'Completed'
    }

    It 'grants for the session with AcceptForSession' {
        $null = Send-CodexTurn 'ask for more' -Conversation $c -ApprovalHandler { 'AcceptForSession' }
        (Get-ToolOutput $mock | ConvertFrom-Json).scope | Should -Be 'session'
    }

    It 'grants nothing when the handler declines' {
        $events = Send-CodexTurn 'ask for more' -Conversation $c -ApprovalHandler { $false }
        ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
        $granted = Get-ToolOutput $mock | ConvertFrom-Json
        $granted.permissions.network | Should -BeNullOrEmpty
        $granted.permissions.file_system | Should -BeNullOrEmpty
    }

    It 'is declined with a warning in a non-interactive host without a handler, and the turn ends' {
        $run = Invoke-BoundedTurn $c 'ask for more'
        ($run.Events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
        $run.Warnings -join "`n" | Should -Match 'Declined: Grant permissions.*non-interactive'
        $run.Events[-1].Status | Should -Be 'Completed'
        (Get-ToolOutput $mock | ConvertFrom-Json).permissions.network | Should -BeNullOrEmpty
    }

    It 'is declined when the handler throws, with CodexApprovalHandlerFailed' {
        $events = Send-CodexTurn 'ask for more' -Conversation $c -ApprovalHandler { throw 'handler broke' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerFailed*'
        ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
        (Get-ToolOutput $mock | ConvertFrom-Json).permissions.network | Should -BeNullOrEmpty
        $events[-1].Status | Should -Be 'Completed'
    }

    It 'is declined when the handler answers with content it cannot take' {
        $events = Send-CodexTurn 'ask for more' -Conversation $c -ApprovalHandler { @{ network = $true } } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerInvalidAnswer*'
        ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
    }

    It 'is declined with -WhatIf, even with a handler' {
        $events = Send-CodexTurn 'ask for more' -Conversation $c -ApprovalHandler { 'Accept' } -WhatIf
        ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
    }
}

Describe 'The model''s questions (request_user_input)' {
    BeforeEach {
        $mock = Connect-RequestMock -Response @(@{ Tool = 'request_user_input'; Arguments = $QuestionArguments }, @{ Text = 'ok' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Sandbox WorkspaceWrite -ApprovalPolicy OnRequest
    }

    It 'reaches the handler with Kind UserInput and typed questions, and a hashtable answers them' {
        $seen = [System.Collections.Generic.List[object]]::new()
        $events = Send-CodexTurn 'ask me' -Conversation $c -ApprovalHandler { $seen.Add($_); @{ color = 'blue' } }
        $seen.Count | Should -Be 1
        $seen[0].Kind | Should -Be 'UserInput'
        $seen[0].Questions.Count | Should -Be 1
        $seen[0].Questions[0].Id | Should -Be 'color'
        $seen[0].Questions[0].Header | Should -Be 'Color'
        $seen[0].Questions[0].Question | Should -Be 'Which color?'
        $seen[0].Questions[0].Options.Label | Should -Be @('Red', 'Blue')
        $seen[0].Questions[0].Options[1].Description | Should -Be 'cold'
        $approval = $events | Where-Object Kind -EQ 'ApprovalRequested'
        $approval.Decision | Should -Be 'Accept'
        $approval.Summary | Should -BeLike 'question: Which color? `[Red/Blue`]*'
        (Get-ToolOutput $mock | ConvertFrom-Json).answers.color.answers | Should -Be @('Blue')
        $events[-1].Status | Should -Be 'Completed'
    }

    It 'takes the answers from a PSCustomObject too' {
        $null = Send-CodexTurn 'ask me' -Conversation $c -ApprovalHandler { [pscustomobject]@{ color = 'Red' } }
        (Get-ToolOutput $mock | ConvertFrom-Json).answers.color.answers | Should -Be @('Red')
    }

    It 'answers with the recommended (first) option when the handler just accepts' {
        $null = Send-CodexTurn 'ask me' -Conversation $c -ApprovalHandler { 'Accept' }
        (Get-ToolOutput $mock | ConvertFrom-Json).answers.color.answers | Should -Be @('Red')
    }

    It 'answers nothing when the handler declines' {
        $null = Send-CodexTurn 'ask me' -Conversation $c -ApprovalHandler { 'Decline' }
        Get-ToolOutput $mock | Should -Be '{"answers":{}}'
    }

    It 'is declined with a warning in a non-interactive host without a handler, and the turn ends' {
        $run = Invoke-BoundedTurn $c 'ask me'
        ($run.Events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
        $run.Warnings -join "`n" | Should -Match 'Declined: Answer the model''s questions.*non-interactive'
        $run.Events[-1].Status | Should -Be 'Completed'
        Get-ToolOutput $mock | Should -Be '{"answers":{}}'
    }

    It 'is declined when the handler throws, with CodexApprovalHandlerFailed' {
        $events = Send-CodexTurn 'ask me' -Conversation $c -ApprovalHandler { throw 'handler broke' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerFailed*'
        Get-ToolOutput $mock | Should -Be '{"answers":{}}'
        $events[-1].Status | Should -Be 'Completed'
    }

    It 'is declined when the handler answers a question nobody asked' {
        $events = Send-CodexTurn 'ask me' -Conversation $c -ApprovalHandler { @{ size = 'Large' } } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerInvalidAnswer*'
        $errs[0].Exception.Message | Should -Match "no question 'size'"
        ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
        Get-ToolOutput $mock | Should -Be '{"answers":{}}'
    }
}

Describe 'MCP elicitations' {
    BeforeAll {
        # The runtime starts the test MCP server (McpTestServer.ps1) itself, once per conversation. Its tool 'ask'
        # elicits a color and answers "action=<action> color=<color>" with what it got back.
        $pwsh = @(Get-PwshCommand)
        $server = @{ command = $pwsh[0]; args = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'McpTestServer.ps1')) }
        $mock = Connect-RequestMock -Response @() -Config @{ 'mcp_servers.test' = $server }

        function New-McpConversation {
            # A model the runtime's catalogue does not know, so MCP tools are offered directly (not behind tool_search).
            $conversation = New-CodexConversation -Model codexps-mcp-mock -WorkingDirectory (New-TestDirectory) -Sandbox WorkspaceWrite -ApprovalPolicy OnRequest
            Wait-Until { "$($conversation.Client.McpStartupFor($conversation.Id, 'test').Status)" -eq 'Ready' } -TimeoutMs 30000
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromTool('ask', '{}', 'mcp__test'), [CodexPS.Engine.Mock.MockResponse]::FromText('ok'))
            $conversation
        }
    }

    It 'reaches the handler with Kind McpElicitation and the form, and a hashtable fills it in' {
        $c = New-McpConversation
        $seen = [System.Collections.Generic.List[object]]::new()
        $events = Send-CodexTurn 'use ask' -Conversation $c -ApprovalHandler { $seen.Add($_); @{ color = 'Blue' } }
        $seen.Count | Should -Be 1
        $seen[0].Kind | Should -Be 'McpElicitation'
        $seen[0].ServerName | Should -Be 'test'
        $seen[0].Message | Should -Be 'Which color?'
        $seen[0].Mode | Should -Be 'form'
        $seen[0].Fields.Name | Should -Be 'color'
        $seen[0].Fields[0].IsRequired | Should -BeTrue
        ($seen[0].RequestedSchema | ConvertFrom-Json).properties.color.type | Should -Be 'string'
        $approval = $events | Where-Object Kind -EQ 'ApprovalRequested'
        $approval.Decision | Should -Be 'Accept'
        $approval.Summary | Should -Be 'elicitation: test: Which color? → Accept'
        Get-ToolOutput $mock | Should -Match 'action=accept color=Blue'
        $events[-1].Status | Should -Be 'Completed'
    }

    It 'sends Cancel as the cancel action' {
        $c = New-McpConversation
        $null = Send-CodexTurn 'use ask' -Conversation $c -ApprovalHandler { 'Cancel' }
        Get-ToolOutput $mock | Should -Match 'action=cancel color=$'
    }

    It 'is declined with a warning in a non-interactive host without a handler, and the turn ends' {
        $c = New-McpConversation
        $run = Invoke-BoundedTurn $c 'use ask'
        ($run.Events | Where-Object Kind -EQ 'ApprovalRequested').Decision | Should -Be 'Decline'
        $run.Warnings -join "`n" | Should -Match 'Declined: Answer MCP server ''test''.*non-interactive'
        $run.Events[-1].Status | Should -Be 'Completed'
        Get-ToolOutput $mock | Should -Match 'action=decline color=$'
    }

    It 'is declined when the handler throws, with CodexApprovalHandlerFailed' {
        $c = New-McpConversation
        $events = Send-CodexTurn 'use ask' -Conversation $c -ApprovalHandler { throw 'handler broke' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerFailed*'
        Get-ToolOutput $mock | Should -Match 'action=decline color=$'
        $events[-1].Status | Should -Be 'Completed'
    }

    It 'is declined when the form content does not fit' {
        $c = New-McpConversation
        $events = Send-CodexTurn 'use ask' -Conversation $c -ApprovalHandler { @{ shade = 'dark' } } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerInvalidAnswer*'
        Get-ToolOutput $mock | Should -Match 'action=decline color=$'
        $events[-1].Status | Should -Be 'Completed'
    }
}

Describe 'Prompts in an interactive host (no handler)' {
    It 'asks each question with its options and sends the chosen answers, an own answer through Other' {
        $scenario = $ScenarioStart + {
            $questions = @(
                @{ id = 'color'; header = 'Color'; question = 'Which color?'; options = @(@{ label = 'Red'; description = 'warm' }, @{ label = 'Blue'; description = 'cold' }) }
                @{ id = 'name'; header = 'Name'; question = 'Your name?'; options = @(@{ label = 'Bob'; description = 'b' }, @{ label = 'Carol'; description = 'c' }) }
            )
            $c = Start-Scenario -Response @(@{ Tool = 'request_user_input'; Arguments = @{ questions = $questions } }, @{ Text = 'ok' }) -Config $Features
            $events = Send-CodexTurn 'ask me' -Conversation $c
            Get-ToolOutput
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Request.DecidedBy
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        # Blue for the first question; Other (after Bob and Carol) for the second, then the typed answer.
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ Features = $Features } -Choices 1, 2 -Inputs 'Ada'
        $run.Errors | Should -BeNullOrEmpty
        $asked = @($run.Log | Where-Object { $_ -notlike 'warning|*' })
        $answers = ($run.Output[0] | ConvertFrom-Json).answers
        $answers.color.answers | Should -Be @('Blue')
        $answers.name.answers | Should -Be @('Ada')
        $run.Output[1] | Should -Be 'User'
        $asked[0] | Should -Be 'choice|Codex asks: Color|Which color?|&Red,&Blue,&Other|0|1'
        $asked[1] | Should -Be 'choice|Codex asks: Name|Your name?|&Bob,&Carol,&Other|0|2'
        $asked[2] | Should -Be 'prompt|Codex asks: Name|Your name?|Answer|Answer|String|optional'
    }

    It 'asks before granting permissions: No grants nothing, Yes to All grants for the session' {
        $scenario = $ScenarioStart + {
            $ask = @{ Tool = 'request_permissions'; Arguments = @{ reason = 'fetch packages'; permissions = @{ network = @{ enabled = $true } } } }
            $c = Start-Scenario -Response @($ask, @{ Text = 'ok' }, $ask, @{ Text = 'ok' }) -Config $Features
            $null = Send-CodexTurn 'first' -Conversation $c
            Get-ToolOutput
            $events = Send-CodexTurn 'second' -Conversation $c
            Get-ToolOutput
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Decision
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ Features = $Features } -Choices 2, 1
        $run.Errors | Should -BeNullOrEmpty
        $asked = @($run.Log | Where-Object { $_ -notlike 'warning|*' })
        ($run.Output[0] | ConvertFrom-Json).permissions.network | Should -BeNullOrEmpty
        $second = $run.Output[1] | ConvertFrom-Json
        $second.permissions.network.enabled | Should -BeTrue
        $second.scope | Should -Be 'session'
        $run.Output[2] | Should -Be 'AcceptForSession'
        $asked[0] | Should -BeLike 'choice|Codex approval|Codex asks to grant permissions: network (in *) Reason: fetch packages|&Yes,Yes to &All,&No,No to A&ll*|0|2'
    }

    It 'asks before answering an MCP form, then asks for each field' {
        $pwsh = @(Get-PwshCommand)
        $server = @{ command = $pwsh[0]; args = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'McpTestServer.ps1')) }
        $scenario = $ScenarioStart + {
            $ask = [CodexPS.Engine.Mock.MockResponse]::FromTool('ask', '{}', 'mcp__test')
            $c = Start-Scenario -Response @() -Config @{ 'mcp_servers.test' = $Server } -Model 'codexps-mcp-mock'
            $wait = [System.Diagnostics.Stopwatch]::StartNew()
            while ("$($c.Client.McpStartupFor($c.Id, 'test').Status)" -ne 'Ready' -and $wait.ElapsedMilliseconds -lt 30000) { Start-Sleep -Milliseconds 50 }
            $mock.Enqueue($ask, [CodexPS.Engine.Mock.MockResponse]::FromText('ok'), $ask, [CodexPS.Engine.Mock.MockResponse]::FromText('ok'))
            $null = Send-CodexTurn 'first' -Conversation $c
            Get-ToolOutput
            $null = Send-CodexTurn 'second' -Conversation $c
            Get-ToolOutput
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        # Yes and Green for the first elicitation; No for the second.
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ Server = $server } -Choices 0, 1 -Inputs 'Green'
        $run.Errors | Should -BeNullOrEmpty
        $asked = @($run.Log | Where-Object { $_ -notlike 'warning|*' })
        $run.Output[0] | Should -Match 'action=accept color=Green'
        $run.Output[1] | Should -Match 'action=decline color=$'
        $asked[0] | Should -BeLike "choice|Codex: MCP server 'test'|Which color? It asks for: Color Answer it?|&Yes,&No*|0|0"
        $asked[1] | Should -Be "prompt|Codex: MCP server 'test'|Which color?|color|Color|String|mandatory"
        $asked[2] | Should -BeLike "choice|Codex: MCP server 'test'|*|1"
    }
}
