<#
.SYNOPSIS
    A real Codex conversation from PowerShell: a streamed answer, an approved command and an applied patch.
.DESCRIPTION
    Runs against OpenAI when $env:OPENAI_API_KEY is set (the key stays in the environment; the runtime reads
    it from there). Otherwise it runs against CodexPS's own mock model endpoint, which speaks the real
    Responses wire format to the real codex runtime. Approvals are granted by this script's handler, which
    prints every request before it accepts it: that handler is the consent.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/CodexPS/CodexPS.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$demoStarted = Get-Date

$workspace = Join-Path ([IO.Path]::GetTempPath()) ("codexps-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$codexHome = "$workspace-home"
New-Item -ItemType Directory -Force $workspace, $codexHome | Out-Null

$mock = $null
if ($env:OPENAI_API_KEY) {
    Write-Host 'Model: OpenAI (key from $env:OPENAI_API_KEY)' -ForegroundColor Cyan
    Connect-Codex -ApiKeyEnvironmentVariable OPENAI_API_KEY -CodexHome $codexHome -WorkingDirectory $workspace -WarningAction SilentlyContinue
}
else {
    Write-Host 'Model: the CodexPS mock endpoint (set OPENAI_API_KEY to talk to OpenAI)' -ForegroundColor Cyan
    $patch = "*** Begin Patch`n*** Add File: NOTES.md`n+# Notes`n+Written by Codex, driven from PowerShell through CodexPS.`n*** End Patch"
    $mock = Start-CodexMockProvider -Response @(
        @{ Text = 'Hello! I am Codex, running in the real codex runtime and driven from PowerShell by CodexPS. Every event of this turn reached your pipeline as a typed object.'; Deltas = 30; DeltaDelayMs = 20 }
        @{ Command = 'echo "Hello from a command Codex ran" > greeting.txt && cat greeting.txt' }
        @{ Text = 'I ran the command: greeting.txt now holds the greeting.'; Deltas = 6 }
        @{ Patch = $patch }
        @{ Text = 'I added NOTES.md with a short note.'; Deltas = 6 }
    )
    Connect-Codex -MockProvider $mock -CodexHome $codexHome -WorkingDirectory $workspace -WarningAction SilentlyContinue
}

$status = Get-CodexStatus
Write-Host "Runtime: codex $($status.CodexVersion) (pid $($status.ProcessId)), CodexPS $($status.ModuleVersion)"
$conversation = New-CodexConversation -WorkingDirectory $workspace -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
Write-Host "Conversation $($conversation.Id) in $workspace`n"

# The consent: this handler shows each request and accepts it.
$approve = {
    param($request)
    $what = if ($request.Kind -eq 'CommandExecution') { $request.Command } else { ($request.Changes | ForEach-Object { "$($_.Kind) $($_.Path)" }) -join ', ' }
    Write-Host "  [approval] $($request.Kind): $what -> Accept" -ForegroundColor Yellow
    'Accept'
}

function Show-Turn {
    param([Parameter(ValueFromPipeline)] $Event)
    process {
        switch ($Event.Kind) {
            'AgentMessageDelta' { Write-Host -NoNewline $Event.Delta }
            'ItemCompleted' {
                switch ($Event.Item.Type) {
                    'AgentMessage' { Write-Host "`n  [message] $($Event.Item.Text)" -ForegroundColor DarkGray }
                    'CommandExecution' { Write-Host "  [command] $($Event.Item.Command) -> exit $($Event.Item.ExitCode): $($Event.Item.Output.Trim())" -ForegroundColor Green }
                    'FileChange' { foreach ($change in $Event.Item.Changes) { Write-Host "  [file] $($change.Kind) $($change.Path) ($($Event.Item.Status))" -ForegroundColor Green } }
                }
            }
            'TokenUsage' { $script:usage = $Event.Total }
            'TurnCompleted' { Write-Host "  [turn] $($Event.Status) in $([int]$Event.Duration.TotalMilliseconds) ms; tokens so far: $($script:usage.TotalTokens)`n" -ForegroundColor Cyan }
        }
    }
}

Write-Host '1) A streamed answer' -ForegroundColor Magenta
Send-CodexTurn 'Introduce yourself in two sentences.' -Conversation $conversation -IncludeDelta | Show-Turn

Write-Host '2) A command, approved' -ForegroundColor Magenta
Send-CodexTurn 'Create greeting.txt containing a greeting, using a shell command.' -Conversation $conversation -ApprovalHandler $approve -IncludeDelta | Show-Turn

Write-Host '3) A patch, applied' -ForegroundColor Magenta
Send-CodexTurn 'Add a NOTES.md file with a one-line note.' -Conversation $conversation -ApprovalHandler $approve -IncludeDelta | Show-Turn

Write-Host 'Files in the workspace:' -ForegroundColor Magenta
Get-ChildItem $workspace | ForEach-Object { Write-Host "  $($_.Name): $((Get-Content $_.FullName) -join ' | ')" }

# The metrics of this run (token usage, timing, rate limits, the runtime process), as one HTML dashboard.
$dashboard = Export-CodexMetrics -Path (Join-Path $workspace 'codexps-dashboard.html') -Format Html -Since $demoStarted -PassThru
Write-Host "Dashboard of this run: $($dashboard.FullName)" -ForegroundColor Magenta

Disconnect-Codex
if ($mock) { Stop-CodexMockProvider $mock }
$ok = (Test-Path (Join-Path $workspace 'greeting.txt')) -and (Test-Path (Join-Path $workspace 'NOTES.md')) -and (Test-Path $dashboard.FullName)
if (-not $ok -and -not $env:OPENAI_API_KEY) { throw 'The demo did not produce both files.' }
Write-Host "`nDone." -ForegroundColor Cyan
