using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Models;

namespace CodexPS.Completers;

/// <summary>
/// Completes model slugs for every -Model parameter. It asks the running runtime (bounded by a short timeout)
/// and never starts one: tab completion must not spawn processes or hang. Without a runtime it offers the
/// last list Get-CodexModel or an earlier completion saw, or nothing.
/// </summary>
public sealed class ModelCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (quote, pattern) = Completion.Pattern(wordToComplete);
        return Models()
            .Where(m => pattern.IsMatch(m.Model))
            .Select(m => new CompletionResult(Completion.Quote(m.Model, quote), m.Model, CompletionResultType.ParameterValue, Tooltip(m)))
            .ToArray();
    }

    private static IReadOnlyList<CodexModel> Models()
    {
        if (RuntimeRegistry.ClientFor(null) is { State: CodexRuntimeState.Running } client)
        {
            try
            {
                var models = PipelineWait.Bounded(token => CodexModelCatalog.ListAsync(client.RequestAsync, includeHidden: false, token), Timeout);
                ModelCache.Remember(models);
                return models;
            }
            catch (Exception)
            {
                // Completion must never throw into the editor; fall back to what was seen before.
            }
        }

        return ModelCache.Models;
    }

    private static string Tooltip(CodexModel model) =>
        string.IsNullOrEmpty(model.Description) ? model.DisplayName : $"{model.DisplayName}: {model.Description}";
}
