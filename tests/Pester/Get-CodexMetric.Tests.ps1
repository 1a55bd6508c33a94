param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $catalog = [CodexPS.Engine.Metrics.CodexMetricCatalog]

    function Connect-Scenario {
        # A fresh runtime against a mock endpoint that plays one scenario, metrics stored in $Store.
        param([string] $Scenario, [string] $Store)
        $mock = Start-CodexMockProvider -Scenario $Scenario
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -MetricsPath $Store -WarningAction SilentlyContinue
        New-CodexConversation
    }

    function Invoke-Turns {
        param($Conversation, [int] $Count)
        foreach ($i in 1..$Count) {
            Send-CodexTurn "turn $i" -Conversation $Conversation -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Select-Object -Last 1
        }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexMetric' {
    BeforeAll {
        $store = Join-Path (New-TestDirectory 'codexps-metrics') 'metrics.db'
        $since = Get-Date
        $conversation = Connect-Scenario Normal $store
        $ends = @(Invoke-Turns $conversation 3)
        $other = New-CodexConversation
        $null = Invoke-Turns $other 1
        $points = @(Get-CodexMetric -Since $since)
    }

    It 'returns typed data points fed by every turn' {
        $ends.Status | Should -Be @('Completed', 'Completed', 'Completed')
        $points[0] | Should -BeOfType CodexPS.Engine.Metrics.CodexMetricPoint
        @($points | Where-Object Name -EQ processing_time).Count | Should -Be 4
        @($points | Where-Object { $_.Name -eq 'total_tokens_current' -and $_.ConversationId -eq $conversation.Id }).Count | Should -Be 3
        ($points | Where-Object Name -EQ requests_total | Select-Object -Last 1).Value | Should -BeGreaterOrEqual 4
        # Points come oldest first.
        $times = $points.Timestamp
        ($times | Sort-Object) -join ',' | Should -Be ($times -join ',')
    }

    It 'computes each of the 42 data points to the value its scripted input makes it, or keeps it null with a reason' {
        # A fresh PowerShell has a fresh collector, so the values that span the session are known exactly too. Four
        # turns: an answer; a server error the runtime retries, then an answer; the error twice (the turn fails);
        # an answer. Known usage, rate-limit headers and delays; the child sends back its points and events.
        $work = New-TestDirectory 'codexps-metric-values'
        $childScript = Join-Path $work 'child.ps1'
        Set-Content -Path $childScript -Value @'
param([string] $ModulePath, [string] $Work)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$reset = [DateTimeOffset]::UtcNow.AddHours(2).ToUnixTimeSeconds()
function Limits([double] $Used) { @{ PrimaryUsedPercent = $Used; PrimaryWindowMinutes = 300; PrimaryResetAt = $reset } }
$mock = Start-CodexMockProvider -Response @(
    @{ Text = 'first answer'; Deltas = 3; DelayMs = 200; DeltaDelayMs = 30; Usage = @{ InputTokens = 1000; OutputTokens = 12 }; RateLimits = (Limits 40) }
    @{ Status = 500 }
    @{ Text = 'second answer'; Deltas = 2; DelayMs = 150; Usage = @{ InputTokens = 1500; OutputTokens = 20 }; RateLimits = (Limits 85) }
    @{ Status = 500 }
    @{ Status = 500 }
    @{ Text = 'back again'; Usage = @{ InputTokens = 1800; OutputTokens = 30 }; RateLimits = (Limits 50) }
)
Connect-Codex -MockProvider $mock -CodexHome (Join-Path $Work 'home') -MetricsPath (Join-Path $Work 'metrics.db') -WarningAction SilentlyContinue -Config @{
    'model_providers.codexps_mock.request_max_retries' = 0; 'model_providers.codexps_mock.stream_max_retries' = 1 }
$c = New-CodexConversation -WorkingDirectory $Work
$events = foreach ($prompt in 'one', 'two', 'three', 'four') { Send-CodexTurn $prompt -Conversation $c -IncludeDelta -ErrorAction SilentlyContinue }
$points = Get-CodexMetric
[pscustomobject]@{
    Requests  = @($mock.Requests | Where-Object Path -Like '*/responses').Count
    WorkingSet = (Get-Process -Id (Get-CodexStatus).ProcessId).WorkingSet64
    Available = [GC]::GetGCMemoryInfo().TotalAvailableMemoryBytes
    Events    = @($events | ForEach-Object {
            [pscustomobject]@{ Kind = "$($_.Kind)"; Ticks = $_.Timestamp.UtcTicks; TurnId = $_.TurnId; WillRetry = $_.WillRetry
                Status = "$($_.Status)"; ItemId = $_.Item.Id; ItemType = $_.Item.Type; Window = $_.ModelContextWindow }
        })
    Points    = @($points | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Value = $_.Value; Ticks = $_.Timestamp.UtcTicks; Label = $_.Label; NullReason = $_.NullReason } })
} | ConvertTo-Json -Depth 4 -Compress | Set-Content (Join-Path $Work 'result.json')
Disconnect-Codex
Stop-CodexMockProvider
'@
        $pwsh = Get-PwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $childScript -ModulePath (Get-Module CodexPS).Path -Work $work 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = Get-Content -Raw (Join-Path $work 'result.json') | ConvertFrom-Json
        $result.Requests | Should -Be 6
        $ev = $result.Events
        ($ev | Where-Object Kind -EQ TurnCompleted).Status | Should -Be @('Completed', 'Completed', 'Failed', 'Completed')

        $p = $result.Points
        function Values([string] $Name) { @($p | Where-Object Name -EQ $Name | ForEach-Object Value) }
        function Ms($From, $To) { ($To - $From) / 10000.0 }
        # Relative tolerance; the store keeps timestamps in whole milliseconds, so values computed from client-clock
        # times (throughputs, uptime) are checked to that precision.
        function Should-BeNear([double[]] $Actual, [double[]] $Expected, [string] $Name, [double] $Tolerance = 1e-6) {
            $Actual.Count | Should -Be $Expected.Count -Because "$Name has one value per event that makes it"
            for ($i = 0; $i -lt $Expected.Count; $i++) {
                [math]::Abs($Actual[$i] - $Expected[$i]) | Should -BeLessOrEqual ($Tolerance * [math]::Max(1, [math]::Abs($Expected[$i]))) -Because "$Name[$i] should be $($Expected[$i]), not $($Actual[$i])"
            }
        }

        # Rate limits. Thread totals after each completed model request: 1012, +1520, +1830.
        $window = [double](@($ev | Where-Object Kind -EQ TokenUsage)[0].Window)
        Values tokens_total | Should -Be @(1012, 2532, 4362)
        Values tokens_input | Should -Be @(1000, 2500, 4300)
        Values tokens_output | Should -Be @(12, 32, 62)
        Values tokens_limit | Should -Be @($window, $window, $window)
        Values context_window_tokens | Should -Be @($window, $window, $window)
        Values tokens_remaining | Should -Be @(($window - 1012), ($window - 1520), ($window - 1830))
        Values context_window_remaining | Should -Be (Values tokens_remaining)
        Values tokens_reset_time | ForEach-Object { $_ | Should -BeGreaterThan (7200 - 120); $_ | Should -BeLessOrEqual 7200 }
        # Six model requests: completed; failed and retried, completed; failed and retried, failed; completed.
        Values requests_total | Should -Be @(1, 2, 3, 4, 5, 6)
        Values turns_total | Should -Be @(1, 2, 3, 4)
        Values quota_usage_percent | Should -Be @(40, 85, 50)
        Values rate_limit_status | Should -Be @(0, 1, 0)
        foreach ($definition in $catalog::SeedPoints | Where-Object NullReason) {
            $mine = @($p | Where-Object Name -EQ $definition.Name)
            $mine.Count | Should -Be 4 -Because "$($definition.Name) is recorded, null, with each turn"
            $mine.Value | Where-Object { $null -ne $_ } | Should -BeNullOrEmpty
            $mine.NullReason | Sort-Object -Unique | Should -Be $definition.NullReason
        }

        # Token usage.
        Values input_tokens_current | Should -Be @(1000, 1500, 1800)
        Values output_tokens_current | Should -Be @(12, 20, 30)
        Values total_tokens_current | Should -Be @(1012, 1520, 1830)
        Values input_tokens_cumulative | Should -Be @(1000, 2500, 4300)
        Values output_tokens_cumulative | Should -Be @(12, 32, 62)
        Values total_tokens_cumulative | Should -Be @(1012, 2532, 4362)
        Should-BeNear (Values tokens_per_request_avg) @(1012, (2532 / 2), (4362 / 3)) tokens_per_request_avg
        Should-BeNear (Values token_efficiency_ratio) @((12 / 1000), (20 / 1500), (30 / 1800)) token_efficiency_ratio
        Should-BeNear (Values token_usage_trend) @(508, 409) token_usage_trend

        # Performance: each completed model request runs from the turn's start, or the retried error, to its token report.
        $started = @($ev | Where-Object Kind -EQ TurnStarted)
        $reports = @($ev | Where-Object Kind -EQ TokenUsage)
        $retried = @($ev | Where-Object { $_.Kind -eq 'Error' -and $_.WillRetry })
        $ends = @($ev | Where-Object Kind -EQ TurnCompleted)
        $retried.Count | Should -Be 2
        Should-BeNear (Values api_request_duration) @((Ms $started[0].Ticks $reports[0].Ticks), (Ms $retried[0].Ticks $reports[1].Ticks), (Ms $started[3].Ticks $reports[2].Ticks)) api_request_duration
        (Values api_request_duration)[0] | Should -BeGreaterOrEqual (200 + 3 * 30)
        (Values api_request_duration)[1] | Should -BeGreaterOrEqual 150
        $processing = Values processing_time
        $processing.Count | Should -Be 4
        $turnDurations = Values turn_duration
        $turnDurations.Count | Should -Be 4
        for ($i = 0; $i -lt 4; $i++) {
            $processing[$i] | Should -BeGreaterOrEqual ($turnDurations[$i] - 5)
            (Values connection_latency)[$i] | Should -BeGreaterThan 0
            (Values connection_latency)[$i] | Should -BeLessThan $processing[$i]
            (Values turn_start_latency)[$i] | Should -BeGreaterThan 0
            (Values turn_start_latency)[$i] | Should -BeLessThan $processing[$i]
        }
        $sorted = $processing | Sort-Object
        (Values response_time_p50)[-1] | Should -Be $sorted[1]
        (Values response_time_p95)[-1] | Should -Be $sorted[3]
        Values request_queue_size | ForEach-Object { $_ | Should -BeIn 0, 1 }
        (Values request_queue_size)[-1] | Should -Be 0
        $firstTurn = ($p | Where-Object Name -EQ turns_total)[0].Ticks
        foreach ($pair in @(@('throughput_requests_per_sec', 'requests_total'), @('throughput_turns_per_sec', 'throughput_turns_per_sec'))) {
            $ended = @($p | Where-Object Name -EQ $pair[1])
            $expected = foreach ($point in $p | Where-Object Name -EQ $pair[0]) {
                $inWindow = @($ended | Where-Object { $_.Ticks -le $point.Ticks -and ($point.Ticks - $_.Ticks) -le 60 * 1e7 }).Count
                $inWindow / [math]::Clamp([double](($point.Ticks - $firstTurn) / 1e7), [double]1, [double]60)
            }
            Should-BeNear (Values $pair[0]) $expected $pair[0] 2e-3
        }
        $answered = 0, 1, 3
        $firstDeltas = foreach ($i in $answered) { @($ev | Where-Object { $_.Kind -eq 'AgentMessageDelta' -and $_.TurnId -eq $ends[$i].TurnId })[0] }
        Should-BeNear (Values time_to_first_token) @(for ($j = 0; $j -lt 3; $j++) { Ms $started[$answered[$j]].Ticks $firstDeltas[$j].Ticks }) time_to_first_token
        Should-BeNear (Values tokens_per_second) @(for ($j = 0; $j -lt 3; $j++) { (Values output_tokens_current)[$j] / ((Ms $firstDeltas[$j].Ticks $ends[$answered[$j]].Ticks) / 1000) }) tokens_per_second
        Should-BeNear (Values error_recovery_time) @(Ms $ends[2].Ticks $ends[3].Ticks) error_recovery_time

        # System health: the runtime process as sampled, and the turns' and requests' outcomes.
        (Values memory_usage)[-1] | Should -BeGreaterThan ($result.WorkingSet * 0.7)
        (Values memory_usage)[-1] | Should -BeLessThan ($result.WorkingSet * 1.3)
        foreach ($point in $p | Where-Object Name -EQ memory_utilization) {
            $memory = ($p | Where-Object { $_.Name -eq 'memory_usage' -and $_.Ticks -eq $point.Ticks }).Value
            Should-BeNear @($point.Value) @(100.0 * $memory / $result.Available) memory_utilization
        }
        (Values cpu_usage).Count | Should -BeGreaterThan 0
        Values cpu_usage | ForEach-Object { $_ | Should -BeGreaterOrEqual 0; $_ | Should -BeLessOrEqual 100 }
        foreach ($point in $p | Where-Object Name -EQ resource_utilization) {
            $cpu = ($p | Where-Object { $_.Name -eq 'cpu_usage' -and $_.Ticks -eq $point.Ticks }).Value
            $memory = ($p | Where-Object { $_.Name -eq 'memory_utilization' -and $_.Ticks -eq $point.Ticks }).Value
            $point.Value | Should -Be ([math]::Max($cpu, $memory))
        }
        @(Values resource_utilization).Count | Should -Be @(Values cpu_usage).Count
        Values connection_status | Sort-Object -Unique | Should -Be 1
        Values active_connections | Sort-Object -Unique | Should -Be 1
        $uptime = @($p | Where-Object Name -EQ uptime)
        for ($i = 1; $i -lt $uptime.Count; $i++) {
            Should-BeNear @($uptime[$i].Value - $uptime[0].Value) @(($uptime[$i].Ticks - $uptime[0].Ticks) / 1e7) uptime 2e-3
        }
        Values runtime_availability | Sort-Object -Unique | Should -Be 100
        Should-BeNear (Values error_rate) @(0, 0, (100 / 3), 25) error_rate
        Should-BeNear (Values network_stability) @(100, 50, (100 / 3), 50) network_stability
        Should-BeNear (Values service_availability) @(100, 50, (200 / 3), 50, 40, 50) service_availability
        # The health score's formula: the mean of service 50, runtime 100, 100 − error rate 25, network 50, 100 − quota 50.
        Should-BeNear @((Values system_health_score)[-1]) @((50 + 100 + 75 + 50 + 50) / 5) system_health_score
        Values errors_total | Should -Be 1
        ($p | Where-Object Name -EQ errors_total).Label | Should -Be 'internalServerError'

        # Every seed point was recorded; only those without a signal are null.
        foreach ($definition in $catalog::SeedPoints) {
            @($p | Where-Object Name -EQ $definition.Name).Count | Should -BeGreaterThan 0 -Because "$($definition.Name) should have been recorded"
        }
        @($p | Where-Object { $null -eq $_.Value }).Name | Sort-Object -Unique | Should -Be @($catalog::SeedPoints | Where-Object NullReason | ForEach-Object Name | Sort-Object)
    }

    It 'measures the shape the Normal scenario scripts' {
        function Last([string] $Name) { ($points | Where-Object Name -EQ $Name | Select-Object -Last 1).Value }
        # The mock sends x-codex-primary-used-percent 12 + 1.5 n and secondary 4 + 0.3 n (the runtime rounds).
        ($points | Where-Object Name -EQ quota_usage_percent).Value | Should -Be @(14, 15, 17, 18)
        Last rate_limit_secondary_used_percent | Should -Be 5
        Last rate_limit_status | Should -Be 0
        Last tokens_reset_time | Should -BeGreaterThan 10700
        Last tokens_reset_time | Should -BeLessOrEqual 10800
        # 12 deltas per answer: 12 output tokens per turn, streamed over ~90 ms.
        ($points | Where-Object { $_.Name -eq 'output_tokens_current' }).Value | Should -Be @(12, 12, 12, 12)
        ($points | Where-Object Name -EQ time_to_first_token).Value | ForEach-Object { $_ | Should -BeGreaterOrEqual 60 }
        Last memory_usage | Should -BeGreaterThan 1MB
        Last connection_status | Should -Be 1
        # The error rate spans the session's last 20 turns (earlier test files' failures too): turns that all
        # succeed can only keep it or bring it down.
        $rates = @(($points | Where-Object Name -EQ error_rate).Value)
        $rates.Count | Should -Be 4
        for ($i = 1; $i -lt $rates.Count; $i++) { $rates[$i] | Should -BeLessOrEqual $rates[$i - 1] }
        Last uptime | Should -BeGreaterThan 0
    }

    It 'filters by wildcard name, conversation and time range' {
        $tokens = @(Get-CodexMetric -Name '*_tokens_current' -Conversation $conversation)
        $tokens.Name | Sort-Object -Unique | Should -Be @('input_tokens_current', 'output_tokens_current', 'total_tokens_current')
        $tokens.ConversationId | Sort-Object -Unique | Should -Be $conversation.Id
        @($conversation | Get-CodexMetric -Name processing_time).Count | Should -Be 3
        @($other.Id | Get-CodexMetric -Name processing_time).Count | Should -Be 1
        $middle = ($points | Where-Object Name -EQ processing_time)[1].Timestamp
        @(Get-CodexMetric processing_time -Since $middle.LocalDateTime -Until (Get-Date)).Count | Should -Be 3
        @(Get-CodexMetric processing_time -Since $since -Until $middle.LocalDateTime).Count | Should -Be 2
        Get-CodexMetric -Since (Get-Date).AddMinutes(5) | Should -BeNullOrEmpty
    }

    It 'reports a name that is no metric and an empty range' {
        $found = Get-CodexMetric -Name no_such_metric, quota_usage_percent -Since $since -ErrorVariable bad -ErrorAction SilentlyContinue
        @($found).Count | Should -Be 4
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'CodexMetricNotFound,*'
        $bad[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $bad[0].TargetObject | Should -Be 'no_such_metric'
        { Get-CodexMetric -Since (Get-Date) -Until (Get-Date).AddHours(-1) } | Should -Throw -ErrorId 'CodexMetricTimeRangeInvalid,*'
    }

    It 'keeps the points in the SQLite store, readable from a fresh PowerShell' -Skip:(-not $IsLinux) {
        $store | Should -Exist
        $child = @"
`$ErrorActionPreference = 'Stop'
`$env:CODEXPS_METRICS_PATH = '$store'
Import-Module '$((Get-Module CodexPS).Path)'
`$points = @(Get-CodexMetric -Conversation '$($conversation.Id)' -Name processing_time)
`$native = @(Get-Content /proc/self/maps | Where-Object { `$_ -match 'libe_sqlite3' } | ForEach-Object { (`$_ -split '\s+')[-1] } | Select-Object -Unique)
"count=`$(`$points.Count)"
"native=`$(`$native -join ';')"
"@
        $pwsh = Get-PwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $child 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Should -Contain 'count=3'
        # The native library is the one the module ships, loaded from its runtimes folder.
        $moduleDir = Split-Path (Get-Module CodexPS).Path
        ($output | Where-Object { $_ -like 'native=*' }) | Should -Be "native=$moduleDir/runtimes/linux-x64/native/libe_sqlite3.so"
    }
}

Describe 'Scenarios of the mock endpoint' {
    BeforeAll {
        $store = Join-Path (New-TestDirectory 'codexps-metrics') 'metrics.db'
    }

    It 'RateLimitSpike drives the primary window above 80 %, then to the limit' {
        $since = Get-Date
        $c = Connect-Scenario RateLimitSpike $store
        $ends = @(Invoke-Turns $c 5)
        $ends.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed', 'Failed')
        $ends[4].Error.ErrorId | Should -Be 'CodexUsageLimitExceeded'
        $primary = @(Get-CodexMetric quota_usage_percent -Since $since).Value
        $primary[0..3] | Should -Be @(35, 58, 84, 96)
        ($primary | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 80
        (Get-CodexMetric rate_limit_status -Since $since).Value | Should -Contain 1
        (Get-CodexMetric rate_limit_status -Since $since | Select-Object -Last 1).Value | Should -Be 2
        (Get-CodexMetric errors_total -Since $since).Label | Should -Be 'usageLimitExceeded'
    }

    It 'ErrorProne yields a non-zero error rate and recovery times' {
        $since = Get-Date
        $c = Connect-Scenario ErrorProne $store
        $ends = @(Invoke-Turns $c 6)
        $ends.Status | Should -Be @('Completed', 'Failed', 'Completed', 'Failed', 'Failed', 'Completed')
        # The error rate spans the session's last 20 turns (earlier tests' turns too), so it is above 0, not 50.
        $rates = @(Get-CodexMetric error_rate -Since $since).Value
        $rates.Count | Should -Be 6
        $rates[-1] | Should -BeGreaterThan 0
        # A failed turn can only raise the rate of the last 20 turns (or keep it, when the window drops an older
        # failure), a completed one only lower or keep it.
        for ($i = 1; $i -lt $rates.Count; $i++) {
            if ($ends[$i].Status -eq 'Failed') { $rates[$i] | Should -BeGreaterOrEqual $rates[$i - 1] }
            else { $rates[$i] | Should -BeLessOrEqual $rates[$i - 1] }
        }
        @(Get-CodexMetric errors_total -Since $since).Count | Should -Be 3
        $recovery = @(Get-CodexMetric error_recovery_time -Since $since)
        # Two runs of failures end in this scenario (a failure left by an earlier test may add one more).
        $recovery.Count | Should -BeIn 2, 3
        $recovery.Value | ForEach-Object { $_ | Should -BeGreaterThan 0 }
        (Get-CodexMetric errors_total -Since $since).Label | Should -Contain 'internalServerError'
        (Get-CodexMetric system_health_score -Since $since | Select-Object -Last 1).Value | Should -BeLessThan 100
    }

    It 'Quiet yields low throughput, HeavyUsage high' {
        $since = Get-Date
        $c = Connect-Scenario Quiet $store
        $null = Invoke-Turns $c 2
        $quiet = @(Get-CodexMetric tokens_per_second -Since $since).Value
        $since = Get-Date
        $c = Connect-Scenario HeavyUsage $store
        $null = Invoke-Turns $c 2
        $heavy = @(Get-CodexMetric tokens_per_second -Since $since).Value
        $heavyTokens = @(Get-CodexMetric output_tokens_current -Since $since).Value

        $quiet.Count | Should -Be 2
        $quiet | ForEach-Object { $_ | Should -BeLessThan 20 }
        $heavy.Count | Should -Be 2
        ($heavy | Measure-Object -Minimum).Minimum | Should -BeGreaterThan (10 * ($quiet | Measure-Object -Maximum).Maximum)
        $heavyTokens | Should -Be @(600, 600)
    }
}

Describe 'A store that cannot be used' {
    It 'reports a corrupt store and never breaks a turn' {
        $store = Join-Path (New-TestDirectory 'codexps-metrics') 'metrics.db'
        Set-Content -Path $store -Value 'not a database, just text' -NoNewline
        $since = Get-Date
        $c = Connect-Scenario Normal $store
        $end = Send-CodexTurn 'hello' -Conversation $c -WarningAction SilentlyContinue | Select-Object -Last 1
        $end.Status | Should -Be 'Completed'
        $points = @(Get-CodexMetric processing_time -Conversation $c -ErrorVariable problems -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
        $points.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'CodexMetricStoreUnavailable,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $problems[0].TargetObject | Should -Be $store
        $problems[0].Exception.ErrorId | Should -Be 'CodexMetricStoreCorrupt'
        (Get-Content -Raw $store) | Should -Be 'not a database, just text'
    }

    It 'reports a locked store, keeps the points and writes them once it is free' {
        $store = Join-Path (New-TestDirectory 'codexps-metrics') 'metrics.db'
        $c = Connect-Scenario Normal $store
        $null = Get-CodexMetric -Since (Get-Date)    # the store is open
        $other = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$store;Pooling=False")
        $other.Open()
        $command = $other.CreateCommand()
        $command.CommandText = 'BEGIN EXCLUSIVE;'
        $null = $command.ExecuteNonQuery()
        try {
            # The warning comes with the first failed write: during the turn (a model request's points) or after it.
            $end = Send-CodexTurn 'while locked' -Conversation $c -WarningVariable lockedTurnWarnings -WarningAction SilentlyContinue | Select-Object -Last 1
            $end.Status | Should -Be 'Completed'
            $points = @(Get-CodexMetric processing_time -Conversation $c -ErrorVariable problems -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
            $points.Count | Should -Be 1
            $problems[0].Exception.ErrorId | Should -Be 'CodexMetricStoreLocked'
            (@($lockedTurnWarnings) + @($warnings) -join "`n") | Should -Match 'CodexMetricStoreLocked'
        }
        finally {
            $command.CommandText = 'ROLLBACK;'
            $null = $command.ExecuteNonQuery()
            $other.Dispose()
        }

        $null = Send-CodexTurn 'after the lock' -Conversation $c -WarningVariable turnWarnings -WarningAction SilentlyContinue
        $stored = @(Get-CodexMetric processing_time -Conversation $c -ErrorVariable problems -WarningVariable warnings -WarningAction SilentlyContinue)
        $problems | Should -BeNullOrEmpty
        $stored.Count | Should -Be 2
        (@($turnWarnings) + @($warnings) -join "`n") | Should -Match 'writable again'
    }
}
