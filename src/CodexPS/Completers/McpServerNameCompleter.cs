using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mcp;

namespace CodexPS.Completers;

/// <summary>Completes MCP server names from the running runtime's config (bounded; never starts a runtime).</summary>
public sealed class McpServerNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
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
