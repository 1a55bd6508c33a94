param([string] $ModulePath)

# Every type the cmdlets write has a view that fits an 80-column console, is named in about_CodexPS, and
# shows untrusted text (the model's answer, commands) without letting it drive the terminal.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-CodexOutputType {
        # The public types the module writes: what its cmdlets declare with [OutputType], and every event and
        # item class (a turn's events carry any of them), found by reflection so a new one cannot be missed.
        $module = [CodexPS.CodexStatus].Assembly
        $engine = [CodexPS.Engine.Protocol.CodexEvent].Assembly
        $declared = (Get-Command -Module CodexPS -CommandType Cmdlet).OutputType.Type |
            Where-Object { $_ -and ($_.Assembly -eq $module -or $_.Assembly -eq $engine) }
        $derived = @($module.GetExportedTypes(); $engine.GetExportedTypes()) | Where-Object {
            -not $_.IsAbstract -and ($_.IsSubclassOf([CodexPS.Engine.Protocol.CodexEvent]) -or $_.IsSubclassOf([CodexPS.Engine.Protocol.CodexItem]))
        }
        @($declared; $derived; [CodexPS.Engine.Protocol.CodexEvent]; [CodexPS.Engine.Protocol.CodexItem]) |
            Where-Object { $_.IsPublic -and -not $_.IsAbstract } | Sort-Object FullName -Unique
    }

    $outputTypes = @(Get-CodexOutputType | ForEach-Object { @{ Name = $_.FullName; Type = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-ViewFor([type] $Type) {
        # PowerShell picks a view by the object's type names, most derived first: the type, then its bases.
        for ($t = $Type; $t -and $t -ne [object]; $t = $t.BaseType) {
            $data = Get-FormatData -TypeName $t.FullName
            if ($data) { return $data }
        }
    }

    function Assert-SafeText([string] $Text, [string] $What) {
        # No escape or other control character but the line break reaches the console, and no line is wider than 80.
        $plain = $Text -replace "`r`n", "`n"
        $lines = $plain -split "`n"
        $bad = [regex]::Matches($plain, '[\x00-\x09\x0B-\x1F\x7F\x80-\x9F]')
        $bad.Count | Should -Be 0 -Because "$What must not carry control characters (found $(($bad | ForEach-Object { '0x{0:X2}' -f [int][char]$_.Value } | Select-Object -Unique) -join ', '))"
        $wide = @($lines | Where-Object { $_.Length -gt 80 })
        $wide.Count | Should -Be 0 -Because "$What must fit 80 columns (first too wide: '$($wide | Select-Object -First 1)')"
    }
}

Describe 'A view for <Name>' -ForEach $outputTypes {
    It 'has a view in Get-FormatData' {
        Get-ViewFor $Type | Should -Not -BeNullOrEmpty -Because "$Name is written by a cmdlet and needs a view in CodexPS.Format.ps1xml"
    }

    It 'is named in the Types section of about_CodexPS' {
        $about = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/en-US/about_CodexPS.md')
        $types = ($about -split '(?m)^#{2,3} ') | Where-Object { $_ -clike 'TYPES*' }
        $types | Should -Not -BeNullOrEmpty -Because 'about_CodexPS.md needs a Types section'
        $types | Should -Match ([regex]::Escape("``$Name``"))
    }
}

Describe 'The tables fit 80 columns' {
    It 'gives every table at most 79 columns of fixed widths and separators, the last column flexible' {
        [xml] $formats = Get-Content -Raw (Join-Path (Split-Path (Get-Module CodexPS).Path) 'CodexPS.Format.ps1xml')
        foreach ($view in $formats.Configuration.ViewDefinitions.View | Where-Object { $_.TableControl }) {
            $headers = @($view.TableControl.TableHeaders.TableColumnHeader)
            $fixed = @($headers | Select-Object -SkipLast 1)
            $fixed | ForEach-Object { $_.Width | Should -Not -BeNullOrEmpty -Because "$($view.Name): only the last column may be flexible" }
            $used = ($fixed | ForEach-Object { [int] $_.Width } | Measure-Object -Sum).Sum + $fixed.Count
            $used | Should -BeLessOrEqual 70 -Because "$($view.Name) must leave the last column room in 80 columns"
        }
    }
}

Describe 'Objects of a real turn, rendered at 80 columns' {
    BeforeAll {
        $e = [char]27
        # What a hostile or confused model might answer: colours, a window title (OSC), carriage return and
        # backspace tricks, a line of 10,000 characters, and a command that tries to erase the line it is on.
        $script:answer = "Hi ${e}[31mRED${e}[0m ${e}]0;pwned title$([char]7) over`rwritten back`bspaced " + ('x' * 10000) + "`nsecond line"
        $script:command = "echo ${e}[2K${e}[1Ghidden"
        $mock = Connect-TestMock -Response @(
            @{ Command = $script:command }
            @{ Text = $script:answer; Deltas = 3 }
            @{ Text = $script:answer }
            @{ Text = $script:answer }
        )
        $dir = New-TestDirectory
        $script:conversation = New-CodexConversation -WorkingDirectory $dir -ApprovalPolicy Untrusted -Sandbox ReadOnly
        $script:events = @(Send-CodexTurn 'Say something' -Conversation $script:conversation -IncludeDelta -ApprovalHandler { 'Decline' })
        $script:result = Send-CodexTurn 'Again' -Conversation $script:conversation | Where-Object Kind -EQ 'TurnCompleted'
        $script:invoke = Invoke-Codex 'Once more' -WorkingDirectory $dir
        $script:mock = $mock
    }

    AfterAll {
        Disconnect-Codex
        $script:mock | Stop-CodexMockProvider
    }

    It 'keeps the raw values untouched' {
        $message = $script:events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }
        $message.Item.Text | Should -BeExactly $script:answer
        $script:invoke.FinalResponse | Should -BeExactly $script:answer
        ($script:events | Where-Object Kind -EQ 'ApprovalRequested').Request.Command | Should -Match ([regex]::Escape($script:command))
    }

    It 'shows events as a table whose Summary carries the message and the command, made safe' {
        $text = $script:events | Out-String -Width 80
        Assert-SafeText $text 'the events table'
        $text | Should -Match 'Time\s+Kind\s+Summary'
        $text | Should -Match ('message: Hi ' + [regex]::Escape("$([char]0x241B)[31mRED$([char]0x241B)[0m"))
        $text | Should -Match ('command: .*echo ' + [regex]::Escape("$([char]0x241B)[2K$([char]0x241B)[1Ghidden"))
        $text | Should -Match 'AgentMessageDelta\s+Hi '
        $text | Should -Match 'ApprovalRequested'
    }

    It 'shows a turn result as a list, its answer kept to safe, cut lines' {
        $text = $script:invoke | Out-String -Width 80
        Assert-SafeText $text 'the turn result'
        $text | Should -Match 'FinalResponse\s+: Hi '
        $text | Should -Match "over$([char]0x240D)written back$([char]0x2408)spaced"
        $text | Should -Match 'second line'
        $text.Length | Should -BeLessThan 4000 -Because 'the 10,000-character line is cut for display'
        $text | Should -Match 'RuntimeName\s+: \S+'
        $text | Should -Match 'Input\s+: \[0\] Once more'
    }

    It 'shows <Name> safely' -ForEach @(
        @{ Name = 'the items of the history'; Script = { Get-CodexItem -ConversationId $script:conversation.Id }; Expect = 'AgentMessage\s+Hi ' }
        @{ Name = 'the items of a result'; Script = { $script:invoke.Items }; Expect = 'AgentMessage\s+Hi ' }
        @{ Name = 'the saved conversations'; Script = { Get-CodexConversation }; Expect = 'Say something|Once more' }
        @{ Name = 'the turns'; Script = { Get-CodexTurn -ConversationId $script:conversation.Id }; Expect = 'Completed' }
        @{ Name = 'the live conversation'; Script = { $script:conversation }; Expect = 'Turns' }
        @{ Name = 'the approval requests'; Script = { ($script:events | Where-Object Kind -EQ 'ApprovalRequested').Request }; Expect = 'CommandExecution\s+Decline' }
        @{ Name = 'the status'; Script = { Get-CodexStatus }; Expect = 'RuntimeState\s+: Running' }
        @{ Name = 'the models'; Script = { Get-CodexModel }; Expect = 'Model\s+Default\s+Effort' }
        @{ Name = 'the mock endpoint'; Script = { $script:mock }; Expect = 'BaseUrl' }
        @{ Name = 'the completed event'; Script = { $script:result }; Expect = 'TurnCompleted\s+Completed' }
    ) {
        $objects = @(& $Script)
        $objects | Should -Not -BeNullOrEmpty
        $text = $objects | Out-String -Width 80
        Assert-SafeText $text $Name
        $text | Should -Match $Expect
    }
}
