param([string] $ModulePath)

# The agent calls your PowerShell: tools made by New-CodexTool, advertised through thread/start dynamicTools, called
# by the scripted model through the real runtime (item/tool/call), run in this runspace on the pipeline thread.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Connect-ToolMock {
        # The runtime takes a conversation's own tools through its experimental API only.
        param([object[]] $Response)
        $mock = Start-CodexMockProvider -Response $Response
        $script:toolHome = New-TestDirectory 'codexps-home'
        $script:log = Join-Path (New-TestDirectory) 'protocol.log'
        Connect-Codex -MockProvider $mock -CodexHome $script:toolHome -ExperimentalApi -LogPath $script:log -WarningAction SilentlyContinue
        $mock
    }

    function Get-ToolOutputSent {
        # What the model was given back for its call: the function_call_output of the request after it.
        param($Mock, [int] $Request = 1)
        $body = $Mock.Requests[$Request].Body | ConvertFrom-Json -Depth 64
        @($body.input | Where-Object type -EQ 'function_call_output')[-1].output
    }

    function Get-ToolItem { param($Events) $Events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'DynamicToolCall' } | ForEach-Object Item }
    function Get-AnswerText { param($Events) $Events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' } | ForEach-Object { $_.Item.Text } }

    function global:Get-TestInventory {
        <#
        .SYNOPSIS
        Lists the servers of a site.
        .PARAMETER Site
        The site's code.
        #>
        param([Parameter(Mandatory)][ValidateSet('ams', 'nyc')][string] $Site, [int] $Top = 2)
        $global:CodexToolTestRunspace = [runspace]::DefaultRunspace.Id
        $global:CodexToolTestThread = [Threading.Thread]::CurrentThread.ManagedThreadId
        1..$Top | ForEach-Object { [pscustomobject]@{ Name = "$Site-srv$_"; Up = $true } }
    }

    function global:Restart-TestAppPool {
        # Changes the world: it writes a marker file. ConfirmImpact High, so a call asks for consent first.
        [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
        param([Parameter(Mandatory)][string] $Name, [Parameter(Mandatory)][string] $Marker)
        if ($PSCmdlet.ShouldProcess($Name, 'Restart')) { Set-Content -Path $Marker -Value "restarted $Name" }
        "restarted $Name"
    }

    function global:Save-TestText {
        # Records exactly what it was given, to show arguments are data.
        param([Parameter(Mandatory)][string] $Text, [Parameter(Mandatory)][string] $Path)
        Set-Content -LiteralPath $Path -Value $Text -NoNewline
        "saved $($Text.Length) characters"
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
    Remove-Item function:global:Get-TestInventory, function:global:Restart-TestAppPool, function:global:Save-TestText -ErrorAction SilentlyContinue
}

Describe 'A PowerShell command as the agent''s tool' {
    AfterEach { Disconnect-Codex; Stop-CodexMockProvider }

    It 'runs the command in this runspace on the pipeline thread, and the model''s next request carries its output' {
        $mock = Connect-ToolMock @(@{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams","Top":3}' }, @{ Text = 'There are 3 servers.' })
        $tool = New-CodexTool -Command (Get-Command Get-TestInventory)
        $conversation = New-CodexConversation -Tool $tool -WorkingDirectory (New-TestDirectory)
        $global:CodexToolTestRunspace = $null
        $events = @(Send-CodexTurn 'list ams' -Conversation $conversation)

        $events[-1].Status | Should -Be 'Completed'
        $global:CodexToolTestRunspace | Should -Be ([runspace]::DefaultRunspace.Id)
        $global:CodexToolTestThread | Should -Be ([Threading.Thread]::CurrentThread.ManagedThreadId)
        # Advertised to the model with the schema from the command's metadata.
        $first = $mock.Requests[0].Body | ConvertFrom-Json -Depth 64
        $spec = @($first.tools | Where-Object name -EQ 'Get-TestInventory')[0]
        $spec.description | Should -Be 'Lists the servers of a site.'
        $spec.parameters.properties.Site.enum | Should -Be @('ams', 'nyc')
        $spec.parameters.required | Should -Be @('Site')
        # The command's output came back to the model as the call's output.
        $sent = Get-ToolOutputSent $mock
        ($sent | ConvertFrom-Json).Name | Should -Be @('ams-srv1', 'ams-srv2', 'ams-srv3')
        # The typed item: tool, arguments, output, success, duration.
        $item = Get-ToolItem $events
        $item | Should -BeOfType ([CodexPS.Engine.Protocol.DynamicToolCallItem])
        $item.Tool | Should -Be 'Get-TestInventory'
        ($item.Arguments | ConvertFrom-Json).Site | Should -Be 'ams'
        $item.Success | Should -BeTrue
        $item.Output | Should -Be $sent
        $item.Duration | Should -Not -BeNullOrEmpty
        ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'DynamicToolCall' }).Summary | Should -Match '^tool: Get-TestInventory .*ams.* → \['
        Get-AnswerText $events | Should -Be 'There are 3 servers.'
    }

    It 'records, replays and meters the call like any item' {
        $mock = Connect-ToolMock @(@{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"nyc","Top":1}' }, @{ Text = 'one' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory)
        $recording = Join-Path (New-TestDirectory) 'turn.jsonl'
        $events = @(Send-CodexTurn 'list nyc' -Conversation $conversation -RecordTo $recording)
        $events[-1].Status | Should -Be 'Completed'
        $replayed = @(Resume-CodexConversation -Path $recording -Replay)
        $item = Get-ToolItem $replayed
        $item.Tool | Should -Be 'Get-TestInventory'
        $item.Success | Should -BeTrue
        $item.Output | Should -Be (Get-ToolItem $events).Output
        @($replayed | Where-Object { $_.Kind -eq 'ApprovalRequested' -and $_.Request.Kind -eq 'ToolCall' }).Decision | Should -Be 'Accept'
        Wait-Until { @(Get-CodexMetric -Name item_duration | Where-Object Label -EQ 'DynamicToolCall').Count -ge 1 } -TimeoutMs 10000
        (@(Get-CodexMetric -Name item_duration | Where-Object Label -EQ 'DynamicToolCall')[-1]).Value | Should -BeGreaterThan 0
    }

    It 'passes arguments as data: strings that look like code arrive as those literal strings, and nothing else runs' {
        $dir = New-TestDirectory
        $canary = Join-Path $dir 'canary.txt'
        Set-Content $canary 'still here'
        $received1 = Join-Path $dir 'one.txt'
        $received2 = Join-Path $dir 'two.txt'
        $evil1 = "`$(Remove-Item '$canary')"
        $evil2 = "x; Remove-Item '$canary'; rm -rf /"
        $mock = Connect-ToolMock @(
            @{ Tool = 'Save-TestText'; Arguments = (@{ Text = $evil1; Path = $received1 } | ConvertTo-Json -Compress) },
            @{ Tool = 'Save-TestText'; Arguments = (@{ Text = $evil2; Path = $received2 } | ConvertTo-Json -Compress) },
            @{ Text = 'saved both' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Save-TestText)) -WorkingDirectory $dir
        $events = @(Send-CodexTurn 'save' -Conversation $conversation)
        $events[-1].Status | Should -Be 'Completed'
        Get-Content -LiteralPath $received1 -Raw | Should -BeExactly $evil1
        Get-Content -LiteralPath $received2 -Raw | Should -BeExactly $evil2
        Get-Content $canary | Should -Be 'still here'
        @(Get-ToolItem $events).Success | Should -Be @($true, $true)
    }

    It 'tells the model about arguments the binder refuses, and the turn goes on' {
        $mock = Connect-ToolMock @(
            @{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"paris"}' },
            @{ Tool = 'Get-TestInventory'; Arguments = '{"Top":1}' },
            @{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams","Colour":"red"}' },
            @{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams","Top":"many"}' },
            @{ Text = 'I gave up.' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn 'list' -Conversation $conversation)
        $events[-1].Status | Should -Be 'Completed'
        $items = @(Get-ToolItem $events)
        $items.Count | Should -Be 4
        $items.Success | Should -Be @($false, $false, $false, $false)
        Get-ToolOutputSent $mock 1 | Should -Match 'paris'
        Get-ToolOutputSent $mock 2 | Should -Match 'Site'
        Get-ToolOutputSent $mock 3 | Should -Match 'Colour'
        Get-ToolOutputSent $mock 4 | Should -Match 'many|Top'
        Get-AnswerText $events | Should -Be 'I gave up.'
    }

    It 'answers a call of a tool the conversation does not have with an error the model reads' {
        $mock = Connect-ToolMock @(@{ Tool = 'Remove-Everything'; Arguments = '{}' }, @{ Text = 'No such tool.' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn 'go' -Conversation $conversation)
        $events[-1].Status | Should -Be 'Completed'
        # The runtime itself refuses names it was not given, or CodexPS does: either way the model is told, and nothing ran.
        Get-ToolOutputSent $mock | Should -Match 'Remove-Everything'
    }

    It 'routes a call in a namespace to the tool of that namespace (several commands at once)' {
        $mock = Connect-ToolMock @(@{ Tool = 'Get-TestInventory'; Namespace = 'ops'; Arguments = '{"Site":"nyc","Top":1}' }, @{ Text = 'one server' })
        $tools = New-CodexTool -Command (Get-Command Get-TestInventory, Save-TestText) -Namespace ops
        $conversation = New-CodexConversation -Tool $tools -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn 'list nyc' -Conversation $conversation)
        $events[-1].Status | Should -Be 'Completed'
        $first = $mock.Requests[0].Body | ConvertFrom-Json -Depth 64
        $namespace = @($first.tools | Where-Object { $_.type -eq 'namespace' -and $_.name -eq 'ops' })
        $namespace.Count | Should -Be 1
        @($namespace[0].tools.name) | Should -Be @('Get-TestInventory', 'Save-TestText')
        (Get-ToolOutputSent $mock | ConvertFrom-Json).Name | Should -Be 'nyc-srv1'
        (Get-ToolItem $events).Namespace | Should -Be 'ops'
    }

    It 'stops a call that runs longer than -TimeoutSec and tells the model; the turn goes on' {
        $mock = Connect-ToolMock @(@{ Tool = 'slow'; Arguments = '{}' }, @{ Text = 'it was slow' })
        $tool = New-CodexTool -Name slow -Description 'Sleeps.' -ScriptBlock { Start-Sleep -Seconds 60; 'woke' } -TimeoutSec 2
        $conversation = New-CodexConversation -Tool $tool -WorkingDirectory (New-TestDirectory)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $events = @(Send-CodexTurn 'go' -Conversation $conversation -WarningVariable warned -WarningAction SilentlyContinue)
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 40
        $events[-1].Status | Should -Be 'Completed'
        (Get-ToolItem $events).Success | Should -BeFalse
        Get-ToolOutputSent $mock | Should -Match 'stopped after 2'
        "$warned" | Should -Match 'time limit'
    }
}

Describe 'Consent for tools that change the world' {
    BeforeEach {
        $script:marker = Join-Path (New-TestDirectory) 'restarted.txt'
        $script:arguments = @{ Name = 'web01'; Marker = $script:marker } | ConvertTo-Json -Compress
    }
    AfterEach { Disconnect-Codex; Stop-CodexMockProvider }

    It 'declines without a handler in a non-interactive host: nothing runs, and the model is told' {
        $mock = Connect-ToolMock @(@{ Tool = 'Restart-TestAppPool'; Arguments = $arguments }, @{ Text = 'not allowed' })
        $tool = New-CodexTool -Command (Get-Command Restart-TestAppPool)
        $tool.RequiresConsent | Should -BeTrue
        $conversation = New-CodexConversation -Tool $tool -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn 'restart web01' -Conversation $conversation -WarningAction SilentlyContinue)
        $events[-1].Status | Should -Be 'Completed'
        $script:marker | Should -Not -Exist
        Get-ToolOutputSent $mock | Should -Match 'not run.*did not allow'
        (Get-ToolItem $events).Success | Should -BeFalse
    }

    It 'asks the approval handler with Kind ToolCall, the tool and the bound arguments; Accept runs it' {
        $mock = Connect-ToolMock @(@{ Tool = 'Restart-TestAppPool'; Arguments = $arguments }, @{ Text = 'restarted' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Restart-TestAppPool)) -WorkingDirectory (New-TestDirectory)
        $global:CodexToolAsked = $null
        $events = @(Send-CodexTurn 'restart web01' -Conversation $conversation -ApprovalHandler { $global:CodexToolAsked = $_; 'Accept' })
        $events[-1].Status | Should -Be 'Completed'
        $global:CodexToolAsked.Kind | Should -Be 'ToolCall'
        $global:CodexToolAsked.Tool | Should -Be 'Restart-TestAppPool'
        ($global:CodexToolAsked.Arguments | ConvertFrom-Json).Name | Should -Be 'web01'
        Get-Content $script:marker | Should -Be 'restarted web01'
        Get-ToolOutputSent $mock | Should -Match 'restarted web01'
    }

    It 'asks the person at an interactive host (Yes runs it once), and the progress bar names the call' {
        $scenario = {
            function Restart-Pool {
                [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
                param([Parameter(Mandatory)][string] $Name)
                if ($PSCmdlet.ShouldProcess($Name, 'Restart')) { Set-Content -Path $Marker -Value "restarted $Name" }
                "restarted $Name"
            }
            $mock = Start-CodexMockProvider -Response @(@{ Tool = 'Restart-Pool'; Arguments = '{"Name":"web01"}' }, @{ Text = 'done' })
            Connect-Codex -MockProvider $mock -CodexHome $CodexHome -ExperimentalApi -WarningAction SilentlyContinue
            $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Restart-Pool)) -WorkingDirectory $CodexHome
            $events = @(Send-CodexTurn 'restart web01' -Conversation $conversation)
            "status=$($events[-1].Status)"
            "success=$(($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'DynamicToolCall' } | ForEach-Object Item).Success)"
            Disconnect-Codex; Stop-CodexMockProvider
        }.ToString()
        # Choice 0 is Yes.
        $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ CodexHome = (New-TestDirectory 'codexps-home'); Marker = $script:marker } -Choices 0
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Contain 'status=Completed'
        $run.Output | Should -Contain 'success=True'
        Get-Content $script:marker | Should -Be 'restarted web01'
        @($run.Shown | Where-Object { $_ -like 'progress|*|Calling: Restart-Pool' }).Count | Should -BeGreaterThan 0
        @($run.Shown | Where-Object { $_ -like 'progress|*|Waiting for approval*' }).Count | Should -Be 0 -Because 'a tool call is not a runtime approval; only its consent asks'
    }

    It 'runs nothing when the handler declines' {
        $mock = Connect-ToolMock @(@{ Tool = 'Restart-TestAppPool'; Arguments = $arguments }, @{ Text = 'declined' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Restart-TestAppPool)) -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn 'restart web01' -Conversation $conversation -ApprovalHandler { 'Decline' })
        $events[-1].Status | Should -Be 'Completed'
        $script:marker | Should -Not -Exist
        Get-ToolOutputSent $mock | Should -Match 'not run'
    }

    It 'declines under -WhatIf on the turn' {
        $mock = Connect-ToolMock @(@{ Tool = 'Restart-TestAppPool'; Arguments = $arguments }, @{ Text = 'what if' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Restart-TestAppPool)) -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'restart web01' -Conversation $conversation -ApprovalHandler { 'Accept' } -WhatIf -InformationAction SilentlyContinue
        $script:marker | Should -Not -Exist
        Get-ToolOutputSent $mock | Should -Match 'not run'
    }

    It 'runs a -Trusted tool without asking' {
        $mock = Connect-ToolMock @(@{ Tool = 'Restart-TestAppPool'; Arguments = $arguments }, @{ Text = 'trusted' })
        $tool = New-CodexTool -Command (Get-Command Restart-TestAppPool) -Trusted
        $tool.RequiresConsent | Should -BeFalse
        $conversation = New-CodexConversation -Tool $tool -WorkingDirectory (New-TestDirectory)
        $global:CodexToolAsked = $null
        $events = @(Send-CodexTurn 'restart web01' -Conversation $conversation -ApprovalHandler { $global:CodexToolAsked = $_; 'Decline' })
        $events[-1].Status | Should -Be 'Completed'
        $global:CodexToolAsked | Should -BeNullOrEmpty
        Get-Content $script:marker | Should -Be 'restarted web01'
    }

    It 'runs a read-only command without asking' {
        $mock = Connect-ToolMock @(@{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams","Top":1}' }, @{ Text = 'read' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory)
        $global:CodexToolAsked = $null
        $events = @(Send-CodexTurn 'list' -Conversation $conversation -ApprovalHandler { $global:CodexToolAsked = $_; 'Decline' })
        $global:CodexToolAsked | Should -BeNullOrEmpty
        (Get-ToolItem $events).Success | Should -BeTrue
    }
}

Describe 'Where tool calls run, and where they do not' {
    AfterEach { Disconnect-Codex; Stop-CodexMockProvider }

    It 'declines a call in an -AsJob turn with a reason the model reads (tools run only on the pipeline thread of their runspace)' {
        $mock = Connect-ToolMock @(@{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams"}' }, @{ Text = 'no tools in jobs' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory)
        $global:CodexToolTestRunspace = $null
        $job = Send-CodexTurn 'list' -Conversation $conversation -AsJob
        $null = $job | Wait-Job -Timeout 120
        $events = @($job | Receive-Job -WarningVariable jobWarnings -WarningAction SilentlyContinue)
        $events[-1].Status | Should -Be 'Completed'
        $global:CodexToolTestRunspace | Should -BeNullOrEmpty
        Get-ToolOutputSent $mock | Should -Match '-AsJob'
        "$jobWarnings" | Should -Match 'AsJob'
        $job | Remove-Job
    }

    It 'stops a running call on Ctrl+C and interrupts the turn' {
        $mock = Connect-ToolMock @(@{ Tool = 'slow'; Arguments = '{}' }, @{ Text = 'never' })
        $ready = Join-Path (New-TestDirectory) 'ready.txt'
        $run = Start-InRunspace -Arguments @{ Mock = $mock; CodexHome = (New-TestDirectory 'codexps-home'); Ready = $ready } -Script {
            param($Mock, $CodexHome, $Ready)
            Connect-Codex -MockProvider $Mock -CodexHome $CodexHome -ExperimentalApi -WarningAction SilentlyContinue
            $tool = New-CodexTool -Name slow -Description 'Sleeps.' -ScriptBlock { Set-Content $Ready 'called'; Start-Sleep -Seconds 60 } -TimeoutSec 120
            $global:conversation = New-CodexConversation -Tool $tool -WorkingDirectory $CodexHome
            Send-CodexTurn 'go' -Conversation $global:conversation
        }
        Wait-Until { Test-Path $ready } -TimeoutMs 60000
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $run.PowerShell.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 15
        # The same runspace, now idle: the turn was interrupted and the conversation is free again.
        $check = [powershell]::Create()
        $check.Runspace = $run.PowerShell.Runspace
        $status = $check.AddScript('$sw = [Diagnostics.Stopwatch]::StartNew(); while ($global:conversation.ActiveTurn -and $sw.ElapsedMilliseconds -lt 20000) { Start-Sleep -Milliseconds 50 }; "$($global:conversation.LastTurn.Completion.Result.Status)"; Disconnect-Codex').Invoke()
        $check.Dispose()
        "$status" | Should -Be 'Interrupted'
        $run.PowerShell.Runspace.Dispose()
        $run.PowerShell.Dispose()
        @($mock.Requests | Where-Object Path -Like '*/responses').Count | Should -Be 1 -Because 'the stopped call never reached the model'
    }
}

Describe 'Tools of a conversation loaded again' {
    AfterEach { Disconnect-Codex; Stop-CodexMockProvider }

    It 'keeps the tools in the runtime after resume in a new runtime; -Tool gives back what runs them, and without it the model is told how' {
        $mock = Connect-ToolMock @(
            @{ Text = 'first turn' },
            @{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams","Top":1}' }, @{ Text = 'resumed without tools' },
            @{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"nyc","Top":1}' }, @{ Text = 'resumed with tools' })
        $tool = New-CodexTool -Command (Get-Command Get-TestInventory)
        $conversation = New-CodexConversation -Tool $tool -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'one' -Conversation $conversation
        $id = $conversation.Id
        Disconnect-Codex
        Connect-Codex -MockProvider $mock -CodexHome $script:toolHome -ExperimentalApi -WarningAction SilentlyContinue

        $resumed = Resume-CodexConversation -Id $id
        $events = @(Send-CodexTurn 'two' -Conversation $resumed)
        $events[-1].Status | Should -Be 'Completed'
        # The runtime kept the thread's tools: the model is offered the tool again after resume.
        ($mock.Requests[1].Body | ConvertFrom-Json -Depth 64).tools.name | Should -Contain 'Get-TestInventory'
        Get-ToolOutputSent $mock 2 | Should -Match 'Resume-CodexConversation -Tool'

        Disconnect-Codex
        Connect-Codex -MockProvider $mock -CodexHome $script:toolHome -ExperimentalApi -WarningAction SilentlyContinue
        $resumed = Resume-CodexConversation -Id $id -Tool $tool
        $events = @(Send-CodexTurn 'three' -Conversation $resumed)
        $events[-1].Status | Should -Be 'Completed'
        (Get-ToolOutputSent $mock 4 | ConvertFrom-Json).Name | Should -Be 'nyc-srv1'
    }

    It 'gives a fork the tools of the conversation it was forked from' {
        $mock = Connect-ToolMock @(@{ Text = 'first' }, @{ Tool = 'Get-TestInventory'; Arguments = '{"Site":"ams","Top":1}' }, @{ Text = 'fork used the tool' })
        $conversation = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'one' -Conversation $conversation
        $fork = Copy-CodexConversation -Conversation $conversation
        $fork.Tools.Count | Should -Be 1
        $events = @(Send-CodexTurn 'two' -Conversation $fork)
        $events[-1].Status | Should -Be 'Completed'
        ($mock.Requests[1].Body | ConvertFrom-Json -Depth 64).tools.name | Should -Contain 'Get-TestInventory'
        (Get-ToolOutputSent $mock 2 | ConvertFrom-Json).Name | Should -Be 'ams-srv1'
    }
}

Describe 'Bad tool lists (nothing is sent to the runtime)' {
    AfterEach { Disconnect-Codex; Stop-CodexMockProvider }

    It 'refuses two tools of one name' {
        $null = Connect-ToolMock @()
        $one = New-CodexTool -Name same -Description 'one' -ScriptBlock { 1 }
        $two = New-CodexTool -Name same -Description 'two' -ScriptBlock { 2 }
        $caught = $null
        try { $null = New-CodexConversation -Tool $one, $two -WorkingDirectory (New-TestDirectory) -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'CodexToolNameDuplicate,*'
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $caught.TargetObject | Should -Be $two
        Get-Content -Raw $script:log | Should -Not -Match 'thread/start'
    }

    It 'refuses tools on a runtime connected without the experimental API, and says how' {
        $mock = Start-CodexMockProvider -Response @()
        $log = Join-Path (New-TestDirectory) 'protocol.log'
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log -WarningAction SilentlyContinue
        $caught = $null
        try { $null = New-CodexConversation -Tool (New-CodexTool -Command (Get-Command Get-TestInventory)) -WorkingDirectory (New-TestDirectory) -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'CodexExperimentalApiRequired,*'
        $caught.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $caught.Exception.Message | Should -Match 'Connect-Codex -ExperimentalApi'
        $caught.TargetObject.Name | Should -Be 'Get-TestInventory'
        Get-Content -Raw $log | Should -Not -Match 'thread/start'
    }
}
