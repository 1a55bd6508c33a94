param([string] $ModulePath)

# Objects that travel through PowerShell serialization (Export-Clixml, Start-Job, remoting) come back as property
# bags. Their enum-valued properties must keep their names: an event's Kind must compare as 'TurnCompleted', not 13.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $enums = @([CodexPS.CodexStatus].Assembly, [CodexPS.Engine.Protocol.CodexEvent].Assembly |
        ForEach-Object { $_.GetExportedTypes() } | Where-Object IsEnum | Sort-Object FullName |
        ForEach-Object { @{ Name = $_.FullName; Type = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

Describe 'Deserialized <Name>' -ForEach $enums {
    It 'turns back into the enum' {
        (Get-TypeData -TypeName "Deserialized.$Name").TargetTypeForDeserialization | Should -Be $Type
    }
}

Describe 'Turn results through serialization' {
    BeforeAll {
        $mock = Connect-TestMock -Response @(@{ Command = 'echo hi' }, @{ Text = 'Done.' })
        $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory 'codexps-ser') -Sandbox WorkspaceWrite -ApprovalPolicy Never
        $events = @(Send-CodexTurn -Conversation $conversation -Prompt 'run it' -WarningAction SilentlyContinue)
        $file = Join-Path (New-TestDirectory 'codexps-clixml') 'events.xml'
        $events | Export-Clixml -Path $file -Depth 4
        $back = @(Import-Clixml -Path $file)
    }

    AfterAll {
        Disconnect-Codex
        Stop-CodexMockProvider
    }

    It 'keeps Kind by name over Export-Clixml and Import-Clixml' {
        $back.Count | Should -Be $events.Count
        $back[0].PSObject.TypeNames[0] | Should -BeLike 'Deserialized.*'
        @($back | Where-Object Kind -EQ 'TurnCompleted').Count | Should -Be 1
        $back[-1].Kind | Should -BeOfType ([CodexPS.Engine.Protocol.CodexEventKind])
        "$($back[-1].Kind)" | Should -Be 'TurnCompleted'
        $back[-1].Status | Should -Be 'Completed'
        $back[-1].Status | Should -BeOfType ([CodexPS.Engine.Protocol.CodexTurnStatus])
    }

    It 'keeps nested enums by name (a command item''s status)' {
        $item = ($back | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
        $item | Should -Not -BeNullOrEmpty
        $original = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
        "$($item.Status)" | Should -Be "$($original.Status)"
        $item.ExitCode | Should -Be 0
    }

    It 'keeps Kind and Status by name from a Start-Job process job' {
        $job = Start-Job -ArgumentList (Get-Module CodexPS).Path -ScriptBlock {
            param($Module)
            Import-Module $Module
            $mock = Start-CodexMockProvider -Response @(@{ Text = 'Events from the job.' }, @{ Text = 'From the job.' })
            Connect-Codex -MockProvider $mock -CodexHome (Join-Path ([IO.Path]::GetTempPath()) ('codexps-job-' + [guid]::NewGuid().ToString('N')))
            New-CodexConversation -Ephemeral | Send-CodexTurn 'Hello' -WarningAction SilentlyContinue
            Invoke-Codex 'Hello again' -WarningAction SilentlyContinue
            Disconnect-Codex
            Stop-CodexMockProvider
        }
        $null = Wait-Job $job -Timeout 180
        $job.State | Should -Be 'Completed'
        $received = @(Receive-Job $job)
        Remove-Job $job -Force
        $completed = @($received | Where-Object Kind -EQ 'TurnCompleted')
        $completed.Count | Should -Be 1 -Because 'the job''s events come back with Kind by name'
        # A job's output travels as remoting data, where an enum arrives as its name (a string), not its number.
        "$($completed[0].Status)" | Should -Be 'Completed'
        $result = $received | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.CodexPS.Engine.Conversations.CodexTurnResult' }
        @($result | Where-Object Status -EQ 'Completed').Count | Should -Be 1
        "$($result.Status)" | Should -Be 'Completed'
        $result.FinalResponse | Should -Be 'From the job.'
    }
}
