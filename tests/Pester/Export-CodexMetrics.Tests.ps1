param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $catalog = [CodexPS.Engine.Metrics.CodexMetricCatalog]

    . (Join-Path $PSScriptRoot 'Chromium.ps1')

    # The chart colours of the dashboard's first three series (blue, red, green).
    $seriesColours = [int[]](0x2563eb, 0xdc2626, 0x16a34a)
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Export-CodexMetrics' {
    BeforeAll {
        $dir = New-TestDirectory 'codexps-export'
        $since = Get-Date
        $mock = Start-CodexMockProvider -Scenario RateLimitSpike
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -MetricsPath (Join-Path $dir 'metrics.db') -WarningAction SilentlyContinue
        $conversation = New-CodexConversation
        foreach ($i in 1..5) { $null = Send-CodexTurn "turn $i" -Conversation $conversation -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
        $until = Get-Date
        $points = @(Get-CodexMetric -Since $since -Until $until)
    }

    It 'writes the seed''s website JSON: metadata, summary, time series and trends' {
        $path = Join-Path $dir 'metrics.json'
        Export-CodexMetrics -Path $path -Since $since -Until $until
        $report = Get-Content -Raw $path | ConvertFrom-Json
        $report.metadata.totalDataPoints | Should -Be $points.Count
        $report.metadata.categories | Should -Be @('rateLimits', 'tokenUsage', 'performance', 'systemHealth')
        [DateTimeOffset]$report.metadata.generatedAt | Should -BeGreaterThan ([DateTimeOffset]$until)
        $report.metadata.monitoringDuration | Should -BeGreaterThan 0
        $quota = $report.summary.quota_usage_percent
        $quota.count | Should -Be 5
        $quota.min | Should -Be 35
        $quota.max | Should -Be 100
        $quota.p50 | Should -Be 84
        $quota.p95 | Should -Be 100
        $quota.mean | Should -Be ((35 + 58 + 84 + 96 + 100) / 5)
        @($report.timeSeries.quota_usage_percent).Count | Should -Be 5
        $report.trends.quota_usage_percent.direction | Should -Be 'increasing'
        $report.trends.quota_usage_percent.slope | Should -BeGreaterThan 0
        $report.trends.quota_usage_percent.confidence | Should -BeGreaterThan 0.5
        @($report.summary.PSObject.Properties).Count | Should -Be $catalog::All.Count
        $report.summary.model_token_cost.count | Should -Be 0
        $report.metadata.metrics.model_token_cost.nullReason | Should -Not -BeNullOrEmpty
    }

    It 'writes CSV that Import-Csv reads back, one row per data point' {
        $path = Join-Path $dir 'metrics.csv'
        Export-CodexMetrics $path -Format Csv -Since $since -Until $until
        $rows = @(Import-Csv $path)
        $rows.Count | Should -Be $points.Count
        ($rows[0].PSObject.Properties.Name) | Should -Be @('Timestamp', 'Name', 'Category', 'Value', 'Unit', 'Label', 'ConversationId', 'TurnId')
        @($rows | Where-Object Name -EQ quota_usage_percent).Value | Should -Be @('35', '58', '84', '96', '100')
        ($rows | Where-Object Name -EQ model_token_cost | Select-Object -First 1).Value | Should -Be ''
        ($rows | Where-Object Name -EQ errors_total).Label | Should -Be 'usageLimitExceeded'
    }

    It 'writes the Prometheus text format with HELP and TYPE per metric family' {
        $path = Join-Path $dir 'metrics.prom'
        Export-CodexMetrics $path -Format Prometheus -Since $since -Until $until
        $lines = Get-Content $path
        foreach ($definition in $catalog::All) {
            $family = "codex_$($definition.Name)"
            @($lines | Where-Object { $_ -like "# HELP $family *" }).Count | Should -Be 1 -Because $family
            $lines | Should -Contain "# TYPE $family $(if ($definition.Kind -eq 'Counter') { 'counter' } else { 'gauge' })"
        }
        $lines | Where-Object { $_ -like 'codex_quota_usage_percent *' } | Should -Match '^codex_quota_usage_percent 100 \d{13}$'
        $lines | Where-Object { $_ -like 'codex_errors_total*' } | Should -Match ('^codex_errors_total\{category="usageLimitExceeded",conversation="' + $conversation.Id + '"\} 1 \d{13}$')
        $lines | Where-Object { $_ -like 'codex_model_token_cost *' } | Should -BeNullOrEmpty
        $lines | Where-Object { $_ -and -not $_.StartsWith('#') } | ForEach-Object { $_ | Should -Match '^codex_[a-z0-9_]+(\{[^}]*\})? -?[0-9.eE+-]+ \d+$' }
    }

    It 'writes one self-contained HTML dashboard that Chromium renders with its charts' {
        $path = Join-Path $dir 'dashboard.html'
        Export-CodexMetrics $path -Format Html -Since $since -Until $until
        $html = Get-Content -Raw $path
        $html | Should -Not -Match '<script|<link|https?://|src='
        $dom = Invoke-Chromium -Html $path -Png (Join-Path $dir 'dashboard.png')
        foreach ($chart in 'tokens', 'latency', 'throughput', 'ratelimits', 'errors', 'health') {
            $dom | Should -Match "<svg class=`"chart`" id=`"chart-$chart`"" -Because "the $chart chart must be in the rendered page"
        }
        ([regex]::Matches($dom, '<polyline class="series"')).Count | Should -BeGreaterOrEqual 8
        $dom | Should -Match 'data-metric="primary window"'
        $dom | Should -Match '<td class="name">quota_usage_percent</td>'

        $shot = [CodexPSTests.PngProbe]::Analyse((Join-Path $dir 'dashboard.png'), $seriesColours)
        $shot.Width | Should -Be 1240
        $shot.DistinctColours | Should -BeGreaterThan 200
        $shot.NonBackgroundPixels | Should -BeGreaterThan ($shot.Width * $shot.Height / 20)
        $shot.SeriesPixels | Should -BeGreaterThan 2000
    }

    It 'tells a blank page from a dashboard (the screenshot check can fail)' {
        $blank = Join-Path $dir 'blank.html'
        Set-Content $blank '<!DOCTYPE html><html><body style="background:#f9fafb"></body></html>'
        $dom = Invoke-Chromium -Html $blank -Png (Join-Path $dir 'blank.png')
        $dom | Should -Not -Match '<svg'
        $shot = [CodexPSTests.PngProbe]::Analyse((Join-Path $dir 'blank.png'), $seriesColours)
        $shot.DistinctColours | Should -BeLessOrEqual 2
        $shot.SeriesPixels | Should -Be 0
    }

    It 'keeps an existing file unless -Force, and asks ShouldProcess' {
        $path = Join-Path $dir 'existing.json'
        Set-Content $path 'keep me'
        { Export-CodexMetrics $path -Since $since } | Should -Throw -ErrorId 'CodexMetricExportFileExists,*'
        Get-Content -Raw $path | Should -Be "keep me$([Environment]::NewLine)"
        Export-CodexMetrics $path -Since $since -Force -WhatIf
        Get-Content -Raw $path | Should -Be "keep me$([Environment]::NewLine)"
        $file = Export-CodexMetrics $path -Since $since -Force -PassThru
        $file | Should -BeOfType System.IO.FileInfo
        $file.FullName | Should -Be $path
        (Get-Content -Raw $path | ConvertFrom-Json).metadata.totalDataPoints | Should -BeGreaterThan 0
        Export-CodexMetrics (Join-Path $dir 'whatif.json') -WhatIf
        Join-Path $dir 'whatif.json' | Should -Not -Exist
    }

    It 'reports bad paths, an unwritable folder and an empty time range with clear errors' {
        $cases = @(
            @{ Path = (Join-Path $dir 'missing/out.json'); Id = 'CodexMetricExportDirectoryNotFound'; Category = 'ObjectNotFound'; Target = (Join-Path $dir 'missing') }
            @{ Path = $dir; Id = 'CodexMetricExportPathInvalid'; Category = 'InvalidArgument'; Target = $dir }
            @{ Path = 'Env:\codexps.json'; Id = 'CodexMetricExportPathInvalid'; Category = 'InvalidArgument'; Target = 'Env:\codexps.json' }
        )
        foreach ($case in $cases) {
            $err = { Export-CodexMetrics $case.Path -Since $since } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike "$($case.Id),*" -Because $case.Path
            $err.CategoryInfo.Category | Should -Be $case.Category
            $err.TargetObject | Should -Be $case.Target
        }

        # A folder that refuses new files, even to root: sysfs; otherwise a folder without write permission.
        $locked = if ((& id -u) -eq '0') { '/sys' } else { $d = New-TestDirectory 'codexps-ro'; chmod 0555 $d; $d }
        $err = { Export-CodexMetrics (Join-Path $locked 'codexps.json') -Since $since } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexMetricExportWriteFailed,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.TargetObject | Should -Be (Join-Path $locked 'codexps.json')

        $err = { Export-CodexMetrics (Join-Path $dir 'empty.json') -Since '2001-01-01' -Until '2001-01-02' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexMetricExportNoData,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Join-Path $dir 'empty.json' | Should -Not -Exist
        { Export-CodexMetrics (Join-Path $dir 'backwards.json') -Since $until -Until $since } | Should -Throw -ErrorId 'CodexMetricTimeRangeInvalid,*'
    }
}
