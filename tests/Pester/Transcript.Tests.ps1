param([string] $ModulePath)

# Export-CodexTranscript: a conversation with the real runtime and the scripted model (a hostile prompt, a command
# with coloured output, a long command, a patch that adds and updates files, one of the conversation's own tools, a
# reasoning summary and an answer holding a fence; then a turn with an accepted and a declined approval), exported
# in the three formats, read back after the runtime restarted, and rendered by headless Chromium.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    . (Join-Path $PSScriptRoot 'Chromium.ps1')

    function global:Get-TranscriptFact {
        <#
        .SYNOPSIS
        Tells a fact about a server.
        .PARAMETER Name
        The server's name.
        #>
        param([Parameter(Mandatory)][string] $Name)
        "fact about $Name"
    }

    function New-ReasoningAnswer {
        # A model response the scripted kinds do not cover: a reasoning item with a summary, then the answer; its usage given.
        param([string] $Summary, [string] $Answer)
        $reasoning = @{ type = 'response.output_item.done'; output_index = 0; item = @{ type = 'reasoning'; id = 'rs_transcript'; summary = @(@{ type = 'summary_text'; text = $Summary }) } }
        $message = @{ type = 'response.output_item.done'; output_index = 1; item = @{ type = 'message'; id = 'msg_transcript'; role = 'assistant'; content = @(@{ type = 'output_text'; text = $Answer; annotations = @() }) } }
        $completed = @{ type = 'response.completed'; response = @{ id = 'resp_transcript'; usage = @{ input_tokens = 50; input_tokens_details = @{ cached_tokens = 5 }; output_tokens = 7; output_tokens_details = @{ reasoning_tokens = 3 }; total_tokens = 57 } } }
        $events = @(
            "event: response.created`ndata: {`"type`":`"response.created`",`"response`":{`"id`":`"resp_transcript`"}}"
            "event: response.output_item.done`ndata: $($reasoning | ConvertTo-Json -Compress -Depth 10)"
            "event: response.output_item.done`ndata: $($message | ConvertTo-Json -Compress -Depth 10)"
            "event: response.completed`ndata: $($completed | ConvertTo-Json -Compress -Depth 10)"
        )
        ($events -join "`n`n") + "`n`n"
    }

    $script:hostilePrompt = "Fix it <script>document.title='pwned'</script><img src=x onerror=`"document.title='pwned'`"> please"
    $script:answer = "All done.`n``````powershell`nGet-Item`n```````n# not a heading <script>alert(1)</script>"
    $usage = @{ InputTokens = 100; OutputTokens = 10; CachedInputTokens = 20 }
    $patch = "*** Begin Patch`n*** Add File: hello.txt`n+hello <b>world</b>`n*** Update File: notes.txt`n@@`n-old line`n+new line`n*** End Patch"

    $script:ws = New-TestDirectory 'codexps-transcript-ws'
    Set-Content -LiteralPath (Join-Path $ws 'notes.txt') -Value 'old line' -NoNewline:$false
    $script:out = New-TestDirectory 'codexps-transcript-out'
    $script:codexHome = New-TestDirectory 'codexps-home'
    $script:mock = Start-CodexMockProvider -Response @(
        @{ Command = "printf '\033[31mred\033[0m <script>alert(1)</script>\n'"; Usage = $usage }
        @{ Command = 'seq 1 200'; Usage = $usage }
        @{ Patch = $patch; Usage = $usage }
        @{ Tool = 'Get-TranscriptFact'; Arguments = '{"Name":"web1"}'; Usage = $usage }
        @{ Raw = (New-ReasoningAnswer -Summary 'Checking <b>the files</b> first' -Answer $answer) }
        @{ Command = 'echo allowed-command' }
        @{ Command = 'echo refused-command' }
        @{ Text = 'Second answer.' }
    )
    Connect-Codex -MockProvider $mock -CodexHome $codexHome -ExperimentalApi -WarningAction SilentlyContinue
    $script:conversation = New-CodexConversation -WorkingDirectory $ws -Sandbox WorkspaceWrite -ApprovalPolicy Never -Tool (New-CodexTool -Command (Get-Command Get-TranscriptFact))
    $script:first = @(Send-CodexTurn $hostilePrompt -Conversation $conversation)
    $script:recording = Join-Path $out 'second.jsonl'
    $global:TranscriptDecisions = [Collections.Generic.List[string]]::new()
    $script:second = @(Send-CodexTurn 'Run two commands' -Conversation $conversation -ApprovalPolicy Untrusted -RecordTo $recording -ApprovalHandler {
            param($request)
            if ($request.Command -match 'allowed') { $global:TranscriptDecisions.Add('Accept'); 'Accept' } else { $global:TranscriptDecisions.Add('Decline'); 'Decline' }
        })

    $script:md = Join-Path $out 'transcript.md'
    $script:html = Join-Path $out 'transcript.html'
    $script:json = Join-Path $out 'transcript.json'
    Export-CodexTranscript -Conversation $conversation -Path $md -RecordingPath $recording
    Export-CodexTranscript $conversation $html Html -RecordingPath $recording
    Export-CodexTranscript $conversation $json -Format Json -RecordingPath $recording
    $script:mdText = Get-Content -Raw $md
    $script:htmlText = Get-Content -Raw $html
    $script:report = Get-Content -Raw $json | ConvertFrom-Json -Depth 64
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Export-CodexTranscript' {
    It 'ran the scripted conversation (the test''s own precondition)' {
        ($first | Where-Object Kind -EQ TurnCompleted).Status | Should -Be 'Completed'
        ($second | Where-Object Kind -EQ TurnCompleted).Status | Should -Be 'Completed'
        @($global:TranscriptDecisions) | Should -Be @('Accept', 'Decline')
        Join-Path $ws 'hello.txt' | Should -Exist
    }

    It 'writes Json with every turn, the runtime''s items whole, usage per turn and the recorded approvals' {
        $report.schema | Should -Be 'codexps.transcript/1'
        $report.conversation.id | Should -Be $conversation.Id
        $report.conversation.usageRecorded | Should -BeTrue
        @($report.turns).Count | Should -Be 2
        $one = $report.turns[0]
        $one.status | Should -Be 'Completed'
        ($one.items | Where-Object type -EQ userMessage).content[0].text | Should -BeExactly $hostilePrompt
        $commands = @($one.items | Where-Object type -EQ commandExecution)
        $commands.Count | Should -Be 2
        $commands[0].exitCode | Should -Be 0
        $commands[0].aggregatedOutput | Should -Match ([regex]::Escape("$([char]27)[31mred$([char]27)[0m <script>alert(1)</script>"))
        $commands[1].aggregatedOutput | Should -Match '(?m)^200$'
        $changes = ($one.items | Where-Object type -EQ fileChange).changes
        @($changes.kind.type) | Should -Be @('add', 'update')
        ($changes | Where-Object { $_.kind.type -eq 'update' }).diff | Should -Match '(?m)^-old line$'
        ($one.items | Where-Object type -EQ dynamicToolCall).tool | Should -Be 'Get-TranscriptFact'
        ($one.items | Where-Object type -EQ reasoning).summary | Should -Be @('Checking <b>the files</b> first')
        ($one.items | Where-Object type -EQ agentMessage).text | Should -BeExactly $answer
        # Four scripted responses of 100/20/10 and the reasoning response of 50/5/7 (3 of them reasoning).
        $one.usage.inputTokens | Should -Be 450
        $one.usage.cachedInputTokens | Should -Be 85
        $one.usage.outputTokens | Should -Be 47
        $one.usage.reasoningOutputTokens | Should -Be 3
        $one.usage.totalTokens | Should -Be 497
        @($one.approvals).Count | Should -Be 0

        $two = $report.turns[1]
        $two.usage.totalTokens | Should -BeGreaterThan 0
        @($two.approvals).Count | Should -Be 2
        $two.approvals[0].subject | Should -Match 'allowed-command'
        $two.approvals[0].decision | Should -Be 'Accept'
        $two.approvals[0].method | Should -Be 'item/commandExecution/requestApproval'
        $two.approvals[1].subject | Should -Match 'refused-command'
        $two.approvals[1].decision | Should -Be 'Decline'
    }

    It 'writes Markdown with the prompt, the commands, the diffs, the tool call, the reasoning, the answer and the usage' {
        $mdText | Should -Match '(?m)^## Turn 1$'
        $mdText | Should -Match '(?m)^## Turn 2$'
        $mdText | Should -Match '(?m)^### Prompt$'
        $mdText | Should -Match ([regex]::Escape($hostilePrompt))
        $mdText | Should -Match '(?m)^- Exit code: 0$'
        $mdText | Should -Match '(?m)^red <script>alert\(1\)</script>$'
        $mdText | Should -Match '(?m)^\+hello <b>world</b>$'
        $mdText | Should -Match '(?m)^-old line$'
        $mdText | Should -Match '(?m)^\+new line$'
        $mdText | Should -Match '(?m)^### Tool call$'
        $mdText | Should -Match 'fact about web1'
        $mdText | Should -Match '(?m)^### Reasoning summary$'
        $mdText | Should -Match 'Checking <b>the files</b> first'
        $mdText | Should -Match '(?m)^- Tokens: input 450 \\\(cached 85\\\), output 47 \\\(reasoning 3\\\), total 497$'
        $mdText | Should -Match '(?m)^### Approvals$'
        $mdText | Should -Match 'item/commandExecution/requestApproval: \*\*Accept\*\*'
        $mdText | Should -Match 'item/commandExecution/requestApproval: \*\*Decline\*\*'
        # The 200-line output is folded: its head is there, its end only in the Json.
        $mdText | Should -Match '(?m)^> … folded: \d+ more lines \(\d+ in all\)'
        $mdText | Should -Match '(?m)^30$'
        $mdText | Should -Not -Match '(?m)^200$'
    }

    It 'keeps hostile text inert in Markdown: no terminal escapes, and an answer with a fence cannot close its own' {
        $mdText | Should -Not -Match ([char]27)
        # The answer holds ``` lines, so its fence is longer; the "# not a heading" line stays inside it.
        $mdText | Should -Match ([regex]::Escape("````````markdown`n$answer`n````````"))
        # Outside fences, text from the conversation is escaped (the title comes from the first prompt).
        ($mdText -split "`n")[0] | Should -Match '^# Codex transcript: Fix it \\<script\\>'
    }

    It 'writes one self-contained HTML page with everything encoded and no script' {
        $htmlText | Should -Match '^<!DOCTYPE html>'
        $htmlText | Should -Not -Match '<script|<link|<img|https?://|<[^>]+\ssrc='
        $htmlText | Should -Match "default-src 'none'"
        $htmlText | Should -Not -Match ([char]27)
        $htmlText | Should -Match 'red &lt;script&gt;alert\(1\)&lt;/script&gt;'
        $htmlText | Should -Match 'Fix it &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;img'
        $htmlText | Should -Match 'Checking &lt;b&gt;the files&lt;/b&gt; first'
        $htmlText | Should -Match '<span class="add">\+hello &lt;b&gt;world&lt;/b&gt;</span>'
        $htmlText | Should -Match '<span class="del">-old line</span>'
        $htmlText | Should -Match '<details><summary>Output: \d+ lines \(folded\)</summary>'
        $htmlText | Should -Match '(?m)^200$'
        $htmlText | Should -Match 'input 450 \(cached 85\), output 47 \(reasoning 3\), total 497'
        $htmlText | Should -Match '<span class="decision Decline">Decline</span>'
    }

    It 'renders in headless Chromium as a page with content, and nothing from the conversation ran' {
        $png = Join-Path $out 'transcript.png'
        $dom = Invoke-Chromium -Html $html -Png $png
        $dom | Should -Match '<title>Codex transcript: Fix it &lt;script&gt;'
        $dom | Should -Not -Match 'pwned</title>'
        $dom | Should -Not -Match '<script|<img|<b>'
        ([regex]::Matches($dom, '<section class="entry ')).Count | Should -BeGreaterOrEqual 10
        $shot = [CodexPSTests.PngProbe]::Analyse($png, [int[]]@())
        $shot.Width | Should -Be 1240
        $shot.DistinctColours | Should -BeGreaterThan 50
        $shot.NonBackgroundPixels | Should -BeGreaterThan ($shot.Width * $shot.Height / 20)
    }

    It 'keeps an existing file unless -Force, asks ShouldProcess, and gives the FileInfo with -PassThru' {
        $path = Join-Path $out 'existing.md'
        Set-Content $path 'keep me'
        { Export-CodexTranscript $conversation $path } | Should -Throw -ErrorId 'CodexTranscriptFileExists,*'
        Get-Content -Raw $path | Should -Be "keep me$([Environment]::NewLine)"
        Export-CodexTranscript $conversation $path -Force -WhatIf
        Get-Content -Raw $path | Should -Be "keep me$([Environment]::NewLine)"
        Export-CodexTranscript $conversation $path -Force | Should -BeNullOrEmpty
        Get-Content -Raw $path | Should -Match '(?m)^## Turn 2$'
        $file = Export-CodexTranscript $conversation $path -Format Json -Force -PassThru
        $file | Should -BeOfType System.IO.FileInfo
        $file.FullName | Should -Be $path
        (Get-Content -Raw $path | ConvertFrom-Json).schema | Should -Be 'codexps.transcript/1'
        Export-CodexTranscript $conversation (Join-Path $out 'whatif.md') -WhatIf
        Join-Path $out 'whatif.md' | Should -Not -Exist
        @(Get-ChildItem $out -Filter '*.tmp' -Force).Count | Should -Be 0
    }

    It 'takes the format from the extension when -Format is not given' {
        Export-CodexTranscript $conversation (Join-Path $out 'by-extension.HTML')
        Get-Content -Raw (Join-Path $out 'by-extension.HTML') | Should -Match '^<!DOCTYPE html>'
        Export-CodexTranscript $conversation (Join-Path $out 'by-extension.json')
        (Get-Content -Raw (Join-Path $out 'by-extension.json') | ConvertFrom-Json).schema | Should -Be 'codexps.transcript/1'
        Export-CodexTranscript $conversation (Join-Path $out 'by-extension.txt')
        Get-Content -Raw (Join-Path $out 'by-extension.txt') | Should -Match '^# Codex transcript: '
        Export-CodexTranscript $conversation (Join-Path $out 'forced.html') -Format Markdown
        Get-Content -Raw (Join-Path $out 'forced.html') | Should -Match '^# Codex transcript: '
    }

    It 'refuses a path it cannot write with the ErrorIds of its help' {
        { Export-CodexTranscript $conversation $out } | Should -Throw -ErrorId 'CodexTranscriptPathInvalid,*'
        { Export-CodexTranscript $conversation (Join-Path $out 'no/such/dir/t.md') } | Should -Throw -ErrorId 'CodexTranscriptDirectoryNotFound,*'
        Export-CodexTranscript -ConversationId 'not-a-conversation' -Path (Join-Path $out 'none.md') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound,*'
        $err[0].TargetObject | Should -Be 'not-a-conversation'
        Join-Path $out 'none.md' | Should -Not -Exist
        Export-CodexTranscript $conversation (Join-Path $out 'wrong.md') -RecordingPath $json -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'CodexResume*,*'
    }

    Context 'a saved conversation, after the runtime restarted' {
        BeforeAll {
            Disconnect-Codex
            Connect-Codex -MockProvider $mock -CodexHome $codexHome -WarningAction SilentlyContinue
        }

        It 'exports by id from Get-CodexConversation output, with the same turns and usage' {
            $path = Join-Path $out 'saved.json'
            Get-CodexConversation -Id $conversation.Id | Export-CodexTranscript -Path $path -Format Json
            $saved = Get-Content -Raw $path | ConvertFrom-Json -Depth 64
            @($saved.turns).Count | Should -Be 2
            ($saved.turns[0].items | Where-Object type -EQ agentMessage).text | Should -BeExactly $answer
            $saved.turns[0].usage.totalTokens | Should -Be 497
            # The approvals live only in the recording: without it the turn says none, never an invented one.
            @($saved.turns[1].approvals).Count | Should -Be 0
        }

        It 'exports a resumed conversation object, approvals included from its recording' {
            $resumed = Resume-CodexConversation -Id $conversation.Id -WarningAction SilentlyContinue
            $path = Join-Path $out 'resumed.md'
            $resumed | Export-CodexTranscript -Path $path -RecordingPath $recording
            $text = Get-Content -Raw $path
            $text | Should -Match ([regex]::Escape($hostilePrompt))
            $text | Should -Match '(?m)^- Tokens: input 450 '
            $text | Should -Match 'requestApproval: \*\*Decline\*\*'
        }

        It 'reads the approvals of a loaded conversation''s running JSONL recording without being told' {
            $resumed = Resume-CodexConversation -Id $conversation.Id -WarningAction SilentlyContinue
            $live = Join-Path $out 'live.jsonl'
            $resumed | Start-CodexRecording -Path $live
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromCommand('echo live-command'))
            $mock.Enqueue([CodexPS.Engine.Mock.MockResponse]::FromText('Third answer.'))
            $events = @(Send-CodexTurn 'One more' -Conversation $resumed -ApprovalPolicy Untrusted -ApprovalHandler { 'AcceptForSession' })
            ($events | Where-Object Kind -EQ TurnCompleted).Status | Should -Be 'Completed'
            # The recording's writer runs beside the turn; the decision is on disk once it has written it.
            Wait-Until { (Get-Content -Raw $live) -match '"type":"decision"' } -TimeoutMs 20000
            $path = Join-Path $out 'live.json'
            Export-CodexTranscript $resumed $path
            $third = (Get-Content -Raw $path | ConvertFrom-Json -Depth 64).turns[2]
            @($third.approvals).Count | Should -Be 1
            $third.approvals[0].subject | Should -Match 'live-command'
            $third.approvals[0].decision | Should -Be 'AcceptForSession'
            $resumed | Stop-CodexRecording | Out-Null
        }
    }
}
