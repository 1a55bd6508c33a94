param([string] $ModulePath)

# Turn context: per-turn overrides, images, output schemas, conversation defaults and steering.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $pixel = Join-Path (New-TestDirectory 'codexps-img') 'pixel.png'
    [IO.File]::WriteAllBytes($pixel, [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='))
    $schema = @{ type = 'object'; properties = @{ answer = @{ type = 'integer' }; note = @{ type = 'string' } }; required = @('answer'); additionalProperties = $false }

    function Get-RequestJson { param($Mock, [int] $Index = -1) $Mock.Requests[$Index].Body | ConvertFrom-Json }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Send-CodexTurn turn context' {
    It 'sends per-turn model, effort, folder and sandbox to the runtime, which keeps them for later turns' {
        $mock = Connect-TestMock -Response @(@{ Text = 'one' }, @{ Text = 'two' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $other = New-TestDirectory 'codexps-other'
        $null = Send-CodexTurn 'first' -Conversation $c -Model 'gpt-5.6-luna' -Effort high -WorkingDirectory $other -Sandbox ReadOnly
        $first = Get-RequestJson $mock 0
        $first.model | Should -Be 'gpt-5.6-luna'
        $first.reasoning.effort | Should -Be 'high'
        $mock.Requests[0].Body | Should -Match ([regex]::Escape("<cwd>$other</cwd>"))
        $mock.Requests[0].Body | Should -Match 'sandbox_mode` is `read-only`'
        $c.Model | Should -Be 'gpt-5.6-luna'
        $c.WorkingDirectory | Should -Be $other
        $c.Sandbox | Should -Be 'ReadOnly'

        $null = Send-CodexTurn 'second' -Conversation $c
        (Get-RequestJson $mock 1).model | Should -Be 'gpt-5.6-luna'
    }

    It 'sends local images with the prompt' {
        $mock = Connect-TestMock -Response @(@{ Text = 'a pixel' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'what is this?' -Conversation $c -Image $pixel
        $events[-1].Status | Should -Be 'Completed'
        $mock.Requests[0].Body | Should -Match '"input_image","image_url":"data:image/png;base64,iVBORw0KGgo'
    }

    It 'refuses a missing image and sends nothing' {
        $mock = Connect-TestMock -Response @(@{ Text = 'never' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $missing = Join-Path (New-TestDirectory) 'none.png'
        # Non-terminating (one bad image is about one input item); -ErrorAction Stop turns it into a throw.
        { Send-CodexTurn 'look' -Conversation $c -Image $missing -ErrorAction Stop } | Should -Throw -ErrorId 'CodexImageNotFound,CodexPS.Commands.SendCodexTurnCommand'
        $mock.Requests.Count | Should -Be 0
    }

    It 'constrains the answer with an output schema and exposes the parsed Output' {
        $mock = Connect-TestMock -Response @(@{ Text = '{"answer":42,"note":"from the mock"}'; Deltas = 4 })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'answer as JSON' -Conversation $c -OutputSchema $schema
        $events[-1].Output.answer | Should -Be 42
        $events[-1].Output.note | Should -Be 'from the mock'
        $format = (Get-RequestJson $mock 0).text.format
        $format.type | Should -Be 'json_schema'
        $format.schema.required | Should -Be @('answer')
    }

    It 'takes the schema as JSON text or a file' {
        $file = Join-Path (New-TestDirectory) 'schema.json'
        $schema | ConvertTo-Json -Depth 5 | Set-Content $file
        $mock = Connect-TestMock -Response @(@{ Text = '{"answer":1}' }, @{ Text = '{"answer":2}' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        (Send-CodexTurn 'file' -Conversation $c -OutputSchema $file)[-1].Output.answer | Should -Be 1
        (Send-CodexTurn 'text' -Conversation $c -OutputSchema ($schema | ConvertTo-Json -Depth 5))[-1].Output.answer | Should -Be 2
    }

    It 'reports an answer that is not JSON with CodexOutputInvalidJson and the raw text attached' {
        $mock = Connect-TestMock -Response @(@{ Text = 'forty-two' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = Send-CodexTurn 'answer as JSON' -Conversation $c -OutputSchema $schema -ErrorVariable errs -ErrorAction SilentlyContinue
        $events[-1].Output | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexOutputInvalidJson,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $errs[0].TargetObject | Should -Be 'forty-two'
    }

    It 'reports an answer that breaks the schema with CodexOutputSchemaMismatch' {
        $mock = Connect-TestMock -Response @(@{ Text = '{"answer":"many","extra":true}' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $null = Send-CodexTurn 'answer as JSON' -Conversation $c -OutputSchema $schema -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexOutputSchemaMismatch,*'
        $errs[0].Exception.Message | Should -Match 'answer'
        $errs[0].Exception.Message | Should -Match 'extra'
    }

    It 'refuses a schema that is not JSON' {
        $mock = Connect-TestMock
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        { Send-CodexTurn 'x' -Conversation $c -OutputSchema '{ not json' -ErrorAction Stop } | Should -Throw -ErrorId 'CodexOutputSchemaInvalid,CodexPS.Commands.SendCodexTurnCommand'
        $mock.Requests.Count | Should -Be 0
    }

    It 'steers a running turn from the approval handler' {
        $ws = New-TestDirectory
        $mock = Connect-TestMock -Response @(@{ Command = 'echo steer' }, @{ Text = 'steered' })
        $c = New-CodexConversation -WorkingDirectory $ws -ApprovalPolicy Untrusted -Sandbox WorkspaceWrite
        $events = Send-CodexTurn 'run something' -Conversation $c -ApprovalHandler {
            Send-CodexTurn 'Also mention the steering words.' -Conversation $c -Steer
            'Accept'
        }
        $events[-1].Status | Should -Be 'Completed'
        $mock.Requests.Count | Should -Be 2
        $mock.Requests[1].Body | Should -Match 'Also mention the steering words.'
        $mock.Requests[0].Body | Should -Not -Match 'Also mention the steering words.'
    }

    It 'refuses to steer a conversation with no running turn' {
        $mock = Connect-TestMock
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        Send-CodexTurn 'x' -Conversation $c -Steer -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexNoActiveTurn,*'
        $mock.Requests.Count | Should -Be 0
    }
}

Describe 'Invoke-Codex turn context' {
    It 'returns the parsed Output with a schema' {
        $mock = Connect-TestMock -Response @(@{ Text = '{"answer":7}' })
        $result = Invoke-Codex 'seven' -WorkingDirectory (New-TestDirectory) -OutputSchema $schema
        $result.Output.answer | Should -Be 7
        $result.FinalResponse | Should -Be '{"answer":7}'
    }
}

Describe 'Set-CodexConversation' {
    It 'changes the defaults the next turn runs with' {
        $mock = Connect-TestMock -Response @(@{ Text = 'one' }, @{ Text = 'two' })
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $other = New-TestDirectory 'codexps-set'
        $same = $c | Set-CodexConversation -Model 'gpt-6-luna' -Effort low -WorkingDirectory $other -Sandbox ReadOnly -ApprovalPolicy Never -PassThru
        $same.Id | Should -Be $c.Id
        $c.Model | Should -Be 'gpt-6-luna'
        $c.Sandbox | Should -Be 'ReadOnly'
        $c.ApprovalPolicy | Should -Be 'Never'
        $mock.Requests.Count | Should -Be 0
        $null = Send-CodexTurn 'go' -Conversation $c
        $request = Get-RequestJson $mock 0
        $request.model | Should -Be 'gpt-6-luna'
        $request.reasoning.effort | Should -Be 'low'
        $mock.Requests[0].Body | Should -Match ([regex]::Escape("<cwd>$other</cwd>"))
        $mock.Requests[0].Body | Should -Match 'sandbox_mode` is `read-only`'
    }

    It 'changes nothing with -WhatIf' {
        $mock = Connect-TestMock
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $before = $c.Model
        Set-CodexConversation -Conversation $c -Model 'gpt-6-luna' -WhatIf
        $c.Model | Should -Be $before
    }

    It 'refuses a folder that does not exist' {
        $mock = Connect-TestMock
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $missing = Join-Path (New-TestDirectory) 'nope'
        Set-CodexConversation -Conversation $c -WorkingDirectory $missing -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexWorkingDirectoryNotFound,*'
        $errs[0].TargetObject | Should -Be $missing
    }

    It 'refuses an unknown conversation id' {
        $null = Connect-TestMock
        Set-CodexConversation -ConversationId 'no-such-thread' -Model 'gpt-6-luna' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound,*'
    }
}
