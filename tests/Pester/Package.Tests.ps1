param([string] $ModulePath)

# The module as a user gets it: packed by build.ps1 Package's step, published to a file repository, installed with
# PSResourceGet, imported by name in a fresh pwsh, with the runtime installed the way the README says (npm install -g).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $root = Split-Path (Split-Path $PSScriptRoot)
    $pwsh = @(Get-PwshCommand)
    $moduleFolder = Split-Path (Resolve-Path $ModulePath).ProviderPath
    $version = (Test-ModuleManifest (Join-Path $moduleFolder 'CodexPS.psd1')).Version.ToString()
    $pinned = (Get-Content -Raw (Join-Path $root 'native/package.json') | ConvertFrom-Json).dependencies.'@openai/codex'
    $work = New-TestDirectory 'codexps-package'
    # On Linux and macOS the children get a home of their own: PSResourceGet's repository list, the CurrentUser module
    # folder and PowerShell's caches all live below it, so the user's own are never read or written. Windows takes
    # those folders from the registry, not the environment: there the package is saved into $modules instead.
    $userHome = New-Item -ItemType Directory (Join-Path $work 'home') | ForEach-Object FullName
    $modules = Join-Path $work 'modules'
    $workspace = New-Item -ItemType Directory (Join-Path $work 'workspace') | ForEach-Object FullName
    $userStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
    $userStoreBefore = if (Test-Path $userStore) { (Get-FileHash $userStore).Hash }

    function Invoke-FreshPwsh {
        # Runs a script file in a new pwsh with a clean module path and no CODEXPS_CODEX_PATH; returns the JSON it wrote.
        param([string] $Script, [hashtable] $Parameters = @{}, [hashtable] $Environment = @{}, [int] $TimeoutSec = 300)
        $scriptFile = Join-Path $work ("child-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
        $resultFile = [IO.Path]::ChangeExtension($scriptFile, '.json')
        Set-Content -Path $scriptFile -Value $Script
        $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptFile, '-ResultFile', $resultFile)
        foreach ($key in $Parameters.Keys) { $arguments += @("-$key", $Parameters[$key]) }
        foreach ($argument in $arguments) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.WorkingDirectory = $work
        foreach ($name in 'PSModulePath', 'CODEXPS_CODEX_PATH', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME') { $null = $start.Environment.Remove($name) }
        if (-not $IsWindows) { $start.Environment['HOME'] = $userHome }
        foreach ($key in $Environment.Keys) { $start.Environment[$key] = $Environment[$key] }
        $process = [Diagnostics.Process]::Start($start)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSec * 1000)) {
                $process.Kill($true)
                throw "The child pwsh did not finish in $TimeoutSec s. Output: $($stdout.Result) $($stderr.Result)"
            }
            $process.WaitForExit()
            if ($process.ExitCode -ne 0 -or -not (Test-Path $resultFile)) {
                throw "The child pwsh failed (exit code $($process.ExitCode)): $($stdout.Result) $($stderr.Result)"
            }
        }
        finally { $process.Dispose() }
        Get-Content -Raw $resultFile | ConvertFrom-Json
    }

    # 1. The runtime, installed as the README tells users: npm install -g, here into a prefix of the test's own.
    $npmPrefix = Join-Path $work 'npm-global'
    $npmOutput = & npm install --global --prefix $npmPrefix --prefer-offline --no-audit --no-fund "@openai/codex@$pinned" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "npm install -g @openai/codex@$pinned failed: $npmOutput" }
    $npmBin = if ($IsWindows) { $npmPrefix } else { Join-Path $npmPrefix 'bin' }

    # 2. Pack, publish to a temporary file repository, install from it.
    $install = Invoke-FreshPwsh -Parameters @{ ModuleFolder = $moduleFolder; PackScript = (Join-Path $root 'build/New-ModulePackage.ps1'); Work = $work; Modules = $modules } -Script @'
param([string] $ResultFile, [string] $ModuleFolder, [string] $PackScript, [string] $Work, [string] $Modules)
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
$package = & $PackScript -ModulePath $ModuleFolder -DestinationPath (Join-Path $Work 'packages')
$repository = New-Item -ItemType Directory -Force (Join-Path $Work 'repository')
$name = 'CodexPSPackageTest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $name -Uri $repository.FullName -Trusted
try {
    Publish-PSResource -NupkgPath $package.FullName -Repository $name
    $found = Find-PSResource -Name CodexPS -Repository $name
    if ($IsWindows) {
        Save-PSResource -Name CodexPS -Repository $name -Path $Modules -TrustRepository
        $installed = Get-InstalledPSResource -Name CodexPS -Path $Modules
    } else {
        Install-PSResource -Name CodexPS -Repository $name -Scope CurrentUser -TrustRepository
        $installed = Get-InstalledPSResource -Name CodexPS -Scope CurrentUser
    }
    $result = [ordered]@{
        Package           = $package.FullName
        Published         = @(Get-ChildItem $repository -Filter *.nupkg | ForEach-Object Name)
        Found             = "$($found.Version)"
        InstalledVersion  = "$($installed.Version)"
        InstalledLocation = $installed.InstalledLocation
    }
}
finally {
    Unregister-PSResourceRepository -Name $name
}
$result.RepositoryLeft = @(Get-PSResourceRepository | Where-Object Name -eq $name).Count
$result | ConvertTo-Json | Set-Content $ResultFile
'@

    # 3. A fresh pwsh imports the installed module by name and uses it; it learns where the runtime is only from PATH.
    $session = Invoke-FreshPwsh -Parameters @{ Workspace = $workspace; Modules = $modules } -Environment @{
        PATH                  = $npmBin + [IO.Path]::PathSeparator + $env:PATH
        CODEXPS_METRICS_PATH  = Join-Path $work 'metrics.db'
    } -Script @'
param([string] $ResultFile, [string] $Workspace, [string] $Modules)
$ErrorActionPreference = 'Stop'
if ($IsWindows) { $env:PSModulePath = $Modules + [IO.Path]::PathSeparator + $env:PSModulePath }
function Get-LoadedAssembly { @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name }) }
function Get-ChildProcess { @(Get-Process | Where-Object { $_.Parent.Id -eq $PID } | ForEach-Object Name) }

Import-Module CodexPS
$module = Get-Module CodexPS
$atImport = [ordered]@{
    Assemblies          = Get-LoadedAssembly
    ChildProcesses      = Get-ChildProcess
    # Set by the first use of the session state (the runtime registry and its peers in State/); nothing should have used it yet.
    SessionStateTouched = [CodexPS.ModuleCleanup].GetField('_used', [Reflection.BindingFlags]'NonPublic, Static').GetValue($null)
}
$mock = Start-CodexMockProvider -Response @(@{ Text = 'Hello from the installed module'; Deltas = 3 })
Connect-Codex -MockProvider $mock -WarningAction SilentlyContinue
$status = Get-CodexStatus
$connected = Get-ChildProcess
$answer = Invoke-Codex 'Say hello from the package' -WorkingDirectory $Workspace
$null = Get-CodexMetric -ErrorAction SilentlyContinue
$afterUse = Get-LoadedAssembly
$requests = @($mock.Requests | ForEach-Object Body)
Disconnect-Codex
Stop-CodexMockProvider
[ordered]@{
    ModuleBase          = $module.ModuleBase
    Version             = "$($module.Version)"
    AtImport            = $atImport
    CodexPath           = $status.CodexPath
    CodexVersion        = $status.CodexVersion
    ChildProcesses      = $connected
    FinalResponse       = $answer.FinalResponse
    Status              = "$($answer.Status)"
    Requests            = $requests
    AssembliesAfterUse  = $afterUse
} | ConvertTo-Json -Depth 4 | Set-Content $ResultFile
'@
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'The CodexPS package' {
    It 'is CodexPS.<version>.nupkg with the whole module inside' {
        $install.Package | Should -Exist
        Split-Path -Leaf $install.Package | Should -Be "CodexPS.$version.nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($install.Package)
        try {
            $entries = $zip.Entries.FullName
            $shipped = Get-ChildItem -Recurse -File $moduleFolder | ForEach-Object { [IO.Path]::GetRelativePath($moduleFolder, $_.FullName) -replace '\\', '/' }
            foreach ($file in $shipped) { $entries | Should -Contain $file }
            $nuspec = [xml]([IO.StreamReader]::new($zip.GetEntry('CodexPS.nuspec').Open()).ReadToEnd())
            $nuspec.package.metadata.id | Should -Be 'CodexPS'
            $nuspec.package.metadata.version | Should -Be $version
            $nuspec.package.metadata.licenseUrl | Should -Not -BeNullOrEmpty
        }
        finally { $zip.Dispose() }
    }

    It 'publishes to a temporary file repository and installs from it with PSResourceGet' {
        $install.Published | Should -Be @("CodexPS.$version.nupkg")
        $install.Found | Should -Be $version
        $install.InstalledVersion | Should -Be $version
        $install.InstalledLocation | Should -BeLike "$work*"
        $install.RepositoryLeft | Should -Be 0
        # The user's own repository list is exactly as it was.
        $userStoreAfter = if (Test-Path $userStore) { (Get-FileHash $userStore).Hash }
        $userStoreAfter | Should -Be $userStoreBefore
    }

    It 'imports by name in a fresh pwsh from the installed folder, not from the build output' {
        $session.ModuleBase | Should -BeLike "$work*"
        $session.ModuleBase | Should -Not -BeLike "$root*"
        $session.Version | Should -Be $version
    }

    It 'starts nothing and loads no SQLite at import; both happen on first use' {
        $heavy = 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.batteries_v2', 'SQLitePCLRaw.provider.e_sqlite3'
        $session.AtImport.Assemblies | Should -Contain 'CodexPS'
        foreach ($name in $heavy) { $session.AtImport.Assemblies | Should -Not -Contain $name }
        @($session.AtImport.ChildProcesses) | Should -BeNullOrEmpty
        $session.AtImport.SessionStateTouched | Should -BeFalse
        # The same probes see them once the module is used: the checks above can fail.
        $session.ChildProcesses | Should -Contain 'codex'
        $session.AssembliesAfterUse | Should -Contain 'Microsoft.Data.Sqlite'
    }

    It 'finds the runtime installed with npm install -g @openai/codex, as the README says' {
        # What the test did is what the README tells users to do.
        Get-Content -Raw (Join-Path $root 'README.md') | Should -Match ([regex]::Escape("npm install -g @openai/codex@$pinned"))
        $session.CodexPath | Should -BeLike "$npmPrefix*"
        $session.CodexVersion | Should -Be $pinned
    }

    It 'answers Invoke-Codex through the real runtime and the mock model' {
        $session.Status | Should -Be 'Completed'
        $session.FinalResponse | Should -Be 'Hello from the installed module'
        @($session.Requests).Count | Should -Be 1
        $session.Requests[0] | Should -Match 'Say hello from the package'
    }
}
