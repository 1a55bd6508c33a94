param([string] $ModulePath)

# Invoke-CodexCommand runs a command in the runtime's sandbox without the model (command/exec): sandbox policies,
# streamed output, the runtime's timeout, and stopping (Ctrl+C, a pipeline that stops early) that ends the process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $script:mock = Connect-TestMock
    $script:folder = New-TestDirectory 'codexps-exec'
    # Commands given no -WorkingDirectory run in the current location; the sandbox marks its roots (an empty .codex
    # folder), which must not land in the repository.
    Push-Location $folder

    # The sandbox gives a command its own PID namespace, so its $$ means nothing out here: the test finds its
    # processes (the sandbox's and the command's) by a marker in their command lines instead.
    function New-Marker { 'codexps-exec-' + [guid]::NewGuid().ToString('N') }
    function Get-MarkedProcess([string] $Marker) {
        @(Get-Process | Where-Object { $_.Id -ne $PID -and $_.CommandLine -and $_.CommandLine.Contains($Marker) })
    }
}

AfterAll {
    Pop-Location
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Invoke-CodexCommand' {
    It 'runs a command ReadOnly: it cannot write, and the exit code and both outputs come back' {
        $r = Invoke-CodexCommand -Command bash, -c, 'echo out; echo err >&2; touch ro.txt; exit 3' -WorkingDirectory $folder -Sandbox ReadOnly
        $r | Should -BeOfType ([CodexPS.Engine.Exec.CodexCommandResult])
        $r.ExitCode | Should -Be 3
        $r.Succeeded | Should -BeFalse
        $r.Stdout | Should -Be "out`n"
        $r.Stderr | Should -Match '(?s)^err\n.*Read-only file system'
        $r.Sandbox | Should -Be 'ReadOnly'
        $r.WorkingDirectory | Should -Be $folder
        $LASTEXITCODE | Should -Be 3
        Join-Path $folder 'ro.txt' | Should -Not -Exist
    }

    It 'runs the same command WorkspaceWrite: it writes in the working folder' {
        $r = Invoke-CodexCommand -Command bash, -c, 'touch ww.txt && echo wrote' -WorkingDirectory $folder -Sandbox WorkspaceWrite
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Be "wrote`n"
        $LASTEXITCODE | Should -Be 0
        Join-Path $folder 'ww.txt' | Should -Exist
    }

    It 'lets WorkspaceWrite write to an -AdditionalDirectory, and only then' {
        $extra = Join-Path $HOME ('codexps-exec-extra-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $extra
        try {
            (Invoke-CodexCommand bash, -c, "touch '$extra/no.txt'" -WorkingDirectory $folder -Sandbox WorkspaceWrite).ExitCode | Should -Not -Be 0
            Join-Path $extra 'no.txt' | Should -Not -Exist
            (Invoke-CodexCommand bash, -c, "touch '$extra/yes.txt'" -WorkingDirectory $folder -Sandbox WorkspaceWrite -AdditionalDirectory $extra).ExitCode | Should -Be 0
            Join-Path $extra 'yes.txt' | Should -Exist
        }
        finally { Remove-Item -LiteralPath $extra -Recurse -Force }
    }

    It 'streams lines as they arrive with -Stream, stdout and stderr apart, then the result' {
        $out = @(Invoke-CodexCommand bash, -c, 'echo one; sleep 0.3; echo two >&2; sleep 0.3; printf "three"' -WorkingDirectory $folder -Stream)
        $lines = @($out | Where-Object { $_ -is [CodexPS.Engine.Exec.CodexCommandOutput] })
        $lines.Text | Should -Be @('one', 'two', 'three')
        $lines.Stream | Should -Be @('Stdout', 'Stderr', 'Stdout')
        $out[-1] | Should -BeOfType ([CodexPS.Engine.Exec.CodexCommandResult])
        $out[-1].Stdout | Should -Be "one`nthree"
        $out[-1].Stderr | Should -Be "two`n"
    }

    It 'takes the words after the named parameters as the command line' {
        (Invoke-CodexCommand -Sandbox ReadOnly echo hello world).Stdout | Should -Be "hello world`n"
    }

    It 'passes -Environment to the command' {
        (Invoke-CodexCommand bash, -c, 'echo "$CODEXPS_EXEC_TEST"' -Environment @{ CODEXPS_EXEC_TEST = 'from the test' }).Stdout | Should -Be "from the test`n"
    }

    It 'runs past the runtime''s own 10-second default when no -TimeoutSec is given' {
        $r = Invoke-CodexCommand bash, -c, 'sleep 11; echo finished' -WorkingDirectory $folder
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Be "finished`n"
        $r.Duration.TotalSeconds | Should -BeGreaterThan 10.5
    }

    It 'is ended by the runtime after -TimeoutSec, with exit code 124 and a warning' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-CodexCommand bash, -c, 'echo started; sleep 60' -TimeoutSec 1 -WarningVariable warned -WarningAction SilentlyContinue
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
        $r.ExitCode | Should -Be 124
        $r.Stdout | Should -Be "started`n"
        $warned | Should -Match 'TimeoutSec 1'
    }

    It 'stops the command when the pipeline stops early (Select-Object -First)' {
        $marker = New-Marker
        $first = @(Invoke-CodexCommand bash, -c, ": $marker; for i in `$(seq 1 300); do echo line`$i; sleep 0.1; done" -WorkingDirectory $folder -Stream |
            Select-Object -First 2)
        $first.Text | Should -Be @('line1', 'line2')
        # Well before the loop's 30 s: Select-Object ends the cmdlet by throwing out of WriteObject, not by Ctrl+C.
        Wait-Until { (Get-MarkedProcess $marker).Count -eq 0 } -TimeoutMs 8000
        # The runtime is still there for the next command.
        (Invoke-CodexCommand true).ExitCode | Should -Be 0
    }

    It 'stops the command on Ctrl+C (the pipeline is stopped) and leaves the runtime usable' {
        $marker = New-Marker
        $run = Start-InRunspace -Arguments @{ Folder = $folder; Marker = $marker } -Script {
            param($Folder, $Marker)
            Invoke-CodexCommand bash, -c, ": $Marker; sleep 120" -WorkingDirectory $Folder
        }
        Wait-Until { (Get-MarkedProcess $marker).Count -gt 0 } -TimeoutMs 30000
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $run.PowerShell.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 20
        Wait-Until { (Get-MarkedProcess $marker).Count -eq 0 } -TimeoutMs 15000
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $run.PowerShell.Dispose()
        (Invoke-CodexCommand true).ExitCode | Should -Be 0
    }

    It 'runs nothing with -WhatIf' {
        Invoke-CodexCommand bash, -c, 'touch whatif.txt' -WorkingDirectory $folder -Sandbox WorkspaceWrite -WhatIf | Should -BeNullOrEmpty
        Join-Path $folder 'whatif.txt' | Should -Not -Exist
    }

    It 'refuses a working directory that does not exist, naming it' {
        $missing = Join-Path $folder 'nope'
        { Invoke-CodexCommand pwd -WorkingDirectory $missing -ErrorAction Stop } | Should -Throw -ErrorId 'CodexWorkingDirectoryNotFound,CodexPS.Commands.InvokeCodexCommandCommand'
    }

    It 'refuses an empty program name before anything runs' {
        $err = $null
        try { Invoke-CodexCommand '', 'x' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*,CodexPS.Commands.InvokeCodexCommandCommand'
        $err.Exception.Message | Should -Match 'Command'
    }

    It 'reports a program that cannot be started as an error with the command as its target' {
        $err = $null
        try { Invoke-CodexCommand codexps-no-such-program-xyz -Sandbox DangerFullAccess -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRpcError,*'
        $err.TargetObject | Should -Be 'codexps-no-such-program-xyz'
        $err.Exception.Message | Should -Match 'failed to spawn'
        (Invoke-CodexCommand true).ExitCode | Should -Be 0
    }
}
