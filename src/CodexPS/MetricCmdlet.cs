using System.Management.Automation;
using CodexPS.Engine.Metrics;

namespace CodexPS;

/// <summary>What Get-CodexMetric and Export-CodexMetrics share: the time range and the query against the session's collector.</summary>
public abstract class MetricCmdlet : CodexCmdlet
{
    /// <summary>Only data points at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only data points at or before this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>-Since as an instant, or null when not given.</summary>
    protected DateTimeOffset? SinceOffset => ToOffset(Since);

    /// <summary>-Until as an instant, or null when not given.</summary>
    protected DateTimeOffset? UntilOffset => ToOffset(Until);

    /// <summary>Stops the command when -Since is later than -Until.</summary>
    protected void CheckRange()
    {
        if (SinceOffset is { } since && UntilOffset is { } until && since > until)
        {
            ThrowTerminatingError(NewError("CodexMetricTimeRangeInvalid", ErrorCategory.InvalidArgument, $"{Since:o}..{Until:o}",
                $"-Since ({Since:o}) is later than -Until ({Until:o}): the time range is empty."));
        }
    }

    /// <summary>Runs the query; a store that cannot answer is a non-terminating error, and the points then come from memory.</summary>
    protected IReadOnlyList<CodexMetricPoint> Query(Func<string, bool>? names, IReadOnlyCollection<string>? conversations)
    {
        var metrics = SessionMetrics.Collector;
        var result = Await(metrics.QueryAsync(new CodexMetricQuery { NameFilter = names, Since = SinceOffset, Until = UntilOffset, Conversations = conversations }, CancellationToken));
        WriteClientWarnings(RuntimeRegistry.ClientFor(null));
        if (result.StoreProblem is { } problem)
        {
            WriteError(new ErrorRecord(problem, "CodexMetricStoreUnavailable", ErrorCategory.ResourceUnavailable, problem.Path)
            {
                ErrorDetails = new ErrorDetails($"{problem.Message} The data points shown come from this session's memory only ({problem.ErrorId})."),
            });
        }

        return result.Points;
    }

    private static DateTimeOffset? ToOffset(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Unspecified } v => new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Local)),
        { } v => new DateTimeOffset(v),
    };
}
