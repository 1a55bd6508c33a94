using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Metrics;

namespace CodexPS.Completers;

/// <summary>Completes metric names (the seed's 42 and CodexPS's details) with wildcard matching.</summary>
public sealed class MetricNameCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase);
        return CodexMetricCatalog.All
            .Where(d => pattern.IsMatch(d.Name))
            .Select(d => new CompletionResult(d.Name, d.Name, CompletionResultType.ParameterValue, $"{d.Category}, {d.Unit}: {d.NullReason ?? d.Computation}"));
    }
}
