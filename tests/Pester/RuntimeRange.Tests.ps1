param([string] $ModulePath)

# The whole suite runs on the pinned runtime, the top of the supported range. This file runs the module's core
# paths on the bottom of the range too (native/package.json: codexps.lowestSupported), fetched once per run from
# the npm registry into build/cache (npm pack of the platform package; the registry is the only network here).

BeforeDiscovery {
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $package = Get-Content -Raw (Join-Path $root 'native/package.json') | ConvertFrom-Json
    $script:Ends = @(
        @{ Version = $package.codexps.lowestSupported; End = 'lowest' }
    ) | Where-Object { $_.Version -ne $package.dependencies.'@openai/codex' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')

    function Get-RangeRuntime {
        # The codex binary of one version for this platform, from build/cache/runtimes/<version> or the registry.
        param([string] $Version)
        $arch = switch ([Runtime.InteropServices.RuntimeInformation]::OSArchitecture) { 'X64' { 'x64' } 'Arm64' { 'arm64' } default { throw "No codex package for $_." } }
        $os = if ($IsWindows) { 'win32' } elseif ($IsMacOS) { 'darwin' } else { 'linux' }
        $cache = Join-Path $script:Root "build/cache/runtimes/$Version-$os-$arch"
        $binary = Get-ChildItem -Recurse -File -Path $cache -Filter ($IsWindows ? 'codex.exe' : 'codex') -ErrorAction SilentlyContinue |
            Where-Object { $_.Directory.Name -eq 'bin' } | Select-Object -First 1
        if ($binary) { return $binary.FullName }

        $staging = New-TestDirectory 'codexps-range'
        Push-Location $staging
        try {
            $tarball = & npm pack "@openai/codex@$Version-$os-$arch" --silent 2>&1 | Select-Object -Last 1
            if ($LASTEXITCODE -ne 0) { return $null }
            & tar -xzf (Join-Path $staging $tarball) -C $staging
            if ($LASTEXITCODE -ne 0) { throw "tar could not extract $tarball." }
        }
        finally { Pop-Location }
        New-Item -ItemType Directory -Force (Split-Path $cache) | Out-Null
        if (Test-Path $cache) { Remove-Item -Recurse -Force $cache }
        Move-Item (Join-Path $staging 'package') $cache
        (Get-ChildItem -Recurse -File -Path $cache -Filter ($IsWindows ? 'codex.exe' : 'codex') | Where-Object { $_.Directory.Name -eq 'bin' } | Select-Object -First 1).FullName
    }
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'The <End> end of the supported runtime range (<Version>)' -ForEach $script:Ends {
    BeforeAll {
        $script:Binary = Get-RangeRuntime $Version
        $script:Skip = if (-not $script:Binary) { "npm could not fetch @openai/codex@$Version for this platform (no registry?)" } else { $null }
    }

    BeforeEach {
        if ($script:Skip) { Set-ItResult -Skipped -Because $script:Skip }
    }

    AfterEach {
        Disconnect-Codex -All
    }

    It 'starts, reports its version and raises no range warning' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'hello from the range' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:Binary -WarningVariable warnings -WarningAction SilentlyContinue
        $status = Get-CodexStatus
        $status.CodexVersion | Should -Be $Version
        $status.CodexPath | Should -Be $script:Binary
        @($warnings | Where-Object { "$_" -match 'CodexPS supports' }) | Should -BeNullOrEmpty
        [CodexPS.Engine.Runtime.CodexRuntimeLocator]::IsSupported($Version) | Should -BeTrue
    }

    It 'streams a turn with its deltas, items, usage and final answer' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'The answer is 42.'; Deltas = 4 })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:Binary
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = @(Send-CodexTurn 'What is the answer?' -Conversation $c -IncludeDelta)
        @($events | Where-Object Kind -EQ 'AgentMessageDelta').Count | Should -Be 4
        ($events | Where-Object { $_ -is [CodexPS.Engine.Protocol.TurnCompletedEvent] }).Status | Should -Be 'Completed'
        $c.LastTurn.Result.FinalResponse | Should -Be 'The answer is 42.'
        $c.LastTurn.Result.Usage.OutputTokens | Should -BeGreaterThan 0
        $mock.Requests[0].Body | Should -Match 'What is the answer'
    }

    It 'asks for approval, runs the approved command and reports a patch with its diff' {
        $ws = New-TestDirectory
        Set-Content -Path (Join-Path $ws 'app.txt') -Value 'old'
        $patch = "*** Begin Patch`n*** Update File: app.txt`n@@`n-old`n+new`n*** End Patch"
        $mock = Start-CodexMockProvider -Response @(@{ Command = 'echo ranged > ranged.txt' }, @{ Patch = $patch }, @{ Text = 'done' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:Binary
        $global:CodexRangeAsked = @()
        $result = Invoke-Codex 'change things' -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted -ApprovalHandler { $global:CodexRangeAsked += "$($_.Kind)"; 'Accept' }
        $result.Status | Should -Be 'Completed'
        $global:CodexRangeAsked | Should -Contain 'CommandExecution'
        Join-Path $ws 'ranged.txt' | Should -Exist
        (Get-Content (Join-Path $ws 'app.txt')) | Should -Be 'new'
        ($result.Items | Where-Object Type -EQ 'FileChange') | Should -Not -BeNullOrEmpty
    }

    It 'resumes a conversation from disk and the model sees the history' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'first answer' }, @{ Text = 'second answer' })
        $home_ = New-TestDirectory 'codexps-home'
        Connect-Codex -MockProvider $mock -CodexHome $home_ -CodexPath $script:Binary
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'remember the word pelican' -Conversation $c
        Disconnect-Codex
        Connect-Codex -MockProvider $mock -CodexHome $home_ -CodexPath $script:Binary
        $resumed = Resume-CodexConversation -Id $c.Id
        $null = Send-CodexTurn 'which word?' -Conversation $resumed
        $resumed.LastTurn.Result.FinalResponse | Should -Be 'second answer'
        $mock.Requests[-1].Body | Should -Match 'pelican'
    }

    It 'interrupts a running turn when the pipeline stops early, and stays usable' {
        # Every model request answers with another command (as in TurnStop.Tests), so a turn left running keeps calling the model.
        $mock = Start-CodexMockProvider
        $mock.DefaultResponse = [CodexPS.Engine.Mock.MockResponse]::FromDictionary(@{ Command = 'echo loop'; DelayMs = 100 })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:Binary
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Sandbox ReadOnly -ApprovalPolicy Never
        $first = @(Send-CodexTurn 'loop for ever' -Conversation $c -WarningAction SilentlyContinue | Select-Object -First 5)
        $first.Count | Should -Be 5
        Wait-Until { $null -eq $c.ActiveTurn } -TimeoutMs 10000
        Start-Sleep -Milliseconds 500
        $before = $mock.Requests.Count
        Start-Sleep -Milliseconds 1500
        $mock.Requests.Count | Should -Be $before -Because 'the stopped turn must not call the model any more'
        $mock.DefaultResponse = [CodexPS.Engine.Mock.MockResponse]::FromText('after the stop')
        $next = Send-CodexTurn 'are you still there?' -Conversation $c -WarningAction SilentlyContinue | Select-Object -Last 1
        $next.Status | Should -Be 'Completed'
        $c.LastTurn.Result.FinalResponse | Should -Be 'after the stop'
    }
}

# Outside the range: a real older runtime, installed from the npm registry with Install-CodexRuntime -Version into
# build/cache (once per machine; skipped with the reason only when the registry cannot be reached). Connect-Codex warns
# only when what CodexPS uses differs from the pinned protocol; the test asserts what the comparison itself finds in
# that binary's own schema. 0.169.1 (checked by hand against the 0.171.0 pin): ThreadListParams lost includedThreadIds,
# McpServerStatus and three other MCP types lost environmentId, several safety types are missing, and more.
Describe 'A runtime outside the supported range (<Version>)' -ForEach @(@{ Version = '0.169.1' }) {
    BeforeAll {
        $script:OutsideSkip = $null
        $script:OutsideBinary = $null
        [CodexPS.Engine.Runtime.CodexRuntimeLocator]::IsSupported($Version) | Should -BeFalse -Because "$Version must lie outside the supported range for this test to mean anything"
        $platform = [CodexPS.Engine.Runtime.Install.CodexRuntimePlatform]::Current
        $folder = Join-Path $script:Root "build/cache/runtimes/installed-$Version-$($platform.Name)"
        try {
            $installed = Install-CodexRuntime -Version $Version -Path $folder -WarningAction SilentlyContinue -ErrorAction Stop
            $script:OutsideBinary = $installed.Path
        }
        catch {
            if ("$($_.FullyQualifiedErrorId)" -notmatch '^CodexRuntimeDownloadFailed') { throw }
            $script:OutsideSkip = "Install-CodexRuntime -Version $Version could not reach the npm registry: $($_.Exception.Message)"
        }

        # The drift verdicts of this file go to a cache of its own, so the first Connect-Codex really generates the schema.
        $script:DataVariable = if ($IsWindows) { 'LOCALAPPDATA' } else { 'XDG_DATA_HOME' }
        $script:SavedData = [Environment]::GetEnvironmentVariable($script:DataVariable)
        [Environment]::SetEnvironmentVariable($script:DataVariable, (New-TestDirectory 'codexps-drift-data'))

        if ($script:OutsideBinary) {
            # What the comparison finds, from the binary's own schema: the warning must say exactly this.
            $schema = [CodexPS.Engine.Runtime.Drift.CodexRuntimeSchemaGenerator]::GenerateAsync($script:OutsideBinary, [TimeSpan]::FromSeconds(60), [Threading.CancellationToken]::None).GetAwaiter().GetResult()
            $schema.Failure | Should -BeNullOrEmpty
            $script:Drift = [CodexPS.Engine.Runtime.Drift.CodexProtocolSurface]::CompareWithPinned($schema.Bundle.RootElement)
            $schema.Dispose()
        }
    }

    AfterAll {
        [Environment]::SetEnvironmentVariable($script:DataVariable, $script:SavedData)
    }

    BeforeEach {
        if ($script:OutsideSkip) { Set-ItResult -Skipped -Because $script:OutsideSkip }
    }

    AfterEach {
        Disconnect-Codex -All
    }

    It 'differs from the pinned protocol in what CodexPS uses (checked by hand: ThreadListParams lost includedThreadIds)' {
        $script:Drift.HasDrift | Should -BeTrue
        $script:Drift.Lines(10) | Should -Contain 'ThreadListParams (- includedThreadIds)'
        $script:Drift.Lines(10) | Should -Contain 'McpServerStatus (- environmentId)'
    }

    It 'starts with one warning that names the version, the range, the drift and the way out; the verdict is then cached' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'hello from outside' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:OutsideBinary -WarningVariable warnings -WarningAction SilentlyContinue
        $range = @($warnings | Where-Object { "$_" -match 'CodexPS supports' })
        $range.Count | Should -Be 1
        $text = "$($range[0])"
        $text | Should -Match ([regex]::Escape("is version $Version"))
        $text | Should -Match ([regex]::Escape("CodexPS supports $([CodexPS.Engine.Runtime.CodexRuntimeLocator]::SupportedRange)"))
        $text | Should -Match ([regex]::Escape($script:Drift.Summary(6)))
        $text | Should -Match 'Install-CodexRuntime'
        $text | Should -Match '-CodexPath'
        $status = Get-CodexStatus
        $status.RuntimeDrift.Status | Should -Be 'Drift'
        $status.RuntimeDrift.FromCache | Should -BeFalse
        (Invoke-Codex 'still answers?').FinalResponse | Should -Be 'hello from outside'
        Disconnect-Codex

        # A second start of the same binary takes the verdict from the per-user cache instead of generating the schema again.
        $cache = Join-Path ([Environment]::GetEnvironmentVariable($script:DataVariable)) 'CodexPS/runtime/codexps-drift-cache.json'
        $cache | Should -Exist
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:OutsideBinary -WarningVariable again -WarningAction SilentlyContinue
        @($again | Where-Object { "$_" -match 'CodexPS supports' }).Count | Should -Be 1
        (Get-CodexStatus).RuntimeDrift.FromCache | Should -BeTrue
    }

    It 'fails the doctor''s Runtime check, naming the drift' {
        $mock = Start-CodexMockProvider
        $check = Test-CodexEnvironment -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -CodexPath $script:OutsideBinary -WarningAction SilentlyContinue |
            Where-Object Name -EQ 'Runtime'
        $check.Status | Should -Be 'Fail'
        $check.Found | Should -Match ([regex]::Escape("codex $Version"))
        $check.Found | Should -Match ([regex]::Escape($script:Drift.Summary(6)))
        $check.Fix | Should -Match 'Install-CodexRuntime'
    }

    It 'the pinned runtime starts with no version warning and no drift verdict' {
        $mock = Start-CodexMockProvider -Response @(@{ Text = 'pinned' })
        Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -WarningVariable pinnedWarnings -WarningAction SilentlyContinue
        $status = Get-CodexStatus
        $status.CodexVersion | Should -Be ([CodexPS.Engine.Runtime.CodexRuntimeLocator]::PinnedVersion)
        @($pinnedWarnings | Where-Object { "$_" -match 'CodexPS supports' }) | Should -BeNullOrEmpty
        $status.RuntimeDrift | Should -BeNullOrEmpty
    }
}
