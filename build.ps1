#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks CodexPS.
.DESCRIPTION
    Thin task runner. Every task installs what it needs from the project's own pinned files: the codex
    runtime (native/package-lock.json, npm ci), Pester (build/tools.csproj, NuGet) and the module itself.
    Run it through the pinned PowerShell local tool: dotnet tool restore; dotnet pwsh ./build.ps1 <Task>
.PARAMETER Task
    Build  - compile and lay out the importable module at out/CodexPS/CodexPS.psd1
    Test   - Build, then run the xunit engine tests and the Pester cmdlet tests
    Demo   - Build, then run a real conversation (the mock model without OPENAI_API_KEY)
    Bench  - Build, then run the benchmarks B1-B7 (tests/CodexPS.Bench) and print their figures (bench/results.json)
    Package - Build, then pack the module into out/packages/CodexPS.<version>.nupkg (Install-PSResource installs it)
    Native - install the pinned codex runtime into native/node_modules
    UpdateRuntime - move the pin to -Version: bump native/, regenerate native/schema and native/schema-experimental,
             print the protocol drift that concerns the module (build/Compare-RuntimeSchema.ps1), then run Test
.PARAMETER Version
    UpdateRuntime: the @openai/codex version to pin (e.g. 0.171.0; 'latest' asks the registry).
.PARAMETER LowestSupported
    UpdateRuntime: the bottom of the supported range; by default the lowest release of the minor before the pin.
    Clean  - remove out/ and build output
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Native', 'UpdateRuntime', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string] $Version,

    [string] $LowestSupported,

    # UpdateRuntime: stop after the drift summary (the tests are then yours to run).
    [switch] $NoTest
)

$ErrorActionPreference = 'Stop'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$OutDir = Join-Path $Root 'out/CodexPS'
$ToolPackages = Join-Path $Root 'build/packages'
Set-Location $Root

function Invoke-Checked {
    param([Parameter(Mandatory)][string] $What, [Parameter(Mandatory)][scriptblock] $Command)
    Write-Host "==> $What" -ForegroundColor Cyan
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    ($props.Project.PropertyGroup | Where-Object { $_['CodexPSVersion'] } | Select-Object -First 1)['CodexPSVersion'].InnerText
}

function Install-NpmFolder {
    # npm ci in a folder of ours, unless node_modules was installed from this very package-lock.json (a content
    # hash, not file dates: a fresh clone or a git worktree makes every date look newer than the install).
    param([Parameter(Mandatory)][string] $Folder, [Parameter(Mandatory)][string] $What, [Parameter(Mandatory)][string] $Probe, [string[]] $NpmArguments = @())
    $lockHash = (Get-FileHash -Algorithm SHA256 (Join-Path $Folder 'package-lock.json')).Hash
    $stamp = Join-Path $Folder 'node_modules/.codexps-lock.sha256'
    $installed = (Test-Path $stamp) -and ((Get-Content -Raw $stamp).Trim() -eq $lockHash) -and (Test-Path (Join-Path $Folder "node_modules/$Probe"))
    if ($installed) {
        Write-Host "==> $What already installed ($([IO.Path]::GetRelativePath($Root, $Folder))/node_modules)" -ForegroundColor Cyan
        return
    }
    Push-Location $Folder
    try { Invoke-Checked "npm ci ($What)" { npm ci --no-audit --no-fund @NpmArguments } }
    finally { Pop-Location }
    Set-Content -Path $stamp -Value $lockHash -NoNewline
}

function Invoke-Native {
    Install-NpmFolder -Folder (Join-Path $Root 'native') -What 'pinned codex runtime' -Probe '@openai/codex'
}

function Write-RuntimeIntegrity {
    # Install-CodexRuntime verifies its download against these (version -> platform -> sha512), recorded from the
    # lock file when the module is built, so neither the registry nor the network can change what it accepts.
    param([Parameter(Mandatory)][string] $Destination)
    $lock = Get-Content -Raw (Join-Path $Root 'native/package-lock.json') | ConvertFrom-Json -AsHashtable
    $table = [ordered]@{}
    foreach ($entry in $lock.packages.GetEnumerator() | Sort-Object Key) {
        if ($entry.Key -notmatch '^node_modules/@openai/codex-(?<platform>[a-z0-9]+-[a-z0-9]+)$' -or $entry.Value.name -ne '@openai/codex') { continue }
        $platform = $Matches.platform
        if ($entry.Value.version -notmatch "^(?<version>.+)-$([regex]::Escape($platform))$") { throw "native/package-lock.json: $($entry.Key) has version '$($entry.Value.version)', not <version>-$platform." }
        $version = $Matches.version
        if ($entry.Value.integrity -notmatch '^sha512-') { throw "native/package-lock.json: $($entry.Key) has no sha512 integrity." }
        if (-not $table.Contains($version)) { $table[$version] = [ordered]@{} }
        $table[$version][$platform] = $entry.Value.integrity
    }
    if ($table.Count -eq 0) { throw 'native/package-lock.json lists no @openai/codex platform package.' }
    $table | ConvertTo-Json -Depth 3 | Set-Content -Path $Destination
}

function Invoke-Tools {
    if ((Test-Path (Join-Path $ToolPackages 'pester/5.7.1/tools/Pester.psd1')) -and
        (Test-Path (Join-Path $ToolPackages 'markdig/0.45.0/lib/netstandard2.0/Markdig.dll'))) { return }
    Invoke-Checked 'restore pinned build tools (Pester, Markdig)' {
        dotnet restore (Join-Path $Root 'build/tools.csproj') --packages $ToolPackages --nologo -v quiet
    }
}

function Invoke-Build {
    Invoke-Native
    $version = Get-ModuleVersion
    $staging = Join-Path $Root "src/CodexPS/bin/$Configuration/publish"
    Invoke-Checked "dotnet publish CodexPS $version" {
        dotnet publish (Join-Path $Root 'src/CodexPS/CodexPS.csproj') -c $Configuration -o $staging --nologo -v quiet
    }
    if (Test-Path $OutDir) { Remove-Item -Recurse -Force $OutDir }
    New-Item -ItemType Directory -Force $OutDir | Out-Null
    # The metric store's SQLite provider ships with the module (PowerShell loads none of it); System.Text.Json does not.
    $shipped = 'CodexPS.dll', 'CodexPS.Engine.dll', 'CodexPS.Format.ps1xml', 'CodexPS.Types.ps1xml', 'Microsoft.Data.Sqlite.dll',
        'SQLitePCLRaw.core.dll', 'SQLitePCLRaw.batteries_v2.dll', 'SQLitePCLRaw.provider.e_sqlite3.dll'
    foreach ($file in $shipped) {
        Copy-Item (Join-Path $staging $file) $OutDir
    }
    Copy-Item (Join-Path $Root 'LICENSE') $OutDir
    Write-RuntimeIntegrity -Destination (Join-Path $OutDir 'runtime-integrity.json')
    # The native SQLite library for each platform the module supports; the engine loads it from runtimes/<rid>/native.
    foreach ($rid in 'linux-x64', 'linux-arm64', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-x86', 'win-arm64') {
        $native = Join-Path $staging "runtimes/$rid/native"
        if (-not (Test-Path $native)) { throw "The native SQLite library for $rid is missing from the publish output ($native)." }
        $destination = Join-Path $OutDir "runtimes/$rid"
        New-Item -ItemType Directory -Force $destination | Out-Null
        Copy-Item -Recurse $native $destination
    }
    $manifest = Get-Content -Raw (Join-Path $Root 'CodexPS.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    Set-Content -Path (Join-Path $OutDir 'CodexPS.psd1') -Value $manifest -NoNewline
    Invoke-Tools
    # In a child pwsh: the help compiler loads Markdig, which must not meet the one PowerShell ships.
    Invoke-Checked 'compile help (docs/en-US -> MAML)' {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build/Build-Help.ps1') -DocsPath (Join-Path $Root 'docs/en-US') `
            -OutputPath $OutDir -MarkdigPath (Join-Path $ToolPackages 'markdig/0.45.0/lib/netstandard2.0/Markdig.dll')
    }
    Write-Host "==> module ready: $(Join-Path $OutDir 'CodexPS.psd1')" -ForegroundColor Green
}

function Invoke-Chromium {
    # The dashboard test renders the HTML export in headless Chromium (Debian's package), installed here when missing.
    if (Get-Command chromium -ErrorAction SilentlyContinue) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    $canSudo = -not $isRoot -and $IsLinux -and (Get-Command sudo -ErrorAction SilentlyContinue) -and ($(& sudo -n true 2>$null; $LASTEXITCODE) -eq 0)
    if (-not ($isRoot -or $canSudo) -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Warning 'chromium is not installed and cannot be installed here (needs apt-get as root); the dashboard rendering test will fail.'
        return
    }

    Write-Host '==> apt-get install chromium (for the dashboard rendering test)' -ForegroundColor Cyan
    $env:DEBIAN_FRONTEND = 'noninteractive'
    [string[]] $apt = if ($canSudo) { 'sudo', '-n', 'apt-get' } else { 'apt-get' }
    & $apt[0] @($apt | Select-Object -Skip 1) update -qq
    if ($LASTEXITCODE -eq 0) { & $apt[0] @($apt | Select-Object -Skip 1) install -y -qq --no-install-recommends chromium }
    if ($LASTEXITCODE -ne 0 -or -not (Get-Command chromium -ErrorAction SilentlyContinue)) {
        # The other tests still run; the dashboard test reports the missing browser.
        Write-Warning "apt-get could not install chromium (exit code $LASTEXITCODE); the dashboard rendering test will fail."
    }
}

function Invoke-Test {
    Invoke-Build
    Invoke-Chromium
    $results = [ordered]@{}

    Write-Host '==> xunit: engine tests against the real codex runtime' -ForegroundColor Cyan
    $xunitLog = dotnet test (Join-Path $Root 'tests/CodexPS.Engine.Tests') -c $Configuration --nologo 2>&1 | ForEach-Object { "$_" }
    $xunitExit = $LASTEXITCODE
    $xunitLog | Write-Host
    $summary = $xunitLog | Select-String 'Failed:\s*(\d+), Passed:\s*(\d+), Skipped:\s*(\d+)' | Select-Object -Last 1
    if (-not $summary) { throw "xunit printed no summary (exit code $xunitExit)." }
    $xunitFailed = [int]$summary.Matches[0].Groups[1].Value
    # A non-zero exit with no failed test (a crashed test host) still counts as a failure.
    if ($xunitExit -ne 0 -and $xunitFailed -eq 0) { $xunitFailed = 1 }
    $results.xunit = @{ Passed = [int]$summary.Matches[0].Groups[2].Value; Failed = $xunitFailed }

    Write-Host '==> Pester: cmdlet tests in a child pwsh against the built module' -ForegroundColor Cyan
    $resultFile = Join-Path ([IO.Path]::GetTempPath()) "codexps-pester-$PID.json"
    $pester = Join-Path $ToolPackages 'pester/5.7.1/tools/Pester.psd1'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterTests.ps1') `
        -PesterPath $pester -ModulePath (Join-Path $OutDir 'CodexPS.psd1') -ResultFile $resultFile
    if (-not (Test-Path $resultFile)) { throw "Pester wrote no result (exit code $LASTEXITCODE)." }
    $pesterResult = Get-Content -Raw $resultFile | ConvertFrom-Json
    Remove-Item $resultFile
    $results.Pester = @{ Passed = [int]$pesterResult.Passed; Failed = [int]$pesterResult.Failed }
    $failures = @($xunitLog | Select-String '^\s*Failed\s+\S+\s*\[' | ForEach-Object { "xunit: $($_.Line.Trim())" }) +
        @($pesterResult.Failures | ForEach-Object { "Pester: $_" })

    $passed = ($results.Values | Measure-Object -Property Passed -Sum).Sum
    $failed = ($results.Values | Measure-Object -Property Failed -Sum).Sum
    foreach ($name in $results.Keys) { Write-Host ("{0,-7} {1} passed, {2} failed" -f $name, $results[$name].Passed, $results[$name].Failed) }
    # Failures again at the end, where a truncated log still shows them.
    foreach ($failure in $failures) { Write-Host "FAILED $($failure.Substring(0, [Math]::Min(400, $failure.Length)))" -ForegroundColor Red }
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    $null = & (Join-Path $Root 'build/New-ModulePackage.ps1') -ModulePath $OutDir -DestinationPath (Join-Path $Root 'out/packages')
}

function Invoke-Demo {
    Invoke-Build
    Invoke-Checked 'demo: a real conversation from PowerShell' {
        dotnet pwsh -NoProfile -File (Join-Path $Root 'demo/Demo.ps1') -ModulePath (Join-Path $OutDir 'CodexPS.psd1')
    }
}

function Get-CodexBinary {
    param([Parameter(Mandatory)][string] $NodeModules)
    $name = if ($IsWindows) { 'codex.exe' } else { 'codex' }
    $found = Get-ChildItem -Recurse -File -Path (Join-Path $NodeModules '@openai') -Filter $name |
        Where-Object { $_.Directory.Name -eq 'bin' -and $_.FullName -match 'vendor' } | Select-Object -First 1
    if (-not $found) { throw "No codex binary under $NodeModules." }
    $found.FullName
}

function Invoke-UpdateRuntime {
    if (-not $Version) { throw 'UpdateRuntime needs -Version <version> (or -Version latest).' }
    $native = Join-Path $Root 'native'
    # Releases only: no pre-release or platform tags, and nothing [version] cannot hold (old date-stamped builds).
    $released = @(& npm view '@openai/codex' versions --json | ConvertFrom-Json) | Where-Object { $_ -notmatch '-' -and [version]::TryParse($_, [ref]$null) }
    if ($LASTEXITCODE -ne 0 -or -not $released) { throw 'npm view @openai/codex versions failed: the registry is needed to move the pin.' }
    if ($Version -eq 'latest') { $Version = @($released | Sort-Object { [version]$_ })[-1] }
    if ($Version -notin $released) { throw "@openai/codex $Version is not a release the registry serves (newest: $(@($released | Sort-Object { [version]$_ })[-1]))." }
    $pin = [version]$Version
    if (-not $LowestSupported) {
        # The pinned minor and the one before it: the lowest release of the previous minor (or of this one).
        $LowestSupported = @($released | Where-Object { ([version]$_).Major -eq $pin.Major -and ([version]$_).Minor -eq $pin.Minor - 1 } | Sort-Object { [version]$_ })[0]
        if (-not $LowestSupported) { $LowestSupported = "$($pin.Major).$($pin.Minor).0" }
    }

    $packagePath = Join-Path $native 'package.json'
    $package = Get-Content -Raw $packagePath | ConvertFrom-Json -AsHashtable
    $before = $package.dependencies.'@openai/codex'
    $package.dependencies.'@openai/codex' = $Version
    $package.codexps.lowestSupported = $LowestSupported
    Set-Content -Path $packagePath -Value (($package | ConvertTo-Json -Depth 10) + "`n") -NoNewline
    Push-Location $native
    try { Invoke-Checked "npm install @openai/codex@$Version (native/package-lock.json)" { npm install --no-audit --no-fund } }
    finally { Pop-Location }
    Set-Content -Path (Join-Path $native 'node_modules/.codexps-lock.sha256') -Value (Get-FileHash -Algorithm SHA256 (Join-Path $native 'package-lock.json')).Hash -NoNewline

    $codex = Get-CodexBinary (Join-Path $native 'node_modules')
    $fresh = Join-Path ([IO.Path]::GetTempPath()) ('codexps-schema-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    try {
        foreach ($kind in @(@{ Folder = 'schema'; Options = @() }, @{ Folder = 'schema-experimental'; Options = @('--experimental') })) {
            $out = Join-Path $fresh $kind.Folder
            Invoke-Checked "codex app-server generate-json-schema $($kind.Options) ($($kind.Folder))" { & $codex app-server generate-json-schema @($kind.Options) --out $out | Out-Null }
            $committed = Join-Path $native $kind.Folder
            Write-Host "==> protocol drift $before -> $Version, native/$($kind.Folder)" -ForegroundColor Cyan
            if (Test-Path $committed) {
                & (Join-Path $Root 'build/Compare-RuntimeSchema.ps1') -Old $committed -New $out -SourceRoot (Join-Path $Root 'src')
                Remove-Item -Recurse -Force $committed
            }
            Copy-Item -Recurse $out $committed
        }
    }
    finally { Remove-Item -Recurse -Force $fresh -ErrorAction SilentlyContinue }
    Write-Host "==> pinned @openai/codex $Version (supported from $LowestSupported)" -ForegroundColor Green
    if (-not $NoTest) { Invoke-Test }
}

function Invoke-Bench {
    Invoke-Build
    # OpenAI's TypeScript SDK, pinned in bench/ts-sdk/package-lock.json, for the comparisons B2 and B3. Its own codex
    # binary (an optional dependency) is left out: the benchmark runs the SDK on the module's pinned runtime.
    Install-NpmFolder -Folder (Join-Path $Root 'bench/ts-sdk') -What 'OpenAI TypeScript SDK for the benchmarks' -Probe '@openai/codex-sdk' -NpmArguments '--omit=optional'
    Invoke-Checked 'benchmarks' {
        dotnet pwsh -NoProfile -File (Join-Path $Root 'tests/CodexPS.Bench/Invoke-Bench.ps1') -ModulePath (Join-Path $OutDir 'CodexPS.psd1') -Configuration $Configuration
    }
}

foreach ($name in $Task) {
    switch ($name) {
        'Native' { Invoke-Native }
        'UpdateRuntime' { Invoke-UpdateRuntime }
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
        'Package' { Invoke-Package }
        'Clean' {
            foreach ($path in 'out', 'src/CodexPS/bin', 'src/CodexPS/obj', 'src/CodexPS.Engine/bin', 'src/CodexPS.Engine/obj') {
                $full = Join-Path $Root $path
                if (Test-Path $full) { Remove-Item -Recurse -Force $full }
            }
        }
    }
}
