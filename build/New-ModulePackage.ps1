<#
.SYNOPSIS
    Packs the built module folder into CodexPS.<version>.nupkg, a package Install-PSResource installs.
.DESCRIPTION
    Uses Compress-PSResource (Microsoft.PowerShell.PSResourceGet, shipped with PowerShell 7.6): the same nuspec
    and layout Publish-PSResource writes, without registering or publishing to any repository. Publish the
    result with Publish-PSResource -NupkgPath, or register its folder as a local file repository.
.PARAMETER ModulePath
    The built module folder (out/CodexPS), holding CodexPS.psd1 with its version already stamped.
.PARAMETER DestinationPath
    The folder the .nupkg is written to; an older package of the same version there is replaced.
.OUTPUTS
    System.IO.FileInfo: the package.
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DestinationPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.1.0

$ModulePath = (Resolve-Path $ModulePath).ProviderPath
$manifest = Test-ModuleManifest (Join-Path $ModulePath 'CodexPS.psd1')
New-Item -ItemType Directory -Force $DestinationPath | Out-Null
$DestinationPath = (Resolve-Path $DestinationPath).ProviderPath
# Compress-PSResource will not overwrite; a stale package of this version would otherwise survive a rebuild.
Get-ChildItem -Path $DestinationPath -Filter "CodexPS.$($manifest.Version)*.nupkg" | Remove-Item

Write-Host "==> package CodexPS $($manifest.Version) (Compress-PSResource)" -ForegroundColor Cyan
$package = Compress-PSResource -Path $ModulePath -DestinationPath $DestinationPath -PassThru
$package = Get-Item -LiteralPath "$package"
if (-not $package.Exists -or $package.Length -eq 0) { throw "Compress-PSResource wrote no package to $DestinationPath." }
Write-Host "==> package ready: $($package.FullName)" -ForegroundColor Green
$package
