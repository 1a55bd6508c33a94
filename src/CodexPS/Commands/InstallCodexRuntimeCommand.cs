using System.Management.Automation;
using System.Text.Json;
using CodexPS.Engine.Runtime;
using CodexPS.Engine.Runtime.Install;

namespace CodexPS.Commands;

/// <summary>
/// Installs the codex runtime from the npm registry, with no Node and no npm: the platform package of the pinned
/// version (or -Version), verified against its sha512 integrity, into the per-user folder the locator searches.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "CodexRuntime", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexRuntimeInstallation))]
public sealed class InstallCodexRuntimeCommand : CodexCmdlet
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The @openai/codex version; default: the version this build of CodexPS is pinned to.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.RuntimeVersionCompleter))]
    public string? Version { get; set; }

    /// <summary>The folder that receives the runtime instead of the per-user folder the locator searches.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Reinstall even when this version is already installed there.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Another npm registry (a mirror); default: $env:CODEXPS_NPM_REGISTRY, else https://registry.npmjs.org.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Registry { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var version = Version ?? CodexRuntimeLocator.PinnedVersion;
        var installer = CreateInstaller(version);
        if (installer.Existing is { } existing && !Force)
        {
            WriteVerbose($"codex {version} ({existing.Platform}) is already installed in '{existing.Directory}'; -Force reinstalls it.");
            WriteObject(existing);
            return;
        }

        var integrity = installer.BuildTimeIntegrity is null ? "the registry's sha512 integrity" : "the sha512 integrity recorded when CodexPS was built";
        if (!ShouldProcess(installer.Destination, $"Install codex {version} from {CodexRuntimeInstaller.Display(installer.ArchiveUri)}, verified against {integrity}"))
        {
            return;
        }

        if (installer.BuildTimeIntegrity is null && version != CodexRuntimeLocator.PinnedVersion)
        {
            WriteWarning($"codex {version} is not the version this build of CodexPS is pinned to ({CodexRuntimeLocator.PinnedVersion}): there is no integrity "
                + "recorded for it at build time, so its download is checked against the sha512 the registry states for it over HTTPS. "
                + "The locator does not pick it up on its own; use the Path of the result with Connect-Codex -CodexPath or $env:CODEXPS_CODEX_PATH.");
        }

        WriteObject(Run(installer));
    }

    private CodexRuntimeInstaller CreateInstaller(string version)
    {
        try
        {
            CodexRuntimeInstaller.CheckVersion(version);
            var registry = CodexRuntimeInstaller.ResolveRegistry(Registry);
            var platform = CodexRuntimePlatform.Current ?? throw new CodexRuntimeInstallException("CodexRuntimePlatformUnsupported",
                $"codex is not published for this platform ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}); it is for {string.Join(", ", CodexRuntimePlatform.All)}.",
                System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);
            var destination = Path is null
                ? CodexRuntimeInstallDirectory.ForVersion(version) ?? throw new CodexRuntimeInstallException("CodexRuntimeInstallFailed",
                    "This user has no local application data folder to install into; give -Path.", version)
                : ToFileSystemPath(Path, out var problem) ?? throw new CodexRuntimeInstallException("CodexRuntimeInstallFailed",
                    $"The path '{Path}' is not a file-system path: {problem?.Message}", Path);
            var installer = new CodexRuntimeInstaller(new CodexRuntimeInstallOptions
            {
                Version = version,
                Platform = platform,
                Destination = destination,
                Registry = registry,
                Integrity = LoadIntegrity(),
                Force = Force,
            });
            installer.CheckDestination();
            return installer;
        }
        catch (CodexRuntimeInstallException ex)
        {
            ThrowTerminatingError(ToRecord(ex));
            throw;
        }
    }

    private CodexRuntimeIntegrityTable LoadIntegrity()
    {
        var file = System.IO.Path.Combine(RuntimeRegistry.ModuleDirectory, CodexRuntimeIntegrityTable.FileName);
        try
        {
            return CodexRuntimeIntegrityTable.Load(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // Without it the pinned version cannot be verified as built, and is refused below rather than trusted.
            WriteWarning($"The module's {CodexRuntimeIntegrityTable.FileName} cannot be read ({ex.Message}).");
            return CodexRuntimeIntegrityTable.Empty;
        }
    }

    private CodexRuntimeInstallation Run(CodexRuntimeInstaller installer)
    {
        var activity = $"Install-CodexRuntime {installer.ArchiveUri.Segments[^1]}";
        var record = new ProgressRecord(Math.Abs(activity.GetHashCode(StringComparison.Ordinal)), activity, "Starting");
        var task = installer.InstallAsync(CancellationToken);
        try
        {
            while (!task.IsCompleted)
            {
                PipelineWait.Wait((Task)Task.WhenAny(task, Task.Delay(ProgressInterval, CancellationToken)), CancellationToken);
                ShowProgress(record, installer.Progress);
            }

            return PipelineWait.Wait(task, CancellationToken);
        }
        catch (CodexRuntimeInstallException ex)
        {
            ThrowTerminatingError(ToRecord(ex));
            throw;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the installer removes its temporary files as it unwinds; give it a moment so none are left behind.
            PipelineWait.WaitAtMost(task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default), TimeSpan.FromSeconds(10));
            throw;
        }
        finally
        {
            record.RecordType = ProgressRecordType.Completed;
            WriteProgress(record);
        }
    }

    private void ShowProgress(ProgressRecord record, CodexRuntimeInstallProgress progress)
    {
        var done = progress.BytesDone;
        var total = progress.BytesTotal;
        var amount = total is { } t ? $"{Megabytes(done)} of {Megabytes(t)} MB" : $"{Megabytes(done)} MB";
        record.StatusDescription = progress.Phase switch
        {
            CodexRuntimeInstallPhase.Resolving => "Asking the registry for the version's integrity",
            CodexRuntimeInstallPhase.Downloading => $"Downloading: {amount}",
            CodexRuntimeInstallPhase.Extracting => $"Extracting: {amount} of the archive read",
            _ => "Moving the runtime into place",
        };
        record.PercentComplete = total is > 0 && progress.Phase is CodexRuntimeInstallPhase.Downloading or CodexRuntimeInstallPhase.Extracting
            ? (int)Math.Clamp(done * 100 / total.Value, 0, 100)
            : -1;
        WriteProgress(record);
    }

    private static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.CurrentCulture);

    private static ErrorRecord ToRecord(CodexRuntimeInstallException ex) => new(ex, ex.ErrorId, ex.ErrorId switch
    {
        "CodexRuntimeVersionInvalid" or "CodexRuntimeRegistryInvalid" => ErrorCategory.InvalidArgument,
        "CodexRuntimeVersionNotFound" => ErrorCategory.ObjectNotFound,
        "CodexRuntimeDownloadFailed" => ErrorCategory.ConnectionError,
        "CodexRuntimeIntegrityMismatch" or "CodexRuntimeIntegrityUnavailable" => ErrorCategory.SecurityError,
        "CodexRuntimeArchiveInvalid" => ErrorCategory.InvalidData,
        "CodexRuntimePlatformUnsupported" => ErrorCategory.NotImplemented,
        "CodexRuntimePathNotEmpty" => ErrorCategory.ResourceExists,
        "CodexRuntimeInUse" => ErrorCategory.ResourceBusy,
        _ => ErrorCategory.WriteError,
    }, ex.Target);
}
