using System.Management.Automation;
using CodexPS.Engine.Metrics;

namespace CodexPS.Commands;

/// <summary>Writes the session's metric data points to a file: the seed's website JSON, CSV, an HTML dashboard or Prometheus text.</summary>
[Cmdlet(VerbsData.Export, "CodexMetrics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportCodexMetricsCommand : MetricCmdlet
{
    private const string DefaultSet = "Default";

    /// <summary>The file to write.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Json (default), Csv, Html or Prometheus.</summary>
    [Parameter(Position = 1)]
    public CodexMetricExportFormat Format { get; set; } = CodexMetricExportFormat.Json;

    /// <summary>Replaces an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the file's FileInfo.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        CheckRange();
        var target = ResolveTarget();
        var points = Query(null, null);
        if (points.Count == 0)
        {
            var range = $"{(Since is null ? "the beginning" : Since.Value.ToString("o"))} to {(Until is null ? "now" : Until.Value.ToString("o"))}";
            ThrowTerminatingError(NewError("CodexMetricExportNoData", ErrorCategory.ObjectNotFound, range,
                $"There are no metric data points from {range}; nothing was written to '{target}'. Run a turn first, or widen -Since/-Until."));
            return;
        }

        if (!ShouldProcess(target, $"Export {points.Count} metric data points as {Format}"))
        {
            return;
        }

        var directory = System.IO.Path.GetDirectoryName(target)!;
        var temporary = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            // Written beside the target and moved over it, so a failure never leaves a half-written or emptied file.
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                CodexMetricExporter.Write(stream, Format, points, SinceOffset, UntilOffset, DateTimeOffset.Now);
            }

            File.Move(temporary, target, overwrite: Force.IsPresent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            var exists = ex is IOException && File.Exists(target) && !Force;
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"The metrics could not be written to '{target}': {ex.Message}", ex),
                exists ? "CodexMetricExportFileExists" : "CodexMetricExportWriteFailed",
                exists ? ErrorCategory.ResourceExists : ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
                target));
        }

        WriteVerbose($"Wrote {points.Count} data points of {points.Select(p => p.Name).Distinct().Count()} metrics to {target} ({Format}).");
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }

    /// <summary>The full file-system path to write, or a terminating error that says what is wrong with -Path.</summary>
    private string ResolveTarget()
    {
        string target;
        try
        {
            target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new NotSupportedException($"'{Path}' is on the {provider.Name} provider, not the file system.");
            }

            if (target.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0 || System.IO.Path.GetFileName(target).Length == 0)
            {
                throw new ArgumentException($"'{Path}' is not a valid file path.");
            }

            target = System.IO.Path.GetFullPath(target);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException
            or PSInvalidOperationException or PSNotSupportedException or ItemNotFoundException)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The export path '{Path}' is not usable: {ex.Message}", ex),
                "CodexMetricExportPathInvalid", ErrorCategory.InvalidArgument, Path));
            throw;
        }

        if (Directory.Exists(target))
        {
            ThrowTerminatingError(NewError("CodexMetricExportPathInvalid", ErrorCategory.InvalidArgument, Path, $"'{target}' is a directory; give a file path."));
        }

        var directory = System.IO.Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            ThrowTerminatingError(NewError("CodexMetricExportDirectoryNotFound", ErrorCategory.ObjectNotFound, directory ?? Path,
                $"The folder '{directory}' does not exist; create it first."));
        }

        if (File.Exists(target) && !Force)
        {
            ThrowTerminatingError(NewError("CodexMetricExportFileExists", ErrorCategory.ResourceExists, target,
                $"'{target}' already exists and was kept; use -Force to replace it."));
        }

        return target;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done about a temporary file in a folder that refuses writes.
        }
    }
}
