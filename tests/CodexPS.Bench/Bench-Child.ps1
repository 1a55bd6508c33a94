#!/usr/bin/env pwsh
<#
.SYNOPSIS
    One benchmark case of CodexPS, run by Invoke-Bench.ps1 in a fresh pwsh; prints one JSON line.
.DESCRIPTION
    Every case connects to the mock model endpoint that Invoke-Bench.ps1 hosts (-BaseUrl), the same endpoint
    OpenAI's TypeScript SDK is measured against, and to the pinned runtime the module finds (native/node_modules):
      MultiTurn   (B2) Connect-Codex, New-CodexConversation, then -Turns sequential Send-CodexTurn in it; the time
                  from before Connect-Codex to the last answer (and the turns alone).
      FirstAnswer (B3, B6) Import-Module, Connect-Codex, Invoke-Codex: prints the wall-clock time of the first
                  answer, for the parent to subtract the time it launched this process, and (B6) inProcessMs: from
                  just before Import-Module to the answer, timed inside this process (pwsh's own start-up drops out).
      Concurrent  (B4) -Conversations conversations of one runtime; rounds of one turn alone, then one turn in each
                  conversation at once, all through Send-CodexTurn -IncludeDelta -AsJob (the module's own
                  concurrency: one job per turn, all in this runspace), timed from the first send to the last job done.
      Memory      (B5) one turn through Send-CodexTurn -IncludeDelta | Measure-Object; this process's peak resident set
                  (VmHWM) during the turn minus its resident set (VmRSS) before it, the peak reset right before.
      Pool        (B7) Connect-Codex -Size -PoolSize -Name pool (a pool of local runtimes), or one runtime when -PoolSize
                  is 1; -Conversations conversations on it through New-CodexConversation -Runtime, then one turn in each
                  at once (Send-CodexTurn -AsJob each, then Wait-Job), timed from the first send to the last job done;
                  the CPU time (utime+stime from /proc/PID/stat) of every runtime and of this process over that part.
                  A failed turn does not stop the case: it is counted, and the parent marks the figure invalid.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [ValidateSet('MultiTurn', 'FirstAnswer', 'Concurrent', 'Memory', 'Pool')]
    [string] $Case,

    [Parameter(Mandatory)]
    [string] $ModulePath,

    [Parameter(Mandatory)]
    [string] $BaseUrl,

    [int] $Turns = 20,
    [int] $Conversations = 16,
    [int] $Deltas = 2000,
    [int] $Rounds = 3,
    [int] $WarmupDeltas = 20000,
    [int] $PoolSize = 4
)

$ErrorActionPreference = 'Stop'
# The folders are made before B6's stopwatch, as the TS side makes its own before its stopwatch, and with .NET
# alone: New-Item and Join-Path would import Microsoft.PowerShell.Management (about 80 ms of the first answer).
$root = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'codexps-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$codexHome = [IO.Directory]::CreateDirectory([IO.Path]::Combine($root, 'home')).FullName
$ws = [IO.Directory]::CreateDirectory([IO.Path]::Combine($root, 'ws')).FullName

# B6 times the first answer from here: nothing of the module is loaded yet.
$inProcess = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$importMs = $inProcess.Elapsed.TotalMilliseconds
$WarningPreference = 'SilentlyContinue'

function Connect-BenchMock {
    Connect-Codex -BaseUrl $BaseUrl -ProviderName 'CodexPS mock' -Model 'gpt-5.5' -CodexHome $codexHome -WorkingDirectory $ws
}

function Assert-Answered {
    # The turn completed, and (given its events) one of them is the agent's completed, non-empty answer.
    param($Conversation, [string] $What, [object[]] $Events)
    $result = $Conversation.LastTurn.Completion.Result
    if ($result.Status -ne 'Completed') { throw "${What}: the turn ended $($result.Summary)." }
    if ($PSBoundParameters.ContainsKey('Events')) {
        $answer = @($Events | Where-Object { $_ -is [CodexPS.Engine.Protocol.ItemEvent] -and $_.Item -is [CodexPS.Engine.Protocol.AgentMessageItem] -and $_.Item.Text }).Count
        if ($answer -eq 0) { throw "${What}: the turn completed without an answer among its $(@($Events).Count) events." }
    }
}

function Get-ProcStatusKb {
    param([string] $Field)
    $line = Select-String -Path /proc/self/status -Pattern "^${Field}:\s+(\d+) kB" | Select-Object -First 1
    if ($line) { [long]$line.Matches[0].Groups[1].Value } else { $null }
}

function Get-ProcCpuMs {
    # utime + stime of a process (its own threads, not its reaped children), in ms; fields 14 and 15 of
    # /proc/PID/stat counted after the command name, which is in parentheses and may hold spaces.
    param([int] $ProcessId, [double] $TickMs)
    $stat = [IO.File]::ReadAllText("/proc/$ProcessId/stat")
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    ([long]$fields[11] + [long]$fields[12]) * $TickMs
}

function Get-MachineCpuTicks {
    # The first line of /proc/stat: every core's time by kind in ticks (the first 8; guest time is already in user); idle and iowait are the cores doing nothing.
    $f = @(([IO.File]::ReadAllLines('/proc/stat')[0] -split '\s+') | Select-Object -Skip 1 -First 8 | ForEach-Object { [long]$_ })
    $total = ($f | Measure-Object -Sum).Sum
    [pscustomobject]@{ Total = $total; Busy = $total - $f[3] - $f[4] }
}

try {
    switch ($Case) {
        'MultiTurn' {
            $perTurn = [Collections.Generic.List[double]]::new()
            $runtimeTurn = [Collections.Generic.List[double]]::new()
            $sw = [Diagnostics.Stopwatch]::StartNew()
            Connect-BenchMock
            $c = New-CodexConversation -WorkingDirectory $ws
            $connectedMs = $sw.Elapsed.TotalMilliseconds
            for ($i = 1; $i -le $Turns; $i++) {
                $t0 = $sw.Elapsed.TotalMilliseconds
                $events = Send-CodexTurn "turn $i" -Conversation $c
                $perTurn.Add([math]::Round($sw.Elapsed.TotalMilliseconds - $t0, 1))
                Assert-Answered $c "turn $i" $events
                # The runtime's own figure for the turn (turn/completed durationMs): what no client can save.
                $runtimeTurn.Add([double]$c.LastTurn.Completion.Result.Duration.TotalMilliseconds)
            }
            $sw.Stop()
            [ordered]@{
                case = $Case; turns = $Turns; ms = [math]::Round($sw.Elapsed.TotalMilliseconds, 1)
                connectMs = [math]::Round($connectedMs, 1); turnsMs = [math]::Round($sw.Elapsed.TotalMilliseconds - $connectedMs, 1); perTurnMs = $perTurn
                runtimeTurnDurationMs = $runtimeTurn
            } | ConvertTo-Json -Compress
        }
        'FirstAnswer' {
            $connectStartMs = $inProcess.Elapsed.TotalMilliseconds
            Connect-BenchMock
            $connectedMs = $inProcess.Elapsed.TotalMilliseconds
            $r = Invoke-Codex 'hello' -WorkingDirectory $ws
            $at = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            $inProcessMs = [math]::Round($inProcess.Elapsed.TotalMilliseconds, 1)
            if ($r.Status -ne 'Completed' -or -not $r.FinalResponse) { throw "first answer: the turn ended $($r.Status) with answer '$($r.FinalResponse)'." }
            # Where the time went: the import, the bench script between, Connect-Codex (runtime start and initialize) and the first turn
            # (thread/start, turn/start to turn/completed); runtimeTurnMs is the runtime's own turn duration.
            [ordered]@{
                case = $Case; answerAtMs = $at; inProcessMs = $inProcessMs; importMs = [math]::Round($importMs, 1)
                setupMs = [math]::Round($connectStartMs - $importMs, 1); connectMs = [math]::Round($connectedMs - $connectStartMs, 1); invokeMs = [math]::Round($inProcessMs - $connectedMs, 1)
                runtimeTurnMs = if ($r.Duration) { [math]::Round($r.Duration.TotalMilliseconds, 1) } else { $null }
            } | ConvertTo-Json -Compress
        }
        'Concurrent' {
            Connect-BenchMock
            $all = @(1..$Conversations | ForEach-Object { New-CodexConversation -WorkingDirectory $ws })
            $self = [Diagnostics.Process]::GetCurrentProcess()
            $runtime = [Diagnostics.Process]::GetProcessById((Get-CodexStatus).ProcessId)
            function Invoke-Wave {
                param([object[]] $Targets, [string] $What)
                $self.Refresh(); $runtime.Refresh()
                $cpu0 = $self.TotalProcessorTime; $rcpu0 = $runtime.TotalProcessorTime
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $jobs = @(foreach ($t in $Targets) { Send-CodexTurn 'go' -Conversation $t -IncludeDelta -AsJob })
                $null = $jobs | Wait-Job
                $sw.Stop()
                $self.Refresh(); $runtime.Refresh()
                $cpu = [ordered]@{ clientCpuMs = [math]::Round(($self.TotalProcessorTime - $cpu0).TotalMilliseconds); runtimeCpuMs = [math]::Round(($runtime.TotalProcessorTime - $rcpu0).TotalMilliseconds) }
                for ($j = 0; $j -lt $jobs.Count; $j++) {
                    $job = $jobs[$j]
                    $events = @(Receive-Job $job)
                    $deltaCount = @($events | Where-Object { $_.Kind -eq 'AgentMessageDelta' }).Count
                    if ($job.State -ne 'Completed' -or $deltaCount -ne $Deltas) { throw "${What}: job $($job.Name) ended $($job.State) with $deltaCount deltas, expected $Deltas." }
                    Assert-Answered @($Targets)[$j] $What $events
                    Remove-Job $job
                }
                [pscustomobject]@{ ms = [math]::Round($sw.Elapsed.TotalMilliseconds, 1); clientCpuMs = $cpu.clientCpuMs; runtimeCpuMs = $cpu.runtimeCpuMs }
            }
            # Warm-up (not timed): one turn alone, then one at once in every conversation, so both kinds of wave
            # run warm code and every conversation has had its first turn.
            $null = Invoke-Wave $all[0] 'warm-up alone'
            $null = Invoke-Wave $all 'warm-up at once'
            $alone = [Collections.Generic.List[double]]::new()
            $atOnce = [Collections.Generic.List[double]]::new()
            $atOnceClientCpu = [Collections.Generic.List[double]]::new()
            $atOnceRuntimeCpu = [Collections.Generic.List[double]]::new()
            for ($round = 1; $round -le $Rounds; $round++) {
                [GC]::Collect()
                $alone.Add((Invoke-Wave $all[($round - 1) % $all.Count] "round $round alone").ms)
                [GC]::Collect()
                $wave = Invoke-Wave $all "round $round at once"
                $atOnce.Add($wave.ms); $atOnceClientCpu.Add($wave.clientCpuMs); $atOnceRuntimeCpu.Add($wave.runtimeCpuMs)
            }
            [ordered]@{
                case = $Case; conversations = $Conversations; deltas = $Deltas; aloneMs = $alone; atOnceMs = $atOnce
                atOnceClientCpuMs = $atOnceClientCpu; atOnceRuntimeCpuMs = $atOnceRuntimeCpu
            } | ConvertTo-Json -Compress
        }
        'Pool' {
            $name = if ($PoolSize -gt 1) { 'pool' } else { 'single' }
            $size = if ($PoolSize -gt 1) { @{ Size = $PoolSize } } else { @{} }
            Connect-Codex -Name $name @size -BaseUrl $BaseUrl -ProviderName 'CodexPS mock' -Model 'gpt-5.5' -CodexHome $codexHome -WorkingDirectory $ws
            $all = @(1..$Conversations | ForEach-Object { New-CodexConversation -Runtime $name -WorkingDirectory $ws })
            $members = @(Get-CodexStatus -Name $name)
            if (@($members | Where-Object { -not $_.ProcessId }).Count) { throw "pool: a member of $name has no process id: $(($members | ForEach-Object { "$($_.Name)=$($_.ProcessId)" }) -join ', ')." }
            $tickMs = 1000.0 / [double]"$(& getconf CLK_TCK)".Trim()
            [GC]::Collect()

            $failures = [Collections.Generic.List[string]]::new()
            $cpu0 = @($members | ForEach-Object { Get-ProcCpuMs $_.ProcessId $tickMs })
            $client0 = Get-ProcCpuMs $PID $tickMs
            $machine0 = Get-MachineCpuTicks
            $startedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $jobs = @(foreach ($c in $all) {
                    try { Send-CodexTurn 'go' -Conversation $c -AsJob }
                    catch { $failures.Add("send to $($c.Id): $($_.FullyQualifiedErrorId): $($_.Exception.Message)") }
                })
            $sendsMs = $sw.Elapsed.TotalMilliseconds
            $null = $jobs | Wait-Job
            $sw.Stop()
            $endedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            $client1 = Get-ProcCpuMs $PID $tickMs
            $machine1 = Get-MachineCpuTicks
            $cpu1 = @($members | ForEach-Object { Get-ProcCpuMs $_.ProcessId $tickMs })

            # Every turn must have completed; a send that failed has no job and no completed turn, so it counts too.
            $completed = 0
            $turnMs = [Collections.Generic.List[double]]::new()
            foreach ($c in $all) {
                # A failed turn's Completion is faulted (its Result would throw): read it only once it succeeded.
                $completion = if ($c.LastTurn) { $c.LastTurn.Completion } else { $null }
                $result = if ($completion -and $completion.IsCompletedSuccessfully) { $completion.Result } else { $null }
                if ($result -and $result.Status -eq 'Completed') { $completed++; $turnMs.Add([math]::Round($result.Duration.TotalMilliseconds, 1)) }
                elseif ($result) { $failures.Add("$($c.Id): $($result.Summary)") }
                elseif ($completion -and $completion.IsFaulted) { $failures.Add("$($c.Id): $($completion.Exception.GetBaseException().Message)") }
                else { $failures.Add("$($c.Id): no completed turn") }
            }
            foreach ($job in $jobs) {
                if ($job.State -ne 'Completed') { $failures.Add("job $($job.Name) ended $($job.State)") }
                $null = Receive-Job $job -ErrorAction SilentlyContinue
                Remove-Job $job
            }
            $placement = [ordered]@{}
            foreach ($group in ($all | Group-Object Runtime | Sort-Object Name)) { $placement[$group.Name] = $group.Count }
            $runtimes = @(for ($i = 0; $i -lt $members.Count; $i++) {
                    [ordered]@{ name = $members[$i].Name; processId = $members[$i].ProcessId; cpuMs = [math]::Round($cpu1[$i] - $cpu0[$i]) }
                })
            Disconnect-Codex -Name $name
            [ordered]@{
                case = $Case; runtime = $name; size = $members.Count; conversations = $Conversations; jobs = $jobs.Count
                completed = $completed; failures = $failures; placement = $placement
                ms = [math]::Round($sw.Elapsed.TotalMilliseconds, 1); sendsMs = [math]::Round($sendsMs, 1)
                startedAtMs = $startedAt; endedAtMs = $endedAt; turnDurationMs = $turnMs
                clientCpuMs = [math]::Round($client1 - $client0); runtimes = $runtimes
                machineBusyShare = [math]::Round(($machine1.Busy - $machine0.Busy) / [math]::Max(1, $machine1.Total - $machine0.Total), 3)
            } | ConvertTo-Json -Compress -Depth 5
        }
        'Memory' {
            Connect-BenchMock
            $c = New-CodexConversation -WorkingDirectory $ws
            # Warm-up (the endpoint answers it with a short stream): the same pipeline, so its code is loaded.
            $warm = Send-CodexTurn 'warm up' -Conversation $c -IncludeDelta | Measure-Object
            if ($warm.Count -lt $WarmupDeltas) { throw "memory warm-up: $($warm.Count) events, expected $WarmupDeltas deltas and more." }
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()

            $rssBeforeKb = Get-ProcStatusKb VmRSS
            $hwmBeforeKb = Get-ProcStatusKb VmHWM
            # Writing 5 to clear_refs resets this process's peak resident set (VmHWM) to its current one (Linux).
            $peakReset = $false
            try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); $peakReset = (Get-ProcStatusKb VmHWM) -lt $hwmBeforeKb -or (Get-ProcStatusKb VmHWM) -le $rssBeforeKb + 1024 } catch { $peakReset = $false }
            $self = [Diagnostics.Process]::GetCurrentProcess()
            $peakApiBefore = $self.PeakWorkingSet64
            $heapBefore = [GC]::GetTotalMemory($false)

            $sw = [Diagnostics.Stopwatch]::StartNew()
            $m = Send-CodexTurn 'go' -Conversation $c -IncludeDelta | Measure-Object
            $sw.Stop()

            $hwmAfterKb = Get-ProcStatusKb VmHWM
            $rssAfterKb = Get-ProcStatusKb VmRSS
            $self.Refresh()
            $peakApiAfter = $self.PeakWorkingSet64
            $heapAfter = [GC]::GetTotalMemory($false)
            if ($m.Count -lt $Deltas + 3) { throw "memory: received $($m.Count) events, expected $Deltas deltas plus the turn's other events." }
            Assert-Answered $c 'memory'
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            [ordered]@{
                case = $Case; deltas = $Deltas; ms = [math]::Round($sw.Elapsed.TotalMilliseconds, 1); count = $m.Count
                peakReset = $peakReset; rssBeforeKb = $rssBeforeKb; hwmBeforeKb = $hwmBeforeKb; hwmAfterKb = $hwmAfterKb; rssAfterKb = $rssAfterKb
                peakWorkingSetBefore = $peakApiBefore; peakWorkingSetAfter = $peakApiAfter
                managedHeapBefore = $heapBefore; managedHeapAfter = $heapAfter; managedHeapAfterCollect = [GC]::GetTotalMemory($true)
            } | ConvertTo-Json -Compress
        }
    }
}
finally {
    Disconnect-Codex -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}
