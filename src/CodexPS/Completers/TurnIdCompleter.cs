using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Conversations;

namespace CodexPS.Completers;

/// <summary>
/// Completes the turn ids of the conversation named by -Conversation or -ConversationId (loaded in this session),
/// newest first, with the turn's prompt as the tooltip. Never starts a runtime; bounded by a short timeout.
/// </summary>
public sealed class TurnIdCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (quote, pattern) = Completion.Pattern(wordToComplete);
        var conversation = fakeBoundParameters["Conversation"] switch
        {
            CodexConversation c => c,
            PSObject { BaseObject: CodexConversation c } => c,
            _ => fakeBoundParameters["ConversationId"] is string id ? RuntimeRegistry.FindConversation(id) : null,
        };
        var results = new List<CompletionResult>();
        if (conversation is null || conversation.Client.State != CodexRuntimeState.Running)
        {
            return results;
        }

        try
        {
            var page = PipelineWait.Bounded(token => conversation.Client.ListTurnsPageAsync(conversation.Id, null, token), Timeout);
            foreach (var turn in page.Items.Reverse())
            {
                if (pattern.IsMatch(turn.Id))
                {
                    var prompt = turn.Items.OfType<Engine.Protocol.UserMessageItem>().Select(m => m.ToString()).FirstOrDefault();
                    var tip = string.IsNullOrWhiteSpace(prompt) ? turn.Id : prompt;
                    results.Add(new CompletionResult(Completion.Quote(turn.Id, quote), turn.Id, CompletionResultType.ParameterValue, tip));
                }
            }
        }
        catch (Exception)
        {
            // Completion must never throw into the editor.
        }

        return results;
    }
}
