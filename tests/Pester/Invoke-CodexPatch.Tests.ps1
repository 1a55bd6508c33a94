param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function Get-Tree {
        param([string] $Root)
        Get-ChildItem -Recurse -File $Root | Sort-Object FullName | ForEach-Object {
            '{0}={1}' -f $_.FullName.Substring($Root.Length), (Get-Content -Raw $_.FullName)
        } | Out-String
    }
}

AfterAll {
    Disconnect-Codex
    Stop-CodexMockProvider
}

Describe 'Invoke-CodexPatch' {
    BeforeEach {
        $dir = New-TestDirectory 'codexps-patch'
        Set-Content -Path (Join-Path $dir 'a.txt') -Value "hello`nworld`n" -NoNewline
        Set-Content -Path (Join-Path $dir 'old.txt') -Value "gone`n" -NoNewline
        $good = @"
*** Begin Patch
*** Update File: a.txt
@@
-hello
+hi
*** Add File: sub/b.txt
+new
*** Delete File: old.txt
*** End Patch
"@
    }

    It 'applies a patch with the runtime and returns the changed files' {
        $changes = @(Invoke-CodexPatch -Patch $good -WorkingDirectory $dir)
        $changes.Count | Should -Be 3
        $changes[0] | Should -BeOfType ([CodexPS.Engine.Runtime.CodexPatchChange])
        ($changes | ForEach-Object { "$($_.Kind):$(Split-Path -Leaf $_.Path)" }) | Should -Be @('Update:a.txt', 'Add:b.txt', 'Delete:old.txt')
        $changes[0].Path | Should -Be (Join-Path $dir 'a.txt')
        Get-Content -Raw (Join-Path $dir 'a.txt') | Should -Be "hi`nworld`n"
        Get-Content -Raw (Join-Path $dir 'sub/b.txt') | Should -Be "new`n"
        Join-Path $dir 'old.txt' | Should -Not -Exist
    }

    It 'reads a patch file, resolves against the current location, and handles a move' {
        $file = Join-Path (New-TestDirectory) 'move.patch'
        Set-Content $file "*** Begin Patch`n*** Update File: a.txt`n*** Move to: moved/z.txt`n@@`n-hello`n+moved`n*** End Patch"
        Push-Location $dir
        try { $changes = @(Get-Item $file | Invoke-CodexPatch) } finally { Pop-Location }
        $changes.Kind | Should -Be 'Move'
        $changes.MovedFrom | Should -Be (Join-Path $dir 'a.txt')
        $changes.Path | Should -Be (Join-Path $dir 'moved/z.txt')
        Join-Path $dir 'a.txt' | Should -Not -Exist
        Get-Content -Raw (Join-Path $dir 'moved/z.txt') | Should -Be "moved`nworld`n"
    }

    It 'matches context lines fuzzily: trailing whitespace in the file does not stop a hunk' {
        # The runtime's matcher retries a hunk ignoring trailing whitespace when the exact match fails.
        Set-Content -Path (Join-Path $dir 'spaces.txt') -Value "alpha   `nbeta`t`ngamma`n" -NoNewline
        $fuzzy = "*** Begin Patch`n*** Update File: spaces.txt`n@@`n alpha`n-beta`n+BETA`n gamma`n*** End Patch"
        $changes = @(Invoke-CodexPatch -Patch $fuzzy -WorkingDirectory $dir)
        $changes.Path | Should -Be (Join-Path $dir 'spaces.txt')
        Get-Content -Raw (Join-Path $dir 'spaces.txt') | Should -Be "alpha   `nBETA`ngamma`n"
    }

    It 'lists the files with -WhatIf and touches nothing' {
        $before = Get-Tree $dir
        # -WhatIf messages go to the host; a transcript captures them.
        $log = Join-Path (New-TestDirectory) 'whatif.txt'
        $null = Start-Transcript -Path $log
        try { $result = Invoke-CodexPatch -Patch $good -WorkingDirectory $dir -WhatIf } finally { $null = Stop-Transcript }
        $result | Should -BeNullOrEmpty
        $out = Get-Content -Raw $log
        $out | Should -Match ([regex]::Escape((Join-Path $dir 'a.txt')))
        $out | Should -Match ([regex]::Escape((Join-Path $dir 'sub/b.txt')))
        $out | Should -Match 'Delete'
        Get-Tree $dir | Should -BeExactly $before
        Join-Path $dir 'sub' | Should -Not -Exist
    }

    It 'reports a non-matching hunk with the runtime message and undoes the sections before it' {
        $before = Get-Tree $dir
        $bad = "*** Begin Patch`n*** Add File: first.txt`n+x`n*** Delete File: old.txt`n*** Update File: a.txt`n@@`n-nomatch`n+x`n*** End Patch"
        $result = Invoke-CodexPatch -Patch $bad -WorkingDirectory $dir -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexPatchFailed,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match 'Failed to find expected lines'
        $err[0].TargetObject | Should -Be $bad
        Get-Tree $dir | Should -BeExactly $before
        Join-Path $dir 'first.txt' | Should -Not -Exist
    }

    It 'reports an invalid patch with the runtime message' {
        $before = Get-Tree $dir
        Invoke-CodexPatch -Patch 'not a patch' -WorkingDirectory $dir -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexPatchFailed,*'
        $err[0].Exception.Message | Should -Match "Invalid patch: The first line of the patch must be '\*\*\* Begin Patch'"
        Get-Tree $dir | Should -BeExactly $before
    }

    It 'reports a missing patch file and a missing working directory' {
        Invoke-CodexPatch -Path (Join-Path $dir 'none.patch') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CodexPatchFileNotFound,*'
        { Invoke-CodexPatch -Patch $good -WorkingDirectory (Join-Path $dir 'nope') -ErrorAction Stop } |
            Should -Throw -ErrorId 'CodexWorkingDirectoryNotFound,*'
    }

    It 'applies the same patch while a mock-backed runtime runs' {
        $null = Connect-TestMock
        $changes = @(Invoke-CodexPatch -Patch $good -WorkingDirectory $dir)
        $changes.Count | Should -Be 3
        Get-Content -Raw (Join-Path $dir 'a.txt') | Should -Be "hi`nworld`n"
    }
}
