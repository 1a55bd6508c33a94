param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexStatus' {
    It 'reports NotStarted and nulls before any runtime runs' {
        Disconnect-Codex
        $status = Get-CodexStatus
        $status.RuntimeState | Should -Be 'NotStarted'
        $status.CodexVersion | Should -BeNullOrEmpty
        $status.ProcessId | Should -BeNullOrEmpty
        $status.RateLimits | Should -Be $null    # a report with no window prints empty; it is not null
        $status.ModuleVersion | Should -Be (Get-Module CodexPS).Version.ToString()
        $status.CodexPath | Should -Exist
    }

    It 'reports the running runtime, its conversations and no invented rate limits' {
        $mock = Connect-TestMock -Response @(@{ Text = 'no limits here' })
        $status = Get-CodexStatus
        $status.RuntimeState | Should -Be 'Running'
        $status.CodexVersion | Should -Be (Get-Content -Raw (Join-Path $PSScriptRoot '../../native/package.json') | ConvertFrom-Json).dependencies.'@openai/codex'
        $status.CodexHome | Should -Exist
        $status.Account | Should -BeNullOrEmpty
        $status.RateLimits | Should -Be $null    # a report with no window prints empty; it is not null
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'hi' -Conversation $c
        (Get-CodexStatus).Conversations.Id | Should -Contain $c.Id
        # The endpoint sent no rate-limit headers: the runtime still reports its limit after the model request
        # (account/rateLimits/updated, limit "codex"), with no window, and none is made up.
        $limits = (Get-CodexStatus).RateLimits
        # (BeOfType, not -Not -BeNullOrEmpty: a report with no window prints as an empty string.)
        $limits | Should -BeOfType CodexPS.Engine.Protocol.CodexRateLimits -Because 'the runtime reports rate limits after every model request'
        $limits.LimitId | Should -Be 'codex'
        $limits.Primary | Should -Be $null
        $limits.Secondary | Should -Be $null
    }

    It 'reports the rate limits the model endpoint sent' {
        $resetAt = [DateTimeOffset]::UtcNow.AddHours(3).ToUnixTimeSeconds()
        $mock = Connect-TestMock -Response @(@{
                Text       = 'limited'
                RateLimits = @{ PrimaryUsedPercent = 42; PrimaryWindowMinutes = 300; PrimaryResetAt = $resetAt; SecondaryUsedPercent = 7; SecondaryWindowMinutes = 10080 }
            })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'hi' -Conversation $c
        $limits = ($events | Where-Object Kind -EQ 'RateLimits' | Select-Object -Last 1)
        $limits.Primary.UsedPercent | Should -Be 42
        $status = Get-CodexStatus
        $status.RateLimits.Primary.UsedPercent | Should -Be 42
        $status.RateLimits.Primary.WindowMinutes | Should -Be 300
        $status.RateLimits.Primary.ResetsAt.ToUnixTimeSeconds() | Should -Be $resetAt
        $status.RateLimits.Secondary.UsedPercent | Should -Be 7
        $status.RateLimits.Secondary.WindowMinutes | Should -Be 10080
        $status.RateLimits.Secondary.ResetsAt | Should -BeNullOrEmpty
    }
}
