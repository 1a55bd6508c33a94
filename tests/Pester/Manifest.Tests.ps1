param([string] $ModulePath)

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $root = Split-Path (Split-Path $PSScriptRoot)
    $manifestPath = (Resolve-Path $ModulePath).ProviderPath
    $moduleFolder = Split-Path $manifestPath
    $manifest = Test-ModuleManifest $manifestPath -ErrorAction Stop
    $data = Import-PowerShellDataFile $manifestPath
    $props = [xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))
    $versionNodes = @($props.SelectNodes('/Project/PropertyGroup/CodexPSVersion'))
    # What the assembly really holds: every non-abstract public class with a [Cmdlet] attribute.
    $cmdletClasses = foreach ($type in (Get-Module CodexPS).ImplementingAssembly.GetExportedTypes()) {
        $attribute = [Attribute]::GetCustomAttribute($type, [System.Management.Automation.CmdletAttribute])
        if ($attribute -and -not $type.IsAbstract) { "$($attribute.VerbName)-$($attribute.NounName)" }
    }
}

Describe 'The module manifest (out/CodexPS/CodexPS.psd1)' {
    It 'is the manifest of the module under test and passes Test-ModuleManifest' {
        $manifestPath | Should -Exist
        $manifest.Name | Should -Be 'CodexPS'
        $manifest.RootModule | Should -Be 'CodexPS.dll'
        Join-Path $moduleFolder $manifest.RootModule | Should -Exist
    }

    It 'exports exactly the cmdlet classes of CodexPS.dll, each listed by name' {
        @($cmdletClasses).Count | Should -BeGreaterThan 0
        $listed = @($data.CmdletsToExport)
        $listed | Where-Object { $_ -match '[*?\[\]]' } | Should -BeNullOrEmpty -Because 'exports are listed, never matched by wildcard'
        $listed | Group-Object | Where-Object Count -gt 1 | ForEach-Object Name | Should -BeNullOrEmpty -Because 'each cmdlet is listed once'
        $listed | Sort-Object | Should -Be ($cmdletClasses | Sort-Object)
        @($manifest.ExportedCmdlets.Keys) | Sort-Object | Should -Be ($cmdletClasses | Sort-Object)
        @((Get-Module CodexPS).ExportedCmdlets.Keys) | Sort-Object | Should -Be ($cmdletClasses | Sort-Object)
    }

    It 'exports no functions, aliases or variables: empty lists, not left out (left out means everything)' {
        foreach ($key in 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $data.ContainsKey($key) | Should -BeTrue -Because "$key must be declared"
            @($data[$key]).Count | Should -Be 0 -Because "$key must be empty"
        }
        $manifest.ExportedFunctions.Count | Should -Be 0
        $manifest.ExportedAliases.Count | Should -Be 0
    }

    It 'carries the version kept once in Directory.Build.props, stamped at build time' {
        $versionNodes.Count | Should -Be 1 -Because 'the version is kept in one place'
        $version = $versionNodes[0].InnerText
        $version | Should -Match '^\d+\.\d+\.\d+$'
        $manifest.Version.ToString() | Should -Be $version
        (Get-Module CodexPS).Version.ToString() | Should -Be $version
        (Get-Module CodexPS).ImplementingAssembly.GetName().Version.ToString(3) | Should -Be $version
        # The source manifest holds no version of its own: only the build's stamp counts.
        (Import-PowerShellDataFile (Join-Path $root 'CodexPS.psd1')).ModuleVersion | Should -Be '0.0.0'
        # The help's module page states the version too; it must follow the one place.
        Get-Content (Join-Path $root 'docs/en-US/CodexPS.md') | Should -Contain "Help Version: $version"
    }

    It 'declares the PowerShell edition and version it runs on' {
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
    }

    It 'declares every format and type file it ships, and ships every file it declares' {
        @($data.FormatsToProcess).Count | Should -BeGreaterThan 0
        $declared = @($data.FormatsToProcess) + @($data.TypesToProcess | Where-Object { $_ })
        foreach ($file in $declared) { Join-Path $moduleFolder $file | Should -Exist }
        $shipped = Get-ChildItem $moduleFolder -Filter *.ps1xml | ForEach-Object Name
        $shipped | Sort-Object | Should -Be ($declared | Sort-Object)
    }

    It 'has gallery metadata: tags without spaces, a license address and the license text beside the module' {
        $psData = $data.PrivateData.PSData
        @($psData.Tags).Count | Should -BeGreaterOrEqual 3
        $psData.Tags | Where-Object { $_ -match '\s' } | Should -BeNullOrEmpty
        ([uri]$psData.LicenseUri).IsAbsoluteUri | Should -BeTrue
        ([uri]$psData.LicenseUri).Scheme | Should -Be 'https'
        if ($psData.ContainsKey('ProjectUri')) { ([uri]$psData.ProjectUri).Scheme | Should -Be 'https' }
        $license = Join-Path $root 'LICENSE'
        $license | Should -Exist
        (Get-Content -Raw $license) | Should -Match '^MIT License'
        # The manifest's copyright names the holder the license names.
        $holder = (Select-String -Path $license -Pattern '^Copyright \(c\) (?:\d{4} )?(.+)$').Matches[0].Groups[1].Value
        $manifest.Copyright | Should -BeLike "*$holder*"
        $manifest.Copyright | Should -Match 'MIT'
        Join-Path $moduleFolder 'LICENSE' | Should -Exist
        (Get-FileHash (Join-Path $moduleFolder 'LICENSE')).Hash | Should -Be (Get-FileHash $license).Hash
    }
}
