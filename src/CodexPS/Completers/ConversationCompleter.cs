using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mcp;

namespace CodexPS.Completers;

/// <summary>
/// Completes conversation ids: those loaded in any runtime of the session first, then the saved threads of the
/// default runtime (one page), with their preview as the tooltip. Never starts a runtime; bounded by a short timeout.
/// </summary>
public sealed class ConversationIdCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

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

/// <summary>Completes MCP server names from the running runtime's config (bounded; never starts a runtime).</summary>
public sealed class McpServerNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (RuntimeRegistry.ClientFor(null) is not { State: CodexRuntimeState.Running } client)
        {
            return Array.Empty<CompletionResult>();
        }

        var (quote, pattern) = Completion.Pattern(wordToComplete);
        try
        {
            var servers = PipelineWait.Bounded(token => CodexMcpCatalog.ReadConfiguredAsync(client, token), Timeout);
            return servers
                .Where(s => pattern.IsMatch(s.Key))
                .OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new CompletionResult(Completion.Quote(s.Key, quote), s.Key, CompletionResultType.ParameterValue,
                    s.Value.TryGetProperty("url", out var url) ? url.ToString() : s.Value.TryGetProperty("command", out var command) ? command.ToString() : s.Key))
                .ToArray();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
    }
}

/// <summary>The quoting and wildcard rules every completer of the module shares.</summary>
internal static class Completion
{
    public static (string Quote, WildcardPattern Pattern) Pattern(string wordToComplete)
    {
        var quote = wordToComplete.Length > 0 && wordToComplete[0] is '\'' or '"' ? wordToComplete[0].ToString() : string.Empty;
        return (quote, WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase));
    }

    public static string Quote(string value, string quote)
    {
        var needsQuotes = quote.Length > 0 || value.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}@&|<>#".Contains(c));
        if (!needsQuotes)
        {
            return value;
        }

        return quote == "\"" ? "\"" + value.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\"" : "'" + value.Replace("'", "''") + "'";
    }
}
