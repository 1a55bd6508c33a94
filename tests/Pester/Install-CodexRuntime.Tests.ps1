param([string] $ModulePath)

# Install-CodexRuntime against the real npm registry (one download of the pinned platform package per run, skipped
# with the reason only when the registry cannot be reached) and against a local registry of this test's own, which
# serves tampered, truncated, corrupt and missing archives. The runtime-level tests run in a child pwsh that has no
# Node, npm or codex on PATH and a copy of the module with no native/ folder above it, so the only runtime it can
# find is the one Install-CodexRuntime installed.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $script:pinned = [CodexPS.Engine.Runtime.CodexRuntimeLocator]::PinnedVersion
    $script:platform = [CodexPS.Engine.Runtime.Install.CodexRuntimePlatform]::Current
    $script:root = New-TestDirectory 'codexps-install'
    $script:savedRegistry = $env:CODEXPS_NPM_REGISTRY
    Remove-Item Env:CODEXPS_NPM_REGISTRY -ErrorAction SilentlyContinue

    if (-not ('CodexPSTestRegistry' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;

// A registry of the test's own on loopback: each path answers with a status and a body; a body may be cut short of
// the length announced (the connection is then reset, as a broken download would be).
public sealed class CodexPSTestRegistry : IDisposable
{
    private sealed class Route { public int Status; public byte[] Body = Array.Empty<byte>(); public long? Announce; }
    private readonly HttpListener _listener = new HttpListener();
    private readonly ConcurrentDictionary<string, Route> _routes = new ConcurrentDictionary<string, Route>(StringComparer.OrdinalIgnoreCase);
    private readonly Thread _thread;
    public ConcurrentQueue<string> Requests { get; } = new ConcurrentQueue<string>();
    public string Url { get; }

    public CodexPSTestRegistry()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = "http://127.0.0.1:" + port + "/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _thread = new Thread(Loop) { IsBackground = true };
        _thread.Start();
    }

    public void Serve(string path, byte[] body, int status = 200, long announce = -1)
    {
        _routes[path] = new Route { Status = status, Body = body, Announce = announce >= 0 ? announce : (long?)null };
    }

    public void Clear() { _routes.Clear(); while (Requests.TryDequeue(out _)) { } }

    private void Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = _listener.GetContext(); } catch (Exception) { return; }
            ThreadPool.QueueUserWorkItem(_ => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.RawUrl ?? "/";
        Requests.Enqueue(path);
        var response = context.Response;
        try
        {
            if (!_routes.TryGetValue(path, out var route))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }

            response.StatusCode = route.Status;
            response.ContentLength64 = route.Announce ?? route.Body.Length;
            response.OutputStream.Write(route.Body, 0, route.Body.Length);
            response.OutputStream.Flush();
            if (route.Announce is long announced && announced > route.Body.Length) { response.Abort(); } else { response.Close(); }
        }
        catch (Exception) { try { response.Abort(); } catch (Exception) { } }
    }

    public void Dispose() { try { _listener.Stop(); _listener.Close(); } catch (Exception) { } }
}
'@
    }
    $script:registry = [CodexPSTestRegistry]::new()

    function Get-TarballPath([string] $Version) { "/@openai/codex/-/codex-$Version-$($platform.Name).tgz" }
    function Get-MetadataPath([string] $Version) { "/@openai%2fcodex/$Version-$($platform.Name)" }
    function Get-Integrity([byte[]] $Bytes) { 'sha512-' + [Convert]::ToBase64String([Security.Cryptography.SHA512]::HashData($Bytes)) }

    function New-FakeRuntimeArchive {
        # A structurally valid platform package whose "codex" is a small script: what an attacker would serve.
        param([string] $Content = "#!/bin/sh`necho fake codex`n", [string] $EntryPrefix = "package/vendor/$($platform.TargetTriple)/")
        $memory = [IO.MemoryStream]::new()
        $gzip = [IO.Compression.GZipStream]::new($memory, [IO.Compression.CompressionLevel]::Fastest, $true)
        $writer = [System.Formats.Tar.TarWriter]::new($gzip, [System.Formats.Tar.TarEntryFormat]::Pax, $false)
        $files = [ordered]@{
            'package/package.json'                                 = '{"name":"@openai/codex"}'
            "$($EntryPrefix)bin/$($platform.BinaryName)"           = $Content
            "$($EntryPrefix)codex-package.json"                    = '{"layoutVersion":1}'
            "$($EntryPrefix)codex-path/rg"                         = 'rg'
        }
        foreach ($name in $files.Keys) {
            $entry = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, $name)
            $entry.Mode = [IO.UnixFileMode] 0x1ED   # 0755
            $entry.DataStream = [IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($files[$name]))
            $writer.WriteEntry($entry)
        }
        $writer.Dispose()
        $gzip.Dispose()
        , $memory.ToArray()
    }

    function Publish-Version {
        # Serves an archive for a version, with registry metadata stating the given integrity (default: its own).
        param([string] $Version, [byte[]] $Archive, [string] $Integrity)
        if (-not $Integrity) { $Integrity = Get-Integrity $Archive }
        $metadata = @{ name = '@openai/codex'; version = "$Version-$($platform.Name)"; dist = @{ integrity = $Integrity } } | ConvertTo-Json
        $registry.Serve((Get-MetadataPath $Version), [Text.Encoding]::UTF8.GetBytes($metadata))
        $registry.Serve((Get-TarballPath $Version), $Archive)
    }

    function Get-InstallError {
        # The error that ended Install-CodexRuntime (every install error is terminating), with its warnings.
        param([hashtable] $Parameters)
        try { $null = Install-CodexRuntime @Parameters -ErrorAction SilentlyContinue -WarningAction SilentlyContinue; $null } catch { $_ }
    }

    function Assert-NothingInstalled([string] $Destination) {
        $Destination | Should -Not -Exist
        @(Get-ChildItem -Force (Split-Path $Destination) -Filter '.codexps-install-*' -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty -Because 'no temporary file may be left behind'
    }

    # The real registry: probed once; a run where it cannot be reached skips those tests and says why.
    $script:registryUnreachable = $null
    try {
        $http = [Net.Http.HttpClient]::new()
        $http.Timeout = [TimeSpan]::FromSeconds(20)
        $probe = $http.GetAsync("https://registry.npmjs.org/@openai%2fcodex/$pinned-$($platform.Name)").GetAwaiter().GetResult()
        if (-not $probe.IsSuccessStatusCode) { $script:registryUnreachable = "registry.npmjs.org answered $([int]$probe.StatusCode) for $pinned-$($platform.Name)" }
        $http.Dispose()
    }
    catch { $script:registryUnreachable = "registry.npmjs.org cannot be reached from this machine: $($_.Exception.GetBaseException().Message)" }

    # The child's world: a copy of the module with no native/ folder above it, and a PATH with no node, npm or codex.
    $script:isolatedModule = Join-Path $root 'modules/CodexPS'
    New-Item -ItemType Directory -Force (Split-Path $isolatedModule) | Out-Null
    Copy-Item -Recurse (Split-Path (Get-Module CodexPS).Path) $isolatedModule
    $hidden = '^(node|nodejs|npm|npx|corepack|codex)(\.exe|\.cmd|\.ps1|\.bat)?$'
    $originalPath = $env:PATH -split [IO.Path]::PathSeparator | Where-Object { $_ }
    if ($IsWindows) {
        # Node's installer gives it a folder of its own: leaving those folders out hides it.
        $script:childPath = ($originalPath | Where-Object { -not (Get-ChildItem -LiteralPath $_ -File -ErrorAction SilentlyContinue | Where-Object Name -match $hidden) }) -join ';'
    }
    else {
        # node may share /usr/bin with sh and the rest: one folder of links to every command but the hidden ones.
        $shadow = New-Item -ItemType Directory (Join-Path $root 'path') | ForEach-Object FullName
        foreach ($folder in $originalPath) {
            foreach ($file in Get-ChildItem -LiteralPath $folder -ErrorAction SilentlyContinue) {
                $link = Join-Path $shadow $file.Name
                if ($file.Name -match $hidden -or [IO.File]::Exists($link) -or [IO.Directory]::Exists($link)) { continue }
                try { $null = [IO.File]::CreateSymbolicLink($link, $file.FullName) } catch { }
            }
        }
        $script:childPath = $shadow
    }

    function Invoke-WithoutNode {
        # Runs a script in a child pwsh with that module copy, that PATH and DataHome as the per-user data folder;
        # the script's $result hashtable comes back as an object.
        param([string] $Script, [string] $DataHome, [hashtable] $Arguments = @{}, [int] $TimeoutMs = 600000)
        $work = New-Item -ItemType Directory (Join-Path $root ('child-' + [guid]::NewGuid().ToString('N').Substring(0, 8))) | ForEach-Object FullName
        $resultFile = Join-Path $work 'result.json'
        $scriptFile = Join-Path $work 'child.ps1'
        Set-Content -LiteralPath $scriptFile -Value @"
param([string] `$ResultFile, [string] `$ArgumentsFile)
`$ErrorActionPreference = 'Stop'
`$result = [ordered]@{}
`$arguments = Get-Content -Raw `$ArgumentsFile | ConvertFrom-Json -AsHashtable
try {
    Import-Module '$isolatedModule/CodexPS.psd1'
    $Script
}
catch { `$result.Failure = "`$(`$_.FullyQualifiedErrorId): `$_" }
finally { `$result | ConvertTo-Json -Depth 6 -EnumsAsStrings | Set-Content -LiteralPath `$ResultFile }
"@
        $argumentsFile = Join-Path $work 'arguments.json'
        $Arguments | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $argumentsFile
        $pwsh = @(Get-PwshCommand)
        $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptFile, $resultFile, $argumentsFile)) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['PATH'] = $childPath
        $start.Environment.Remove('CODEXPS_CODEX_PATH') | Out-Null
        $start.Environment.Remove('CODEXPS_NPM_REGISTRY') | Out-Null
        $start.Environment[$(if ($IsWindows) { 'LOCALAPPDATA' } else { 'XDG_DATA_HOME' })] = $DataHome
        $process = [Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutMs)) { $process.Kill($true); throw "The child pwsh did not finish within $TimeoutMs ms." }
        if (-not (Test-Path $resultFile)) { throw "The child pwsh wrote no result. stdout: $($stdout.Result) stderr: $($stderr.Result)" }
        Get-Content -Raw $resultFile | ConvertFrom-Json
    }

    $script:dataHome = Join-Path $root 'data'
    $script:runtimeRoot = Join-Path $dataHome 'CodexPS/runtime'
}

AfterAll {
    if ($script:registry) { $registry.Dispose() }
    $env:CODEXPS_NPM_REGISTRY = $script:savedRegistry
    if ($script:root) { Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue }
}

Describe 'Install-CodexRuntime from the real registry, on a machine without Node' {
    It 'installs the pinned runtime with no Node on PATH, and Invoke-Codex answers through it against the mock' {
        if ($registryUnreachable) { Set-ItResult -Skipped -Because $registryUnreachable; return }

        $result = Invoke-WithoutNode -DataHome $dataHome -Script @'
    $result.NodeCommands = @(Get-Command node, npm, npx, codex -ErrorAction SilentlyContinue | ForEach-Object Source)
    $result.FoundBefore = (Get-CodexStatus).CodexPath
    $installed = Install-CodexRuntime -ProgressAction SilentlyContinue
    $result.Installed = $installed | Select-Object Version, Platform, Path, Directory, IntegrityVerified, IntegritySource, Integrity, Source
    $result.Located = [CodexPS.Engine.Runtime.CodexRuntimeLocator]::Locate($null, [string[]] @((Split-Path (Get-Module CodexPS).Path))) | Select-Object Path, Source
    $mock = Start-CodexMockProvider -Response @('Hello from the installed runtime')
    Connect-Codex -MockProvider $mock -WarningAction SilentlyContinue
    $result.Answer = (Invoke-Codex 'Say hello').FinalResponse
    $status = Get-CodexStatus
    $result.StatusPath = $status.CodexPath
    $result.StatusVersion = $status.CodexVersion
    Disconnect-Codex
    Stop-CodexMockProvider
'@
        $result.PSObject.Properties.Name | Should -Not -Contain 'Failure' -Because "the child failed: $($result.Failure)"
        $result.NodeCommands | Should -BeNullOrEmpty -Because 'the child must have no node, npm or codex on PATH'
        $result.FoundBefore | Should -BeNullOrEmpty -Because 'before the install, the child can find no runtime at all'
        $expectedFolder = Join-Path $runtimeRoot $pinned
        $result.Installed.Version | Should -Be $pinned
        $result.Installed.Platform | Should -Be $platform.Name
        $result.Installed.Directory | Should -Be $expectedFolder
        $result.Installed.Path | Should -Be (Join-Path $expectedFolder "bin/$($platform.BinaryName)")
        $result.Installed.IntegrityVerified | Should -BeTrue
        $result.Installed.IntegritySource | Should -Be 'BuildTime'
        $lock = Get-Content -Raw (Join-Path $PSScriptRoot '../../native/package-lock.json') | ConvertFrom-Json -AsHashtable
        $result.Installed.Integrity | Should -Be $lock.packages["node_modules/@openai/codex-$($platform.Name)"].integrity
        $result.Installed.Source | Should -Be "https://registry.npmjs.org/@openai/codex/-/codex-$pinned-$($platform.Name).tgz"
        $result.Located.Source | Should -Be 'Install-CodexRuntime'
        $result.Answer | Should -Be 'Hello from the installed runtime'
        $result.StatusPath | Should -Be $result.Installed.Path -Because 'the runtime that answered is the installed one'
        $result.StatusVersion | Should -Be $pinned
        Join-Path $expectedFolder 'codex-path' | Should -Exist
        Join-Path $expectedFolder 'codex-resources' | Should -Exist
        Join-Path $expectedFolder 'package.json' | Should -Not -Exist -Because 'only the vendor folder of the package is installed'
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($result.Installed.Path).HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue }
        @(Get-ChildItem -Force $runtimeRoot -Filter '.codexps-install-*') | Should -BeNullOrEmpty
    }

    It 'refuses a truncated download, and the runtime installed before is still the one used' {
        $binary = Join-Path $runtimeRoot "$pinned/bin/$($platform.BinaryName)"
        if (-not (Test-Path $binary)) { Set-ItResult -Skipped -Because "the previous test installed no runtime to keep ($($registryUnreachable ?? 'it failed'))"; return }
        $before = Get-Item $binary
        $manifestBefore = Get-Content -Raw (Join-Path $runtimeRoot "$pinned/codexps-runtime.json")
        $registry.Clear()
        # A server that announces the whole archive and breaks off after a megabyte.
        $registry.Serve((Get-TarballPath $pinned), [byte[]]::new(1MB), 200, 167001509)

        $result = Invoke-WithoutNode -DataHome $dataHome -Arguments @{ Registry = $registry.Url } -Script @'
    try { Install-CodexRuntime -Force -Registry $arguments.Registry -ProgressAction SilentlyContinue; $result.Installed = $true }
    catch { $result.ErrorId = $_.FullyQualifiedErrorId; $result.Category = "$($_.CategoryInfo.Category)"; $result.Target = "$($_.TargetObject)"; $result.Message = "$_" }
    $mock = Start-CodexMockProvider -Response @('Still the previous runtime')
    Connect-Codex -MockProvider $mock -WarningAction SilentlyContinue
    $result.Answer = (Invoke-Codex 'Say hello').FinalResponse
    $result.StatusPath = (Get-CodexStatus).CodexPath
    Disconnect-Codex
    Stop-CodexMockProvider
'@
        $result.PSObject.Properties.Name | Should -Not -Contain 'Failure' -Because "the child failed: $($result.Failure)"
        $result.PSObject.Properties.Name | Should -Not -Contain 'Installed'
        $result.ErrorId | Should -BeLike 'CodexRuntimeDownloadFailed,*'
        $result.Category | Should -Be 'ConnectionError'
        $result.Target | Should -Be "$($registry.Url.TrimEnd('/'))$(Get-TarballPath $pinned)"
        $result.Message | Should -Match 'after [\d,.\s]+ of 167'
        @($registry.Requests) | Should -Contain (Get-TarballPath $pinned)
        $result.Answer | Should -Be 'Still the previous runtime'
        $result.StatusPath | Should -Be $binary
        $after = Get-Item $binary
        $after.Length | Should -Be $before.Length
        $after.LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc
        Get-Content -Raw (Join-Path $runtimeRoot "$pinned/codexps-runtime.json") | Should -Be $manifestBefore
        @(Get-ChildItem -Force $runtimeRoot -Filter '.codexps-install-*') | Should -BeNullOrEmpty
    }

    It 'reports a version the real registry does not have as CodexRuntimeVersionNotFound' {
        if ($registryUnreachable) { Set-ItResult -Skipped -Because $registryUnreachable; return }
        $destination = Join-Path $root 'real-404'
        $err = Get-InstallError @{ Version = '0.0.1'; Path = $destination }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeVersionNotFound,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be '0.0.1'
        Assert-NothingInstalled $destination
    }
}

Describe 'Install-CodexRuntime against a local registry' {
    BeforeEach { $registry.Clear() }

    It 'refuses a tampered archive of the pinned version and installs nothing' {
        $registry.Serve((Get-TarballPath $pinned), (New-FakeRuntimeArchive))
        $destination = Join-Path $root 'tampered'
        $err = Get-InstallError @{ Path = $destination; Registry = $registry.Url }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeIntegrityMismatch,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'SecurityError'
        $err.TargetObject | Should -Be "$($registry.Url.TrimEnd('/'))$(Get-TarballPath $pinned)"
        "$err" | Should -Match 'recorded when CodexPS was built'
        @($registry.Requests) | Should -Not -Contain (Get-MetadataPath $pinned) -Because 'the pinned version is never checked against the registry''s word'
        Assert-NothingInstalled $destination
    }

    It 'keeps the runtime installed before when a tampered archive replaces it with -Force' {
        $good = New-FakeRuntimeArchive -Content 'previous runtime'
        Publish-Version -Version '0.0.2' -Archive $good
        $destination = Join-Path $root 'keep-previous'
        $previous = Install-CodexRuntime -Version 0.0.2 -Path $destination -Registry $registry.Url -WarningAction SilentlyContinue
        Publish-Version -Version '0.0.2' -Archive (New-FakeRuntimeArchive -Content 'tampered') -Integrity (Get-Integrity $good)
        $err = Get-InstallError @{ Version = '0.0.2'; Path = $destination; Registry = $registry.Url; Force = $true }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeIntegrityMismatch,*'
        Get-Content -Raw $previous.Path | Should -Be 'previous runtime'
        @(Get-ChildItem -Force $root -Filter '.codexps-install-*') | Should -BeNullOrEmpty
    }

    It 'installs an archive that matches the registry''s integrity for another version, with a warning (the control for the refusals)' {
        $archive = New-FakeRuntimeArchive -Content 'fake runtime'
        Publish-Version -Version '0.0.3' -Archive $archive
        $destination = Join-Path $root 'other-version'
        $installed = Install-CodexRuntime -Version 0.0.3 -Path $destination -Registry $registry.Url -WarningVariable warnings -WarningAction SilentlyContinue
        $installed | Should -BeOfType CodexPS.Engine.Runtime.Install.CodexRuntimeInstallation
        $installed.Version | Should -Be '0.0.3'
        $installed.IntegrityVerified | Should -BeTrue
        "$($installed.IntegritySource)" | Should -Be 'Registry'
        $installed.Integrity | Should -Be (Get-Integrity $archive)
        $installed.Path | Should -Be (Join-Path $destination "bin/$($platform.BinaryName)")
        Get-Content -Raw $installed.Path | Should -Be 'fake runtime'
        Join-Path $destination 'package.json' | Should -Not -Exist
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($installed.Path).HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue }
        "$warnings" | Should -Match "not the version this build of CodexPS is pinned to \($([regex]::Escape($pinned))\)"
        "$warnings" | Should -Match 'registry'
        @($registry.Requests) | Should -Contain (Get-MetadataPath '0.0.3')
        ($installed | Format-Table | Out-String -Width 80) | Should -Match '0\.0\.3\s+\S+\s+True'

        # Installed already: no download at all, unless -Force.
        $registry.Clear()
        $again = Install-CodexRuntime -Version 0.0.3 -Path $destination -Registry $registry.Url -WarningAction SilentlyContinue
        $again.Path | Should -Be $installed.Path
        @($registry.Requests) | Should -BeNullOrEmpty
        $err = Get-InstallError @{ Version = '0.0.3'; Path = $destination; Registry = $registry.Url; Force = $true }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeVersionNotFound,*' -Because '-Force downloads again, and this registry no longer has it'
        Get-Content -Raw $installed.Path | Should -Be 'fake runtime'
    }

    It 'refuses an archive that matches its integrity but is no runtime package: CodexRuntimeArchiveInvalid' {
        $destination = Join-Path $root 'corrupt'
        $garbage = [Text.Encoding]::UTF8.GetBytes('this is not a gzip archive')
        Publish-Version -Version '0.0.4' -Archive $garbage
        $err = Get-InstallError @{ Version = '0.0.4'; Path = $destination; Registry = $registry.Url }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeArchiveInvalid,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'InvalidData'
        Assert-NothingInstalled $destination

        Publish-Version -Version '0.0.4' -Archive (New-FakeRuntimeArchive -EntryPrefix 'package/vendor/another-triple/')
        $err = Get-InstallError @{ Version = '0.0.4'; Path = $destination; Registry = $registry.Url }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeArchiveInvalid,*'
        "$err" | Should -Match 'holds no'
        Assert-NothingInstalled $destination
    }

    It 'reports a version the registry answers 404 for as CodexRuntimeVersionNotFound' {
        $destination = Join-Path $root 'missing'
        $err = Get-InstallError @{ Path = $destination; Registry = $registry.Url }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeVersionNotFound,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be $pinned
        @($registry.Requests) | Should -Be @(Get-TarballPath $pinned)
        Assert-NothingInstalled $destination

        $err = Get-InstallError @{ Version = '0.0.5'; Path = $destination; Registry = $registry.Url }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeVersionNotFound,*'
        $err.TargetObject | Should -Be '0.0.5'
        Assert-NothingInstalled $destination
    }

    It 'reports no network as CodexRuntimeDownloadFailed' {
        $closed = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $closed.Start()
        $port = $closed.LocalEndpoint.Port
        $closed.Stop()
        $destination = Join-Path $root 'offline'
        $err = Get-InstallError @{ Path = $destination; Registry = "http://127.0.0.1:$port/" }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeDownloadFailed,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'ConnectionError'
        $err.TargetObject | Should -Be "http://127.0.0.1:$port$(Get-TarballPath $pinned)"
        Assert-NothingInstalled $destination
    }

    It 'refuses a registry that is not https off this machine, and a version that is not a version' {
        $err = Get-InstallError @{ Path = (Join-Path $root 'insecure'); Registry = 'http://registry.example.com/' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeRegistryInvalid,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be 'http://registry.example.com/'

        $env:CODEXPS_NPM_REGISTRY = 'ftp://registry.example.com/'
        try { $err = Get-InstallError @{ Path = (Join-Path $root 'insecure') } }
        finally { Remove-Item Env:CODEXPS_NPM_REGISTRY }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeRegistryInvalid,*' -Because 'the environment variable names the registry too'

        $err = Get-InstallError @{ Version = '../../etc'; Path = (Join-Path $root 'bad-version') }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimeVersionInvalid,*'
        $err.TargetObject | Should -Be '../../etc'
    }

    It 'refuses a -Path that holds other files, so a reinstall never moves them away' {
        $destination = New-Item -ItemType Directory (Join-Path $root 'own-files') | ForEach-Object FullName
        Set-Content (Join-Path $destination 'mine.txt') 'keep me'
        $err = Get-InstallError @{ Path = $destination; Registry = $registry.Url; Force = $true }
        $err.FullyQualifiedErrorId | Should -BeLike 'CodexRuntimePathNotEmpty,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'ResourceExists'
        $err.TargetObject | Should -Be $destination
        Get-Content (Join-Path $destination 'mine.txt') | Should -Be 'keep me'
        @($registry.Requests) | Should -BeNullOrEmpty
    }

    It 'with -WhatIf downloads and writes nothing' {
        $destination = Join-Path $root 'whatif'
        $registry.Serve((Get-TarballPath $pinned), (New-FakeRuntimeArchive))
        $out = Install-CodexRuntime -Path $destination -Registry $registry.Url -WhatIf 6>&1
        @($out | Where-Object { $_ -is [CodexPS.Engine.Runtime.Install.CodexRuntimeInstallation] }) | Should -BeNullOrEmpty
        @($registry.Requests) | Should -BeNullOrEmpty
        Assert-NothingInstalled $destination
    }
}

Describe 'Completing -Version' {
    It 'offers the pinned version and the versions installed in the per-user folder, by prefix' {
        $saved = $env:XDG_DATA_HOME, $env:LOCALAPPDATA
        $data = Join-Path $root 'completion-data'
        $folder = Join-Path $data "CodexPS/runtime/0.0.9"
        New-Item -ItemType Directory -Force (Join-Path $folder 'bin') | Out-Null
        Set-Content (Join-Path $folder "bin/$($platform.BinaryName)") 'x'
        @{ version = '0.0.9'; platform = $platform.Name; integrityVerified = $true } | ConvertTo-Json | Set-Content (Join-Path $folder 'codexps-runtime.json')
        try {
            if ($IsWindows) { $env:LOCALAPPDATA = $data } else { $env:XDG_DATA_HOME = $data }
            $all = (TabExpansion2 -inputScript 'Install-CodexRuntime -Version ' -cursorColumn 'Install-CodexRuntime -Version '.Length).CompletionMatches.CompletionText
            $all | Should -Contain $pinned
            $all | Should -Contain '0.0.9'
            $prefix = $pinned.Split('.')[0..1] -join '.'
            $some = (TabExpansion2 -inputScript "Install-CodexRuntime -Version $prefix" -cursorColumn "Install-CodexRuntime -Version $prefix".Length).CompletionMatches.CompletionText
            $some | Should -Contain $pinned
            $some | Should -Not -Contain '0.0.9'
        }
        finally { $env:XDG_DATA_HOME, $env:LOCALAPPDATA = $saved }
    }
}

Describe 'The integrity the module ships' {
    It 'records the sha512 of every platform package of native/package-lock.json, and the pinned version for this platform' {
        $shipped = Get-Content -Raw (Join-Path (Split-Path (Get-Module CodexPS).Path) 'runtime-integrity.json') | ConvertFrom-Json -AsHashtable
        $lock = Get-Content -Raw (Join-Path $PSScriptRoot '../../native/package-lock.json') | ConvertFrom-Json -AsHashtable
        $platforms = $lock.packages.Keys | Where-Object { $_ -match '^node_modules/@openai/codex-' }
        @($platforms).Count | Should -BeGreaterOrEqual 6
        foreach ($key in $platforms) {
            $entry = $lock.packages[$key]
            $name = $key -replace '^node_modules/@openai/codex-'
            $entry.version | Should -Be "$pinned-$name"
            $shipped[$pinned][$name] | Should -Be $entry.integrity
        }
        $shipped[$pinned][$platform.Name] | Should -Match '^sha512-'
    }
}
