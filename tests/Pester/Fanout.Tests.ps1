param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Fan-out' {
    Context 'ForEach-Object -Parallel' {
        It 'runs one conversation per runspace, four at once, and every turn completes' {
            $mock = Connect-TestMock -Response @(1..4 | ForEach-Object { @{ Text = "parallel answer"; DelayMs = 200 } })
            $modulePath = (Get-Module CodexPS).Path
            $results = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                Import-Module $using:modulePath
                $conversation = New-CodexConversation -WorkingDirectory ([IO.Path]::GetTempPath())
                $last = Send-CodexTurn -Conversation $conversation -Prompt "task $_" -WarningAction SilentlyContinue | Select-Object -Last 1
                [pscustomobject]@{ Task = $_; Conversation = $conversation.Id; Status = "$($last.Status)" }
            }
            $results.Count | Should -Be 4
            $results.Status | Should -Be @('Completed', 'Completed', 'Completed', 'Completed')
            ($results.Conversation | Sort-Object -Unique).Count | Should -Be 4
            # All four ran on the session's one runtime.
            (Get-CodexStatus).Conversations.Count | Should -Be 4
            @($mock.Requests | Where-Object { $_.Body -match 'task [1-4]' }).Count | Should -Be 4
        }
    }

    Context 'Invoke-Codex -ThrottleLimit' {
        BeforeAll {
            function Get-ModelRequests($mock) { @($mock.Requests | Where-Object Path -Like '*/responses') }
            # Which input a model request came from: the prompt is in its body.
            function Get-PromptOf($request, [string[]] $prompts) { $prompts | Where-Object { $request.Body -match [regex]::Escape($_) } | Select-Object -First 1 }
        }

        It 'runs at most ThrottleLimit turns at once, and those really overlap' {
            $mock = Connect-TestMock -Response @(1..6 | ForEach-Object { @{ Text = "answer"; DelayMs = 4000 } })
            $results = @(1..6 | ForEach-Object { "overlap task $_" } | Invoke-Codex -ThrottleLimit 3 -WorkingDirectory (New-TestDirectory))
            $results.Count | Should -Be 6
            $results.Status | Should -Be (@('Completed') * 6)
            $requests = Get-ModelRequests $mock
            $requests.Count | Should -Be 6
            $first = $requests[0].ReceivedAt
            # Three requests reached the model while the first was still being answered (4 s): three turns ran at once.
            ($requests[2].ReceivedAt - $first).TotalMilliseconds | Should -BeLessThan 4000
            # The fourth input could start only after a turn had ended, and every turn lasts at least its response's delay.
            ($requests[3].ReceivedAt - $first).TotalMilliseconds | Should -BeGreaterOrEqual 3990
            # Every conversation was its own.
            ($results.ConversationId | Sort-Object -Unique).Count | Should -Be 6
        }

        It 'writes the results in input order, each with its input, index and runtime' {
            $mock = Connect-TestMock -Response @(@{ Text = 'slow'; DelayMs = 1500 }, @{ Text = 'fast'; DelayMs = 10 }, @{ Text = 'fast'; DelayMs = 10 })
            $inputs = 0..2 | ForEach-Object { [pscustomobject]@{ Name = "repo-$_"; Folder = (New-TestDirectory) } }
            # -Affinity is evaluated per input like -Prompt; on a plain runtime every input runs there whatever the key.
            $results = @($inputs | Invoke-Codex -ThrottleLimit 3 -Prompt { "Bump the dependencies of $($_.Name)" } -WorkingDirectory { $_.Folder } -Affinity { $_.Name })
            $results.Count | Should -Be 3
            $results.InputIndex | Should -Be @(0, 1, 2)
            $results.InputObject.Name | Should -Be @('repo-0', 'repo-1', 'repo-2')
            $results.RuntimeName | Should -Be @('default', 'default', 'default')
            # Each result holds the answer to its own prompt (the mock answers in arrival order).
            $prompts = $inputs | ForEach-Object { "Bump the dependencies of $($_.Name)" }
            $requests = Get-ModelRequests $mock
            $answers = @('slow', 'fast', 'fast')
            for ($i = 0; $i -lt 3; $i++) {
                $index = [array]::IndexOf($prompts, (Get-PromptOf $requests[$i] $prompts))
                $results[$index].FinalResponse | Should -Be $answers[$i]
            }
            # The script block gave each input its own folder.
            $conversations = (Get-CodexStatus).Conversations
            for ($i = 0; $i -lt 3; $i++) {
                ($conversations | Where-Object Id -EQ $results[$i].ConversationId).WorkingDirectory | Should -Be $inputs[$i].Folder
            }
        }

        It 'writes each result as it finishes with -AsCompleted' {
            $mock = Connect-TestMock -Response @(@{ Text = 'slow'; DelayMs = 4000 }, @{ Text = 'fast'; DelayMs = 10 })
            $prompts = 'completed task A', 'completed task B'
            $results = @($prompts | Invoke-Codex -ThrottleLimit 2 -AsCompleted -WorkingDirectory (New-TestDirectory))
            $results.FinalResponse | Should -Be @('fast', 'slow')
            $slowPrompt = Get-PromptOf (Get-ModelRequests $mock)[0] $prompts
            $results[1].InputObject | Should -Be $slowPrompt
            $results[1].InputIndex | Should -Be ([array]::IndexOf($prompts, $slowPrompt))
        }

        It 'reports a failed input with its ErrorRecord (the input as target) and completes the others' {
            $mock = Connect-TestMock -Response @(@{ Text = 'ok'; DelayMs = 500 }, @{ Status = 500; DelayMs = 500 }, @{ Text = 'ok'; DelayMs = 500 })
            $prompts = 'failing task 1', 'failing task 2', 'failing task 3'
            $results = @($prompts | Invoke-Codex -ThrottleLimit 3 -WorkingDirectory (New-TestDirectory) -ErrorVariable errs -ErrorAction SilentlyContinue)
            $failedPrompt = Get-PromptOf (Get-ModelRequests $mock)[1] $prompts
            $results.Count | Should -Be 3
            ($results | Where-Object Status -EQ 'Completed').Count | Should -Be 2
            ($results | Where-Object Status -EQ 'Failed').InputObject | Should -Be $failedPrompt
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexInternalServerError,*'
            $errs[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $errs[0].TargetObject | Should -Be $failedPrompt
        }

        It 'refuses an input before anything is sent and still serves the others' {
            $mock = Connect-TestMock -Response @(@{ Text = 'served' }, @{ Text = 'served' })
            $inputs = @([pscustomobject]@{ Folder = (New-TestDirectory) }, [pscustomobject]@{ Folder = '/no/such/folder/here' }, [pscustomobject]@{ Folder = (New-TestDirectory) })
            $results = @($inputs | Invoke-Codex -ThrottleLimit 2 -Prompt { 'in a folder' } -WorkingDirectory { $_.Folder } -ErrorVariable errs -ErrorAction SilentlyContinue)
            $results.InputIndex | Should -Be @(0, 2)
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexWorkingDirectoryNotFound,*'
            (Get-ModelRequests $mock).Count | Should -Be 2
        }

        It 'stops the rest when a downstream command has enough (Select-Object -First), leaving no turn running' {
            $mock = Connect-TestMock -Response @(@{ Text = 'one'; DelayMs = 10 }, @{ Text = 'two'; DelayMs = 10 }, @{ Stall = $true }, @{ Stall = $true }, @{ Stall = $true })
            $prompts = 1..6 | ForEach-Object { "first task $_" }
            $results = @($prompts | Invoke-Codex -ThrottleLimit 2 -WorkingDirectory (New-TestDirectory) | Select-Object -First 2)
            $results.Count | Should -Be 2
            $results.Status | Should -Be @('Completed', 'Completed')
            # Inputs after the stop never started, and the stalled turns that had started were interrupted.
            (Get-ModelRequests $mock).Count | Should -BeLessThan 6
            Wait-Until { -not ((Get-CodexStatus).Conversations | Where-Object { $_.ActiveTurn }) } -TimeoutMs 5000
            (Get-CodexStatus).RuntimeState | Should -Be 'Running'
        }

        It 'interrupts every running turn on Ctrl+C (StopProcessing)' {
            $mock = Connect-TestMock -Response @(@{ Stall = $true }, @{ Stall = $true }, @{ Stall = $true })
            $run = Start-InRunspace -Script { param($Folder) 1..3 | ForEach-Object { "stalled task $_" } | Invoke-Codex -ThrottleLimit 3 -WorkingDirectory $Folder } -Arguments @{ Folder = (New-TestDirectory) }
            Wait-Until { (Get-ModelRequests $mock).Count -ge 3 } -TimeoutMs 30000
            @((Get-CodexStatus).Conversations | Where-Object { $_.ActiveTurn }).Count | Should -Be 3
            $run.PowerShell.Stop()
            Wait-Until { -not ((Get-CodexStatus).Conversations | Where-Object { $_.ActiveTurn }) } -TimeoutMs 5000
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            $run.PowerShell.Dispose()
        }

        It 'declines approvals when nobody can be asked, and never approves them' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo declined > declined.txt'; DelayMs = 1500 }, @{ Command = 'echo declined > declined.txt'; DelayMs = 1500 })
            $folders = @((New-TestDirectory), (New-TestDirectory))
            $results = @($folders | Invoke-Codex -ThrottleLimit 2 -Prompt { 'write declined.txt' } -WorkingDirectory { $_ } -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted -WarningVariable warns -WarningAction SilentlyContinue)
            $results.Status | Should -Be @('Completed', 'Completed')
            foreach ($folder in $folders) { Join-Path $folder 'declined.txt' | Should -Not -Exist }
            @($warns | Where-Object { "$_" -match 'declined' }).Count | Should -BeGreaterOrEqual 2
        }

        It 'asks -ApprovalHandler on the pipeline thread, per input' {
            $mock = Connect-TestMock -Response @(@{ Command = 'echo fan > fan.txt'; DelayMs = 3000 }, @{ Command = 'echo fan > fan.txt'; DelayMs = 3000 })
            $folders = @((New-TestDirectory), (New-TestDirectory))
            $threads = [System.Collections.Generic.List[int]]::new()
            $results = @($folders | Invoke-Codex -ThrottleLimit 2 -Prompt { "write fan.txt in $_" } -WorkingDirectory { $_ } -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted -ApprovalHandler {
                $threads.Add([Environment]::CurrentManagedThreadId)
                'Accept'
            } -WarningAction SilentlyContinue)
            $results.Status | Should -Be @('Completed', 'Completed')
            # The mock answers in arrival order: the inputs whose requests got the two commands ran them in their own folders.
            $prompts = $folders | ForEach-Object { "write fan.txt in $_" }
            foreach ($request in (Get-ModelRequests $mock)[0..1]) {
                $folder = $folders[[array]::IndexOf($prompts, (Get-PromptOf $request $prompts))]
                Join-Path $folder 'fan.txt' | Should -Exist
            }
            $threads.Count | Should -Be 2
            $threads | Sort-Object -Unique | Should -Be ([Environment]::CurrentManagedThreadId)
        }

        It 'prompts the person at the host on the pipeline thread' {
            $scenario = {
                $mock = Start-CodexMockProvider -Response @(@{ Command = 'echo asked > asked.txt'; DelayMs = 3000 }, @{ Command = 'echo asked > asked.txt'; DelayMs = 3000 })
                Connect-Codex -MockProvider $mock -CodexHome $CodexHome -WarningAction SilentlyContinue
                $results = $Folders | Invoke-Codex -ThrottleLimit 2 -Prompt { "write asked.txt in $_" } -WorkingDirectory { $_ } -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
                $results | ForEach-Object { "status=$($_.Status)" }
                # The folders whose requests got the two commands (the mock answers in arrival order).
                @($mock.Requests | Where-Object Path -Like '*/responses')[0..1] | ForEach-Object {
                    $body = $_.Body
                    $Folders | Where-Object { $body -match [regex]::Escape("write asked.txt in $_") } | ForEach-Object { "commanded=$_" }
                }
                Disconnect-Codex; Stop-CodexMockProvider
            }.ToString()
            $folders = @((New-TestDirectory), (New-TestDirectory))
            # Choice 0 is Yes, for each of the two questions.
            $run = Invoke-ScriptedHost -Scenario $scenario -Arguments @{ CodexHome = (New-TestDirectory 'codexps-home'); Folders = $folders } -Choices 0, 0
            $run.Errors | Should -BeNullOrEmpty
            @($run.Output | Where-Object { $_ -like 'status=*' }) | Should -Be @('status=Completed', 'status=Completed')
            @($run.Log | Where-Object { $_ -like 'choice|*asked.txt*' }).Count | Should -Be 2
            $commanded = @($run.Output | Where-Object { $_ -like 'commanded=*' } | ForEach-Object { $_.Substring(10) })
            $commanded.Count | Should -Be 2
            foreach ($folder in $commanded) { Join-Path $folder 'asked.txt' | Should -Exist }
        }

        It 'runs -Tool commands on the pipeline thread, for every input' {
            function Get-FanoutTicket {
                param([Parameter(Mandatory)][string] $Repository)
                $script:toolThreads.Add([Environment]::CurrentManagedThreadId)
                "ticket for $Repository"
            }
            $script:toolThreads = [System.Collections.Generic.List[int]]::new()
            $mock = Start-CodexMockProvider -Response @(
                @{ Tool = 'Get-FanoutTicket'; Arguments = '{"Repository":"api"}'; DelayMs = 1500 },
                @{ Tool = 'Get-FanoutTicket'; Arguments = '{"Repository":"web"}'; DelayMs = 1500 })
            Connect-Codex -MockProvider $mock -CodexHome (New-TestDirectory 'codexps-home') -ExperimentalApi -WarningAction SilentlyContinue
            $tool = New-CodexTool -Command (Get-Command Get-FanoutTicket) -Trusted
            $results = @('tool task 1', 'tool task 2' | Invoke-Codex -ThrottleLimit 2 -Tool $tool -WorkingDirectory (New-TestDirectory) -WarningAction SilentlyContinue)
            $results.Status | Should -Be @('Completed', 'Completed')
            @($results.Items | Where-Object Type -EQ 'DynamicToolCall').Count | Should -Be 2
            ($results.Items | Where-Object Type -EQ 'DynamicToolCall').Success | Should -Be @($true, $true)
            $script:toolThreads.Count | Should -Be 2
            $script:toolThreads | Sort-Object -Unique | Should -Be ([Environment]::CurrentManagedThreadId)
            # The tools' answers went back to the model.
            @($mock.Requests | Where-Object Body -Match 'ticket for (api|web)').Count | Should -Be 2
        }

        It 'writes a progress bar of done, running and failed, completed at the end' {
            $mock = Connect-TestMock -Response @(@{ Text = 'a'; DelayMs = 200 }, @{ Status = 500 }, @{ Text = 'c'; DelayMs = 200 })
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$((Get-Module CodexPS).Path)'").AddStatement()
            $null = $ps.AddScript({ param($Folder) 'progress 1', 'progress 2', 'progress 3' | Invoke-Codex -ThrottleLimit 2 -WorkingDirectory $Folder -ErrorAction SilentlyContinue }).AddArgument((New-TestDirectory))
            $results = @($ps.Invoke())
            $progress = @($ps.Streams.Progress | Where-Object Activity -EQ 'Invoke-Codex')
            $ps.Dispose()
            $results.Count | Should -Be 3
            $progress.Count | Should -BeGreaterThan 3
            $progress[0].StatusDescription | Should -Match '^0 of 1\+ done, 1 running, 0 failed$'
            ($progress | Where-Object StatusDescription -Match ', 2 running, ').Count | Should -BeGreaterThan 0
            $progress[-1].RecordType | Should -Be 'Completed'
            $progress[-1].StatusDescription | Should -Be '3 of 3 done, 0 running, 1 failed'
        }

        It 'keeps plain piped prompts working without -ThrottleLimit, now with their input and runtime' {
            $mock = Connect-TestMock -Response @('first', 'second')
            $results = @('plain 1', 'plain 2' | Invoke-Codex -WorkingDirectory (New-TestDirectory))
            $results.FinalResponse | Should -Be @('first', 'second')
            $results.InputObject | Should -Be @('plain 1', 'plain 2')
            $results.InputIndex | Should -Be @(0, 1)
            $results.RuntimeName | Should -Be @('default', 'default')
            # Not a string: its text is the prompt, as before; the object itself comes back.
            $mock2 = Connect-TestMock -Response @('number')
            $number = @(42 | Invoke-Codex -WorkingDirectory (New-TestDirectory))
            $number.InputObject | Should -Be 42
            (Get-ModelRequests $mock2)[0].Body | Should -Match '42'
        }
    }

    Context 'Send-CodexTurn -AsJob' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Text = 'answer from a job'; Deltas = 4 }, @{ Stall = $true }, @{ Text = 'after the stop' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        }

        It 'returns a job at once whose output is the turn''s events' {
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'run in the background' -AsJob
            $job | Should -BeOfType ([System.Management.Automation.Job])
            $job.PSJobTypeName | Should -Be 'CodexTurnJob'
            Get-Job -Id $job.Id | Should -Not -BeNullOrEmpty
            $null = Wait-Job $job -Timeout 30
            $job.State | Should -Be 'Completed'
            $events = @(Receive-Job $job)
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Completed'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'answer from a job'
            Remove-Job $job
        }

        It 'Stop-Job interrupts the turn and the conversation stays usable' {
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'this one stalls' -AsJob
            Wait-Until { $conversation.ActiveTurn -and $conversation.ActiveTurn.Id } -TimeoutMs 10000
            # The stalled response must be the job's: on a slow machine the turn may not have asked the model yet.
            Wait-Until { $mock.Requests.Count -ge 2 } -TimeoutMs 30000
            Stop-Job $job
            $job.State | Should -Be 'Stopped'
            Wait-Until { $null -eq $conversation.ActiveTurn } -TimeoutMs 5000
            $next = Send-CodexTurn -Conversation $conversation -Prompt 'still there?' | Select-Object -Last 1
            $next.Status | Should -Be 'Completed'
            Remove-Job $job
        }
    }

    Context 'Send-CodexTurn -AsJob with an output schema and handlers' {
        BeforeAll {
            $schema = @{ type = 'object'; properties = @{ answer = @{ type = 'integer' } }; required = @('answer') }
        }

        It 'fills Output of TurnCompleted as the engine checked it' {
            $mock = Connect-TestMock -Response @(@{ Text = '{"answer":42}'; Phase = 'final_answer' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'answer as JSON' -OutputSchema $schema -AsJob
            $null = Wait-Job $job -Timeout 30
            $job.State | Should -Be 'Completed'
            $done = @(Receive-Job $job -WarningAction SilentlyContinue)[-1]
            $done.Kind | Should -Be 'TurnCompleted'
            $done.Output.answer | Should -Be 42
            $job.Result.Output.answer | Should -Be 42
            Remove-Job $job
        }

        It 'reports an answer that breaks the schema with CodexOutputSchemaMismatch' {
            $mock = Connect-TestMock -Response @(@{ Text = '{"answer":"many"}' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'answer as JSON' -OutputSchema $schema -AsJob
            $null = Wait-Job $job -Timeout 30
            $events = @(Receive-Job $job -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            $events[-1].Output | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexOutputSchemaMismatch*'
            Remove-Job $job
        }

        It 'asks the turn''s -ApprovalHandler script block, in the job''s own runspace' {
            $ws = New-TestDirectory
            $mock = Connect-TestMock -Response @(@{ Command = 'echo from-job > job.txt' }, @{ Text = 'done' })
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'write job.txt' -AsJob -ApprovalHandler {
                if ($_.Kind -eq 'CommandExecution' -and $_.Command -match 'from-job') { 'Accept' } else { 'Decline' }
            }
            $null = Wait-Job $job -Timeout 60
            $job.State | Should -Be 'Completed'
            $approval = @(Receive-Job $job) | Where-Object Kind -EQ 'ApprovalRequested'
            $approval.Request.Decision | Should -Be 'Accept'
            $approval.Request.DecidedBy | Should -Be 'ApprovalHandler'
            Join-Path $ws 'job.txt' | Should -Exist
            Remove-Job $job
        }

        It 'asks the conversation''s handler (New-CodexConversation -ApprovalHandler), and a failing handler declines with an error' {
            $ws = New-TestDirectory
            $mock = Connect-TestMock -Response @(@{ Command = 'echo nope > nope.txt' }, @{ Text = 'declined' })
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted -ApprovalHandler { throw 'handler broke' }
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'write nope.txt' -AsJob
            $null = Wait-Job $job -Timeout 60
            $events = @(Receive-Job $job -ErrorVariable errs -ErrorAction SilentlyContinue)
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Request.Decision | Should -Be 'Decline'
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexApprovalHandlerFailed*'
            $errs[0].Exception.Message | Should -Match 'handler broke'
            Join-Path $ws 'nope.txt' | Should -Not -Exist
            Remove-Job $job
        }

        It 'declines with a warning when no handler decides' {
            $ws = New-TestDirectory
            $mock = Connect-TestMock -Response @(@{ Command = 'echo nobody > nobody.txt' }, @{ Text = 'declined' })
            $conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Untrusted
            $job = Send-CodexTurn -Conversation $conversation -Prompt 'write nobody.txt' -AsJob
            $null = Wait-Job $job -Timeout 60
            $events = @(Receive-Job $job -WarningVariable warns -WarningAction SilentlyContinue)
            ($events | Where-Object Kind -EQ 'ApprovalRequested').Request.DecidedBy | Should -Be 'Job'
            ($warns -join "`n") | Should -Match 'Declined in a background job'
            Join-Path $ws 'nobody.txt' | Should -Not -Exist
            Remove-Job $job
        }
    }

    Context 'PowerShell serialization' {
        BeforeAll {
            $null = Connect-TestMock -Response @(@{ Command = 'echo serialized' }, @{ Text = 'serialized answer' }, @{ Text = 'one-shot answer' })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory) -Sandbox WorkspaceWrite -ApprovalPolicy Never
            $events = @(Send-CodexTurn -Conversation $conversation -Prompt 'serialize me' -WarningAction SilentlyContinue)
            $result = Invoke-Codex 'one shot' -WarningAction SilentlyContinue
            $file = Join-Path (New-TestDirectory) 'objects.xml'
            @($conversation) + $events + @($result) | Export-Clixml -Path $file
            $back = @(Import-Clixml -Path $file)
        }

        It 'keeps every object with its type name behind the Deserialized. prefix' {
            $back.Count | Should -Be ($events.Count + 2)
            $back[0].pstypenames[0] | Should -Be 'Deserialized.CodexPS.Engine.Conversations.CodexConversation'
            $back[-1].pstypenames[0] | Should -Be 'Deserialized.CodexPS.Engine.Conversations.CodexTurnResult'
            for ($i = 0; $i -lt $events.Count; $i++) {
                $back[$i + 1].pstypenames[0] | Should -Be ('Deserialized.' + $events[$i].GetType().FullName)
            }
        }

        It 'keeps the key properties of conversations, events, items and results' {
            $back[0].Id | Should -Be $conversation.Id
            $back[0].Model | Should -Be $conversation.Model
            $back[0].Path | Should -Be $conversation.Path
            # Deserialized enums keep their name as ToString() (and their number as the value), as PowerShell does for every enum.
            $back[0].Sandbox.ToString() | Should -Be 'WorkspaceWrite'
            $back[0].ApprovalPolicy.ToString() | Should -Be 'Never'

            $command = $back | Where-Object { $null -ne $_.Kind -and $_.Kind.ToString() -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' } | Select-Object -First 1
            $command.Item.Command | Should -Match 'echo serialized'
            $command.Item.ExitCode | Should -Be 0
            $command.ConversationId | Should -Be $conversation.Id
            $command.Summary | Should -Match 'command: .*echo serialized'

            $completed = $back[$events.Count]
            $completed.Kind.ToString() | Should -Be 'TurnCompleted'
            $completed.Status.ToString() | Should -Be 'Completed'
            $completed.TurnId | Should -Be $events[-1].TurnId

            $back[-1].Status.ToString() | Should -Be 'Completed'
            $back[-1].FinalResponse | Should -Be 'one-shot answer'
            $back[-1].Usage.TotalTokens | Should -Be $result.Usage.TotalTokens
        }

        It 'keeps nested objects at the depth of jobs and remoting (one level), by the module''s types file' {
            # Start-Job, process jobs and remoting serialize one level deep; CodexPS.Types.ps1xml asks for more.
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($result, 1))
            $copy.Usage.TotalTokens | Should -Be $result.Usage.TotalTokens
            ($copy.Items | Where-Object Type -EQ 'AgentMessage').Text | Should -Be 'one-shot answer'
            $commandEvent = $events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }
            $copied = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($commandEvent, 1))
            $copied.Item.Command | Should -Match 'echo serialized'
            $copied.Item.ExitCode | Should -Be 0
        }

        It 'formats deserialized events with the same view' {
            $text = $back[1..$events.Count] | Out-String -Width 120
            $text | Should -Match 'TurnCompleted'
            $text | Should -Match 'command: .*echo serialized'
        }
    }
}
