using System.Management.Automation;
using CodexPS.Completers;
using CodexPS.Engine.Metrics;

namespace CodexPS.Commands;

/// <summary>Reads the session's metric data points (and earlier sessions' from the store), by name, time range and conversation.</summary>
[Cmdlet(VerbsCommon.Get, "CodexMetric", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(CodexMetricPoint))]
public sealed class GetCodexMetricCommand : MetricCmdlet
{
    private const string DefaultSet = "Default";
    private readonly List<string> _conversations = new();

    /// <summary>Metric names; wildcards allowed. All metrics when omitted.</summary>
    [Parameter(Position = 0, ParameterSetName = DefaultSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MetricNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only the points of these conversations (objects or ids); binds from the pipeline.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ConversationId")]
    [ValidateNotNullOrEmpty]
    public string[]? Conversation { get; set; }

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        CheckRange();
        foreach (var name in Name ?? Array.Empty<string>())
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name) && CodexMetricCatalog.Find(name) is null)
            {
                WriteError(NewError("CodexMetricNotFound", ErrorCategory.ObjectNotFound, name,
                    $"There is no metric named '{name}'. The metrics are listed in docs/metrics.md; wildcards such as 'tokens_*' are allowed."));
            }
        }
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        _conversations.AddRange(Conversation ?? Array.Empty<string>());
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var patterns = (Name ?? Array.Empty<string>()).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToArray();
        Func<string, bool>? filter = patterns.Length == 0 ? null : name => patterns.Any(p => p.IsMatch(name));
        var conversations = _conversations.Count == 0 ? null : _conversations.Distinct(StringComparer.Ordinal).ToArray();
        foreach (var point in Query(filter, conversations))
        {
            WriteObject(point);
        }
    }
}
