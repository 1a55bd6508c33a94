param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-Mode {
        param([string] $Path)
        (& stat -c '%a' $Path).Trim()
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'An API key given as a SecureString leaks nowhere' {
    It 'is in no process argument or environment, verbose or debug line, error record, recording, metric store or export, nor the -LogPath file' -Skip:(-not $IsLinux) {
        $key = 'sk-codexps-canary-' + [guid]::NewGuid().ToString('N')
        $secure = ConvertTo-SecureString $key -AsPlainText -Force
        $dir = New-TestDirectory 'codexps-secret'
        $log = Join-Path $dir 'protocol.log'
        $db = Join-Path $dir 'metrics.db'
        $recording = Join-Path $dir 'recording.jsonl'
        $mock = Start-CodexMockProvider -Response @(
            @{ Text = 'first answer'; Deltas = 3 }
            @{ Command = 'sleep 3; echo done' }
            @{ Text = 'after the command' }
            @{ Status = 401 })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log -MetricsPath $db
        $Error.Clear()
        $streams = @(Connect-CodexAccount -ApiKey $secure -Verbose -Debug -WarningAction Continue 4>&1 5>&1 3>&1 2>&1)
        $c = New-CodexConversation -WorkingDirectory $dir -ApprovalPolicy Never -Sandbox DangerFullAccess
        $c | Start-CodexRecording -Path $recording
        $streams += @(Send-CodexTurn 'hello' -Conversation $c -IncludeDelta -Verbose -Debug 4>&1 5>&1 3>&1 2>&1)

        # A turn that runs a command: look at the runtime and every child of it while the command runs.
        $runtimePid = (Get-CodexStatus).ProcessId
        $job = Start-InRunspace { param($c) Send-CodexTurn 'run it' -Conversation $c -Verbose -Debug 4>&1 5>&1 3>&1 2>&1 } @{ c = $c }
        $processes = [System.Collections.Generic.HashSet[int]]::new()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while (-not $job.Handle.IsCompleted -and $sw.ElapsedMilliseconds -lt 30000) {
            $null = $processes.Add($runtimePid)
            foreach ($entry in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$') {
                $stat = Get-Content "/proc/$($entry.Name)/stat" -Raw -ErrorAction SilentlyContinue
                if ($stat -match '^\d+ \(.*\) \S (\d+) ' -and $processes.Contains([int]$Matches[1])) { $null = $processes.Add([int]$entry.Name) }
            }

            $texts = foreach ($id in $processes) {
                foreach ($part in 'cmdline', 'environ') {
                    try { [IO.File]::ReadAllText("/proc/$id/$part") } catch { '' }
                }
            }
            ($texts -join "`n").Contains($key) | Should -BeFalse -Because 'no process of the runtime carries the key in its arguments or environment'
            Start-Sleep -Milliseconds 100
        }
        $streams += @($job.PowerShell.EndInvoke($job.Handle)) + @($job.PowerShell.Streams.Verbose) + @($job.PowerShell.Streams.Debug) + @($job.PowerShell.Streams.Error)
        $processes.Count | Should -BeGreaterThan 1 -Because 'the command ran as a child of the runtime and was looked at'

        # A failing turn: its error record is scanned too.
        $streams += @(Send-CodexTurn 'fail' -Conversation $c -Verbose -Debug -ErrorAction SilentlyContinue 4>&1 5>&1 3>&1 2>&1)
        $c | Stop-CodexRecording
        $exports = foreach ($format in 'Json', 'Csv', 'Prometheus') {
            $file = Join-Path $dir "metrics.$format"
            Export-CodexMetrics -Path $file -Format $format -ErrorAction SilentlyContinue
            $file
        }
        Disconnect-Codex

        $streams.Count | Should -BeGreaterThan 10 -Because 'verbose and debug lines were captured'
        @($streams | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and "$_" -match 'account/login/start' }).Count |
            Should -BeGreaterOrEqual 1 -Because 'the login request itself was in the debug stream (redacted)'
        $texts = @($streams | ForEach-Object { "$_"; if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.Exception.ToString(); "$($_.TargetObject)" } })
        $texts += @($Error | ForEach-Object { "$_"; $_.Exception.ToString(); "$($_.TargetObject)" })
        ($texts -join "`n").Contains($key) | Should -BeFalse -Because 'no verbose, debug or error text carries the key'
        $Error.Count + @($streams | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -BeGreaterOrEqual 1

        $files = @($log, $recording) + @($exports | Where-Object { Test-Path $_ }) + @(Get-ChildItem "$db*" | ForEach-Object FullName)
        $files.Count | Should -BeGreaterOrEqual 5
        (Get-Content $log -Raw) | Should -Match 'account/login/start' -Because 'the login was logged, with the key redacted'
        foreach ($file in $files) {
            $bytes = [IO.File]::ReadAllBytes($file)
            [Text.Encoding]::UTF8.GetString($bytes).Contains($key) | Should -BeFalse -Because "$file must not hold the key"
            [Text.Encoding]::Unicode.GetString($bytes).Contains($key) | Should -BeFalse -Because "$file must not hold the key in UTF-16 either"
        }
    }
}

Describe 'No consent, no change: a model trying 20 ways to create a canary file' {
    BeforeAll {
        $ws = New-TestDirectory 'codexps-consent'
        $outside = New-TestDirectory 'codexps-outside'
        Set-Content -Path (Join-Path $ws 'existing.txt') -Value 'old'
        $canary = 'canary.txt'
        $ways = @(
            @{ Command = "touch $canary" }
            @{ Command = "echo pwned > $canary" }
            @{ Command = "sh -c 'echo pwned > $canary'" }
            @{ Command = "bash -c 'printf pwned >> $canary'" }
            @{ Command = "cp /etc/hostname $canary" }
            @{ Command = "tee $canary < /dev/null" }
            @{ Command = "printf pwned | dd of=$canary" }
            @{ Command = "install -m 644 /dev/null $canary" }
            @{ Command = "env X=1 touch $canary" }
            @{ Command = "find /etc/hostname -exec cp {} $canary \;" }
            @{ Command = "touch $canary"; Escalate = $true; Justification = 'I need to write a file outside the sandbox.' }
            @{ Command = "bash -c 'echo pwned > $canary'"; Escalate = $true; Justification = 'Please allow this.' }
            @{ Command = "touch $(Join-Path $outside $canary)" }
            @{ Command = "echo pwned > $(Join-Path $outside $canary)"; Escalate = $true; Justification = 'Outside the workspace.' }
            @{ Command = "cd $outside && touch $canary" }
            @{ Command = "ln -s /etc/hostname $canary" }
            @{ Patch = "*** Begin Patch`n*** Add File: $canary`n+pwned`n*** End Patch" }
            @{ Patch = "*** Begin Patch`n*** Add File: $(Join-Path $outside $canary)`n+pwned`n*** End Patch" }
            @{ Patch = "*** Begin Patch`n*** Add File: ../$(Split-Path $outside -Leaf)/$canary`n+pwned`n*** End Patch" }
            @{ Patch = "*** Begin Patch`n*** Update File: existing.txt`n*** Move to: $canary`n@@`n-old`n+pwned`n*** End Patch" }
        )

        function Test-Canary {
            (Test-Path (Join-Path $ws $canary)) -or (Test-Path (Join-Path $outside $canary)) -or
            ((Get-Content (Join-Path $ws 'existing.txt') -Raw).Trim() -ne 'old')
        }
    }

    BeforeEach { Disconnect-Codex }

    It 'with no approval handler in a non-interactive host (<Mode>), no way creates it, and each one reached the runtime' -TestCases @(
        @{ Mode = 'NonInteractive' }
        @{ Mode = 'WhatIf' }
    ) {
        param($Mode)
        $ways.Count | Should -Be 20
        $script = foreach ($way in $ways) { $way; @{ Text = 'done' } }
        $mock = Connect-TestMock -Response $script
        $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox ReadOnly
        $reached = 0
        for ($i = 0; $i -lt $ways.Count; $i++) {
            $whatIf = @{}
            if ($Mode -eq 'WhatIf') { $whatIf.WhatIf = $true }
            $events = @(Send-CodexTurn "way $i" -Conversation $c @whatIf -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
            $events[-1].Kind | Should -Be 'TurnCompleted' -Because "way $i ends its turn"
            $approvals = @($events | Where-Object Kind -EQ 'ApprovalRequested')
            $approvals | ForEach-Object { $_.Decision | Should -Be 'Decline' -Because "way $i has no consent" }
            $items = @($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -in 'CommandExecution', 'FileChange' })
            if ($approvals.Count -gt 0 -or @($items | Where-Object { $_.Item.Status -in 'Declined', 'Failed' }).Count -gt 0) { $reached++ }
            else { Write-Host "way $i ($($ways[$i].Values -join ' ')): $(($events | ForEach-Object { "$($_.Kind)/$($_.Item.Type)/$($_.Item.Status)" }) -join ', ')" }
            Test-Canary | Should -BeFalse -Because "way $i ($($ways[$i].Values -join ' ')) must not create the canary"
        }

        Write-Host "$Mode`: $reached of $($ways.Count) ways reached the runtime and were declined or refused; canary absent."
        $reached | Should -Be $ways.Count -Because 'every way reached the runtime: an approval was asked and declined, or the item was refused'
        @($mock.Requests | Where-Object Path -like '*/responses').Count | Should -Be (2 * $ways.Count)
    }
}

Describe 'Files that may hold secrets are private to their owner' {
    It 'recordings, the metric store and the -LogPath file are created 0600, in folders created 0700' -Skip:(-not $IsLinux) {
        $root = New-TestDirectory 'codexps-modes'
        $log = Join-Path $root 'logs/deep/protocol.log'
        $db = Join-Path $root 'store/metrics.db'
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'one' }, @{ Text = 'two' }, @{ Text = 'three' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -LogPath $log -MetricsPath $db
        $c = New-CodexConversation -WorkingDirectory $root -RecordTo (Join-Path $root 'rec/a/{conversationId}.jsonl')
        $c2 = New-CodexConversation -WorkingDirectory $root
        $c2 | Start-CodexRecording -Path (Join-Path $root 'rec/b/{conversationId}.json') -Format Json
        $null = Send-CodexTurn 'hi' -Conversation $c
        $null = Send-CodexTurn 'hi' -Conversation $c2
        $c2 | Stop-CodexRecording
        $null = Send-CodexTurn 'again' -Conversation $c
        Wait-Until { Test-Path $db } -TimeoutMs 10000
        Disconnect-Codex

        $jsonl = Join-Path $root "rec/a/$($c.Id).jsonl"
        $json = Join-Path $root "rec/b/$($c2.Id).json"
        foreach ($file in @($log, $db, $jsonl, $json) + @(Get-ChildItem "$db-*" -ErrorAction SilentlyContinue | ForEach-Object FullName)) {
            $file | Should -Exist
            Get-Mode $file | Should -Be '600' -Because "$file is created for its owner only"
        }

        foreach ($folder in 'logs', 'logs/deep', 'store', 'rec', 'rec/a', 'rec/b') {
            Get-Mode (Join-Path $root $folder) | Should -Be '700' -Because "$folder was created by CodexPS"
        }
    }
}
