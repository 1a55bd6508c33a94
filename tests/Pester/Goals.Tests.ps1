param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-, Set- and Clear-CodexGoal' {
    BeforeAll {
        # The model's own goal tool (create_goal) sets a goal during the first turn.
        $mock = Connect-TestMock -Response @(
            @{ Tool = 'create_goal'; Arguments = '{"objective":"ship the release","token_budget":900000}' }, @{ Text = 'goal made' },
            @{ Text = 'second turn' })
        $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
    }

    It 'writes nothing for a conversation without a goal' {
        Get-CodexGoal $conversation -ErrorVariable errs | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
    }

    It 'a goal the model sets in a turn arrives as a typed GoalUpdated event and is what Get-CodexGoal reads' {
        $events = Send-CodexTurn -Conversation $conversation 'set yourself a goal'
        $updates = @($events | Where-Object Kind -EQ 'GoalUpdated')
        $updates.Count | Should -BeGreaterThan 0
        $updates[0] | Should -BeOfType CodexPS.Engine.Protocol.GoalEvent
        $updates[0].Method | Should -Be 'thread/goal/updated'
        $updates[0].TurnId | Should -Be $events[-1].TurnId
        $updates[0].Goal.Objective | Should -Be 'ship the release'
        $updates[0].Goal.TokenBudget | Should -Be 900000
        $goal = Get-CodexGoal $conversation
        $goal | Should -BeOfType CodexPS.Engine.Protocol.CodexGoal
        $goal.Objective | Should -Be 'ship the release'
        $goal.ConversationId | Should -Be $conversation.Id
        $goal.Status | Should -Be $updates[-1].Goal.Status
        # The runtime keeps counting the goal's tokens after its last report in the turn.
        $goal.TokensUsed | Should -BeGreaterOrEqual $updates[-1].Goal.TokensUsed
        $conversation.Goal.Objective | Should -Be 'ship the release'
        $goal.CreatedAt | Should -BeOfType [DateTimeOffset]
    }

    It 'Set-CodexGoal changes what is given and keeps the rest' {
        $goal = Set-CodexGoal $conversation -Objective 'write the docs' -Confirm:$false
        $goal.Objective | Should -Be 'write the docs'
        $goal.TokenBudget | Should -Be 900000
        $goal = Set-CodexGoal $conversation -Status Paused -Confirm:$false
        $goal.Status | Should -Be 'Paused'
        $goal.Objective | Should -Be 'write the docs'
        (Get-CodexGoal $conversation).Status | Should -Be 'Paused'
        ($goal | Out-String) | Should -Match 'Paused\s+\d+/900000\s+\S+\s+write the docs'
    }

    It 'Set-CodexGoal -WhatIf changes nothing' {
        Set-CodexGoal $conversation -Objective 'something else' -WhatIf | Should -BeNullOrEmpty
        (Get-CodexGoal $conversation).Objective | Should -Be 'write the docs'
    }

    It 'Set-CodexGoal with nothing to set writes CodexGoalEmpty' {
        Set-CodexGoal $conversation -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexGoalEmpty*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].TargetObject | Should -Be $conversation
    }

    It 'Clear-CodexGoal clears it; the GoalCleared notification outside a turn reaches the conversation' {
        Wait-Until { $conversation.Goal.Status -eq 'Paused' } -TimeoutMs 10000
        Clear-CodexGoal $conversation -Confirm:$false | Should -BeNullOrEmpty
        Get-CodexGoal $conversation | Should -BeNullOrEmpty
        Wait-Until { $null -eq $conversation.Goal } -TimeoutMs 10000
    }

    It 'Clear-CodexGoal -WhatIf changes nothing' {
        $null = Set-CodexGoal $conversation 'again' -Confirm:$false
        Clear-CodexGoal $conversation -WhatIf
        (Get-CodexGoal $conversation).Objective | Should -Be 'again'
    }
}
