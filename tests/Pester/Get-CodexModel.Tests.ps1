param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-ModelCompletion {
        param([string] $Line)
        [System.Management.Automation.CommandCompletion]::CompleteInput($Line, $Line.Length, $null).CompletionMatches
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexModel' {
    BeforeAll {
        $null = Connect-TestMock
    }

    It 'lists the bundled catalogue as typed models with one default' {
        $models = @(Get-CodexModel)
        $models.Count | Should -BeGreaterThan 1
        $models[0] | Should -BeOfType ([CodexPS.Engine.Models.CodexModel])
        $models.Model | Should -Contain 'gpt-5.5'
        @($models | Where-Object IsDefault).Count | Should -Be 1
        ($models | Where-Object Model -EQ 'gpt-5.5').SupportedReasoningEfforts | Should -Not -BeNullOrEmpty
        $models | Where-Object Hidden | Should -BeNullOrEmpty
    }

    It 'includes hidden models only with -IncludeHidden' {
        $all = @(Get-CodexModel -IncludeHidden)
        $all.Count | Should -BeGreaterOrEqual @(Get-CodexModel).Count
    }

    It 'filters by wildcard and by exact name from the pipeline' {
        $five = @(Get-CodexModel -Name 'gpt-5*')
        $five.Count | Should -BeGreaterThan 0
        $five.Model | ForEach-Object { $_ | Should -BeLike 'gpt-5*' }
        ('gpt-5.5' | Get-CodexModel).Model | Should -Be 'gpt-5.5'
        @(Get-CodexModel -Name 'no-such-*').Count | Should -Be 0
    }

    It 'reports an unknown model name as CodexModelNotFound' {
        $result = Get-CodexModel -Name 'no-such-model' -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexModelNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'no-such-model'
    }

    It 'formats as a table with the model slug' {
        $text = Get-CodexModel -Name 'gpt-5.5' | Out-String
        $text | Should -Match 'Model\s+Default\s+Effort\s+DisplayName'
        $text | Should -Match 'gpt-5\.5'
    }
}

Describe 'Model argument completer' {
    It 'completes -Model of <_> from the running runtime' -ForEach @('New-CodexConversation', 'Send-CodexTurn', 'Invoke-Codex', 'Connect-Codex') {
        $null = Connect-TestMock
        $matches = @(Get-ModelCompletion "$_ -Model gpt-5.")
        $matches.Count | Should -BeGreaterThan 0
        $matches.CompletionText | Should -Contain 'gpt-5.5'
        $matches.CompletionText | ForEach-Object { $_ | Should -BeLike 'gpt-5.*' }
    }

    It 'keeps the quote the user typed and matches wildcards' {
        $null = Connect-TestMock
        (Get-ModelCompletion "New-CodexConversation -Model 'gpt-5.5").CompletionText | Should -Be "'gpt-5.5'"
        @(Get-ModelCompletion 'New-CodexConversation -Model *5.5').CompletionText | Should -Contain 'gpt-5.5'
        @(Get-ModelCompletion 'New-CodexConversation -Model zzz').Count | Should -Be 0
    }

    It 'never starts a runtime, answers quickly, and uses the last list when none runs' {
        $null = Connect-TestMock
        $null = Get-CodexModel
        Disconnect-Codex
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $matches = @(Get-ModelCompletion 'Invoke-Codex -Model gpt-5.')
        $sw.ElapsedMilliseconds | Should -BeLessThan 2000
        $matches.CompletionText | Should -Contain 'gpt-5.5'
        (Get-CodexStatus).RuntimeState | Should -Be 'NotStarted'
    }
}
