param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    # Every model request of these scripts reports this usage, so the numbers the budgets see are known exactly.
    function Usage([int] $In, [int] $Out, [int] $Cached = 0) { @{ InputTokens = $In; OutputTokens = $Out; CachedInputTokens = $Cached } }

    function New-BudgetConversation {
        param([object[]] $Response, [hashtable] $Pricing, [long] $TokenBudget)
        $mock = Start-CodexMockProvider -Response $Response
        $connect = @{ MockProvider = $mock; CodexHome = (New-TestDirectory 'codexps-home') }
        if ($Pricing) { $connect.Pricing = $Pricing }
        Connect-Codex @connect
        $new = @{ WorkingDirectory = (New-TestDirectory); Sandbox = 'WorkspaceWrite'; ApprovalPolicy = 'Never' }
        if ($TokenBudget) { $new.TokenBudget = $TokenBudget }
        [pscustomobject]@{ Mock = $mock; Conversation = (New-CodexConversation @new) }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Budgets' {
    It 'interrupts a turn streaming past -MaxTokens and keeps everything it received' {
        $t = New-BudgetConversation -Response @(
            @{ Text = 'Looking at the files first.'; Deltas = 4; Command = 'echo one'; Usage = (Usage 400 100) },
            @{ Command = 'echo two'; Usage = (Usage 450 100) },
            @{ Text = 'never reached'; DelayMs = 1500; Usage = (Usage 10 10) },
            @{ Text = 'the next turn works'; Usage = (Usage 10 10) })
        $events = @(Send-CodexTurn -Conversation $t.Conversation 'go' -IncludeDelta -MaxTokens 800 -ErrorVariable errs -ErrorAction SilentlyContinue)

        $exceeded = @($events | Where-Object Kind -EQ BudgetExceeded)
        $exceeded.Count | Should -Be 1
        $exceeded[0] | Should -BeOfType ([CodexPS.Engine.Protocol.BudgetExceededEvent])
        $exceeded[0].Limit | Should -Be 'MaxTokens'
        $exceeded[0].LimitValue | Should -Be 800
        $exceeded[0].Measured | Should -Be 1050
        # Right after the report that passed it: 500 tokens, then 1050.
        $events[[array]::IndexOf($events, $exceeded[0]) - 1].Total.TotalTokens | Should -Be 1050
        @($events | Where-Object Kind -EQ TokenUsage).Total.TotalTokens | Should -Be @(500, 1050)

        # Everything received before the stop is kept: the streamed message, both commands and their output.
        -join @($events | Where-Object Kind -EQ AgentMessageDelta).Delta | Should -Be 'Looking at the files first.'
        (-join @($events | Where-Object Kind -EQ CommandOutputDelta).Delta) | Should -Match '(?s)one.*two'
        @($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Count | Should -Be 2
        $events[-1].Kind | Should -Be TurnCompleted
        $events[-1].Status | Should -Be Interrupted
        ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Not -Contain 'never reached'

        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexBudgetExceeded,*'
        $errs[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $errs[0].TargetObject.Id | Should -Be $t.Conversation.Id
        $errs[0].Exception.Message | Should -Match '1050 tokens, more than -MaxTokens 800'

        # The conversation stays usable.
        $next = @(Send-CodexTurn -Conversation $t.Conversation 'again')
        $next[-1].Status | Should -Be Completed
    }

    It 'stops the third turn of a conversation with -TokenBudget, refuses the next, and goes on once raised' {
        $turn = { param($n) @{ Command = "echo $n"; Usage = (Usage 300 100) }, @{ Text = "done $n"; Usage = (Usage 300 100) } }
        $t = New-BudgetConversation -TokenBudget 1900 -Response @(
            (& $turn 1) + (& $turn 2) + @(@{ Command = 'echo 3'; Usage = (Usage 300 100) }, @{ Text = 'never reached'; DelayMs = 1500 }, @{ Text = 'raised' }))
        $c = $t.Conversation
        $c.TokenBudget | Should -Be 1900

        $first = @(Send-CodexTurn -Conversation $c 'one' -ErrorAction Stop)
        $second = @(Send-CodexTurn -Conversation $c 'two' -ErrorAction Stop)
        $first[-1].Status, $second[-1].Status | Should -Be @('Completed', 'Completed')
        @($first + $second | Where-Object Kind -EQ BudgetExceeded).Count | Should -Be 0
        $c.BudgetTokensUsed | Should -Be 1600

        $third = @(Send-CodexTurn -Conversation $c 'three' -ErrorVariable errs -ErrorAction SilentlyContinue)
        $exceeded = $third | Where-Object Kind -EQ BudgetExceeded
        $exceeded.Limit | Should -Be 'TokenBudget'
        $exceeded.LimitValue | Should -Be 1900
        $exceeded.Measured | Should -Be 2000
        $third[-1].Status | Should -Be Interrupted
        @($third | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexBudgetExceeded,*'

        # No tokens left: refused before anything reaches the model.
        $requests = $t.Mock.Requests.Count
        $fourth = @(Send-CodexTurn -Conversation $c 'four' -ErrorVariable refused -ErrorAction SilentlyContinue)
        $fourth.Count | Should -Be 0
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'CodexBudgetExceeded,*'
        $refused[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $refused[0].TargetObject.Id | Should -Be $c.Id
        $t.Mock.Requests.Count | Should -Be $requests

        Set-CodexConversation -Conversation $c -TokenBudget 100000
        $c.TokenBudget | Should -Be 100000
        (@(Send-CodexTurn -Conversation $c 'five' -ErrorAction Stop))[-1].Status | Should -Be Completed
    }

    It 'stops a turn at the exact token count the prices imply with -MaxCostUsd, and prices the metric and CostUsd' {
        # Per request: (2000 - 1000 cached) x $2 + 1000 x $0.50 + 500 x $8 per million = $0.0065; two pass $0.01.
        $prices = @{ 'gpt-5.5' = @{ Input = 2; CachedInput = 0.5; Output = 8 } }
        $t = New-BudgetConversation -Pricing $prices -Response @(
            @{ Command = 'echo a'; Usage = (Usage 2000 500 1000) },
            @{ Command = 'echo b'; Usage = (Usage 2000 500 1000) },
            @{ Command = 'echo c'; Usage = (Usage 2000 500 1000) },
            @{ Text = 'never reached'; DelayMs = 1500 })
        $t.Conversation.Model | Should -Be 'gpt-5.5'
        $events = @(Send-CodexTurn -Conversation $t.Conversation 'spend' -MaxCostUsd 0.01 -ErrorVariable errs -ErrorAction SilentlyContinue)

        $exceeded = $events | Where-Object Kind -EQ BudgetExceeded
        $exceeded.Limit | Should -Be 'MaxCostUsd'
        $exceeded.LimitValue | Should -Be 0.01
        $exceeded.Measured | Should -BeOfType ([decimal])
        $exceeded.Measured | Should -Be ([decimal]'0.013')
        # Stopped at the second request's report: 5000 tokens, the first count whose price passes $0.01.
        @($events | Where-Object Kind -EQ TokenUsage).Total.TotalTokens | Should -Be @(2500, 5000)
        $events[-1].Status | Should -Be Interrupted
        $events[-1].CostUsd | Should -Be ([decimal]'0.013')
        $errs[0].Exception.Message | Should -Match 'cost 0.013 USD, more than -MaxCostUsd 0.01'

        $conversationId = $t.Conversation.Id
        Wait-Until { @(Get-CodexMetric -Name model_token_cost -Conversation $conversationId | Where-Object Value -NE $null).Count -ge 1 }
        (Get-CodexMetric -Name model_token_cost -Conversation $conversationId)[-1].Value | Should -Be 0.013
    }

    It 'changes nothing when a budget is never reached' {
        $script = {
            @(@{ Text = 'Checking.'; Deltas = 3; Command = 'echo same'; Usage = (Usage 100 20) },
                @{ Text = 'All the same.'; Deltas = 2; Usage = (Usage 120 30) },
                @{ Text = 'One shot.'; Usage = (Usage 50 5) })
        }
        $shape = { param($events) @($events | ForEach-Object { "$($_.Kind) $($_.Method) $(if ($_.Kind -like '*Delta') { $_.Delta })" }) }
        $budgets = @{ MaxTokens = 1000000; MaxDuration = '00:10:00'; MaxToolCalls = 5; MaxCostUsd = 100 }

        $plain = New-BudgetConversation -Response (& $script)
        $without = @(Send-CodexTurn -Conversation $plain.Conversation 'same' -IncludeDelta -ErrorAction Stop)
        $withoutResult = Invoke-Codex 'same' -WorkingDirectory (New-TestDirectory) -ErrorAction Stop
        Disconnect-Codex

        $budgeted = New-BudgetConversation -TokenBudget 1000000 -Pricing @{ 'gpt-5.5' = @{ Input = 1; CachedInput = 1; Output = 1 } } -Response (& $script)
        $with = @(Send-CodexTurn -Conversation $budgeted.Conversation 'same' -IncludeDelta @budgets -ErrorVariable errs)
        $withResult = Invoke-Codex 'same' -WorkingDirectory (New-TestDirectory) @budgets -ErrorVariable invokeErrs
        $errs.Count + $invokeErrs.Count | Should -Be 0

        (& $shape $with) | Should -Be (& $shape $without)
        $with[-1].Status | Should -Be Completed
        $budgeted.Mock.Requests.Count | Should -Be $plain.Mock.Requests.Count
        $withResult.Status, $withResult.FinalResponse | Should -Be @($withoutResult.Status, $withoutResult.FinalResponse)
        $withResult.Items.Type | Should -Be $withoutResult.Items.Type
        $withResult.BudgetExceeded | Should -BeNullOrEmpty
        # Only the prices add something: a cost.
        $without[-1].CostUsd | Should -BeNullOrEmpty
        $withoutResult.CostUsd | Should -BeNullOrEmpty
        $with[-1].CostUsd | Should -Be ([decimal]'0.00027')
        $withResult.CostUsd | Should -Be ([decimal]'0.000055')
    }

    It 'stops the tool call past -MaxToolCalls and the turn that runs past -MaxDuration' {
        $t = New-BudgetConversation -Response @(
            @{ Command = 'echo 1' }, @{ Command = 'echo 2' }, @{ Command = 'echo 3' }, @{ Text = 'never reached'; DelayMs = 1500 },
            @{ Text = 'slow'; DelayMs = 8000 })
        $events = @(Send-CodexTurn -Conversation $t.Conversation 'three commands' -MaxToolCalls 2 -ErrorAction SilentlyContinue)
        $exceeded = $events | Where-Object Kind -EQ BudgetExceeded
        $exceeded.Limit | Should -Be 'MaxToolCalls'
        $exceeded.LimitValue, $exceeded.Measured | Should -Be @(2, 3)
        $events[-1].Status | Should -Be Interrupted

        $t.Mock.Requests.Count | Should -BeIn @(3, 4)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $slow = @(Send-CodexTurn -Conversation $t.Conversation 'take your time' -MaxDuration ([timespan]::FromSeconds(1)) -ErrorVariable errs -ErrorAction SilentlyContinue)
        $clock.Stop()
        $exceeded = $slow | Where-Object Kind -EQ BudgetExceeded
        $exceeded.Limit | Should -Be 'MaxDuration'
        $exceeded.Measured | Should -BeGreaterThan ([timespan]::FromSeconds(1))
        $slow[-1].Status | Should -Be Interrupted
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 7
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexBudgetExceeded,*'
    }

    It 'gives Invoke-Codex results a CostUsd only with prices, and stops them like Send-CodexTurn' {
        $mock = Connect-TestMock -Response @(@{ Text = 'free?'; Usage = (Usage 1000 100) })
        $result = Invoke-Codex 'how much' -WorkingDirectory (New-TestDirectory) -ErrorAction Stop
        $result.CostUsd | Should -BeNullOrEmpty
        $result.PSObject.Properties.Name | Should -Contain 'CostUsd'

        $mock = Start-CodexMockProvider -Response @(
            @{ Command = 'echo a'; Usage = (Usage 1000 100) }, @{ Command = 'echo b'; Usage = (Usage 1000 100) }, @{ Text = 'never reached'; DelayMs = 1500 })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -Pricing @{ 'gpt-5.5' = @{ Input = 1; CachedInput = 0.1; Output = 4 } }
        $result = Invoke-Codex 'spend' -WorkingDirectory (New-TestDirectory) -Sandbox WorkspaceWrite -ApprovalPolicy Never -MaxCostUsd 0.002 -ErrorVariable errs -ErrorAction SilentlyContinue
        $result.Status | Should -Be Interrupted
        $result.CostUsd | Should -Be ([decimal]'0.0028')
        $result.BudgetExceeded.Limit | Should -Be MaxCostUsd
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexBudgetExceeded,*'
    }

    It 'stops a background turn (-AsJob) the same way, with the error in the job' {
        $t = New-BudgetConversation -Response @(
            @{ Command = 'echo bg'; Usage = (Usage 600 100) }, @{ Text = 'never reached'; DelayMs = 1500 })
        $job = Send-CodexTurn -Conversation $t.Conversation 'in the background' -MaxTokens 500 -AsJob
        $null = Wait-Job $job -Timeout 60
        $events = @(Receive-Job $job -ErrorVariable jobErrors -ErrorAction SilentlyContinue)
        ($events | Where-Object Kind -EQ BudgetExceeded).Measured | Should -Be 700
        $events[-1].Status | Should -Be Interrupted
        @($jobErrors | Where-Object FullyQualifiedErrorId -Like 'CodexBudgetExceeded*').Count | Should -Be 1
        @($jobErrors | Where-Object FullyQualifiedErrorId -Like 'CodexBudgetExceeded*')[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        Remove-Job $job -Force
    }

    It 'refuses bad prices naming the entry, and a cost limit without a price' {
        $home1 = New-TestDirectory 'codexps-home'
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'x' })
        { Connect-Codex -MockProvider $mock -CodexHome $home1 -Pricing @{ 'gpt-5.5' = @{ Input = 1; Output = 2 } } } |
            Should -Throw -ErrorId 'CodexPricingInvalid,CodexPS.Commands.ConnectCodexCommand'
        try { Connect-Codex -MockProvider $mock -CodexHome $home1 -Pricing @{ 'gpt-5.5' = @{ Input = 1; CachedInput = 'cheap'; Output = 2 } } } catch { $bad = $_ }
        $bad.TargetObject | Should -Be 'gpt-5.5'
        $bad.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $bad.Exception.Message | Should -Match 'CachedInput'

        $file = Join-Path (New-TestDirectory) 'prices.json'
        '{ "gpt-5.5": { "Input": 1, "CachedInput": 0.25, "Output": 4 }, "other": { "Input": -1, "CachedInput": 0, "Output": 0 } }' | Set-Content $file
        try { Connect-Codex -MockProvider $mock -CodexHome $home1 -Pricing $file } catch { $bad = $_ }
        $bad.FullyQualifiedErrorId | Should -BeLike 'CodexPricingInvalid,*'
        $bad.TargetObject | Should -Be 'other'

        Connect-Codex -MockProvider $mock -CodexHome $home1
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $none = @(Send-CodexTurn -Conversation $c 'costly' -MaxCostUsd 1 -ErrorVariable missing -ErrorAction SilentlyContinue)
        $none.Count | Should -Be 0
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'CodexPricingMissing,*'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $mock.Requests.Count | Should -Be 0
    }
}
