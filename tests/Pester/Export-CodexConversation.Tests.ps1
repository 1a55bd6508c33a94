param([string] $ModulePath)

# Conversations that travel: exported from one CODEX_HOME, resumed in another by a fresh runtime, with the whole
# history reaching the model (seen in the mock's recorded requests).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    function Get-ZipEntry {
        param([string] $Path)
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try { @($zip.Entries.FullName) } finally { $zip.Dispose() }
    }

    function Read-ZipText {
        param([string] $Path, [string] $Entry)
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry($Entry).Open())
            try { $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
    }

    function Get-Rollout {
        param([string] $CodexHome)
        @(Get-ChildItem -LiteralPath (Join-Path $CodexHome 'sessions') -Recurse -Filter 'rollout-*.jsonl' -ErrorAction SilentlyContinue)
    }

    # Home A: two turns, recorded; the conversation is exported as it stands.
    $script:dir = New-TestDirectory 'codexps-travel'
    $script:homeA = Join-Path $dir 'homeA'
    $script:mockA = Start-CodexMockProvider -Response @(
        @{ Text = 'Noted: the secret word is PELICAN-42.' }
        @{ Text = 'Noted: the number is 7.' }
    )
    Connect-Codex -MockProvider $mockA -CodexHome $homeA
    $script:original = New-CodexConversation -WorkingDirectory $dir -RecordTo (Join-Path $dir 'session.jsonl')
    $original | Send-CodexTurn 'The secret word is PELICAN-42.' | Out-Null
    $original | Send-CodexTurn 'And the number is 7.' | Out-Null
    $script:bundle = $original | Export-CodexConversation -Path (Join-Path $dir 'conversation.zip')
    $script:rolloutA = $original.Path
    $null = $original | Stop-CodexRecording
    $script:runtimeVersion = (Get-Content -LiteralPath $rolloutA -TotalCount 1 | ConvertFrom-Json).payload.cli_version
    Disconnect-Codex
}

AfterAll {
    Disconnect-Codex -All
    Stop-CodexMockProvider
}

Describe 'Export-CodexConversation' {
    It 'writes a zip with the rollout, the recording and a manifest' {
        $bundle | Should -BeOfType CodexPS.Engine.Persistence.CodexConversationBundle
        $bundle.Path | Should -Be (Join-Path $dir 'conversation.zip')
        $bundle.ConversationId | Should -Be $original.Id
        $entries = Get-ZipEntry $bundle.Path
        $entries | Should -Contain 'manifest.json'
        $entries | Should -Contain ('rollout/' + (Split-Path -Leaf $rolloutA))
        $entries | Should -Contain 'recordings/session.jsonl'
        (Read-ZipText $bundle.Path ('rollout/' + (Split-Path -Leaf $rolloutA))) | Should -Be (Get-Content -Raw -LiteralPath $rolloutA)
    }

    It 'states ids, runtime and module versions and when it was made in manifest.json' {
        $manifest = Read-ZipText $bundle.Path 'manifest.json' | ConvertFrom-Json
        $manifest.schema | Should -Be 'codexps.conversation-bundle/1'
        $manifest.conversationId | Should -Be $original.Id
        $manifest.rollout | Should -Be ('rollout/' + (Split-Path -Leaf $rolloutA))
        $manifest.recordings | Should -Be @('recordings/session.jsonl')
        $manifest.runtimeVersion | Should -Be $runtimeVersion
        $manifest.moduleVersion | Should -Be (Get-Module CodexPS).Version.ToString(3)
        ([datetimeoffset]$manifest.created - [datetimeoffset]::UtcNow).Duration().TotalMinutes | Should -BeLessThan 30
        $manifest.workingDirectory | Should -Be $dir
        $manifest.modelProvider | Should -Be 'codexps_mock'
    }

    It 'refuses to overwrite an existing file without -Force, and replaces it with -Force' {
        $target = Join-Path $dir 'twice.zip'
        Set-Content -LiteralPath $target -Value 'not a zip'
        $out = Export-CodexConversation -RecordingPath (Join-Path $dir 'session.jsonl') -Path $target -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexExportPathExists,CodexPS.Commands.ExportCodexConversationCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject | Should -Be $target
        Get-Content -Raw -LiteralPath $target | Should -Match 'not a zip'
        $again = Export-CodexConversation -RecordingPath (Join-Path $dir 'session.jsonl') -Path $target -Force
        $again.ConversationId | Should -Be $original.Id
        Get-ZipEntry $target | Should -Contain 'manifest.json'
    }

    It 'with -WhatIf writes nothing' {
        $target = Join-Path $dir 'whatif.zip'
        Export-CodexConversation -RecordingPath (Join-Path $dir 'session.jsonl') -Path $target -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath $target | Should -BeFalse
    }

    It 'exports a saved conversation by id (thread/read gives its rollout)' {
        Connect-Codex -MockProvider $mockA -CodexHome $homeA
        $byId = Export-CodexConversation -Id $original.Id -Path (Join-Path $dir 'by-id.zip')
        $byId.ConversationId | Should -Be $original.Id
        $byId.RolloutEntry | Should -Be ('rollout/' + (Split-Path -Leaf $rolloutA))
        $byId.RecordingEntries.Count | Should -Be 0
        Disconnect-Codex
    }

    It 'reports an id the runtime does not know as CodexConversationNotFound' {
        Connect-Codex -MockProvider $mockA -CodexHome $homeA
        $unknown = '01999999-0000-7000-8000-000000000000'
        Export-CodexConversation -Id $unknown -Path (Join-Path $dir 'unknown.zip') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexConversationNotFound,CodexPS.Commands.ExportCodexConversationCommand'
        $err[0].TargetObject | Should -Be $unknown
        Test-Path -LiteralPath (Join-Path $dir 'unknown.zip') | Should -BeFalse
        Disconnect-Codex
    }

    It 'refuses an ephemeral conversation: it has no rollout' {
        Connect-Codex -MockProvider $mockA -CodexHome $homeA
        $ephemeral = New-CodexConversation -Ephemeral
        $ephemeral | Export-CodexConversation -Path (Join-Path $dir 'ephemeral.zip') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexRolloutNotFound,CodexPS.Commands.ExportCodexConversationCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Disconnect-Codex
    }
}

Describe 'Resume-CodexConversation in another CODEX_HOME' {
    It 'resumes a bundle in home B in a fresh runtime, and the model receives the full history' {
        $homeB = Join-Path $dir 'homeB'
        $mockB = Start-CodexMockProvider -Response @(@{ Text = 'PELICAN-42 and 7.' })
        Connect-Codex -MockProvider $mockB -CodexHome $homeB
        Resume-CodexConversation -Id $original.Id -ErrorAction SilentlyContinue -ErrorVariable before | Should -BeNullOrEmpty
        $before[0].FullyQualifiedErrorId | Should -BeLike 'CodexConversationNotFound,*' -Because 'home B does not know the thread before the import'

        $resumed = Resume-CodexConversation -Path $bundle.Path
        $resumed | Should -BeOfType CodexPS.Engine.Conversations.CodexConversation
        $resumed.Id | Should -Be $original.Id
        $resumed.Path | Should -BeLike (Join-Path $homeB 'sessions*')
        (Get-CodexConversation).Id | Should -Contain $original.Id
        $last = $resumed | Send-CodexTurn 'What were the word and the number?' | Select-Object -Last 1
        $last.Status | Should -Be 'Completed'

        @($mockB.Requests | Where-Object Method -EQ 'POST').Count | Should -Be 1
        $body = ($mockB.Requests | Where-Object Method -EQ 'POST')[0].Body | ConvertFrom-Json
        $texts = @(foreach ($item in $body.input) {
            foreach ($part in @($item.content)) {
                if ($part.text) { [pscustomobject]@{ Role = $item.role; Text = $part.text } }
            }
        })
        $user = @($texts | Where-Object Role -EQ 'user' | ForEach-Object Text)
        $assistant = @($texts | Where-Object Role -EQ 'assistant' | ForEach-Object Text)
        $user | Should -Contain 'The secret word is PELICAN-42.'
        $user | Should -Contain 'And the number is 7.'
        $user | Should -Contain 'What were the word and the number?'
        $assistant | Should -Contain 'Noted: the secret word is PELICAN-42.'
        $assistant | Should -Contain 'Noted: the number is 7.'
        $order = @($texts.Text | Where-Object { $_ -in 'The secret word is PELICAN-42.', 'Noted: the secret word is PELICAN-42.', 'And the number is 7.', 'Noted: the number is 7.', 'What were the word and the number?' })
        $order | Should -Be @('The secret word is PELICAN-42.', 'Noted: the secret word is PELICAN-42.', 'And the number is 7.', 'Noted: the number is 7.', 'What were the word and the number?')
        Disconnect-Codex
    }

    It 'resumes the runtime''s rollout file from home A in home C (imported)' {
        $homeC = Join-Path $dir 'homeC'
        $mockC = Start-CodexMockProvider -Response @(@{ Text = 'Still 7.' })
        Connect-Codex -MockProvider $mockC -CodexHome $homeC
        $resumed = Get-Item -LiteralPath $rolloutA | Resume-CodexConversation
        $resumed.Id | Should -Be $original.Id
        (Get-Rollout $homeC).Name | Should -Be (Split-Path -Leaf $rolloutA)
        $resumed | Send-CodexTurn 'And the number?' | Out-Null
        $mockC.Requests[-1].Body | Should -Match 'PELICAN-42'
        Disconnect-Codex
    }

    It 'resumes a recording whose rollout is present in home D' {
        $homeD = Join-Path $dir 'homeD'
        $mockD = Start-CodexMockProvider -Response @(@{ Text = 'Yes.' })
        Connect-Codex -MockProvider $mockD -CodexHome $homeD
        $resumed = Resume-CodexConversation -Path (Join-Path $dir 'session.jsonl')
        $resumed.Id | Should -Be $original.Id
        $resumed | Send-CodexTurn 'Remember?' | Out-Null
        $mockD.Requests[-1].Body | Should -Match 'And the number is 7'
        Disconnect-Codex
    }

    It 'with -WhatIf imports nothing and resumes nothing' {
        $homeE = Join-Path $dir 'homeE'
        Connect-Codex -MockProvider $mockA -CodexHome $homeE
        Resume-CodexConversation -Path $bundle.Path -WhatIf | Should -BeNullOrEmpty
        Get-Rollout $homeE | Should -BeNullOrEmpty
        Disconnect-Codex
    }

    It 'still reports CodexConversationNotFound for a recording whose rollout is not here' {
        $homeF = Join-Path $dir 'homeF'
        $moved = Join-Path $dir 'moved.jsonl'
        (Get-Content -LiteralPath (Join-Path $dir 'session.jsonl')) -replace [regex]::Escape(($rolloutA | ConvertTo-Json).Trim('"')), '/nowhere/rollout.jsonl' | Set-Content -LiteralPath $moved
        Connect-Codex -MockProvider $mockA -CodexHome $homeF
        Resume-CodexConversation -Path $moved -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexConversationNotFound,CodexPS.Commands.ResumeCodexConversationCommand'
        $err[0].TargetObject | Should -Be $moved
        $err[0].Exception.Message | Should -Match 'brings no rollout'
        Disconnect-Codex
    }

    It 'refuses a zip that is not a conversation bundle (CodexBundleInvalid)' {
        $other = Join-Path $dir 'other.zip'
        $src = New-TestDirectory 'codexps-zipsrc'
        Set-Content -LiteralPath (Join-Path $src 'readme.txt') -Value 'hello'
        Compress-Archive -Path (Join-Path $src 'readme.txt') -DestinationPath $other
        Connect-Codex -MockProvider $mockA -CodexHome (Join-Path $dir 'homeG')
        Resume-CodexConversation -Path $other -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexBundleInvalid,CodexPS.Commands.ResumeCodexConversationCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $other
        Disconnect-Codex
    }
}
