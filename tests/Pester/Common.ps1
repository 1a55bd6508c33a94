# Dot-sourced by every test file: imports the built module and gives small helpers.
param([string] $ModulePath)

# Metrics of test runs go to a file of this process, never to the user's own store.
if (-not $env:CODEXPS_METRICS_PATH) { $env:CODEXPS_METRICS_PATH = Join-Path ([IO.Path]::GetTempPath()) "codexps-test-metrics-$PID.db" }
if (-not (Get-Module CodexPS)) { Import-Module $ModulePath -Force }

function New-TestDirectory {
    param([string] $Prefix = 'codexps-test')
    $path = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $path -Force | Select-Object -ExpandProperty FullName
}

function Connect-TestMock {
    # A fresh mock endpoint with this script and a fresh runtime pointed at it.
    param([object[]] $Response = @())
    $mock = Start-CodexMockProvider -Response $Response
    Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home')
    $mock
}

function Start-InRunspace {
    # Runs a script in another runspace of this process (same module state), so the test can act meanwhile.
    param([scriptblock] $Script, [hashtable] $Arguments = @{})
    $ps = [powershell]::Create()
    $null = $ps.AddScript("Import-Module '$((Get-Module CodexPS).Path)'").AddStatement()
    $null = $ps.AddScript($Script.ToString())
    foreach ($key in $Arguments.Keys) { $null = $ps.AddParameter($key, $Arguments[$key]) }
    [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
}

function Start-RemoteRuntime {
    # A runtime started "elsewhere": its own process, listening on loopback with a capability token, its
    # model provider the mock endpoint.
    # -CodexHome: one folder several runtimes share (storage every "machine" reaches); default: a folder of its own.
    param($Mock, [string] $TokenFile, [string] $CodexHome)
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $codex = (Get-CodexStatus).CodexPath
    if (-not $codex -or $codex -like 'ws*') { throw 'Start-RemoteRuntime needs the local runtime connected first (its binary is reused).' }
    $remoteHome = if ($CodexHome) { $CodexHome } else { New-TestDirectory 'codexps-remote-home' }
    $arguments = @('app-server', '--disable', 'plugins', '--listen', "ws://127.0.0.1:$port", '--ws-auth', 'capability-token', '--ws-token-file', $TokenFile,
        '-c', 'model_provider="codexps_mock"', '-c', 'model_providers.codexps_mock.name="mock"',
        '-c', "model_providers.codexps_mock.base_url=`"$($Mock.BaseUrl)`"", '-c', 'model_providers.codexps_mock.wire_api="responses"',
        '-c', 'model_providers.codexps_mock.request_max_retries=0', '-c', 'model_providers.codexps_mock.stream_max_retries=0', '-c', 'model="gpt-5.5"')
    $info = [System.Diagnostics.ProcessStartInfo]::new($codex)
    foreach ($a in $arguments) { $info.ArgumentList.Add($a) }
    $info.Environment["CODEX_HOME"] = $remoteHome
    $info.Environment['CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG'] = '1'
    $info.RedirectStandardError = $true
    $info.RedirectStandardOutput = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $uri = "ws://127.0.0.1:$port"
    Wait-Until {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); $true } catch { $false } finally { $client.Dispose() }
    } -TimeoutMs 20000
    [pscustomobject]@{ Process = $process; Uri = [uri]$uri; Home = $remoteHome }
}

function Wait-Until {
    param([scriptblock] $Condition, [int] $TimeoutMs = 10000)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition)) {
        if ($sw.ElapsedMilliseconds -gt $TimeoutMs) { throw "Timed out after $TimeoutMs ms waiting for: $Condition" }
        Start-Sleep -Milliseconds 20
    }
}

function Get-PwshCommand {
    # The pwsh running these tests (dotnet + pwsh.dll for the local tool), to start a child host directly.
    $exe = [Environment]::ProcessPath
    $first = [Environment]::GetCommandLineArgs()[0]
    if ($first -like '*.dll') { return @($exe, $first) }
    return @($exe)
}

function Test-ProcessAlive {
    param([int] $Id)
    $null -ne (Get-Process -Id $Id -ErrorAction SilentlyContinue)
}

function Invoke-ScriptedHost {
    # Runs a scenario in a child pwsh (not -NonInteractive) whose host answers the prompts from Choices and
    # Inputs (ScriptedHost.cs); returns its output, errors, the log of what the host was asked and what it was shown.
    param([string] $Scenario, [hashtable] $Arguments = @{}, [int[]] $Choices = @(), [string[]] $Inputs = @(), [int] $TimeoutMs = 120000)
    $specFile = Join-Path (New-TestDirectory 'codexps-spec') 'spec.json'
    @{ ModulePath = (Get-Module CodexPS).Path; Scenario = $Scenario; Arguments = $Arguments; Choices = $Choices; Inputs = $Inputs } |
        ConvertTo-Json -Depth 10 | Set-Content -Path $specFile
    $pwsh = @(Get-PwshCommand)
    $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-File', (Join-Path $PSScriptRoot 'ScriptedHost.ps1'), $specFile)) {
        $start.ArgumentList.Add($argument)
    }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutMs)) {
        $process.Kill($true)
        throw "The scripted host did not finish within $TimeoutMs ms."
    }
    $json = ($stdout.Result -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1)
    if (-not $json) { throw "The scripted host wrote no result. stdout: $($stdout.Result) stderr: $($stderr.Result)" }
    $json | ConvertFrom-Json
}
