using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CodexPS.Completers;

/// <summary>Completes -Runtime with the session's connected runtimes and pools (a pool's members too); never starts one.</summary>
public sealed class RuntimeNameCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (quote, pattern) = Completion.Pattern(wordToComplete);
        var pools = RuntimeRegistry.AllPools.Select(p => (p.Name, Tip: $"pool of {p.Members.Count}: {string.Join(", ", p.Members.Select(m => m.Name))}"));
        var runtimes = RuntimeRegistry.AllClients.Select(r => (r.Name, Tip: r.Client.Pool is { } pool ? $"member of pool {pool}" : "runtime"));
        return pools.Concat(runtimes)
            .Where(r => pattern.IsMatch(r.Name))
            .Select(r => new CompletionResult(Completion.Quote(r.Name, quote), r.Name, CompletionResultType.ParameterValue, r.Tip))
            .ToArray();
    }
}
