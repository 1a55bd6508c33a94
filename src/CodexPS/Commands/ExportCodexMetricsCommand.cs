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
        var file = new ExportFile(this, "CodexMetricExport", "the metrics");
        var target = file.ResolveTarget(Path);
        file.CheckOverwrite(target, Force);
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

        file.Write(target, Force, stream => CodexMetricExporter.Write(stream, Format, points, SinceOffset, UntilOffset, DateTimeOffset.Now));

        WriteVerbose($"Wrote {points.Count} data points of {points.Select(p => p.Name).Distinct().Count()} metrics to {target} ({Format}).");
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }
}
