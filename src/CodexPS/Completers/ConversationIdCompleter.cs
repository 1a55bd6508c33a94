using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Conversations;

namespace CodexPS.Completers;

/// <summary>
/// Completes conversation ids: those loaded in any runtime of the session first, then the saved threads of the
/// default runtime (one page), with their preview as the tooltip. Never starts a runtime; bounded by a short timeout.
/// </summary>
public sealed class ConversationIdCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (quote, pattern) = Completion.Pattern(wordToComplete);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var results = new List<CompletionResult>();
        foreach (var (name, client) in RuntimeRegistry.AllClients)
        {
            foreach (var conversation in client.Conversations.OrderByDescending(c => c.LastActivity))
            {
                if (pattern.IsMatch(conversation.Id) && seen.Add(conversation.Id))
                {
                    var tip = $"{conversation.State} in runtime '{name}': {conversation.Model} in {conversation.WorkingDirectory}, {conversation.TurnCount} turn(s)";
                    results.Add(new CompletionResult(Completion.Quote(conversation.Id, quote), conversation.Id, CompletionResultType.ParameterValue, tip));
                }
            }
        }

        if (RuntimeRegistry.ClientFor(null) is { State: CodexRuntimeState.Running } running)
        {
            try
            {
                var page = PipelineWait.Bounded(token => running.ListThreadsPageAsync(new CodexThreadQuery { PageSize = 50 }, null, token), Timeout);
                foreach (var thread in page.Items)
                {
                    if (pattern.IsMatch(thread.Id) && seen.Add(thread.Id))
                    {
                        var tip = thread.Name ?? thread.Preview ?? thread.Id;
                        results.Add(new CompletionResult(Completion.Quote(thread.Id, quote), thread.Id, CompletionResultType.ParameterValue, string.IsNullOrWhiteSpace(tip) ? thread.Id : tip));
                    }
                }
            }
            catch (Exception)
            {
                // Completion must never throw into the editor: the loaded conversations are enough.
            }
        }

        return results;
    }
}
