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
