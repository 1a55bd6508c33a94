using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json.Nodes;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>
/// -ApprovalHandler as an engine request handler: the script block gets the request as $_ (and as its argument)
/// and returns Accept, AcceptForSession, Decline or Cancel ($true Accept, $false Decline), or for questions and
/// forms a hashtable of answers. Anything else, or a failure, declines and is reported.
/// </summary>
/// <remarks>
/// A script block belongs to its runspace: on a pipeline thread it runs there; in a background job it runs in the
/// job's own runspace (<see cref="JobScriptHost"/>), rebuilt from its text, so it sees no variables of the caller.
/// </remarks>
public sealed class ScriptBlockRequestHandler : ICodexServerRequestHandler
{
    /// <summary>Who decided, as the request's DecidedBy shows it.</summary>
    public const string DecidedByName = "ApprovalHandler";

    /// <summary>Wraps a script block.</summary>
    public ScriptBlockRequestHandler(ScriptBlock script)
    {
        Script = script ?? throw new ArgumentNullException(nameof(script));
    }

    /// <summary>The script block that decides.</summary>
    public ScriptBlock Script { get; }

    /// <inheritdoc/>
    public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
    {
        return new ValueTask<CodexServerRequestAnswer?>(Decide(request));
    }

    private CodexServerRequestAnswer Decide(CodexApprovalRequest request)
    {
        Collection<PSObject> output;
        try
        {
            output = Invoke(request);
        }
        catch (Exception ex) when (ex is RuntimeException or CodexException)
        {
            var inner = ex is RuntimeException { ErrorRecord.Exception: { } recorded } ? recorded : ex;
            return CodexServerRequestAnswer.Decline(DecidedByName) with
            {
                Problem = new CodexException("CodexApprovalHandlerFailed", $"The approval handler failed, so the request was declined: {inner.Message}", ex),
                ProblemTarget = request,
            };
        }

        var last = output.LastOrDefault(o => o is not null);
        var answer = last?.BaseObject;
        var takesContent = request.Kind is CodexApprovalKind.UserInput or CodexApprovalKind.McpElicitation;
        switch (answer)
        {
            case CodexApprovalDecision decision:
                return new(decision, DecidedByName);
            case bool b:
                return new(b ? CodexApprovalDecision.Accept : CodexApprovalDecision.Decline, DecidedByName);
            case string text when Enum.TryParse<CodexApprovalDecision>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed):
                return new(parsed, DecidedByName);
            case System.Collections.IDictionary or PSCustomObject when takesContent && PowerShellJson.ToNode(last) is JsonObject content:
                // Answers (UserInput) or form values (McpElicitation): accepting with exactly that content.
                return new(CodexApprovalDecision.Accept, DecidedByName) { Content = content, InvalidContentErrorId = "CodexApprovalHandlerInvalidAnswer" };
            default:
                var expected = takesContent
                    ? "Accept, AcceptForSession, Decline, Cancel, or a hashtable of " + (request.Kind == CodexApprovalKind.UserInput ? "answers by question id" : "form values by field name")
                    : "Accept, AcceptForSession, Decline or Cancel";
                return CodexServerRequestAnswer.Decline(DecidedByName) with
                {
                    Problem = new CodexException("CodexApprovalHandlerInvalidAnswer", $"The approval handler returned '{answer ?? "nothing"}'; expected {expected}. The request was declined."),
                    ProblemTarget = answer,
                };
        }
    }

    private Collection<PSObject> Invoke(CodexApprovalRequest request)
    {
        if (JobScriptHost.Current is { } host)
        {
            return host.Invoke(Script, request);
        }

        if (Runspace.DefaultRunspace is null)
        {
            throw new CodexException("CodexApprovalHandlerNoRunspace", "A script block can run only on a PowerShell thread, and this request was read on another one.");
        }

        var variables = new List<PSVariable> { new("_", request), new("PSItem", request) };
        return Script.InvokeWithContext(null, variables, request);
    }

    /// <inheritdoc/>
    public override string ToString() => Script.ToString();
}
