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

Describe 'Set-CodexConfig checks values against the runtime''s config schema' {
    BeforeEach {
        $null = Connect-TestMock
    }

    It 'refuses a reasoning effort no model offers, and writes nothing' {
        Set-CodexConfig -Key model_reasoning_effort -Value 'not-an-effort' -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigValueInvalid,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be 'model_reasoning_effort'
        # The message lists what the runtime's models offer (model/list).
        $efforts = @(Get-CodexModel | ForEach-Object SupportedReasoningEfforts | Sort-Object -Unique)
        $efforts.Count | Should -BeGreaterThan 0
        foreach ($effort in $efforts) { $err[0].Exception.Message | Should -Match ([regex]::Escape($effort)) }
        Get-ConfigFileText | Should -Not -Match 'not-an-effort'
        Get-CodexConfig -Key model_reasoning_effort -ErrorAction SilentlyContinue | Should -Not -Be 'not-an-effort'
    }

    It 'refuses a value outside an enum and a value of the wrong type, naming what is allowed' {
        Set-CodexConfig -Key model_reasoning_summary -Value 'bogus' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigValueInvalid,*'
        $err[0].Exception.Message | Should -Match 'auto.*concise.*detailed'

        Set-CodexConfig -Key model_context_window -Value 'lots' -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigValueInvalid,*'
        $err2[0].Exception.Message | Should -Match 'whole number'

        Set-CodexConfig -Key sandbox_workspace_write.network_access -Value 'yes' -ErrorVariable err3 -ErrorAction SilentlyContinue
        $err3[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigValueInvalid,*'
        $err3[0].Exception.Message | Should -Match 'boolean'

        $text = Get-ConfigFileText
        $text | Should -Not -Match 'bogus'
        $text | Should -Not -Match 'lots'
        $text | Should -Not -Match 'network_access'
    }

    It 'writes none of -Values when one of them is invalid' {
        Set-CodexConfig -Values @{ model_verbosity = 'low'; model_reasoning_effort = 'not-an-effort' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be 'model_reasoning_effort'
        Get-ConfigFileText | Should -Not -Match 'model_verbosity'
    }

    It 'warns about a key the schema does not describe, and writes it' {
        # The schema describes part of config.toml only (it allows other keys), so an unknown key is a warning, not an error.
        Set-CodexConfig -Key codexps_test_unknown -Value 'kept' -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        ($warnings -join ' ') | Should -Match 'codexps_test_unknown.*not described'
        Get-ConfigFileText | Should -Match 'codexps_test_unknown = "kept"'
    }

    It 'still writes good values, without a warning' {
        Set-CodexConfig -Key model_reasoning_effort -Value 'high' -WarningVariable w1 -ErrorAction Stop
        Set-CodexConfig -Key model_context_window -Value 64000 -WarningVariable w2 -ErrorAction Stop
        Set-CodexConfig -Key sandbox_workspace_write -Value @{ network_access = $true } -WarningVariable w3 -ErrorAction Stop
        Set-CodexConfig -Key model_reasoning_summary -Value 'concise' -WarningVariable w4 -ErrorAction Stop
        @($w1) + @($w2) + @($w3) + @($w4) | Where-Object { $_ } | Should -BeNullOrEmpty
        Get-CodexConfig -Key model_reasoning_effort | Should -Be 'high'
        Get-CodexConfig -Key model_context_window | Should -Be 64000
        Get-CodexConfig -Key sandbox_workspace_write.network_access | Should -BeTrue
        Get-CodexConfig -Key model_reasoning_summary | Should -Be 'concise'
    }

    It 'checks with -WhatIf too, and writes nothing either way' {
        Set-CodexConfig -Key model_reasoning_effort -Value 'not-an-effort' -WhatIf -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexConfigValueInvalid,*'
        Set-CodexConfig -Key model_reasoning_effort -Value 'low' -WhatIf
        Get-ConfigFileText | Should -Not -Match 'model_reasoning_effort'
    }
}
