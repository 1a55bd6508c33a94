param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $codex = (Get-CodexStatus).CodexPath
}

Describe 'The pinned codex runtime' {
    It 'is the version native/package.json pins' {
        $pinned = (Get-Content -Raw (Join-Path $root 'native/package.json') | ConvertFrom-Json).dependencies.'@openai/codex'
        & $codex --version | Should -Be "codex-cli $pinned"
        (Get-CodexStatus).PinnedCodexVersion | Should -Be $pinned
        $lowest = (Get-Content -Raw (Join-Path $root 'native/package.json') | ConvertFrom-Json).codexps.lowestSupported
        (Get-CodexStatus).SupportedCodexVersions | Should -Be ("$lowest to " + ($pinned -replace '^(\d+\.\d+)\..*$', '$1') + '.x')
    }

    It 'speaks exactly the protocol schema committed in native/<Folder>' -ForEach @(
        @{ Folder = 'schema'; Options = @() }
        @{ Folder = 'schema-experimental'; Options = @('--experimental') }
    ) {
        $fresh = New-TestDirectory 'codexps-schema'
        & $codex app-server generate-json-schema @Options --out $fresh
        $LASTEXITCODE | Should -Be 0
        $committed = Join-Path $root "native/$Folder"
        $expected = Get-ChildItem -Recurse -File $committed | ForEach-Object { [IO.Path]::GetRelativePath($committed, $_.FullName) } | Sort-Object
        $actual = Get-ChildItem -Recurse -File $fresh | ForEach-Object { [IO.Path]::GetRelativePath($fresh, $_.FullName) } | Sort-Object
        $actual | Should -Be $expected
        $drift = foreach ($file in $expected) {
            if ((Get-FileHash (Join-Path $committed $file)).Hash -ne (Get-FileHash (Join-Path $fresh $file)).Hash) { $file }
        }
        $drift | Should -BeNullOrEmpty -Because 'build.ps1 UpdateRuntime regenerates native/schema and native/schema-experimental after changing the pinned version'
    }
}
