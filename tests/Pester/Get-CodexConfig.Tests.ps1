param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-ConfigFileText {
        $file = Join-Path (Get-CodexStatus).CodexHome 'config.toml'
        if (Test-Path $file) { Get-Content -Raw $file } else { '' }
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexConfig' {
    BeforeAll {
        $null = Connect-TestMock
    }

    It 'returns the effective config as an object' {
        $config = Get-CodexConfig
        $config | Should -BeOfType ([pscustomobject])
        $config.PSObject.Properties.Name | Should -Contain 'model'
        $config.history.persistence | Should -Be 'save-all'
    }

    It 'returns the value at a dotted key' {
        Get-CodexConfig -Key history.persistence | Should -Be 'save-all'
        'history.persistence' | Get-CodexConfig | Should -Be 'save-all'
    }

    It 'reports a missing key as CodexConfigKeyNotFound' {
        $value = Get-CodexConfig -Key no.such.key -ErrorVariable err -ErrorAction SilentlyContinue
        $value | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigKeyNotFound,*'
        $err[0].TargetObject | Should -Be 'no.such.key'
    }

    It 'shows where values came from with -WithOrigin' {
        Set-CodexConfig -Key history.persistence -Value 'none'
        $entry = Get-CodexConfig -Key history.persistence -WithOrigin
        $entry | Should -BeOfType ([CodexPS.Engine.Config.CodexConfigEntry])
        $entry.Value | Should -Be 'none'
        $entry.Origin | Should -Be 'user'
        $entry.File | Should -Be (Join-Path (Get-CodexStatus).CodexHome 'config.toml')
        # The mock session passes its model as a -c flag.
        (Get-CodexConfig -Key model -WithOrigin).Origin | Should -Be 'sessionFlags'
        (Get-CodexConfig -WithOrigin).Key | Should -Contain 'history.persistence'
        (Get-CodexConfig -Key file_opener -WithOrigin).Origin | Should -Be 'Default'
        (Get-CodexConfig -Key history -WithOrigin).Key | Should -Be 'history.persistence'
    }

    It 'reads the project layer of a trusted folder with -WorkingDirectory' {
        $project = New-TestDirectory 'codexps-project'
        $null = New-Item -ItemType Directory (Join-Path $project '.codex')
        'model_reasoning_effort = "low"' | Set-Content (Join-Path $project '.codex/config.toml')
        # The runtime reads a project's config only once the project is trusted.
        (Get-CodexConfig -Key model_reasoning_effort -WithOrigin -WorkingDirectory $project).Origin | Should -Not -Be 'project'
        Set-CodexConfig -Key projects -Value @{ $project = @{ trust_level = 'trusted' } }
        $entry = Get-CodexConfig -Key model_reasoning_effort -WithOrigin -WorkingDirectory $project
        $entry.Value | Should -Be 'low'
        $entry.Origin | Should -Be 'project'
        Get-CodexConfig -Key model_reasoning_effort -WorkingDirectory $project | Should -Be 'low'
        # Elsewhere the project's value does not apply.
        (Get-CodexConfig -Key model_reasoning_effort -WithOrigin).Origin | Should -Not -Be 'project'
    }

    It 'ends with CodexWorkingDirectoryNotFound for a missing folder' {
        { Get-CodexConfig -WorkingDirectory (Join-Path (New-TestDirectory) 'missing') } | Should -Throw -ErrorId 'CodexWorkingDirectoryNotFound,CodexPS.Commands.GetCodexConfigCommand'
    }
}

Describe 'Set-CodexConfig' {
    BeforeEach {
        $null = Connect-TestMock
    }

    It 'writes one key to config.toml' {
        Set-CodexConfig -Key history.persistence -Value 'none'
        Get-ConfigFileText | Should -Match '(?m)^persistence = "none"'
        Get-CodexConfig -Key history.persistence | Should -Be 'none'
    }

    It 'writes a table and several keys at once' {
        Set-CodexConfig -Values @{ model = 'gpt-5.4'; 'history.persistence' = 'none'; tui = @{ animations = $false } }
        Get-ConfigFileText | Should -Match '(?m)^model = "gpt-5\.4"'
        Get-CodexConfig -Key history.persistence | Should -Be 'none'
        Get-CodexConfig -Key tui.animations | Should -BeFalse
    }

    It 'writes nothing with -WhatIf' {
        $before = Get-ConfigFileText
        Set-CodexConfig -Key model -Value 'gpt-5.5' -WhatIf
        Set-CodexConfig -Values @{ model = 'gpt-5.5' } -WhatIf
        Get-ConfigFileText | Should -BeExactly $before
    }

    It 'rejects a value of the wrong type with the runtime message and leaves the file unchanged' {
        Set-CodexConfig -Key model -Value 'gpt-5.5'
        $before = Get-ConfigFileText
        # A key the embedded schema describes is refused by CodexPS before the runtime is asked (Set-CodexConfig.Tests);
        # one it does not describe (history) reaches the runtime, which refuses it with its own message.
        Set-CodexConfig -Key model -Value 42 -ErrorVariable early -ErrorAction SilentlyContinue
        $early[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigValueInvalid,*'
        Set-CodexConfig -Key history.persistence -Value 42 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigWriteRejected,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception | Should -BeOfType ([CodexPS.Engine.CodexRpcException])
        $err[0].Exception.Message | Should -Match 'invalid type: .*\s*in `history\.persistence`'
        $err[0].TargetObject | Should -Be 'history.persistence'
        Get-ConfigFileText | Should -BeExactly $before
    }

    It 'writes none of a batch when one value is bad' {
        Set-CodexConfig -Key model -Value 'gpt-5.5'
        $before = Get-ConfigFileText
        # history is not in the embedded schema, so this bad value reaches the runtime, which refuses the whole batch.
        Set-CodexConfig -Values @{ model = 'gpt-5.4'; 'history.persistence' = 'bogus' } -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigWriteRejected,*'
        $err[0].Exception.Message | Should -Match 'unknown variant `bogus`'
        Get-ConfigFileText | Should -BeExactly $before
        Get-ConfigFileText | Should -Not -Match 'gpt-5\.4'
    }

    It 'rejects a key below a value that is not a table and leaves the file unchanged' {
        Set-CodexConfig -Key model -Value 'gpt-5.5'
        $before = Get-ConfigFileText
        Set-CodexConfig -Key model.sub -Value 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].Exception | Should -BeOfType ([CodexPS.Engine.CodexRpcException])
        Get-ConfigFileText | Should -BeExactly $before
    }
}
