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
