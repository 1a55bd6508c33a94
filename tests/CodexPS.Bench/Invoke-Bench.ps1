#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The streaming benchmark: how much slower a 20,000-delta turn is through the engine and through the cmdlet
    than through a bare client of the same runtime.
.DESCRIPTION
    Three cases, each in its own fresh process with a fresh mock endpoint and runtime, each timing ONLY the measured
    turn (from sending turn/start to receiving turn/completed) after a warm-up turn of the same size, so each
    process is measured in its steady state (code compiled, caches filled), not during its start-up:
      (a) bare   - CodexPS.Bench bare: spawns the runtime itself and reads stdout with StreamReader.ReadLine;
      (b) engine - CodexPS.Bench engine: CodexClient / CodexConversation / CodexTurn.ReadEventsAsync;
      (c) cmdlet - a child pwsh: Send-CodexTurn 'go' -Conversation $c -IncludeDelta | Measure-Object.
    (b) and (c) collect metrics as the module always does (CodexMetricsCollector with an SQLite store), and
    check afterwards that every turn was recorded, so their figures include the collection's cost.
    The cases run interleaved, round after round (their order rotates), because these machines are noisy; the
    medians and the ratios b/a and c/a are printed, and everything is written to bench/results.json.
    The target is c/a <= 1.15. Missing it is reported, not an error; a wrong delta count is an error.
.PARAMETER ModulePath
    The built module manifest (out/CodexPS/CodexPS.psd1).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [ValidateRange(1, 1000000)]
    [int] $Deltas = 20000,

    [ValidateRange(1, 100)]
    [int] $Runs = 5,

    [ValidateRange(1, 1000000)]
    [int] $Warmup = 20000,

    # Warm-up turns before the measured one: .NET promotes hot code to optimised code only after a few
    # thousand calls and a quiet moment, which one turn does not always give.
    [ValidateRange(1, 10)]
    [int] $WarmupTurns = 3,

    [double] $Target = 1.15
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }

$Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModulePath = (Resolve-Path $ModulePath).Path
$Project = Join-Path $PSScriptRoot 'CodexPS.Bench.csproj'
$BenchDll = Join-Path $PSScriptRoot "bin/$Configuration/net10.0/CodexPS.Bench.dll"
# `dotnet pwsh` needs the repository's tool manifest, found from the current directory.
Push-Location $Root
try {
    Write-Host "==> dotnet build CodexPS.Bench ($Configuration)" -ForegroundColor Cyan
    dotnet build $Project -c $Configuration --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet build CodexPS.Bench failed (exit code $LASTEXITCODE)." }

    # The cmdlet case: everything but the measured pipeline is set-up. Printed as one JSON line like the C# modes.
    $quotedModule = $ModulePath -replace "'", "''"
    $cmdletScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$quotedModule'
`$WarningPreference = 'SilentlyContinue'
`$ws = Join-Path ([IO.Path]::GetTempPath()) ('codexps-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
`$null = New-Item -ItemType Directory -Path `$ws
try {
    `$script = @(1..$WarmupTurns | ForEach-Object { @{ Delta = 'x'; Deltas = $Warmup } }) + @(@{ Delta = 'x'; Deltas = $Deltas })
    `$mock = Start-CodexMockProvider -Response `$script
    Connect-Codex -MockProvider `$mock -WorkingDirectory `$ws
    `$c = New-CodexConversation -WorkingDirectory `$ws
    # The warm-up streams exactly like the measured turn (nothing kept), so it warms the same code paths.
    foreach (`$w in 1..$WarmupTurns) {
        `$warm = Send-CodexTurn 'warm up' -Conversation `$c -IncludeDelta | Measure-Object
        if (`$warm.Count -lt $Warmup + 3) { throw "cmdlet warm-up: received `$(`$warm.Count) events, expected $Warmup deltas plus the turn's other events." }
    }
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()

    `$self = [Diagnostics.Process]::GetCurrentProcess()
    `$runtime = [Diagnostics.Process]::GetProcessById((Get-CodexStatus).ProcessId)
    `$cpu0 = `$self.TotalProcessorTime; `$rcpu0 = `$runtime.TotalProcessorTime

    `$sw = [Diagnostics.Stopwatch]::StartNew()
    `$m = Send-CodexTurn 'go' -Conversation `$c -IncludeDelta | Measure-Object
    `$sw.Stop()

    `$self.Refresh(); `$runtime.Refresh()
    `$clientCpuMs = [math]::Round((`$self.TotalProcessorTime - `$cpu0).TotalMilliseconds)
    `$runtimeCpuMs = [math]::Round((`$runtime.TotalProcessorTime - `$rcpu0).TotalMilliseconds)

    # The count is the deltas plus the turn's other events (turn/started, items, token usage, turn/completed...).
    if (`$m.Count -lt $Deltas + 3) { throw "cmdlet: received `$(`$m.Count) events, expected $Deltas deltas plus the turn's other events." }
    if (`$c.LastTurn.Completion.Result.Status -ne 'Completed') { throw "cmdlet: the turn ended `$(`$c.LastTurn.Completion.Result.Summary)." }
    # The module collected metrics all along (as it always does): one tokens_per_second point per turn.
    `$recorded = @(Get-CodexMetric tokens_per_second -Conversation `$c.Id).Count
    if (`$recorded -ne $WarmupTurns + 1) { throw "cmdlet: the metric collector recorded `$recorded turns, expected $($WarmupTurns + 1)." }
    [ordered]@{
        mode = 'cmdlet'; deltas = $Deltas; ms = [math]::Round(`$sw.Elapsed.TotalMilliseconds, 1); count = `$m.Count
        turnDurationMs = [long]`$c.LastTurn.Completion.Result.Duration.TotalMilliseconds
        clientCpuMs = `$clientCpuMs; runtimeCpuMs = `$runtimeCpuMs
    } | ConvertTo-Json -Compress
}
finally {
    Disconnect-Codex
    Stop-CodexMockProvider
    Remove-Item -Recurse -Force `$ws -ErrorAction SilentlyContinue
}
"@

    function Invoke-Case {
        param([Parameter(Mandatory)][string] $Mode)
        $output = if ($Mode -eq 'cmdlet') {
            & dotnet pwsh -NoProfile -NonInteractive -c $cmdletScript
        }
        elseif ($Mode -eq 'nometrics') {
            # The engine case again with the metric collector left out: what collection costs the stream.
            $env:CODEXPS_BENCH_NO_METRICS = '1'
            try { & dotnet $BenchDll engine --deltas $Deltas --warmup $Warmup --warmup-turns $WarmupTurns }
            finally { Remove-Item Env:CODEXPS_BENCH_NO_METRICS }
        }
        else {
            & dotnet $BenchDll $Mode --deltas $Deltas --warmup $Warmup --warmup-turns $WarmupTurns
        }

        $exit = $LASTEXITCODE
        $line = @($output | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') }) | Select-Object -Last 1
        if ($exit -ne 0 -or -not $line) {
            throw "The $Mode case failed (exit code $exit):$([Environment]::NewLine)$($output -join [Environment]::NewLine)"
        }

        $result = $line | ConvertFrom-Json
        if ($result.mode -ne ($Mode -replace '^nometrics$', 'engine') -or [int]$result.deltas -ne $Deltas) { throw "The $Mode case printed an unexpected line: $line" }
        $result
    }

    function Get-Median {
        param([double[]] $Values)
        $sorted = @($Values | Sort-Object)
        $mid = [math]::Floor($sorted.Count / 2)
        if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
    }

    function Get-LoadAverage {
        if (Test-Path /proc/loadavg) { ((Get-Content -Raw /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' }
    }

    $modes = 'bare', 'engine', 'cmdlet', 'nometrics'
    $loadBefore = Get-LoadAverage
    $measurements = [System.Collections.Generic.List[object]]::new()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Write-Host "==> streaming benchmark: $Deltas deltas, $Runs rounds of bare/engine/cmdlet interleaved with (d) engine without metrics ($WarmupTurns warm-up turns of $Warmup deltas each)" -ForegroundColor Cyan
    for ($round = 1; $round -le $Runs; $round++) {
        # Rotate the order so no case always runs first (or right after the heaviest one).
        $order = 0..3 | ForEach-Object { $modes[($_ + $round - 1) % 4] }
        foreach ($mode in $order) {
            $r = Invoke-Case $mode
            $measurements.Add([pscustomobject][ordered]@{
                    round = $round; mode = $mode; ms = [double]$r.ms; count = [int]$r.count
                    turnDurationMs = $r.turnDurationMs; clientCpuMs = $r.clientCpuMs; runtimeCpuMs = $r.runtimeCpuMs
                })
            Write-Host ("    round {0}  {1,-6} {2,9:N1} ms  {3} events/lines  cpu: client {4} ms, runtime {5} ms" -f $round, $mode, [double]$r.ms, $r.count, $r.clientCpuMs, $r.runtimeCpuMs)
        }
    }

    $loadAfter = Get-LoadAverage
    $median = [ordered]@{}
    $range = [ordered]@{}
    $cpu = [ordered]@{}
    foreach ($mode in $modes) {
        $rows = @($measurements | Where-Object mode -EQ $mode)
        $median[$mode] = [math]::Round((Get-Median ($rows | ForEach-Object ms)), 1)
        $range[$mode] = '{0:N0}-{1:N0}' -f ($rows.ms | Measure-Object -Minimum).Minimum, ($rows.ms | Measure-Object -Maximum).Maximum
        $cpu[$mode] = [ordered]@{
            client  = [math]::Round((Get-Median ($rows | ForEach-Object { [double]$_.clientCpuMs })))
            runtime = [math]::Round((Get-Median ($rows | ForEach-Object { [double]$_.runtimeCpuMs })))
        }
    }

    $engineRatio = [math]::Round($median.engine / $median.bare, 3)
    $cmdletRatio = [math]::Round($median.cmdlet / $median.bare, 3)
    $collectionRatio = [math]::Round($median.engine / $median.nometrics, 3)
    $met = $cmdletRatio -le $Target
    $eventsPerSecond = [ordered]@{}
    foreach ($mode in $modes) { $eventsPerSecond[$mode] = [math]::Round($Deltas / ($median[$mode] / 1000)) }

    $table = @(
        ''
        "Streaming benchmark: one turn of $Deltas deltas, median of $Runs runs ($Configuration, $([Environment]::ProcessorCount) cores)"
        ''
        '  case                                        median ms  ratio to (a)   deltas/s   range ms      client CPU ms  runtime CPU ms'
        '  ------------------------------------------  ---------  ------------  ---------  -------------  -------------  --------------'
        ('  (a) bare client (StreamReader.ReadLine)     {0,9:N1}  {1,12}  {2,9:N0}  {3,-13}  {4,13:N0}  {5,14:N0}' -f $median.bare, '1.000', $eventsPerSecond.bare, $range.bare, $cpu.bare.client, $cpu.bare.runtime)
        ('  (b) engine (CodexTurn.ReadEventsAsync)      {0,9:N1}  {1,12:N3}  {2,9:N0}  {3,-13}  {4,13:N0}  {5,14:N0}' -f $median.engine, $engineRatio, $eventsPerSecond.engine, $range.engine, $cpu.engine.client, $cpu.engine.runtime)
        ('  (c) cmdlet (Send-CodexTurn -IncludeDelta)   {0,9:N1}  {1,12:N3}  {2,9:N0}  {3,-13}  {4,13:N0}  {5,14:N0}' -f $median.cmdlet, $cmdletRatio, $eventsPerSecond.cmdlet, $range.cmdlet, $cpu.cmdlet.client, $cpu.cmdlet.runtime)
        ('  (d) engine without metric collection        {0,9:N1}  {1,12:N3}  {2,9:N0}  {3,-13}  {4,13:N0}  {5,14:N0}' -f $median.nometrics, [math]::Round($median.nometrics / $median.bare, 3), $eventsPerSecond.nometrics, $range.nometrics, $cpu.nometrics.client, $cpu.nometrics.runtime)
        ''
        '  (client CPU: the measuring process, including its in-process mock endpoint; medians over the measured turn)'
        ''
        ('  b/a = {0:N3}' -f $engineRatio)
        ('  b/d = {0:N3}   (what metric collection costs the stream)' -f $collectionRatio)
        ('  c/a = {0:N3}   target c/a <= {1:N2}: {2}' -f $cmdletRatio, $Target, $(if ($met) { 'MET' } else { 'NOT MET' }))
        ('  ({0:N0} s in all; load average before {1}, after {2})' -f $clock.Elapsed.TotalSeconds, $loadBefore, $loadAfter)
    )
    $table | ForEach-Object { Write-Host $_ }

    $resultDir = Join-Path $Root 'bench'
    New-Item -ItemType Directory -Force $resultDir | Out-Null
    $resultFile = Join-Path $resultDir 'results.json'
    [ordered]@{
        timestamp     = [DateTimeOffset]::Now.ToString('o')
        machine       = [ordered]@{ os = [Runtime.InteropServices.RuntimeInformation]::OSDescription; cores = [Environment]::ProcessorCount }
        configuration = $Configuration
        deltas        = $Deltas
        warmupDeltas  = $Warmup
        warmupTurns   = $WarmupTurns
        runs          = $Runs
        measurements  = $measurements
        loadAverage   = [ordered]@{ before = $loadBefore; after = $loadAfter }
        medianMs      = $median
        medianCpuMs   = $cpu
        ratios        = [ordered]@{ engineOverBare = $engineRatio; cmdletOverBare = $cmdletRatio; engineOverNoMetrics = $collectionRatio }
        target        = [ordered]@{ cmdletOverBare = $Target; met = $met }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path $resultFile -Encoding utf8
    Write-Host "==> results written to $resultFile" -ForegroundColor Green
}
finally {
    Pop-Location
}
