param([string] $ModulePath)

# One test per exported command: it provokes an error the command's help documents and checks its ErrorId,
# category, target object and kind. A terminating error must throw even with -ErrorAction SilentlyContinue; a
# non-terminating one must leave the pipeline running, so the next input item is still served. The help's
# NOTES must state the same kind: "`<ErrorId>` (<Category>, terminating|non-terminating)".

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-ErrorHelp {
        param([string] $Command)
        ((Get-Help $Command -Full).alertSet.alert | ForEach-Object Text) -join "`n"
    }

    function Assert-ErrorKind {
        # The record's id, category and target, and the help's statement of the same id, category and kind.
        param($Record, [string] $Command, [string] $ErrorId, [string] $Category, $Target, [switch] $Terminating)
        $Record | Should -Not -BeNullOrEmpty -Because "$Command should report $ErrorId"
        $Record | Should -BeOfType System.Management.Automation.ErrorRecord
        $Record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $Record.FullyQualifiedErrorId | Should -Not -Match 'Exception' -Because 'no .NET exception type may become an ErrorId'
        "$($Record.CategoryInfo.Category)" | Should -Be $Category
        $Record.TargetObject | Should -Not -BeNullOrEmpty
        $Record.TargetObject | Should -Not -BeOfType System.Management.Automation.Cmdlet
        $Record.TargetObject | Should -Be $Target
        $kind = if ($Terminating) { 'terminating' } else { 'non-terminating' }
        $pattern = '{0}\s+\({1},\s+{2}\b' -f [regex]::Escape($ErrorId), [regex]::Escape($Category), $kind
        Get-ErrorHelp $Command | Should -Match $pattern -Because "the help of $Command must say that $ErrorId is $kind"
    }

    function Get-TerminatingError {
        # The error that ended the script, run with -ErrorAction SilentlyContinue inside; null when nothing ended it.
        param([scriptblock] $Script)
        try { $null = & $Script; $null } catch { $_ }
    }

    function Add-MockText {
        param([string[]] $Text)
        foreach ($t in $Text) { $script:mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText($t)) }
    }

    $script:mock = Connect-TestMock
    $script:ws = New-TestDirectory 'codexps-errkinds'
    $script:unknown = [guid]::NewGuid().ToString()
    $script:missingDir = Join-Path $ws 'no-such-folder'
    Add-MockText 'saved'
    $script:saved = New-CodexConversation -WorkingDirectory $ws
    $null = Send-CodexTurn 'remember this' -Conversation $saved
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Error kinds' {
    It 'has a test named after every exported command' {
        $text = Get-Content -Raw -Path (Join-Path $PSScriptRoot 'ErrorKinds.Tests.ps1')
        foreach ($name in (Get-Module CodexPS).ExportedCmdlets.Keys) {
            $text | Should -Match ("It '{0}: " -f [regex]::Escape($name)) -Because "$name needs an error-kind test"
        }
    }

    Context 'setup commands end at once' {
        It 'Connect-Codex: CodexRemoteUriInvalid is terminating' {
            $uri = [uri]'http://127.0.0.1:1/'
            $before = (Get-CodexStatus).ProcessId
            $err = Get-TerminatingError { Connect-Codex -Uri $uri -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Connect-Codex CodexRemoteUriInvalid InvalidArgument $uri -Terminating
            (Get-CodexStatus).ProcessId | Should -Be $before -Because 'nothing was started or replaced'
        }

        It 'Test-CodexEnvironment: CodexProviderConflict is terminating' {
            $url = [uri]'http://127.0.0.1:1/v1'
            $err = Get-TerminatingError { Test-CodexEnvironment -MockProvider $mock -BaseUrl $url -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Test-CodexEnvironment CodexProviderConflict InvalidArgument $url -Terminating
        }

        It 'New-CodexConversation: CodexWorkingDirectoryNotFound is terminating' {
            $err = Get-TerminatingError { New-CodexConversation -WorkingDirectory $missingDir -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err New-CodexConversation CodexWorkingDirectoryNotFound ObjectNotFound $missingDir -Terminating
        }

        It 'Start-CodexMockProvider: CodexMockScriptUnreadable is terminating' {
            $path = Join-Path $ws 'no-such-script.json'
            $err = Get-TerminatingError { Start-CodexMockProvider -Path $path -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Start-CodexMockProvider CodexMockScriptUnreadable ObjectNotFound $path -Terminating
        }

        It 'Install-CodexRuntime: CodexRuntimeVersionInvalid is terminating and nothing is installed' {
            $destination = Join-Path $ws 'runtime'
            $err = Get-TerminatingError { Install-CodexRuntime -Version 'not-a-version' -Path $destination -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Install-CodexRuntime CodexRuntimeVersionInvalid InvalidArgument 'not-a-version' -Terminating
            $destination | Should -Not -Exist
        }

        It 'Export-CodexMetrics: CodexMetricTimeRangeInvalid is terminating and nothing is written' {
            $since = [datetime]'2030-01-02T00:00:00'; $until = [datetime]'2030-01-01T00:00:00'
            $file = Join-Path $ws 'metrics.json'
            $err = Get-TerminatingError { Export-CodexMetrics -Path $file -Since $since -Until $until -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Export-CodexMetrics CodexMetricTimeRangeInvalid InvalidArgument ('{0:o}..{1:o}' -f $since, $until) -Terminating
            $file | Should -Not -Exist
        }

        It 'Get-CodexMetric: CodexMetricNotFound is non-terminating; CodexMetricTimeRangeInvalid is terminating' {
            $points = @(Get-CodexMetric -Name 'no_such_metric', '*' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexMetric CodexMetricNotFound ObjectNotFound 'no_such_metric'
            $points.Count | Should -BeGreaterThan 0 -Because 'the other name is still read (a turn ran)'
            $since = [datetime]'2030-01-02T00:00:00'; $until = [datetime]'2030-01-01T00:00:00'
            $err = Get-TerminatingError { Get-CodexMetric -Since $since -Until $until -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Get-CodexMetric CodexMetricTimeRangeInvalid InvalidArgument ('{0:o}..{1:o}' -f $since, $until) -Terminating
        }

        It 'Get-CodexSkill: CodexWorkingDirectoryNotFound is terminating; CodexSkillNotFound is not' {
            $err = Get-TerminatingError { Get-CodexSkill -WorkingDirectory $missingDir -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Get-CodexSkill CodexWorkingDirectoryNotFound ObjectNotFound $missingDir -Terminating
            $skills = @(Get-CodexSkill -Name 'no-such-skill', '*' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexSkill CodexSkillNotFound ObjectNotFound 'no-such-skill'
            $skills.Count | Should -BeGreaterThan 0
        }

        It 'Start-CodexReview: CodexReviewParameterNotSupported is terminating; CodexReviewTargetAmbiguous is not' {
            $c = New-CodexConversation -WorkingDirectory $ws
            $err = Get-TerminatingError { $c | Start-CodexReview -Uncommitted -Image (Join-Path $ws 'x.png') -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Start-CodexReview CodexReviewParameterNotSupported InvalidArgument 'Image' -Terminating
            $requests = $mock.Requests.Count
            $c, $c | Start-CodexReview -Uncommitted -Commit 'abc123' -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2 -Because 'each piped conversation gets its own error'
            Assert-ErrorKind $ev[1] Start-CodexReview CodexReviewTargetAmbiguous InvalidArgument '-Uncommitted,-Commit'
            $mock.Requests.Count | Should -Be $requests
        }
    }

    Context 'per-item errors leave the pipeline running' {
        It 'Send-CodexTurn: $a, $missing, $b still runs the turns of $a and $b; a missing folder fails per conversation' {
            $a = New-CodexConversation -WorkingDirectory $ws
            $b = New-CodexConversation -WorkingDirectory $ws
            $missing = [pscustomobject]@{ ConversationId = 'no-such-conversation' }
            Add-MockText 'answer a', 'answer b'
            $events = @($a, $missing, $b | Send-CodexTurn 'go' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Send-CodexTurn CodexConversationNotFound ObjectNotFound 'no-such-conversation'
            $completed = @($events | Where-Object Kind -EQ 'TurnCompleted')
            $completed.ConversationId | Should -Be @($a.Id, $b.Id)
            $completed.Status | Should -Be @('Completed', 'Completed')

            $requests = $mock.Requests.Count
            $null = $a, $b | Send-CodexTurn 'go' -WorkingDirectory $missingDir -ErrorAction SilentlyContinue -ErrorVariable ev2
            @($ev2).Count | Should -Be 2 -Because 'the error of the first conversation did not stop the second'
            Assert-ErrorKind $ev2[1] Send-CodexTurn CodexWorkingDirectoryNotFound ObjectNotFound $missingDir
            $image = Join-Path $ws 'none.png'
            $null = $a, $b | Send-CodexTurn 'look' -Image $image -ErrorAction SilentlyContinue -ErrorVariable ev3
            @($ev3).Count | Should -Be 2
            Assert-ErrorKind $ev3[0] Send-CodexTurn CodexImageNotFound ObjectNotFound $image
            $null = $a | Send-CodexTurn 'x' -OutputSchema '{ not json' -ErrorAction SilentlyContinue -ErrorVariable ev4
            Assert-ErrorKind $ev4[0] Send-CodexTurn CodexOutputSchemaInvalid InvalidArgument '{ not json'
            $mock.Requests.Count | Should -Be $requests -Because 'nothing is sent for an input whose options are wrong'
        }

        It 'Invoke-Codex: CodexPromptEmpty and CodexWorkingDirectoryNotFound are non-terminating' {
            Add-MockText 'hello back'
            $results = @('  ', 'hello' | Invoke-Codex -WorkingDirectory $ws -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Invoke-Codex CodexPromptEmpty InvalidArgument '  '
            $results.Count | Should -Be 1
            $results[0].Status | Should -Be 'Completed'
            $requests = $mock.Requests.Count
            $null = 'a', 'b' | Invoke-Codex -WorkingDirectory $missingDir -ErrorAction SilentlyContinue -ErrorVariable ev2
            @($ev2).Count | Should -Be 2
            Assert-ErrorKind $ev2[0] Invoke-Codex CodexWorkingDirectoryNotFound ObjectNotFound $missingDir
            $mock.Requests.Count | Should -Be $requests
        }

        It 'Stop-CodexTurn: CodexConversationNotFound is non-terminating' {
            [pscustomobject]@{ ConversationId = 'nosuch-1' }, [pscustomobject]@{ ConversationId = 'nosuch-2' } |
                Stop-CodexTurn -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[1] Stop-CodexTurn CodexConversationNotFound ObjectNotFound 'nosuch-2'
        }

        It 'Set-CodexConversation: CodexConversationNotFound is non-terminating' {
            $c = New-CodexConversation -WorkingDirectory $ws
            $out = @([pscustomobject]@{ ConversationId = 'nosuch' }, $c | Set-CodexConversation -Effort low -PassThru -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Set-CodexConversation CodexConversationNotFound ObjectNotFound 'nosuch'
            $out.Count | Should -Be 1
            $out[0].Id | Should -Be $c.Id
        }

        It 'Get-CodexDiff: CodexTurnDiffNotFound is non-terminating' {
            $null = $saved, $saved | Get-CodexDiff -TurnId 'no-such-turn' -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[0] Get-CodexDiff CodexTurnDiffNotFound ObjectNotFound 'no-such-turn'
        }

        It 'Undo-CodexTurn: CodexTurnNotFound is non-terminating' {
            $null = $saved, $saved | Undo-CodexTurn -Turn 'no-such-turn' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[0] Undo-CodexTurn CodexTurnNotFound ObjectNotFound 'no-such-turn'
        }

        It 'Get-CodexGoal: CodexConversationNotFound is non-terminating' {
            $null = @($unknown, $unknown) | ForEach-Object { [pscustomobject]@{ ConversationId = $_ } } | Get-CodexGoal -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[0] Get-CodexGoal CodexConversationNotFound ObjectNotFound $unknown
        }

        It 'Set-CodexGoal: CodexGoalEmpty is non-terminating' {
            $null = $saved, $saved | Set-CodexGoal -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[0] Set-CodexGoal CodexGoalEmpty InvalidArgument $saved
        }

        It 'Clear-CodexGoal: CodexConversationNotFound is non-terminating' {
            $null = @($unknown, $unknown) | ForEach-Object { [pscustomobject]@{ ConversationId = $_ } } | Clear-CodexGoal -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[0] Clear-CodexGoal CodexConversationNotFound ObjectNotFound $unknown
        }

        It 'Get-CodexHook: CodexWorkingDirectoryNotFound is non-terminating' {
            $null = Get-CodexHook -WorkingDirectory $missingDir, $missingDir -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[0] Get-CodexHook CodexWorkingDirectoryNotFound ObjectNotFound $missingDir
        }

        It 'Start-CodexRecording: CodexRecordingPathExists is non-terminating; CodexRecordingTemplateInvalid is terminating' {
            $dir = New-TestDirectory 'codexps-errkinds-rec'
            $c1 = New-CodexConversation -WorkingDirectory $ws
            $c2 = New-CodexConversation -WorkingDirectory $ws
            $taken = Join-Path $dir "$($c1.Id).jsonl"
            'not a recording' | Set-Content -Path $taken
            $recordings = @($c1, $c2 | Start-CodexRecording -Path (Join-Path $dir '{conversationId}.jsonl') -PassThru -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Start-CodexRecording CodexRecordingPathExists ResourceExists $taken
            $recordings.ConversationId | Should -Be $c2.Id
            $null = $c2 | Stop-CodexRecording
            $template = Join-Path $dir '{nope}.jsonl'
            $err = Get-TerminatingError { $c1, $c2 | Start-CodexRecording -Path $template -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Start-CodexRecording CodexRecordingTemplateInvalid InvalidArgument $template -Terminating
        }

        It 'Stop-CodexRecording: CodexRecordingNotFound is non-terminating' {
            $dir = New-TestDirectory 'codexps-errkinds-rec'
            $c1 = New-CodexConversation -WorkingDirectory $ws
            $c2 = New-CodexConversation -WorkingDirectory $ws
            $template = Join-Path $dir '{conversationId}.jsonl'
            $c2 | Start-CodexRecording -Path $template
            $stopped = @($c1, $c2 | Stop-CodexRecording -Path $template -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Stop-CodexRecording CodexRecordingNotFound ObjectNotFound (Join-Path $dir "$($c1.Id).jsonl")
            $stopped.ConversationId | Should -Be $c2.Id
            $stopped[0].IsRecording | Should -BeFalse
        }
    }

    Context 'saved conversations' {
        BeforeAll {
            Add-MockText 'to remove', 'to restore'
            $script:toRemove = New-CodexConversation -WorkingDirectory $ws
            $null = Send-CodexTurn 'one' -Conversation $toRemove
            $script:toRestore = New-CodexConversation -WorkingDirectory $ws
            $null = Send-CodexTurn 'two' -Conversation $toRestore
            Remove-CodexConversation -Id $toRestore.Id -Confirm:$false
            $script:pair = { param($Id) [pscustomobject]@{ Id = $unknown }, [pscustomobject]@{ Id = $Id } }
        }

        It 'Get-CodexConversation: CodexConversationNotFound is non-terminating with -Id' {
            $found = @(Get-CodexConversation -Id $unknown, $saved.Id -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            $found.Id | Should -Be $saved.Id
        }

        It 'Get-CodexTurn: CodexConversationNotFound is non-terminating' {
            $turns = @([pscustomobject]@{ ConversationId = $unknown }, [pscustomobject]@{ ConversationId = $saved.Id } | Get-CodexTurn -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexTurn CodexConversationNotFound ObjectNotFound $unknown
            $turns.Count | Should -BeGreaterThan 0
        }

        It 'Get-CodexItem: CodexConversationNotFound is non-terminating' {
            $items = @([pscustomobject]@{ ConversationId = $unknown }, [pscustomobject]@{ ConversationId = $saved.Id } | Get-CodexItem -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexItem CodexConversationNotFound ObjectNotFound $unknown
            $items.Count | Should -BeGreaterThan 0
        }

        It 'Copy-CodexConversation: CodexConversationNotFound is non-terminating' {
            $forks = @(& $pair $saved.Id | Copy-CodexConversation -Ephemeral -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Copy-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            $forks.Count | Should -Be 1
            $forks[0].Id | Should -Not -Be $saved.Id
        }

        It 'Rename-CodexConversation: CodexConversationNotFound is non-terminating' {
            $renamed = @(& $pair $saved.Id | Rename-CodexConversation -NewName 'error kinds' -PassThru -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Rename-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            $renamed.Id | Should -Be $saved.Id
        }

        It 'Export-CodexConversation: CodexConversationNotFound is non-terminating' {
            $zip = Join-Path $ws 'error-kinds.zip'
            $bundles = @(& $pair $saved.Id | Export-CodexConversation -Path $zip -Force -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Export-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            $bundles.ConversationId | Should -Be $saved.Id
        }

        It 'Export-CodexCassette: CodexConversationNotFound is non-terminating' {
            $file = Join-Path $ws 'error-kinds.cassette.json'
            $cassettes = @(& $pair $saved.Id | Export-CodexCassette -Path $file -Force -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Export-CodexCassette CodexConversationNotFound ObjectNotFound $unknown
            $cassettes.ConversationId | Should -Be $saved.Id
        }

        It 'Export-CodexTranscript: CodexConversationNotFound is non-terminating' {
            $file = Join-Path $ws 'error-kinds.transcript.md'
            $null = & $pair $saved.Id | Export-CodexTranscript -Path $file -Force -ErrorAction SilentlyContinue -ErrorVariable ev
            Assert-ErrorKind $ev[0] Export-CodexTranscript CodexConversationNotFound ObjectNotFound $unknown
            Get-Content -Raw $file | Should -Match 'remember this' -Because 'the next conversation was still exported'
        }

        It 'Register-CodexShouldOperator: CodexPesterNotLoaded is non-terminating' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$((Get-Module CodexPS).Path)'; Register-CodexShouldOperator -ErrorAction SilentlyContinue -ErrorVariable ev; 'after'; `$ev").AddStatement()
                $out = $ps.Invoke()
                $out[0] | Should -Be 'after'
                Assert-ErrorKind $out[1] Register-CodexShouldOperator CodexPesterNotLoaded ObjectNotFound 'Pester'
            }
            finally { $ps.Dispose() }
        }

        It 'Resume-CodexConversation: CodexConversationNotFound is non-terminating' {
            $resumed = @(& $pair $saved.Id | Resume-CodexConversation -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Resume-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            $resumed.Id | Should -Be $saved.Id
        }

        It 'Compress-CodexConversation: CodexConversationNotFound is non-terminating' {
            $other = [guid]::NewGuid().ToString()
            [pscustomobject]@{ Id = $unknown }, [pscustomobject]@{ Id = $other } | Compress-CodexConversation -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2
            Assert-ErrorKind $ev[1] Compress-CodexConversation CodexConversationNotFound ObjectNotFound $other
        }

        It 'Remove-CodexConversation: CodexConversationNotFound is non-terminating' {
            & $pair $toRemove.Id | Remove-CodexConversation -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            Assert-ErrorKind $ev[0] Remove-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            (Get-CodexConversation -Archived).Id | Should -Contain $toRemove.Id
        }

        It 'Restore-CodexConversation: CodexConversationNotFound is non-terminating' {
            $restored = @(& $pair $toRestore.Id | Restore-CodexConversation -PassThru -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Restore-CodexConversation CodexConversationNotFound ObjectNotFound $unknown
            $restored.Id | Should -Be $toRestore.Id
        }
    }

    Context 'runtime catalogs and config' {
        It 'Get-CodexModel: CodexModelNotFound is non-terminating' {
            $models = @(Get-CodexModel -Name 'no-such-model', '*' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexModel CodexModelNotFound ObjectNotFound 'no-such-model'
            $models.Count | Should -BeGreaterThan 0
        }

        It 'Get-CodexConfig: CodexConfigKeyNotFound is non-terminating; CodexWorkingDirectoryNotFound is terminating' {
            $values = @('no.such.key', 'model_provider' | Get-CodexConfig -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexConfig CodexConfigKeyNotFound ObjectNotFound 'no.such.key'
            $values.Count | Should -Be 1
            $err = Get-TerminatingError { Get-CodexConfig -WorkingDirectory $missingDir -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Get-CodexConfig CodexWorkingDirectoryNotFound ObjectNotFound $missingDir -Terminating
        }

        It 'Set-CodexConfig: CodexConfigWriteRejected is non-terminating' {
            # history is not in the embedded config schema, so the runtime itself refuses the value (a described key
            # such as model is refused by CodexPS first, as CodexConfigValueInvalid, also non-terminating).
            [pscustomobject]@{ Key = 'history.persistence'; Value = 42 }, [pscustomobject]@{ Key = 'hide_agent_reasoning'; Value = $true } |
                Set-CodexConfig -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev -WarningAction SilentlyContinue
            Assert-ErrorKind $ev[0] Set-CodexConfig CodexConfigWriteRejected InvalidArgument 'history.persistence'
            Get-CodexConfig -Key hide_agent_reasoning | Should -BeTrue
        }

        It 'Get-CodexStatus: CodexRuntimeNotFound is non-terminating' {
            $status = @(Get-CodexStatus -Runtime 'no-such-runtime', 'default' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexStatus CodexRuntimeNotFound ObjectNotFound 'no-such-runtime'
            $status.Name | Should -Be 'default'
        }

        It 'Connect-CodexAccount: CodexApiKeyEmpty is non-terminating' {
            $empty = [securestring]::new()
            $empty, $empty | Connect-CodexAccount -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 2 -Because 'the second key is still read after the first one failed'
            Assert-ErrorKind $ev[1] Connect-CodexAccount CodexApiKeyEmpty InvalidArgument $empty
        }

        It 'Disconnect-Codex: writes no errors, as its help says' {
            $before = (Get-CodexStatus).ProcessId
            Disconnect-Codex -Name 'no-such-runtime' -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 0
            (Get-CodexStatus).ProcessId | Should -Be $before
            Get-ErrorHelp Disconnect-Codex | Should -Match 'writes no errors'
        }

        It 'Invoke-CodexPatch: CodexPatchFileNotFound is non-terminating' {
            $dir = New-TestDirectory 'codexps-errkinds-patch'
            $missing = Join-Path $dir 'none.patch'
            $good = Join-Path $dir 'good.patch'
            "*** Begin Patch`n*** Add File: added.txt`n+added`n*** End Patch" | Set-Content -Path $good
            $changes = @([pscustomobject]@{ FullName = $missing }, [pscustomobject]@{ FullName = $good } | Invoke-CodexPatch -WorkingDirectory $dir -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Invoke-CodexPatch CodexPatchFileNotFound ObjectNotFound $missing
            $changes.Count | Should -Be 1
            Join-Path $dir 'added.txt' | Should -Exist
        }

        It 'Invoke-CodexCommand: CodexAdditionalDirectoryNotFound is terminating' {
            $dir = New-TestDirectory 'codexps-errkinds-exec'
            $missing = Join-Path $dir 'nope'
            $err = Get-TerminatingError { Invoke-CodexCommand bash, -c, 'touch ran.txt' -WorkingDirectory $dir -AdditionalDirectory $missing -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Invoke-CodexCommand CodexAdditionalDirectoryNotFound ObjectNotFound $missing -Terminating
            Join-Path $dir 'ran.txt' | Should -Not -Exist
        }
    }

    Context 'tools' {
        It 'New-CodexTool: CodexToolParameterUnsupported is non-terminating' {
            function Invoke-ErrorKindsCode { param([Parameter(Mandatory)][scriptblock] $Code) & $Code }
            $command = Get-Command Invoke-ErrorKindsCode
            $made = @(New-CodexTool -Command $command -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] New-CodexTool CodexToolParameterUnsupported InvalidArgument $command
            $made | Should -HaveCount 0
            (New-CodexTool -Name error_kinds_next -ScriptBlock { param([string] $Text) $Text }).Name | Should -Be 'error_kinds_next'
        }
    }

    Context 'plugins' {
        It 'Register-CodexPlugin: CodexPluginTypeInvalid is non-terminating' {
            $redactor = [CodexPS.Engine.Plugins.RedactorPlugin]::new('hunter2')
            $registered = @('not a plugin', $redactor | Register-CodexPlugin -Name ErrorKindsRedactor -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Register-CodexPlugin CodexPluginTypeInvalid InvalidType 'not a plugin'
            $registered.Name | Should -Be 'ErrorKindsRedactor'
            Unregister-CodexPlugin -Name ErrorKindsRedactor -Confirm:$false
        }

        It 'Get-CodexPlugin: CodexPluginNotFound is non-terminating' {
            Register-CodexPlugin -Name ErrorKindsListed -OnEvent { $_ } | Out-Null
            $found = @(Get-CodexPlugin -Name 'no-such-plugin', 'ErrorKindsListed' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexPlugin CodexPluginNotFound ObjectNotFound 'no-such-plugin'
            $found.Name | Should -Be 'ErrorKindsListed'
            Unregister-CodexPlugin -Name ErrorKindsListed -Confirm:$false
        }

        It 'Unregister-CodexPlugin: CodexPluginNotFound is non-terminating' {
            Register-CodexPlugin -Name ErrorKindsGone -OnEvent { $_ } | Out-Null
            Unregister-CodexPlugin -Name 'no-such-plugin', 'ErrorKindsGone' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            Assert-ErrorKind $ev[0] Unregister-CodexPlugin CodexPluginNotFound ObjectNotFound 'no-such-plugin'
            (Get-CodexPlugin).Name | Should -Not -Contain 'ErrorKindsGone'
        }
    }

    Context 'MCP servers' {
        BeforeAll {
            Add-CodexMcpServer -Name errkinds-base -Command 'errkinds-server' -Disabled -Confirm:$false
        }

        It 'Add-CodexMcpServer: CodexMcpServerNameInvalid is non-terminating' {
            [pscustomobject]@{ Name = 'bad name!'; Command = 'x' }, [pscustomobject]@{ Name = 'errkinds-added'; Command = 'x' } |
                Add-CodexMcpServer -Disabled -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            Assert-ErrorKind $ev[0] Add-CodexMcpServer CodexMcpServerNameInvalid InvalidArgument 'bad name!'
            (Get-CodexMcpServer -Name 'errkinds-added').Name | Should -Be 'errkinds-added'
        }

        It 'Get-CodexMcpServer: CodexMcpServerNotFound is non-terminating' {
            $found = @(Get-CodexMcpServer -Name 'no-such-server', 'errkinds-base' -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Get-CodexMcpServer CodexMcpServerNotFound ObjectNotFound 'no-such-server'
            $found.Name | Should -Be 'errkinds-base'
        }

        It 'Set-CodexMcpServer: CodexMcpServerNotFound is non-terminating' {
            $changed = @([pscustomobject]@{ Name = 'no-such-server' }, [pscustomobject]@{ Name = 'errkinds-base' } |
                Set-CodexMcpServer -ToolTimeoutSec 33 -PassThru -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev)
            Assert-ErrorKind $ev[0] Set-CodexMcpServer CodexMcpServerNotFound ObjectNotFound 'no-such-server'
            $changed.Name | Should -Be 'errkinds-base'
        }

        It 'Remove-CodexMcpServer: CodexMcpServerNotFound is non-terminating' {
            Add-CodexMcpServer -Name errkinds-gone -Command 'x' -Disabled -Confirm:$false
            Remove-CodexMcpServer -Name 'no-such-server', 'errkinds-gone' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
            Assert-ErrorKind $ev[0] Remove-CodexMcpServer CodexMcpServerNotFound ObjectNotFound 'no-such-server'
            (Get-CodexMcpServer).Name | Should -Not -Contain 'errkinds-gone'
        }
    }

    Context 'mock providers' {
        It 'Stop-CodexMockProvider: writes no errors, not even for an endpoint already stopped' {
            $extra = Start-CodexMockProvider
            $extra | Stop-CodexMockProvider
            $extra | Stop-CodexMockProvider -ErrorAction SilentlyContinue -ErrorVariable ev
            @($ev).Count | Should -Be 0
            $extra.IsRunning | Should -BeFalse
            Get-ErrorHelp Stop-CodexMockProvider | Should -Match 'writes no errors'
        }
    }
}

Describe 'A disposed client never escapes as a .NET exception' {
    It 'translates <Type> into <ErrorId> (<Category>) with the item as target' -TestCases @(
        @{ Type = 'ObjectDisposedException'; Exception = { [ObjectDisposedException]::new('JsonRpcConnection', 'The connection to the codex runtime was closed.') }; ErrorId = 'CodexRuntimeStopped'; Category = 'ResourceUnavailable' }
        @{ Type = 'InvalidOperationException'; Exception = { [InvalidOperationException]::new('The client is not started.') }; ErrorId = 'CodexInvalidOperation'; Category = 'InvalidOperation' }
        @{ Type = 'IOException'; Exception = { [IO.IOException]::new('Broken pipe') }; ErrorId = 'CodexIOError'; Category = 'ResourceUnavailable' }
        @{ Type = 'UnauthorizedAccessException'; Exception = { [UnauthorizedAccessException]::new('denied') }; ErrorId = 'CodexAccessDenied'; Category = 'PermissionDenied' }
        @{ Type = 'AggregateException of CodexException'; Exception = { [AggregateException]::new([CodexPS.Engine.CodexException]::new('CodexTurnInProgress', 'busy')) }; ErrorId = 'CodexTurnInProgress'; Category = 'ResourceBusy' }
        @{ Type = 'CodexException of a recording'; Exception = { [CodexPS.Engine.CodexException]::new('CodexRecordingPathExists', 'exists') }; ErrorId = 'CodexRecordingPathExists'; Category = 'ResourceExists' }
    ) {
        $translate = [CodexPS.CodexCmdlet].GetMethod('ToErrorRecord', [Reflection.BindingFlags] 'NonPublic, Public, Static')
        $record = $translate.Invoke($null, @((& $Exception), 'the item'))
        $record.FullyQualifiedErrorId | Should -Be $ErrorId
        "$($record.CategoryInfo.Category)" | Should -Be $Category
        $record.TargetObject | Should -Be 'the item'
    }

    It 'a conversation of a replaced runtime gives a Codex ErrorId, per item, and the next conversation still runs' {
        $old = New-CodexConversation -WorkingDirectory $ws
        $script:mock = Connect-TestMock
        $fresh = New-CodexConversation -WorkingDirectory $ws
        Add-MockText 'fresh answer'
        $events = @($old, $fresh | Send-CodexTurn 'go' -ErrorAction SilentlyContinue -ErrorVariable ev)
        $ev | Should -Not -BeNullOrEmpty
        $ev | ForEach-Object { $_.FullyQualifiedErrorId | Should -Not -Match 'Exception' }
        $ev[0].FullyQualifiedErrorId | Should -Match '^Codex'
        ($events | Where-Object Kind -EQ 'TurnCompleted').ConversationId | Should -Be $fresh.Id
    }
}

Describe 'Error kinds when the runtime cannot start' -Skip:$IsWindows {
    Context 'a runtime that cannot start' {
        BeforeAll {
            # A runtime that works until a flag file exists: then every start fails, as a broken install would.
            $script:brokenMock = Start-CodexMockProvider
            $real = (Get-CodexStatus).CodexPath
            $dir = New-TestDirectory 'codexps-broken'
            $script:brokenFlag = Join-Path $dir 'broken'
            $launcher = Join-Path $dir 'codex'
            "#!/bin/sh`nif [ -e '$brokenFlag' ]; then echo 'broken on purpose' >&2; exit 3; fi`nexec '$real' `"`$@`"" | Set-Content -Path $launcher
            chmod +x $launcher
            Connect-Codex -MockProvider $brokenMock -CodexHome (Join-Path $dir 'home') -CodexPath $launcher
            $pid0 = (Get-CodexStatus).ProcessId
            $null = New-Item -ItemType File -Path $brokenFlag
            Stop-Process -Id $pid0 -Force
            Wait-Until { -not (Test-ProcessAlive $pid0) }
            # And until the module has seen it exit: a command issued before would still find the old client and
            # fail on its request, not on the start this context is about.
            Wait-Until { (Get-CodexStatus).RuntimeState -ne 'Running' }
        }

        AfterAll {
            Remove-Item $brokenFlag -ErrorAction Ignore
            Disconnect-Codex -All
        }

        It 'Get-CodexAccount: a runtime start failure (CodexRuntimeExited) is terminating' {
            $err = Get-TerminatingError { Get-CodexAccount -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Get-CodexAccount CodexRuntimeExited ConnectionError 'default' -Terminating
            $err.Exception | Should -BeOfType ([CodexPS.Engine.CodexRuntimeExitedException])
            $err.Exception.Message | Should -Match 'broken on purpose'
        }

        It 'Disconnect-CodexAccount: a runtime start failure (CodexRuntimeExited) is terminating' {
            $err = Get-TerminatingError { Disconnect-CodexAccount -Confirm:$false -ErrorAction SilentlyContinue }
            Assert-ErrorKind $err Disconnect-CodexAccount CodexRuntimeExited ConnectionError 'default' -Terminating
        }
    }
}
