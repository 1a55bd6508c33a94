param([string] $ModulePath)

# docs/protocol-coverage.md lists every method of the pinned schema once: used ones with the cmdlets and tests
# that exercise them, unused ones with a reason. The source is the judge of "used": a method is used when its
# name is in src/ as a string.
BeforeDiscovery {
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $schema = Join-Path $root 'native/schema'
    function Get-SchemaMethod([string] $File) {
        $json = Get-Content -Raw (Join-Path $schema $File) | ConvertFrom-Json
        @($json.oneOf | ForEach-Object { $_.properties.method.enum } | Where-Object { $_ })
    }
    $sections = @(
        @{ Title = 'Client methods'; Methods = Get-SchemaMethod 'ClientRequest.json' }
        @{ Title = 'Server requests'; Methods = Get-SchemaMethod 'ServerRequest.json' }
        @{ Title = 'Server notifications'; Methods = Get-SchemaMethod 'ServerNotification.json' }
        @{ Title = 'Client notifications'; Methods = Get-SchemaMethod 'ClientNotification.json' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $page = Get-Content -Raw (Join-Path $root 'docs/protocol-coverage.md')
    $source = (Get-ChildItem (Join-Path $root 'src') -Recurse -Filter *.cs | Where-Object FullName -NotMatch '[\\/](bin|obj)[\\/]' |
        ForEach-Object { Get-Content -Raw $_.FullName }) -join "`n"
    $exported = @((Get-Module CodexPS).ExportedCmdlets.Keys)

    function Get-Row([string] $Title) {
        # The rows of one section: | `method` | used by | tests | why not |
        $body = ($page -split '(?m)^## ') | Where-Object { $_.StartsWith($Title + "`n") -or $_.StartsWith($Title + "`r`n") }
        $body | Should -Not -BeNullOrEmpty -Because "the page needs a '## $Title' section"
        foreach ($line in ($body -split "`r?`n")) {
            if ($line -match '^\| `(?<method>[^`]+)` \|(?<used>[^|]*)\|(?<tests>[^|]*)\|(?<why>[^|]*)\|$') {
                [pscustomobject]@{ Method = $Matches.method; UsedBy = $Matches.used.Trim(); Tests = $Matches.tests.Trim(); Why = $Matches.why.Trim() }
            }
        }
    }
}

Describe 'docs/protocol-coverage.md: <Title>' -ForEach $sections {
    It 'has one row for every method of the schema, and no other' {
        $rows = @(Get-Row $Title)
        $names = @($rows.Method)
        @($names | Group-Object | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty -Because 'a method has one row'
        @($Methods | Where-Object { $_ -notin $names }) | Should -BeNullOrEmpty -Because 'every method of the schema needs a row'
        @($names | Where-Object { $_ -notin $Methods }) | Should -BeNullOrEmpty -Because 'a row must name a method of the schema'
    }

    It 'marks a method used exactly when src/ names it, with real cmdlets and tests, or else says why not' {
        foreach ($row in Get-Row $Title) {
            $named = $source.Contains('"' + $row.Method + '"')
            if ($row.UsedBy) {
                $named | Should -BeTrue -Because "$($row.Method) is listed as used, so src/ must name it"
                $row.Why | Should -BeNullOrEmpty -Because "$($row.Method) is used"
                $cmdlets = @([regex]::Matches($row.UsedBy, '\b[A-Z][a-z]+-Codex[A-Za-z]*\b').Value)
                $cmdlets | Should -Not -BeNullOrEmpty -Because "$($row.Method) must name the cmdlets that use it"
                foreach ($c in $cmdlets) { $exported | Should -Contain $c -Because "$($row.Method) names $c" }
                $files = @([regex]::Matches($row.Tests, '`([^`]+\.Tests\.ps1)`') | ForEach-Object { $_.Groups[1].Value })
                $files | Should -Not -BeNullOrEmpty -Because "$($row.Method) must name its tests"
                foreach ($f in $files) {
                    $path = Join-Path $PSScriptRoot $f
                    $path | Should -Exist -Because "$($row.Method) names $f"
                }
                $calls = @($files | Where-Object { $text = Get-Content -Raw (Join-Path $PSScriptRoot $_); @($cmdlets | Where-Object { $text.Contains($_) }).Count -gt 0 })
                $calls | Should -Not -BeNullOrEmpty -Because "a test file of $($row.Method) must call one of its cmdlets"
            }
            else {
                $named | Should -BeFalse -Because "src/ uses $($row.Method): move its row to used, with its cmdlet and test"
                $row.Why | Should -Not -BeNullOrEmpty -Because "$($row.Method) is not used, so the page must say why"
            }
        }
    }

    It 'states the figures the rows give' {
        $rows = @(Get-Row $Title)
        $used = @($rows | Where-Object UsedBy).Count
        $page | Should -Match ('(?m)^\| {0} \| {1} \| {2} \|' -f [regex]::Escape($Title), $used, $Methods.Count)
    }
}
