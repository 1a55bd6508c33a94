param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    # The review output format the runtime's review prompt asks the model for (codex 0.169).
    $script:ReviewJson = @{
        findings                 = @(
            @{
                title            = '[P1] Guard against a missing config'
                body             = '`Load` dereferences `config` without a check.'
                confidence_score = 0.8
                priority         = 1
                code_location    = @{ absolute_file_path = '/repo/app.py'; line_range = @{ start = 3; end = 5 } }
            }
            @{
                title            = '[P3] Typo in the greeting'
                body             = 'It says `helo`.'
                confidence_score = 0.4
                code_location    = @{ absolute_file_path = '/repo/app.py'; line_range = @{ start = 9; end = 9 } }
            }
        )
        overall_correctness      = 'patch is incorrect'
        overall_explanation      = 'A missing config crashes start-up.'
        overall_confidence_score = 0.7
    } | ConvertTo-Json -Depth 6 -Compress

    function New-TestRepository {
        $path = New-TestDirectory 'codexps-review'
        git -C $path init -q -b main 2>$null
        git -C $path -c user.name=t -c user.email=t@t commit -q --allow-empty -m 'first' 2>$null
        'print("helo")' | Set-Content (Join-Path $path 'app.py')
        $path
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Start-CodexReview' {
    Context 'a review with structured findings' {
        BeforeAll {
            $mock = Connect-TestMock -Response @(@{ Text = $ReviewJson })
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
            $output = Start-CodexReview -Conversation $conversation -Instructions 'Review app.py for bugs'
            $events = @($output | Where-Object { $_ -is [CodexPS.Engine.Protocol.CodexEvent] })
            $result = $output[-1]
        }

        It 'writes the events, then a review result' {
            $result | Should -BeOfType CodexPS.Engine.Review.CodexReviewResult
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Completed'
        }

        It 'shows entering and leaving review mode as items' {
            $types = @($events | Where-Object Kind -EQ 'ItemCompleted' | ForEach-Object { $_.Item.Type })
            $types | Should -Contain 'EnteredReviewMode'
            $types | Should -Contain 'ExitedReviewMode'
            $types.IndexOf('EnteredReviewMode') | Should -BeLessThan $types.IndexOf('ExitedReviewMode')
            $entered = ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'EnteredReviewMode' }).Item
            [CodexPS.Engine.Review.CodexReviewResult]::ReviewTextOf($entered) | Should -Be 'Review app.py for bugs'
        }

        It 'gives every event the review''s turn id, not the sub-agent''s' {
            $events | ForEach-Object { $_.ConversationId | Should -Be $conversation.Id }
            $ids = @($events | Where-Object TurnId | ForEach-Object TurnId | Select-Object -Unique)
            $ids | Should -HaveCount 1
            $result.TurnId | Should -Be $ids[0]
            ($events | Where-Object Kind -EQ 'TurnStarted').TurnId | Should -Be $result.TurnId
        }

        It 'parses the findings and the verdict' {
            $result.IsStructured | Should -BeTrue
            $result.Status | Should -Be 'Completed'
            $result.Review | Should -Be $ReviewJson
            $result.OverallCorrectness | Should -Be 'patch is incorrect'
            $result.OverallExplanation | Should -Be 'A missing config crashes start-up.'
            $result.OverallConfidenceScore | Should -Be 0.7
            $result.Findings | Should -HaveCount 2
            $first = $result.Findings[0]
            $first.Title | Should -Be '[P1] Guard against a missing config'
            $first.Body | Should -Match 'dereferences'
            $first.Priority | Should -Be 1
            $first.ConfidenceScore | Should -Be 0.8
            $first.Path | Should -Be '/repo/app.py'
            $first.StartLine | Should -Be 3
            $first.EndLine | Should -Be 5
            $first.Location | Should -Be '/repo/app.py:3-5'
        }

        It 'leaves out what the model did not give (no invented priority)' {
            $result.Findings[1].Priority | Should -BeNullOrEmpty
            $result.Findings[1].Location | Should -Be '/repo/app.py:9'
        }

        It 'sent the runtime''s review prompt to the model as a review sub-agent' {
            $body = $mock.Requests[-1].Body | ConvertFrom-Json
            $body.client_metadata.'x-openai-subagent' | Should -Be 'review'
            $mock.Requests[-1].Body | Should -Match 'overall_correctness'
            $mock.Requests[-1].Body | Should -Match 'Review app.py for bugs'
        }

        It 'formats the result' {
            $text = $result | Out-String
            $text | Should -Match 'patch is incorrect'
            $text | Should -Match '/repo/app.py:3-5'
        }

        It 'leaves the conversation usable for the next turn' {
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText('after the review'))
            $next = Send-CodexTurn -Conversation $conversation 'and now?'
            $next[-1].Status | Should -Be 'Completed'
        }
    }

    Context 'targets and delivery' {
        BeforeAll {
            $mock = Connect-TestMock
            $repo = New-TestRepository
            $conversation = New-CodexConversation -WorkingDirectory $repo
        }

        It 'reviews uncommitted changes; a plain-text review has no findings' {
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText('No issues found.'))
            $result = (Start-CodexReview -Conversation $conversation -Uncommitted)[-1]
            $result.Target.Kind | Should -Be 'UncommittedChanges'
            $result.Review | Should -Be 'No issues found.'
            $result.IsStructured | Should -BeFalse
            $result.Findings | Should -HaveCount 0
            $result.OverallCorrectness | Should -BeNullOrEmpty
            $mock.Requests[-1].Body | Should -Match 'staged, unstaged, and untracked'
        }

        It 'reviews against a base branch and a commit' {
            $sha = git -C $repo rev-parse HEAD
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText($ReviewJson), [CodexPS.Engine.Mock.MockResponse]::FromText($ReviewJson))
            $branch = (Start-CodexReview -Conversation $conversation -BaseBranch main)[-1]
            $branch.Target.Kind | Should -Be 'BaseBranch'
            $branch.Status | Should -Be 'Completed'
            $commit = (Start-CodexReview -Conversation $conversation -Commit $sha)[-1]
            $commit.Target.Value | Should -Be $sha
            $commit.Findings | Should -HaveCount 2
            $mock.Requests[-1].Body | Should -Match $sha
        }

        It 'binds the conversation by id from the pipeline' {
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText('Fine.'))
            $result = ([pscustomobject]@{ ConversationId = $conversation.Id } | Start-CodexReview -Instructions 'check')[-1]
            $result.ConversationId | Should -Be $conversation.Id
        }

        It 'runs a -Detached review in a new conversation with the same settings' {
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText($ReviewJson))
            $output = Start-CodexReview -Conversation $conversation -Instructions 'detached check' -Detached
            $result = $output[-1]
            $result.ConversationId | Should -Not -Be $conversation.Id
            $result.Findings | Should -HaveCount 2
            $output | Where-Object { $_ -is [CodexPS.Engine.Protocol.CodexEvent] } | ForEach-Object { $_.ConversationId | Should -Be $result.ConversationId }
            $detached = (Get-CodexStatus).Conversations | Where-Object Id -EQ $result.ConversationId
            if ($detached) { $detached.WorkingDirectory | Should -Be $conversation.WorkingDirectory }
        }
    }

    Context 'bad input' {
        BeforeAll {
            $mock = Connect-TestMock
            $conversation = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        }

        It 'writes CodexConversationNotFound for an unknown id' {
            $out = Start-CodexReview -ConversationId 'no-such-thread' -Uncommitted -ErrorVariable errs -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound*'
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errs[0].TargetObject | Should -Be 'no-such-thread'
        }

        It 'writes CodexReviewTargetMissing without a target and sends nothing' {
            $before = $mock.Requests.Count
            $out = Start-CodexReview -Conversation $conversation -ErrorVariable errs -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexReviewTargetMissing*'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $mock.Requests.Count | Should -Be $before
        }

        It 'writes CodexReviewTargetAmbiguous for two targets' {
            Start-CodexReview -Conversation $conversation -Uncommitted -Commit abc -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexReviewTargetAmbiguous*'
        }

        It 'writes CodexReviewTargetEmpty for empty instructions' {
            Start-CodexReview -Conversation $conversation -Instructions ' ' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexReviewTargetEmpty*'
        }

        It 'refuses turn parameters that do not apply to a review' {
            { Start-CodexReview -Conversation $conversation -Uncommitted -OutputSchema '{"type":"object"}' -ErrorAction Stop } |
                Should -Throw -ErrorId 'CodexReviewParameterNotSupported*'
            { Start-CodexReview -Conversation $conversation -Uncommitted -Sandbox ReadOnly -ErrorAction Stop } |
                Should -Throw -ErrorId 'CodexReviewParameterNotSupported*'
        }

        It 'reports a failed review with the runtime''s error and a Failed result' {
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromError(500))
            $output = Start-CodexReview -Conversation $conversation -Instructions 'x' -ErrorVariable errs -ErrorAction SilentlyContinue
            $output[-1].Status | Should -Be 'Failed'
            # The runtime still leaves review mode, with a fixed text instead of a review.
            $output[-1].Review | Should -Be 'Reviewer failed to output a response.'
            $output[-1].IsStructured | Should -BeFalse
            $errs.Count | Should -BeGreaterThan 0
        }
    }
}
