param([string] $ModulePath)

# Invoke-Codex on another machine over PowerShell remoting through SSH, for real: an sshd of the test's own on
# 127.0.0.1 (its own config, host key and port; the OS package is installed when missing), a client key made here,
# `Subsystem powershell` running this machine's pwsh, and on the "remote" side the module installed from the built
# package with PSResourceGet into a home of its own. The results come back to this session as deserialized objects:
# typed, with their nested objects, enums by name and the module's views.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $root = Split-Path (Split-Path $PSScriptRoot)
    $moduleFolder = Split-Path (Resolve-Path $ModulePath).ProviderPath
    $version = (Test-ModuleManifest (Join-Path $moduleFolder 'CodexPS.psd1')).Version.ToString()
    $script:SkipReason = $null
    $script:SshdProcess = $null

    function Get-Sshd {
        # Debian puts sshd in /usr/sbin, which is not on a non-root PATH.
        $found = Get-Command sshd -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source
        if (-not $found -and (Test-Path /usr/sbin/sshd)) { $found = '/usr/sbin/sshd' }
        $found
    }

    function Install-OpenSsh {
        # Returns why it cannot install, or nothing when sshd is there (installed now or before).
        if (-not $IsLinux) { return 'sshd is not installed, and this test installs it only on Linux (apt-get)' }
        if (-not (Get-Command apt-get -ErrorAction Ignore)) { return 'sshd is not installed and there is no apt-get to install openssh-server with' }
        $isRoot = (& id -u) -eq '0'
        $canSudo = -not $isRoot -and (Get-Command sudo -ErrorAction Ignore) -and $(& sudo -n true 2>$null; $LASTEXITCODE -eq 0)
        if (-not ($isRoot -or $canSudo)) { return 'sshd is not installed, and installing openssh-server needs root or password-less sudo' }
        [string[]] $asRoot = if ($canSudo) { 'sudo', '-n' } else { @() }
        function Invoke-AsRoot([string[]] $Command) {
            $all = $asRoot + $Command
            $output = & $all[0] @($all | Select-Object -Skip 1) 2>&1
            if ($LASTEXITCODE -ne 0) { throw "$($Command -join ' ') failed (exit code $LASTEXITCODE): $($output -join "`n")" }
        }
        # The package's scripts would start the system's sshd on port 22; a policy-rc.d that refuses (as in every
        # Docker image) keeps them from starting anything. One already there is left as it is.
        $policy = '/usr/sbin/policy-rc.d'
        $ownPolicy = -not (Test-Path $policy)
        if ($ownPolicy) { Invoke-AsRoot 'sh', '-c', "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy" }
        try {
            $env:DEBIAN_FRONTEND = 'noninteractive'
            Invoke-AsRoot 'apt-get', 'update', '-qq'
            Invoke-AsRoot 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'openssh-server', 'openssh-client'
        }
        finally {
            if ($ownPolicy) { Invoke-AsRoot 'rm', '-f', $policy }
        }
        if (-not (Get-Sshd)) { throw 'apt-get installed openssh-server, but no sshd is found.' }
        # sshd started as root needs its privilege separation directory, which the package's service would create.
        if (-not (Test-Path /run/sshd)) { Invoke-AsRoot 'install', '-d', '-m', '0755', '/run/sshd' }
    }

    if ($IsWindows) {
        $script:SkipReason = 'the subsystem wrapper is a shell script; on Windows, OpenSSH Server runs pwsh.exe -sshs directly and would need its own setup'
    }
    elseif (-not (Get-Sshd)) {
        $script:SkipReason = Install-OpenSsh
    }
    elseif ($IsLinux -and (& id -u) -eq '0' -and -not (Test-Path /run/sshd)) {
        New-Item -ItemType Directory /run/sshd | Out-Null
    }
    if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
    foreach ($tool in 'ssh', 'ssh-keygen') {
        if (-not (Get-Command $tool -ErrorAction Ignore)) { throw "$tool is missing though sshd is installed (openssh-client)." }
    }

    $work = New-TestDirectory 'codexps-ssh'
    $user = [Environment]::UserName
    $pwsh = @(Get-PwshCommand)
    $codex = Get-ChildItem -Recurse -File (Join-Path $root 'native/node_modules/@openai') -Filter codex |
        Where-Object { $_.Directory.Name -eq 'bin' -and $_.FullName -match 'vendor' } | Select-Object -First 1 -ExpandProperty FullName
    if (-not $codex) { throw "No codex binary under $root/native/node_modules (build.ps1 Build installs it)." }

    # Keys: the server's host key (written to a known_hosts of the test's own, so the client checks it) and the
    # client's key (the only authorized key).
    foreach ($key in 'host_key', 'client_key') {
        & ssh-keygen -q -t ed25519 -N '' -C "codexps-remoting-$key" -f (Join-Path $work $key)
        if ($LASTEXITCODE -ne 0) { throw "ssh-keygen failed for $key." }
    }
    Copy-Item (Join-Path $work 'client_key.pub') (Join-Path $work 'authorized_keys')
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $knownHosts = Join-Path $work 'known_hosts'
    Set-Content -Path $knownHosts -Value ("[127.0.0.1]:$port " + (Get-Content -Raw (Join-Path $work 'host_key.pub')).Trim())

    # The remote side: a home of its own (PSResourceGet's repository list, the CurrentUser module folder, caches),
    # reached through the subsystem wrapper. sshd gives the session a clean environment; this is all it adds.
    $remoteHome = New-Item -ItemType Directory (Join-Path $work 'remote-home') | ForEach-Object FullName
    $subsystem = Join-Path $work 'pwsh-subsystem.sh'
    $pwshLine = ($pwsh + '-sshs', '-NoLogo', '-NoProfile' | ForEach-Object { "'$_'" }) -join ' '
    Set-Content -Path $subsystem -Value @"
#!/bin/sh
export HOME='$remoteHome'
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME PSModulePath
export CODEXPS_METRICS_PATH='$work/remote-metrics.db'
export DOTNET_CLI_TELEMETRY_OPTOUT=1
exec $pwshLine
"@
    & chmod 755 $subsystem

    $config = Join-Path $work 'sshd_config'
    Set-Content -Path $config -Value @"
ListenAddress 127.0.0.1
Port $port
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
AllowUsers $user
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
# The test folder is under the world-writable temp folder, which StrictModes refuses for authorized_keys.
StrictModes no
Subsystem powershell $subsystem
LogLevel VERBOSE
"@
    $sshd = Get-Sshd
    $check = & $sshd -t -f $config 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sshd -t refused the test's config: $check" }
    # -D: stays in the foreground as the process started here, so it is stopped by this PID; -E: its log.
    $sshdLog = Join-Path $work 'sshd.log'
    $start = [Diagnostics.ProcessStartInfo]::new($sshd)
    foreach ($argument in '-D', '-f', $config, '-E', $sshdLog) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $script:SshdProcess = [Diagnostics.Process]::Start($start)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        if ($script:SshdProcess.HasExited) { throw "sshd exited with $($script:SshdProcess.ExitCode): $(Get-Content -Raw $sshdLog -ErrorAction Ignore)" }
        $probe = [Net.Sockets.TcpClient]::new()
        try { $probe.Connect('127.0.0.1', $port); break } catch { } finally { $probe.Dispose() }
        if ($sw.Elapsed.TotalSeconds -gt 30) { throw "sshd did not listen on 127.0.0.1:$port in 30 s: $(Get-Content -Raw $sshdLog -ErrorAction Ignore)" }
        Start-Sleep -Milliseconds 100
    }

    $remote = @{
        HostName    = '127.0.0.1'
        Port        = $port
        UserName    = $user
        KeyFilePath = Join-Path $work 'client_key'
        # The host key is checked against the test's known_hosts; BatchMode makes a failed login fail, never prompt.
        Options     = @{
            StrictHostKeyChecking = 'yes'
            UserKnownHostsFile    = $knownHosts
            GlobalKnownHostsFile  = '/dev/null'
            IdentitiesOnly        = 'yes'
            BatchMode             = 'yes'
        }
    }

    # The package, built as build.ps1 Package builds it, in a folder that serves as a PSResourceGet file repository.
    $repository = Join-Path $work 'repository'
    $package = & (Join-Path $root 'build/New-ModulePackage.ps1') -ModulePath $moduleFolder -DestinationPath $repository 6>$null

    # One remote session (a pwsh start over SSH is the slow part): first the module is installed there the way a user
    # installs it (register the repository, Install-PSResource), then the runbook runs: the mock model and the runtime
    # start on the remote side, and everything the remote commands write comes back here.
    $workspace = New-Item -ItemType Directory (Join-Path $work 'workspace') | ForEach-Object FullName
    $received = @(Invoke-Command @remote -ArgumentList $repository, $codex, $workspace -ErrorAction Stop -ScriptBlock {
        param([string] $Repository, [string] $CodexPath, [string] $Workspace)
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name CodexPSRemotingTest -Uri $Repository -Trusted
        try { Install-PSResource -Name CodexPS -Repository CodexPSRemotingTest -Scope CurrentUser -TrustRepository }
        finally { Unregister-PSResourceRepository -Name CodexPSRemotingTest }
        $installed = Get-InstalledPSResource -Name CodexPS -Scope CurrentUser

        Import-Module CodexPS
        $mock = Start-CodexMockProvider -Response @(
            @{ Text = 'Hello from the other side of SSH.'; Deltas = 3 },
            @{ Command = 'echo remoting' },
            @{ Text = 'Ran echo over SSH.' })
        $codexHome = New-Item -ItemType Directory (Join-Path $HOME 'codex-home') -Force
        Connect-Codex -MockProvider $mock -CodexPath $CodexPath -CodexHome $codexHome -WarningAction SilentlyContinue
        Invoke-Codex 'Say hello over SSH' -WorkingDirectory $Workspace -WarningAction SilentlyContinue
        New-CodexConversation -WorkingDirectory $Workspace -Sandbox WorkspaceWrite -ApprovalPolicy Never |
            Send-CodexTurn 'Run echo remoting' -WarningAction SilentlyContinue
        $status = Get-CodexStatus
        [pscustomobject]@{
            PSTypeName        = 'CodexPS.Tests.RemoteFacts'
            InstalledVersion  = "$($installed.Version)"
            InstalledLocation = $installed.InstalledLocation
            Home              = $HOME
            ProcessId         = $PID
            RuntimeId         = $status.ProcessId
            ModuleBase        = (Get-Module CodexPS).ModuleBase
            Requests          = @($mock.Requests | ForEach-Object Body)
        }
        Disconnect-Codex
        Stop-CodexMockProvider
    })
    $facts = $received | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.CodexPS.Tests.RemoteFacts' }
    $result = $received | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.CodexPS.Engine.Conversations.CodexTurnResult' }
    $events = @($received | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.CodexPS.Engine.Protocol.CodexEvent' })
}

AfterAll {
    if ($script:SshdProcess) {
        # Only the sshd started here, and the per-connection sshd processes it forked.
        if (-not $script:SshdProcess.HasExited) { $script:SshdProcess.Kill($true) }
        $null = $script:SshdProcess.WaitForExit(10000)
        $script:SshdProcess.Dispose()
    }
    if ($work) { Remove-Item -Recurse -Force $work -ErrorAction Ignore }
}

Describe 'Invoke-Codex over SSH remoting' {
    It 'runs on the remote side with the module installed there from the package' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        $package.Name | Should -Be "CodexPS.$version.nupkg"
        $facts | Should -Not -BeNullOrEmpty
        $facts.InstalledVersion | Should -Be $version
        $facts.Home | Should -Be $remoteHome
        $facts.InstalledLocation | Should -BeLike "$remoteHome*"
        $facts.PSComputerName | Should -Be '127.0.0.1'
        $facts.ProcessId | Should -Not -Be $PID
        $facts.ModuleBase | Should -BeLike "$remoteHome*"
        $facts.ModuleBase | Should -Not -BeLike "$root*"
        $facts.RuntimeId | Should -BeGreaterThan 0
    }

    It 'returns Invoke-Codex''s result as a deserialized CodexTurnResult with its nested objects' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        @($result).Count | Should -Be 1
        $result.PSObject.TypeNames[0] | Should -Be 'Deserialized.CodexPS.Engine.Conversations.CodexTurnResult'
        $result.FinalResponse | Should -Be 'Hello from the other side of SSH.'
        # Enums arrive as their names (RemoteSessionSerialization): the SSH client ignores CodexPS.Types.ps1xml.
        $result.Status | Should -BeOfType ([string])
        $result.Status | Should -Be 'Completed'
        $result.ConversationId | Should -Match '^[0-9a-f-]{36}$'
        # Items and Usage are objects, not the strings a one-level serialization would leave.
        $result.Usage | Should -Not -BeOfType ([string])
        $result.Usage.PSObject.TypeNames[0] | Should -BeLike 'Deserialized.CodexPS.Engine.Protocol.CodexTokenUsage'
        $result.Usage.TotalTokens | Should -BeGreaterThan 0
        $message = @($result.Items | Where-Object Type -EQ 'AgentMessage')
        $message.Count | Should -Be 1
        $message[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.CodexPS.Engine.Protocol.AgentMessageItem'
        $message[0].Text | Should -Be 'Hello from the other side of SSH.'
    }

    It 'returns Send-CodexTurn''s events with Kind by name' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        $events.Count | Should -BeGreaterThan 3
        $completed = @($events | Where-Object Kind -EQ 'TurnCompleted')
        $completed.Count | Should -Be 1
        $completed[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.CodexPS.Engine.Protocol.TurnCompletedEvent'
        $completed[0].Kind | Should -BeOfType ([string])
        $completed[0].Status | Should -Be 'Completed'
        # Every other enum too: no event's Kind came back as a number.
        $events | Where-Object { $_.Kind -notmatch '^[A-Z][A-Za-z]+$' } | Should -BeNullOrEmpty
        # A nested item keeps its own type, enums and values: the command the agent ran remotely.
        $command = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
        $command | Should -Not -BeNullOrEmpty
        $command.PSObject.TypeNames[0] | Should -Be 'Deserialized.CodexPS.Engine.Protocol.CommandExecutionItem'
        $command.Status | Should -Be 'Completed'
        $command.ExitCode | Should -Be 0
        $command.Output | Should -Match 'remoting'
        $answer = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item
        $answer.Text | Should -Be 'Ran echo over SSH.'
    }

    It 'shows the received objects with the module''s views' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        $table = ($events | Format-Table | Out-String -Width 120) -split "`r?`n"
        $header = $table | Where-Object { $_.Trim() } | Select-Object -First 1
        # Remoting adds PSComputerName after the view's columns.
        ($header -split '\s+' | Where-Object { $_ }) | Should -Be @('Time', 'Kind', 'Summary', 'PSComputerName')
        $table | Where-Object { $_ -match '^\d\d:\d\d:\d\d\.\d{3}\s+TurnCompleted\s' } | Should -Not -BeNullOrEmpty
        $list = $result | Format-List | Out-String -Width 120
        $list | Should -Match 'FinalResponse\s*:\s*Hello from the other side of SSH\.'
        $list | Should -Match 'Usage\s*:\s*\d+ in \(\d+ cached\), \d+ out, \d+ total'
        $list | Should -Match 'Items\s*:\s*.*AgentMessage'
    }

    It 'sent the prompts to the remote side''s mock model' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        $facts.Requests.Count | Should -Be 3
        $facts.Requests[0] | Should -Match 'Say hello over SSH'
        $facts.Requests[1] | Should -Match 'Run echo remoting'
    }

    It 'leaves no remote process behind once the command returns' {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return }
        Wait-Until { -not (Test-ProcessAlive $facts.ProcessId) } -TimeoutMs 30000
        Wait-Until { -not (Test-ProcessAlive $facts.RuntimeId) } -TimeoutMs 30000
    }
}
