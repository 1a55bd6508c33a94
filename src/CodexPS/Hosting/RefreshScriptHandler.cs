using System.Management.Automation;
using System.Security;
using System.Text.Json.Nodes;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>
/// Connect-CodexAccount -RefreshScript as the runtime's answer to account/chatgptAuthTokens/refresh. The request
/// comes outside any command (the runtime's token was refused, often mid-turn), so the script runs in a runspace of its
/// own, rebuilt from its text (it sees none of the caller's variables; CodexPS is imported there). It gets the request
/// as $_ (Reason, PreviousAccountId) and returns the new access token (a string or SecureString), or a hashtable with
/// AccessToken and optionally ChatgptAccountId and ChatgptPlanType. Anything else declines.
/// </summary>
internal sealed class RefreshScriptHandler : ICodexServerRequestHandler, IDisposable
{
    /// <summary>Who decided, as the request's DecidedBy shows it.</summary>
    public const string DecidedByName = "RefreshScript";

    private readonly ScriptBlock _script;
    private readonly string _accountId;
    private readonly JobScriptHost _host;

    public RefreshScriptHandler(ScriptBlock script, string accountId, string? modulePath)
    {
        _script = script;
        _accountId = accountId;
        _host = new JobScriptHost(modulePath);
    }

    public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
    {
        if (request.Kind != CodexApprovalKind.ChatgptAuthTokensRefresh)
        {
            return new ValueTask<CodexServerRequestAnswer?>((CodexServerRequestAnswer?)null);
        }

        object? answer;
        try
        {
            answer = _host.Invoke(_script, request).LastOrDefault(o => o is not null)?.BaseObject;
        }
        catch (Exception ex) when (ex is RuntimeException or CodexException or ObjectDisposedException)
        {
            var inner = ex is RuntimeException { ErrorRecord.Exception: { } recorded } ? recorded : ex;
            return DeclinedAsync(new CodexException("CodexRefreshScriptFailed", $"The refresh script failed: {inner.Message}", ex));
        }

        var content = new JsonObject { ["chatgptAccountId"] = request.PreviousAccountId ?? _accountId };
        switch (answer)
        {
            case string or SecureString:
                content["accessToken"] = Plain(answer);
                break;
            case System.Collections.IDictionary or PSCustomObject:
                foreach (var property in PSObject.AsPSObject(answer).Properties.Where(p => p.MemberType is PSMemberTypes.NoteProperty)
                    .Concat(answer is System.Collections.IDictionary d ? d.Keys.Cast<object>().Select(k => new PSNoteProperty(k.ToString()!, d[k])) : Enumerable.Empty<PSNoteProperty>()))
                {
                    var name = property.Name.Equals("AccountId", StringComparison.OrdinalIgnoreCase) ? "chatgptAccountId"
                        : property.Name.Equals("PlanType", StringComparison.OrdinalIgnoreCase) ? "chatgptPlanType"
                        : property.Name;
                    if (Plain(property.Value is PSObject wrapped ? wrapped.BaseObject : property.Value) is { } value)
                    {
                        content[char.ToLowerInvariant(name[0]) + name[1..]] = value;
                    }
                }

                break;
            default:
                return DeclinedAsync(new CodexException("CodexRefreshScriptInvalidAnswer",
                    $"The refresh script returned '{answer ?? "nothing"}'; expected the new access token, or a hashtable with AccessToken (and ChatgptAccountId, ChatgptPlanType)."));
        }

        return new ValueTask<CodexServerRequestAnswer?>(new CodexServerRequestAnswer(CodexApprovalDecision.Accept, DecidedByName)
        {
            Content = content,
            InvalidContentErrorId = "CodexRefreshScriptInvalidAnswer",
        });
    }

    public void Dispose() => _host.Dispose();

    private static ValueTask<CodexServerRequestAnswer?> DeclinedAsync(CodexException problem) =>
        new(CodexServerRequestAnswer.Decline(DecidedByName) with { Problem = problem });

    private static string? Plain(object? value) => value switch
    {
        null => null,
        SecureString secure => new System.Net.NetworkCredential(string.Empty, secure).Password,
        _ => LanguagePrimitives.ConvertTo<string>(value),
    };
}
