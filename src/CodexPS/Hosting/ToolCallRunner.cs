using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Tools;

namespace CodexPS.Hosting;

/// <summary>
/// Runs a call the model makes to one of the conversation's own tools (the runtime's item/tool/call, a request of
/// Kind ToolCall), on the pipeline thread of the command reading the turn, so the caller's modules, variables and
/// credentials are in scope. Whatever happens, the runtime gets an answer: the tool's result, or why it did not run.
/// </summary>
internal static class ToolCallRunner
{
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(10);

    /// <summary>The specs thread/start advertises for these tools, each carrying the tool that runs its calls.</summary>
    public static IReadOnlyList<CodexDynamicTool> ToSpecs(IEnumerable<CodexTool>? tools) =>
        tools is null
            ? Array.Empty<CodexDynamicTool>()
            : tools.Select(t => new CodexDynamicTool(t.Name, t.Namespace, t.Description, (JsonObject)JsonNode.Parse(t.InputSchemaJson)!, t)).ToArray();

    /// <summary>
    /// Checks a command's -Tool list against the runtime before anything is sent: two tools of one name
    /// (CodexToolNameDuplicate, the second tool as the target) or a runtime without the experimental API
    /// (CodexExperimentalApiRequired, the tools as the target). Null when the tools can be given.
    /// </summary>
    public static (CodexPS.Engine.CodexException Error, object Target)? Check(CodexClient client, CodexTool[]? tools, out IReadOnlyList<CodexDynamicTool> specs)
    {
        specs = ToSpecs(tools);
        if (tools is not { Length: > 0 })
        {
            return null;
        }

        try
        {
            client.CheckTools(specs);
            return null;
        }
        catch (CodexPS.Engine.CodexException ex)
        {
            // A duplicate names the tool that repeats a name; anything else is about the whole list.
            var duplicate = ex.ErrorId == "CodexToolNameDuplicate" ? CodexDynamicTool.FindDuplicate(specs)?.Implementation : null;
            return (ex, duplicate ?? tools);
        }
    }

    /// <summary>
    /// Answers one call: an unknown tool, arguments that do not bind or consent withheld are told to the model
    /// (success false) and nothing runs; otherwise the tool runs and its outcome is the answer.
    /// <paramref name="askConsent"/> puts the consent request (Kind ToolCall, the bound arguments) through the
    /// turn's approval path and says whether it was granted.
    /// </summary>
    /// <remarks><paramref name="stopTurn"/> runs when Ctrl+C stopped the call, before the call is answered, so the runtime
    /// hears the interrupt first and never hands the stopped call's answer to the model.</remarks>
    public static CodexToolCallOutcome? Run(CodexConversation conversation, CodexApprovalRequest call, Func<CodexApprovalRequest, bool> askConsent, Action? stopTurn, CancellationToken cancellationToken)
    {
        if (call.IsAnswered)
        {
            return null;
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        if (conversation.FindTool(call.ToolNamespace, call.Tool)?.Implementation is not CodexTool tool)
        {
            var name = call.ToolNamespace is null ? call.Tool : $"{call.ToolNamespace}.{call.Tool}";
            var why = conversation.Tools.Count == 0
                ? $"This conversation has no tool '{name}' (it has none). A conversation loaded again needs its tools given back: Resume-CodexConversation -Tool."
                : $"This conversation has no tool '{name}'; its tools are {string.Join(", ", conversation.Tools.Select(t => t.FullName))}.";
            return Answer(call, new CodexToolCallOutcome(why, false, started.Elapsed, false, false));
        }

        using var arguments = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.Arguments) ? "{}" : call.Arguments);
        if (tool.RequiresConsent)
        {
            var bound = tool.PrepareArguments(arguments.RootElement, out var error);
            if (bound is null)
            {
                return Answer(call, new CodexToolCallOutcome(error ?? "The arguments do not fit the tool.", false, started.Elapsed, false, false));
            }

            var consent = CodexApprovalRequest.ForToolConsent(call, PowerShellJson.ToNode(bound)?.ToJsonString() ?? "{}");
            if (!askConsent(consent))
            {
                return Answer(call, new CodexToolCallOutcome(
                    $"The tool {tool} was not run: the user did not allow it ({consent.DecidedBy ?? "nobody decided"}). Nothing was changed.",
                    false, started.Elapsed, false, false));
            }
        }

        var outcome = tool.Invoke(arguments.RootElement, cancellationToken);
        if (outcome.Stopped && cancellationToken.IsCancellationRequested)
        {
            stopTurn?.Invoke();
        }

        return Answer(call, outcome);
    }

    /// <summary>A tool call in a background job: it would run on the job's thread, outside the runspace that made the tool.</summary>
    public static void DeclineInJob(CodexApprovalRequest call)
    {
        Answer(call, new CodexToolCallOutcome(
            $"The tool {call.Tool} was not run: a turn started with -AsJob runs no tools (they run only on the thread of the runspace that made them). Run the turn without -AsJob.",
            false, TimeSpan.Zero, false, false));
    }

    private static CodexToolCallOutcome Answer(CodexApprovalRequest call, CodexToolCallOutcome outcome)
    {
        try
        {
            // Bounded: the runtime may be gone, and the pipeline thread must not hang on it.
            PipelineWait.WaitAtMost(call.RespondWithToolResultAsync(outcome.Text, outcome.Success, outcome.Success ? "Tool" : "Tool (failed or not run)"), AnswerWait);
        }
        catch (Exception ex) when (ex is CodexPS.Engine.CodexException or ObjectDisposedException or IOException)
        {
            // The runtime is gone: nobody is left to tell.
        }

        return outcome;
    }
}
