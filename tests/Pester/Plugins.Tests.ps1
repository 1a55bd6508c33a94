param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $secret = 'sk-ABCdef1234567890XYZ'
    $engineAssembly = [CodexPS.Engine.Plugins.ICodexPlugin].Assembly.Location
    # A plugin of the user's own, compiled by Add-Type: it counts events, can be told to throw, and notes its cleanup.
    Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies $engineAssembly, System.Collections, System.Runtime, System.Threading -TypeDefinition @'
using System.Collections.Generic;
using CodexPS.Engine.Plugins;
using CodexPS.Engine.Protocol;

public sealed class PesterCountingPlugin : ICodexPlugin
{
    public static readonly List<string> Cleaned = new List<string>();
    private readonly string _name;
    public PesterCountingPlugin() : this("Counter") { }
    public PesterCountingPlugin(string name) { _name = name; }
    public string Name { get { return _name; } }
    public bool Throw { get; set; }
    public CodexPluginContext Context { get; private set; }
    public List<CodexEvent> Seen = new List<CodexEvent>();
    public void Initialize(CodexPluginContext context) { Context = context; }
    public CodexEvent OnEvent(CodexEvent evt)
    {
        if (Throw) { throw new System.InvalidOperationException("counter exploded on " + evt.Kind); }
        lock (Seen) { Seen.Add(evt); }
        return evt;
    }
    public void Cleanup() { lock (Cleaned) { Cleaned.Add(_name); } }
}

public sealed class PesterFailingInitPlugin : ICodexPlugin
{
    public string Name { get { return "FailingInit"; } }
    public void Initialize(CodexPluginContext context) { throw new System.InvalidOperationException("no setup today"); }
    public CodexEvent OnEvent(CodexEvent evt) { return evt; }
    public void Cleanup() { }
}
'@
}

AfterAll {
    Get-CodexPlugin | Unregister-CodexPlugin -Confirm:$false
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Register-CodexPlugin -Redact' {
    BeforeAll {
        $answer = "Your key is $secret, keep it safe."
        $null = Connect-TestMock -Response @(
            @{ Text = $answer; Deltas = 9 }
            @{ Text = $answer; Deltas = 4 }
            @{ Command = "printf 'token sk-%s%s done' ABCdef 1234567890XYZ" }
            @{ Text = 'ran it' }
        )
        $ws = New-TestDirectory
        $redactor = Register-CodexPlugin -Redact 'sk-[A-Za-z0-9]+' -Mask '[REDACTED]'
        $recordingPath = Join-Path (New-TestDirectory 'codexps-rec') 'redacted.jsonl'
        $c = New-CodexConversation -WorkingDirectory $ws -RecordTo $recordingPath -Sandbox WorkspaceWrite -ApprovalPolicy Never
        $streamed = $c | Send-CodexTurn 'What is my key?' -IncludeDelta
        $quiet = $c | Send-CodexTurn 'Again, without deltas'
        $commandTurn = $c | Send-CodexTurn 'Print the token' -IncludeDelta
        $null = $c | Stop-CodexRecording
        $recorded = Get-Content -Raw $recordingPath
    }

    AfterAll {
        Unregister-CodexPlugin -Name $redactor.Name -Confirm:$false
    }

    It 'registers the shipped redactor under the name Redactor' {
        $redactor.Name | Should -Be 'Redactor'
        $redactor.PluginType | Should -Be 'CodexPS.Engine.Plugins.RedactorPlugin'
        $redactor.RunsOnPipelineThread | Should -BeFalse
    }

    It 'masks a secret the model answers with in every event written, deltas included' {
        $streamed[-1].Status | Should -Be 'Completed'
        $message = ($streamed | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item
        $message.Text | Should -BeExactly 'Your key is [REDACTED], keep it safe.'
        # The secret was split over several pieces of the stream; joined, they spell the masked answer.
        $deltas = @($streamed | Where-Object Kind -EQ 'AgentMessageDelta')
        $deltas.Count | Should -BeGreaterThan 1
        -join $deltas.Delta | Should -BeExactly 'Your key is [REDACTED], keep it safe.'
        foreach ($evt in $streamed + $quiet) {
            $evt.Raw | Should -Not -Match 'ABCdef1234567890' -Because "$($evt.Kind) $($evt.Method)"
            ($evt | Out-String) | Should -Not -Match 'ABCdef1234567890'
        }
        ($quiet | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -BeExactly 'Your key is [REDACTED], keep it safe.'
    }

    It 'writes no deltas the command did not ask for' {
        $quiet.Kind | Should -Not -Contain 'AgentMessageDelta'
        $quiet[-1].Status | Should -Be 'Completed'
    }

    It 'masks command output' {
        $command = ($commandTurn | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'CommandExecution' }).Item
        $command.ExitCode | Should -Be 0
        $command.Output | Should -Match 'token \[REDACTED\] done'
        foreach ($evt in $commandTurn) { $evt.Raw | Should -Not -Match 'ABCdef1234567890' }
    }

    It 'masks the recording too: deltas (also those not written), messages and command output' {
        $recorded | Should -Not -Match 'ABCdef1234567890'
        $recorded | Should -Match '\[REDACTED\]'
        $lines = Get-Content $recordingPath | ConvertFrom-Json
        $recordedDeltas = $lines | Where-Object method -EQ 'item/agentMessage/delta'
        # Both text turns' deltas are in the recording (the second turn wrote none), masked.
        foreach ($turnId in $streamed[-1].TurnId, $quiet[-1].TurnId) {
            $turnDeltas = @($recordedDeltas | Where-Object { $_.params.turnId -eq $turnId })
            $turnDeltas.Count | Should -BeGreaterThan 1
            -join $turnDeltas.params.delta | Should -BeExactly 'Your key is [REDACTED], keep it safe.'
        }
        ($lines | Where-Object method -EQ 'item/completed').params.item.text | Where-Object { $_ } | ForEach-Object { $_ | Should -Not -Match 'ABCdef' }
    }

    It 'refuses an invalid pattern with CodexPluginPatternInvalid' {
        Register-CodexPlugin -Redact 'sk-[' -Name BadPattern -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexPluginPatternInvalid,CodexPS.Commands.RegisterCodexPluginCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be 'sk-['
        Get-CodexPlugin | Where-Object Name -EQ 'BadPattern' | Should -BeNullOrEmpty
    }
}

Describe 'Register-CodexPlugin -AuditLogPath' {
    BeforeAll {
        $null = Connect-TestMock -Response @(@{ Text = 'Audited answer'; Deltas = 3 })
        $log = Join-Path (New-TestDirectory 'codexps-audit') 'audit/log.jsonl'
        $audit = Register-CodexPlugin -AuditLogPath $log
        $c = New-CodexConversation -WorkingDirectory (New-TestDirectory)
        $events = $c | Send-CodexTurn 'Audit me' -IncludeDelta
        Unregister-CodexPlugin AuditLog -Confirm:$false
    }

    It 'appends one JSON line per event of the turn, in the order of the events' {
        $audit.Name | Should -Be 'AuditLog'
        $events[-1].Status | Should -Be 'Completed'
        $lines = @(Get-Content $log | ConvertFrom-Json | Where-Object turn -EQ $events[-1].TurnId)
        $lines.Count | Should -Be $events.Count
        for ($i = 0; $i -lt $events.Count; $i++) {
            $lines[$i].kind | Should -Be ([string]$events[$i].Kind)
            $lines[$i].method | Should -Be $events[$i].Method
            $lines[$i].conversation | Should -Be $c.Id
            $lines[$i].summary | Should -Be $events[$i].Summary
            # ConvertFrom-Json reads the ISO time as a DateTime.
            ([datetime]$lines[$i].time).ToUniversalTime() | Should -Be $events[$i].Timestamp.UtcDateTime
        }

        ($lines | Where-Object kind -EQ 'AgentMessageDelta').Count | Should -Be 3
        $lines[-1].kind | Should -Be 'TurnCompleted'
    }

    It 'stops writing once unregistered (the file is closed)' {
        $before = (Get-Content $log).Count
        $null = Connect-TestMock -Response @(@{ Text = 'not audited' })
        $null = New-CodexConversation -WorkingDirectory (New-TestDirectory) | Send-CodexTurn 'again'
        (Get-Content $log).Count | Should -Be $before
        { Remove-Item $log -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'Script-block plugins' {
    BeforeAll {
        $null = Connect-TestMock -Response @(@{ Text = 'first answer' }, @{ Text = 'second answer' }, @{ Text = 'third answer' })
        $ws = New-TestDirectory
    }

    AfterEach {
        # A failed test leaves no plugin behind for the next one.
        Get-CodexPlugin | Unregister-CodexPlugin -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
    }

    It 'initializes with the context, sees every event in registration order, and is cleaned up on Unregister' {
        $calls = [System.Collections.Generic.List[string]]::new()
        $contexts = [System.Collections.Generic.List[object]]::new()
        $a = Register-CodexPlugin -Name A -OnInitialize { $contexts.Add($_) } -OnEvent { $calls.Add("A:$($_.Kind)") } -OnCleanup { $calls.Add('A:cleanup') }
        $b = Register-CodexPlugin -Name B -OnEvent { $calls.Add("B:$($_.Kind)") } -OnCleanup { $calls.Add('B:cleanup') }
        $a.Order | Should -Be 1
        $b.Order | Should -Be 2
        $b.RunsOnPipelineThread | Should -BeTrue
        $b.PluginType | Should -Be 'ScriptBlock'
        $contexts.Count | Should -Be 1
        $contexts[0].PluginName | Should -Be 'A'
        $contexts[0].RuntimeName | Should -Be 'default'
        $contexts[0].RuntimeVersion | Should -Be (Get-Content -Raw (Join-Path $PSScriptRoot '../../native/package.json') | ConvertFrom-Json).dependencies.'@openai/codex'
        $contexts[0].SessionId | Should -Be (Get-CodexStatus).SessionId
        $contexts[0].Client.ProcessId | Should -Be (Get-CodexStatus).ProcessId

        $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'hello'
        $expected = foreach ($evt in $events) { "A:$($evt.Kind)"; "B:$($evt.Kind)" }
        @($calls) | Should -Be @($expected)

        Get-CodexPlugin A, B | Unregister-CodexPlugin -Confirm:$false
        $calls[-2..-1] | Should -Be @('A:cleanup', 'B:cleanup')
        Get-CodexPlugin | Where-Object Name -In 'A', 'B' | Should -BeNullOrEmpty
    }

    It 'replaces what is written with the CodexEvent OnEvent returns' {
        $null = Register-CodexPlugin -Name Upper -OnEvent {
            if ($_.Kind -eq 'ItemCompleted') { $_.MapText([Func[string, string]] { param($text) $text.ToUpperInvariant() }) }
        }
        try {
            $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'shout'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -BeExactly 'SECOND ANSWER'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Type | Should -Be 'AgentMessage'
        }
        finally {
            Unregister-CodexPlugin Upper -Confirm:$false
        }
    }

    It 'reports a plugin that throws as a warning naming it and the error; the turn still completes' {
        $null = Register-CodexPlugin -Name Exploding -OnEvent { if ($_.Kind -eq 'TurnStarted') { throw 'plugin boom' } }
        try {
            $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'go' -WarningVariable warnings -WarningAction SilentlyContinue
            $events[-1].Kind | Should -Be 'TurnCompleted'
            $events[-1].Status | Should -Be 'Completed'
            $events.Kind | Should -Contain 'TurnStarted'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'third answer'
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -Match "Plugin 'Exploding' failed on a TurnStarted event"
            "$($warnings[0])" | Should -Match 'plugin boom'
            (Get-CodexPlugin Exploding).FailureCount | Should -Be 1
        }
        finally {
            Unregister-CodexPlugin Exploding -Confirm:$false
        }
    }
}

Describe 'C# plugins' {
    BeforeAll {
        $null = Connect-TestMock -Response @(@{ Text = 'counted'; Deltas = 2 }, @{ Text = 'still answered' }, @{ Text = 'class answer' })
        $ws = New-TestDirectory
    }

    It 'registers a [Type] and an instance, calls them for every event in registration order' {
        $byType = Register-CodexPlugin ([PesterCountingPlugin])
        $instance = [PesterCountingPlugin]::new('Second')
        $byInstance = $instance | Register-CodexPlugin
        $byType.Name | Should -Be 'Counter'
        $byInstance.Name | Should -Be 'Second'
        (Get-CodexPlugin).Name | Should -Be @('Counter', 'Second')
        $instance.Context.RuntimeName | Should -Be 'default'

        $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'count' -IncludeDelta
        $turnEvents = @($instance.Seen | Where-Object TurnId -EQ $events[-1].TurnId)
        $turnEvents.Count | Should -Be $events.Count
        for ($i = 0; $i -lt $events.Count; $i++) { $turnEvents[$i] | Should -Be $events[$i] }
        $counter = (Get-CodexPlugin Counter).Plugin
        @($counter.Seen | Where-Object TurnId -EQ $events[-1].TurnId).Count | Should -Be $events.Count
    }

    It 'reports a C# plugin that throws as a warning of the command running the turn; the turn completes' {
        (Get-CodexPlugin Counter).Plugin.Throw = $true
        try {
            $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'again' -WarningVariable warnings -WarningAction SilentlyContinue
            $events[-1].Status | Should -Be 'Completed'
            ($events | Where-Object { $_.Kind -eq 'ItemCompleted' -and $_.Item.Type -eq 'AgentMessage' }).Item.Text | Should -Be 'still answered'
            $text = $warnings -join "`n"
            $text | Should -Match "Plugin 'Counter' failed on a TurnStarted event"
            $text | Should -Match 'counter exploded on TurnStarted'
            # The plugin after it still saw every event.
            (Get-CodexPlugin Second).Plugin.Seen.TurnId | Should -Contain $events[-1].TurnId
        }
        finally {
            (Get-CodexPlugin Counter).Plugin.Throw = $false
        }
    }

    It 'calls a plugin written as a PowerShell class on the pipeline thread (its runspace)' {
        # Defined at run time: the interface is known only once the module is loaded.
        . ([scriptblock]::Create(@'
class PesterPowerShellPlugin : CodexPS.Engine.Plugins.ICodexPlugin {
    [string] $Name = 'PsClass'
    [System.Collections.Generic.List[string]] $Kinds = [System.Collections.Generic.List[string]]::new()
    [int] $Thread
    [void] Initialize([CodexPS.Engine.Plugins.CodexPluginContext] $context) { }
    [CodexPS.Engine.Protocol.CodexEvent] OnEvent([CodexPS.Engine.Protocol.CodexEvent] $evt) {
        $this.Kinds.Add([string]$evt.Kind)
        $this.Thread = [Environment]::CurrentManagedThreadId
        return $evt
    }
    [void] Cleanup() { }
}
'@))
        $plugin = [PesterPowerShellPlugin]::new()
        $registration = Register-CodexPlugin $plugin
        try {
            $registration.RunsOnPipelineThread | Should -BeTrue
            $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'class plugin'
            $events[-1].Status | Should -Be 'Completed'
            @($plugin.Kinds) | Should -Be @([string[]]$events.Kind)
            $plugin.Thread | Should -Be ([Environment]::CurrentManagedThreadId)
        }
        finally {
            Unregister-CodexPlugin PsClass -Confirm:$false
        }
    }

    It 'refuses a type or object that is not a plugin with CodexPluginTypeInvalid' {
        Register-CodexPlugin ([string]) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexPluginTypeInvalid,CodexPS.Commands.RegisterCodexPluginCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidType'
        $err[0].TargetObject | Should -Be ([string])
        Register-CodexPlugin 42 -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'CodexPluginTypeInvalid,CodexPS.Commands.RegisterCodexPluginCommand'
        $err2[0].TargetObject | Should -Be 42
    }

    It 'refuses a duplicate name with CodexPluginAlreadyRegistered' {
        Register-CodexPlugin ([PesterCountingPlugin]) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexPluginAlreadyRegistered,CodexPS.Commands.RegisterCodexPluginCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject | Should -Be 'Counter'
        Register-CodexPlugin -Name counter -OnEvent { } -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'CodexPluginAlreadyRegistered,CodexPS.Commands.RegisterCodexPluginCommand'
        (Get-CodexPlugin).Count | Should -Be 2
    }

    It 'refuses a plugin whose Initialize fails with CodexPluginInitializeFailed, leaving it unregistered' {
        Register-CodexPlugin ([PesterFailingInitPlugin]) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexPluginInitializeFailed,CodexPS.Commands.RegisterCodexPluginCommand'
        $err[0].Exception.Message | Should -Match 'no setup today'
        Get-CodexPlugin | Where-Object Name -EQ 'FailingInit' | Should -BeNullOrEmpty
    }

    It 'reports unknown names with CodexPluginNotFound' {
        Unregister-CodexPlugin -Name NoSuchPlugin -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CodexPluginNotFound,CodexPS.Commands.UnregisterCodexPluginCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'NoSuchPlugin'
        Get-CodexPlugin NoSuchPlugin -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'CodexPluginNotFound,CodexPS.Commands.GetCodexPluginCommand'
        Get-CodexPlugin 'NoSuch*' -ErrorVariable err3 | Should -BeNullOrEmpty
        $err3.Count | Should -Be 0
    }

    It 'keeps a plugin with -WhatIf and removes it through the pipeline' {
        Get-CodexPlugin Second | Unregister-CodexPlugin -WhatIf
        (Get-CodexPlugin Second).Name | Should -Be 'Second'
        [PesterCountingPlugin]::Cleaned | Should -Not -Contain 'Second'
        Get-CodexPlugin Second | Unregister-CodexPlugin -Confirm:$false
        Get-CodexPlugin | Where-Object Name -EQ 'Second' | Should -BeNullOrEmpty
        [PesterCountingPlugin]::Cleaned | Should -Contain 'Second'
    }

    It 'cleans up the plugins of a runtime on Disconnect-Codex' {
        [PesterCountingPlugin]::Cleaned | Should -Not -Contain 'Counter'
        $cleaned = [System.Collections.Generic.List[string]]::new()
        $null = Register-CodexPlugin -Name Scripted -OnEvent { } -OnCleanup { $cleaned.Add('Scripted') }
        Disconnect-Codex
        [PesterCountingPlugin]::Cleaned | Should -Contain 'Counter'
        @($cleaned) | Should -Be @('Scripted')
        Get-CodexPlugin | Should -BeNullOrEmpty
    }

    It 'keeps plugins registered across a reconnect of the same runtime' {
        $null = Connect-TestMock -Response @(@{ Text = 'before' })
        $null = Register-CodexPlugin -Name Survivor -OnEvent { }
        $mock = Connect-TestMock -Response @(@{ Text = 'after' })
        (Get-CodexPlugin Survivor).Name | Should -Be 'Survivor'
        $events = New-CodexConversation -WorkingDirectory $ws | Send-CodexTurn 'after reconnect'
        $events[-1].Status | Should -Be 'Completed'
        (Get-CodexPlugin Survivor).Plugin.Context.SessionId | Should -Be (Get-CodexStatus).SessionId
        Unregister-CodexPlugin Survivor -Confirm:$false
    }
}

Describe 'Module removal' {
    It 'cleans up the plugins when the module is removed' {
        $pwsh = Get-PwshCommand
        $dir = New-TestDirectory 'codexps-plugin-child'
        $marker = Join-Path $dir 'cleaned.txt'
        $child = @"
Import-Module '$((Get-Module CodexPS).Path)'
`$mock = Start-CodexMockProvider -Response @(@{ Text = 'x' })
Connect-Codex -MockProvider `$mock -CodexHome '$dir/home' | Out-Null
Register-CodexPlugin -Name Child -OnEvent { } -OnCleanup { Set-Content -Path '$marker' -Value 'script' } | Out-Null
Register-CodexPlugin -AuditLogPath '$dir/audit.jsonl' | Out-Null
Remove-Module CodexPS
'removed'
"@
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $child 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Should -Contain 'removed'
        Get-Content $marker | Should -Be 'script'
        # The audit log was closed: it can be deleted.
        { Remove-Item (Join-Path $dir 'audit.jsonl') -ErrorAction Stop } | Should -Not -Throw
    }
}
