param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Get-CodexSkill' {
    BeforeAll {
        # A custom skill in the runtime's home, in the runtime's format: skills/<name>/SKILL.md with front matter.
        $codexHome = New-TestDirectory 'codexps-home'
        $skillFolder = New-Item -ItemType Directory -Path (Join-Path $codexHome 'skills/greet') -Force
        "---`nname: greet`ndescription: Greets the user politely.`n---`nSay hello to the user." | Set-Content (Join-Path $skillFolder 'SKILL.md')
        $broken = New-Item -ItemType Directory -Path (Join-Path $codexHome 'skills/broken') -Force
        "no front matter here" | Set-Content (Join-Path $broken 'SKILL.md')
        $mock = Start-CodexMockProvider
        Connect-Codex -MockProvider $mock -CodexHome $codexHome
        $skills = @(Get-CodexSkill -ErrorVariable listErrors -ErrorAction SilentlyContinue)
    }

    It 'lists the custom skill from CODEX_HOME with scope User' {
        $greet = $skills | Where-Object Name -EQ 'greet'
        $greet | Should -Not -BeNullOrEmpty
        $greet | Should -BeOfType CodexPS.Engine.Skills.CodexSkill
        $greet.Scope | Should -Be 'User'
        $greet.Description | Should -Be 'Greets the user politely.'
        $greet.Enabled | Should -BeTrue
        $greet.Path | Should -Be (Join-Path $skillFolder 'SKILL.md')
    }

    It 'lists the runtime''s system skills' {
        @($skills | Where-Object Scope -EQ 'System').Count | Should -BeGreaterThan 0
    }

    It 'reports a skill file the runtime cannot load as CodexSkillInvalid' {
        $invalid = @($listErrors | Where-Object { $_.FullyQualifiedErrorId -like 'CodexSkillInvalid*' })
        $invalid.Count | Should -BeGreaterThan 0
        $invalid[0].TargetObject | Should -Match 'broken'
        $skills.Name | Should -Not -Contain 'broken'
    }

    It 'filters by name with wildcards' {
        (Get-CodexSkill gre* -ErrorAction SilentlyContinue).Name | Should -Be 'greet'
    }

    It 'sees a skill added later with -Refresh' {
        $later = New-Item -ItemType Directory -Path (Join-Path $codexHome 'skills/later') -Force
        "---`nname: later`ndescription: Added while running.`n---`nBody." | Set-Content (Join-Path $later 'SKILL.md')
        (Get-CodexSkill later -Refresh -ErrorAction SilentlyContinue).Name | Should -Be 'later'
    }

    It 'writes CodexSkillNotFound for an unknown name' {
        Get-CodexSkill 'no-such-skill' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        ($errs | Where-Object { $_.FullyQualifiedErrorId -like 'CodexSkillNotFound*' }).TargetObject | Should -Be 'no-such-skill'
    }

    It 'ends with CodexWorkingDirectoryNotFound for a missing folder' {
        { Get-CodexSkill -WorkingDirectory (Join-Path $codexHome 'missing') -ErrorAction Stop } | Should -Throw -ErrorId 'CodexWorkingDirectoryNotFound*'
    }

    It 'formats skills as a table' {
        ($skills | Out-String) | Should -Match 'greet\s+User\s+True'
    }
}
