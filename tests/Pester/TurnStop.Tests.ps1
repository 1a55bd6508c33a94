param([string] $ModulePath)

# A turn ends when its consumer stops, whatever the way: Select-Object -First, Stop-Job, a stopped pipeline (Ctrl+C),
# even before turn/start has answered. Each way must interrupt the turn and leave the conversation usable.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    # Every model request answers with another command, so a turn that keeps running keeps calling the model.
    $script:loop = [CodexPS.Engine.Mock.MockResponse]::FromDictionary(@{ Command = 'echo loop'; DelayMs = 100 })
    $script:answer = [CodexPS.Engine.Mock.MockResponse]::FromText('still usable')
    $script:mock = Connect-TestMock
    $script:mock.DefaultResponse = $script:loop
    $script:conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Sandbox ReadOnly -ApprovalPolicy Never

    function Assert-TurnStopped {
        param([string] $Way)
        # The runtime ends an interrupted turn within milliseconds; a second is plenty on a loaded machine.
        Wait-Until { $null -eq $script:conversation.ActiveTurn } -TimeoutMs 10000
        Start-Sleep -Milliseconds 500
        $before = $script:mock.Requests.Count
        Start-Sleep -Milliseconds 1500
        $script:mock.Requests.Count | Should -Be $before -Because "after $Way the turn must not call the model any more"
        $script:conversation.ActiveTurn | Should -BeNullOrEmpty

        $script:mock.DefaultResponse = $script:answer
        try {
            $next = Send-CodexTurn 'are you still there?' -Conversation $script:conversation -WarningAction SilentlyContinue | Select-Object -Last 1
        }
        finally {
            $script:mock.DefaultResponse = $script:loop
        }

        $next.Status | Should -Be 'Completed' -Because "the conversation stays usable after $Way"
        $script:mock.ClearRequests()
    }

    function Start-TurnInRunspace {
        # The module is imported first, so the stop delay counts from Send-CodexTurn itself.
        $shell = [powershell]::Create()
        $null = $shell.AddScript("Import-Module '$((Get-Module CodexPS).Path)'").Invoke()
        $shell.Commands.Clear()
        $null = $shell.AddScript({ param($c) Send-CodexTurn 'loop for ever' -Conversation $c -WarningAction SilentlyContinue }.ToString()).AddArgument($script:conversation)
        $null = $shell.BeginInvoke()
        $shell
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'A turn ends when its consumer stops' {
    It 'Select-Object -First returns its events and interrupts the turn (stop after <Delay> ms)' -ForEach @(
        @{ Delay = 0 }, @{ Delay = 10 }, @{ Delay = 30 }, @{ Delay = 50 }, @{ Delay = 100 }, @{ Delay = 250 }
    ) {
        $first = $true
        $events = @(Send-CodexTurn 'loop for ever' -Conversation $script:conversation -WarningAction SilentlyContinue |
                ForEach-Object { if ($first) { Start-Sleep -Milliseconds $Delay; $first = $false }; $_ } |
                Select-Object -First 5)
        $events.Count | Should -Be 5
        Assert-TurnStopped "Select-Object -First after $Delay ms"
    }

    It 'Stop-Job <Delay> ms after Send-CodexTurn -AsJob interrupts the turn' -ForEach @(
        @{ Delay = 0 }, @{ Delay = 10 }, @{ Delay = 30 }, @{ Delay = 50 }, @{ Delay = 100 }, @{ Delay = 250 }
    ) {
        $job = Send-CodexTurn 'loop for ever' -Conversation $script:conversation -AsJob
        Start-Sleep -Milliseconds $Delay
        Stop-Job $job
        $job.State | Should -Be 'Stopped'
        Assert-TurnStopped "Stop-Job after $Delay ms"
        Remove-Job $job -Force
    }

    It 'a pipeline stopped <Delay> ms after Send-CodexTurn starts interrupts the turn, even before turn/start answered' -ForEach @(
        @{ Delay = 0 }, @{ Delay = 10 }, @{ Delay = 30 }, @{ Delay = 50 }, @{ Delay = 100 }, @{ Delay = 250 }
    ) {
        $shell = Start-TurnInRunspace
        Start-Sleep -Milliseconds $Delay
        $shell.Stop()
        $shell.Dispose()
        Assert-TurnStopped "a pipeline stop after $Delay ms"
    }

    It 'a turn whose start was stopped early is still interrupted once the runtime names it' {
        # Stop right after turn/start went out: the id is not known yet, so the stop must wait for it.
        $turns = 0
        foreach ($attempt in 1..5) {
            $shell = Start-TurnInRunspace
            Wait-Until { $null -ne $script:conversation.ActiveTurn } -TimeoutMs 10000
            $turn = $script:conversation.ActiveTurn
            $shell.Stop()
            $shell.Dispose()
            Wait-Until { $turn.IsCompleted } -TimeoutMs 10000
            $turn.IsStopRequested | Should -BeTrue
            if ($turn.Id) {
                # It started in the runtime: only an interrupt ends a turn whose model answers with commands for ever.
                $turns++
                $turn.Completion.Result.Status | Should -Be 'Interrupted'
            }
        }

        $turns | Should -BeGreaterThan 0 -Because 'turn/start goes out as soon as the turn is registered'
        Assert-TurnStopped 'stops while the turn was starting'
    }
}
