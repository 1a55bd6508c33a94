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

    It 'computes each of the 42 data points from a real signal, or keeps it null with a reason' {
        # error_recovery_time needs a failure to recover from: the ErrorProne test below measures it.
        foreach ($definition in $catalog::SeedPoints | Where-Object Name -NE 'error_recovery_time') {
            $mine = @($points | Where-Object Name -EQ $definition.Name)
            $mine.Count | Should -BeGreaterThan 0 -Because "$($definition.Name) should have been recorded"
            if ($definition.NullReason) {
                $mine.Value | Where-Object { $null -ne $_ } | Should -BeNullOrEmpty
                $mine[0].NullReason | Should -Be $definition.NullReason
            }
            else {
                @($mine | Where-Object { $null -ne $_.Value }).Count | Should -BeGreaterThan 0 -Because "$($definition.Name) has a real signal"
            }
        }
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
            $end = Send-CodexTurn 'while locked' -Conversation $c -WarningAction SilentlyContinue | Select-Object -Last 1
            $end.Status | Should -Be 'Completed'
            $points = @(Get-CodexMetric processing_time -Conversation $c -ErrorVariable problems -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
            $points.Count | Should -Be 1
            $problems[0].Exception.ErrorId | Should -Be 'CodexMetricStoreLocked'
            ($warnings -join "`n") | Should -Match 'CodexMetricStoreLocked'
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
