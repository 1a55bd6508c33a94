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

Describe 'Get-CodexStatus reads the account''s rate limits and usage without a turn' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'FakeChatGpt.ps1')
        $script:resetAt = [DateTimeOffset]::UtcNow.AddHours(2).ToUnixTimeSeconds()
        $script:weeklyResetAt = [DateTimeOffset]::UtcNow.AddDays(3).ToUnixTimeSeconds()
        # What chatgpt.com/backend-api answers, in its own (snake_case) shape; the runtime turns it into its protocol.
        $script:routes = @{
            '/wham/usage'       = @{ plan_type = 'pro'; rate_limit = @{ allowed = $true; limit_reached = $false
                    primary_window = @{ used_percent = 42; limit_window_seconds = 18000; reset_after_seconds = 7200; reset_at = $script:resetAt }
                    secondary_window = @{ used_percent = 7; limit_window_seconds = 604800; reset_after_seconds = 259200; reset_at = $script:weeklyResetAt } } } | ConvertTo-Json -Depth 5 -Compress
            '/wham/profiles/me' = @{ stats = @{ lifetime_tokens = 123456; peak_daily_tokens = 5000; current_streak_days = 3; longest_streak_days = 9 } } | ConvertTo-Json -Depth 5 -Compress
        }
    }

    AfterEach {
        Disconnect-Codex
    }

    It 'fills RateLimits and Usage from account/rateLimits/read and account/usage/read for a ChatGPT login' {
        $service = Start-FakeChatGptService -Routes $script:routes
        try {
            $mock = Start-CodexMockProvider
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ExperimentalApi -Config @{ chatgpt_base_url = $service.BackendUrl } -WarningAction SilentlyContinue
            Connect-CodexAccount -AccessToken (ConvertTo-SecureString (New-TestJwt) -AsPlainText -Force) -AccountId 'acct-codexps-test' -WarningAction SilentlyContinue
            $status = Get-CodexStatus
            $status.RateLimits.Primary.UsedPercent | Should -Be 42
            $status.RateLimits.Primary.WindowMinutes | Should -Be 300
            $status.RateLimits.Primary.Label | Should -BeExactly '5h'
            $status.RateLimits.Primary.ResetsAt.ToUnixTimeSeconds() | Should -Be $script:resetAt
            $status.RateLimits.Secondary.UsedPercent | Should -Be 7
            $status.RateLimits.Secondary.Label | Should -BeExactly 'weekly'
            $status.RateLimits.PlanType | Should -Be 'pro'
            $status.RateLimitsUnavailableReason | Should -BeNullOrEmpty
            $status.Usage | Should -BeOfType ([CodexPS.Engine.Protocol.CodexAccountUsage])
            $status.Usage.LifetimeTokens | Should -Be 123456
            $status.Usage.PeakDailyTokens | Should -Be 5000
            $status.Usage.CurrentStreakDays | Should -Be 3
            $status.Usage.LongestStreakDays | Should -Be 9
            $status.Usage.LongestRunningTurnSec | Should -BeNullOrEmpty
            $status.UsageUnavailableReason | Should -BeNullOrEmpty
            ($status | Out-String) | Should -Match '5h 42%'
            # No turn was needed: the model endpoint saw nothing, the backend was asked with the token.
            @($mock.Requests).Count | Should -Be 0
            $asked = @($service.Log.ToArray() | Where-Object Path -Like '*/wham/usage')
            $asked.Count | Should -BeGreaterThan 0
            $asked[0].Authorization | Should -BeTrue
        }
        finally { Stop-FakeChatGptService $service }
    }

    It 'leaves them null with an API key, saying why, and never asks the runtime' {
        $mock = Start-CodexMockProvider
        $log = Join-Path (New-TestDirectory) 'protocol.log'
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log -Config @{ "model_providers.$($mock.Provider.Id).requires_openai_auth" = $true } -WarningAction SilentlyContinue
        $null = Connect-CodexAccount -ApiKey (ConvertTo-SecureString ('sk-codexps-test-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force)
        $status = Get-CodexStatus
        $sent = Get-Content -Raw $log
        $sent | Should -Match '"method":"account/read"'
        $sent | Should -Not -Match 'account/rateLimits/read'
        $sent | Should -Not -Match 'account/usage/read'
        $status.AuthMode | Should -Be 'apiKey'
        $status.RateLimits | Should -BeNullOrEmpty
        $status.Usage | Should -BeNullOrEmpty
        $status.RateLimitsUnavailableReason | Should -Match 'API key'
        $status.UsageUnavailableReason | Should -Match 'API key'
        $status.PSObject.Properties.Name | Should -Contain 'Usage'
    }

    It 'gives the runtime''s own reason when nobody is logged in' {
        $null = Connect-TestMock
        $status = Get-CodexStatus
        $status.Account | Should -BeNullOrEmpty
        $status.RateLimits | Should -BeNullOrEmpty
        $status.Usage | Should -BeNullOrEmpty
        $status.RateLimitsUnavailableReason | Should -Match 'authentication required'
        $status.UsageUnavailableReason | Should -Match 'authentication required'
    }

    It 'says that no runtime runs when none does' {
        Disconnect-Codex
        $status = Get-CodexStatus
        $status.RateLimits | Should -BeNullOrEmpty
        $status.RateLimitsUnavailableReason | Should -Match 'No runtime'
        $status.UsageUnavailableReason | Should -Match 'No runtime'
    }
}
