param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $root = Split-Path (Split-Path $PSScriptRoot)
    $matrix = Get-Content (Join-Path $root 'docs/feature-matrix.md')
    # Table rows of the feature sections: | Feature | seed name | CodexPS | Proven by |
    $rows = foreach ($line in $matrix) {
        if ($line -notmatch '^\|' -or $line -match '^\|\s*(Feature|---)') { continue }
        $cells = $line.Trim('|').Split('|') | ForEach-Object Trim
        [pscustomobject]@{ Feature = $cells[0]; CodexPS = $cells[2]; ProvenBy = $cells[3]; Line = $line }
    }
    $commands = (Get-Module CodexPS).ExportedCommands.Keys
    $pesterNames = @{}
    foreach ($file in Get-ChildItem $PSScriptRoot -Filter *.Tests.ps1) {
        $pesterNames[$file.BaseName -replace '\.Tests$'] = [regex]::Matches((Get-Content -Raw $file.FullName), "(?m)^\s*(?:It|Describe|Context)\s+'((?:[^']|'')+)'") |
            ForEach-Object { $_.Groups[1].Value -replace "''", "'" }
    }
    # The xunit tests by class: each class's [Fact]/[Theory] methods, from the C# syntax tree (Roslyn ships with pwsh).
    Add-Type -AssemblyName Microsoft.CodeAnalysis.CSharp
    $xunitTests = @{}
    foreach ($file in Get-ChildItem (Join-Path $root 'tests/CodexPS.Engine.Tests') -Filter *.cs) {
        $tree = [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText((Get-Content -Raw $file.FullName))
        foreach ($class in $tree.GetRoot().DescendantNodes() | Where-Object { $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax] }) {
            $methods = foreach ($member in $class.Members) {
                if ($member -is [Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax] -and
                    @($member.AttributeLists.Attributes | Where-Object { "$($_.Name)" -in 'Fact', 'Theory' }).Count -gt 0) {
                    $member.Identifier.ValueText
                }
            }
            $xunitTests[$class.Identifier.ValueText] = @($xunitTests[$class.Identifier.ValueText]) + @($methods) | Where-Object { $_ }
        }
    }
}

Describe 'docs/feature-matrix.md' {
    It 'has every section of the seed''s matrix with rows' {
        $rows.Count | Should -BeGreaterOrEqual 63
        foreach ($section in 'Core CLI commands', 'MCP server management', 'RPC API methods', 'Submission operations', 'Event message types',
            'Authentication', 'Patch management', 'Sandbox system', 'Model support', 'Development tools', 'Configuration',
            'Session management', 'Monitoring and analytics') {
            $matrix | Should -Contain "## $section"
        }
    }

    It 'names a command and a proof in every row' {
        foreach ($row in $rows) {
            $row.CodexPS | Should -Not -BeNullOrEmpty -Because $row.Line
            $row.ProvenBy | Should -Not -BeNullOrEmpty -Because $row.Line
        }
    }

    It 'names only commands the module exports' {
        foreach ($row in $rows) {
            foreach ($name in [regex]::Matches($row.CodexPS, '`((?:Get|Set|New|Add|Remove|Send|Start|Stop|Invoke|Connect|Disconnect|Copy|Rename|Restore|Compress|Resume|Export|Import)-Codex\w*)') | ForEach-Object { $_.Groups[1].Value }) {
                $commands | Should -Contain $name -Because $row.Line
            }
        }
    }

    It 'names only Pester tests that exist' {
        $checked = 0
        foreach ($row in $rows) {
            # "File.Tests: "name", "name"; Other.Tests: ..." → each quoted name must be a Describe/Context/It of that file.
            foreach ($part in $row.ProvenBy -split ';') {
                if ($part -notmatch '([\w-]+)\.Tests:(.*)') { continue }
                $file = $Matches[1]
                $pesterNames.ContainsKey($file) | Should -BeTrue -Because "$file.Tests.ps1 is named in: $($row.Line)"
                foreach ($name in [regex]::Matches($Matches[2], '"([^"]+)"') | ForEach-Object { $_.Groups[1].Value }) {
                    $pesterNames[$file] | Should -Contain $name -Because "$file.Tests.ps1 should have '$name'"
                    $checked++
                }
            }
        }
        $checked | Should -BeGreaterThan 60
    }

    It 'names only xunit tests that exist' {
        $checked = 0
        foreach ($row in $rows) {
            foreach ($match in [regex]::Matches($row.ProvenBy, 'xunit (\w+)\.(\w+)')) {
                $class, $method = $match.Groups[1].Value, $match.Groups[2].Value
                $xunitTests.ContainsKey($class) | Should -BeTrue -Because "xunit class $class is named in: $($row.Line)"
                $xunitTests[$class] | Should -Contain $method -Because "$class should have the test method $method ($($row.Line))"
                $checked++
            }
        }
        $checked | Should -BeGreaterThan 5
    }

    It 'finds an xunit test only in the class named, never in another' {
        # The check above must fail for a real method named under the wrong class.
        $xunitTests['MetricValueTests'] | Should -Contain 'EachDataPointHasTheValueTheScriptedTurnsMakeIt'
        $xunitTests['MetricCatalogTests'] | Should -Not -Contain 'EachDataPointHasTheValueTheScriptedTurnsMakeIt'
    }
}
