using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// The runtime asks before it acts (a command, a patch, more permissions) or asks the user something (the
/// model's questions, an MCP server's form). Exactly one answer is sent; an unanswered request is declined
/// (consent is never assumed, and nothing is granted or answered on the user's behalf).
/// </summary>
public sealed class CodexApprovalRequest
{
    private readonly Func<JsonNode, Task> _send;
    private readonly Func<Task>? _refuse;
    private static readonly string[] TokenFields = { "accessToken", "chatgptAccountId", "chatgptPlanType" };
    private readonly JsonElement _permissions;
    private readonly object _answeredGate = new();
    private Action<CodexApprovalRequest>? _answeredCallbacks;
    private int _answered;

    internal CodexApprovalRequest(CodexApprovalKind kind, JsonElement parameters, IReadOnlyList<CodexFileChange> changes, Func<JsonNode, Task> send)
        : this(kind, parameters, changes, send, refuse: null)
    {
    }

    /// <summary>A request whose decline is an error reply (<paramref name="refuse"/>), not a result.</summary>
    internal CodexApprovalRequest(CodexApprovalKind kind, JsonElement parameters, IReadOnlyList<CodexFileChange> changes, Func<JsonNode, Task> send, Func<Task>? refuse)
    {
        Kind = kind;
        _send = send;
        _refuse = refuse;
        ConversationId = parameters.Str("threadId");
        TurnId = parameters.Str("turnId");
        ItemId = parameters.Str("itemId");
        Command = parameters.Str("command");
        Cwd = parameters.Str("cwd");
        Reason = parameters.Str("reason");
        GrantRoot = parameters.Str("grantRoot");
        Changes = changes;
        Questions = Array.Empty<CodexUserInputQuestion>();
        Fields = Array.Empty<CodexElicitationField>();
        switch (kind)
        {
            case CodexApprovalKind.Permissions:
                _permissions = parameters.Prop("permissions");
                if (_permissions.ValueKind == JsonValueKind.Object)
                {
                    Permissions = _permissions.GetRawText();
                    PermissionsSummary = CodexApprovalContent.DescribePermissions(_permissions);
                }

                break;
            case CodexApprovalKind.UserInput:
                Questions = parameters.Array("questions").Where(q => q.ValueKind == JsonValueKind.Object).Select(q => new CodexUserInputQuestion(q)).ToArray();
                IsBlocking = parameters.Bool("isBlocking");
                break;
            case CodexApprovalKind.ChatgptAuthTokensRefresh:
                PreviousAccountId = parameters.Str("previousAccountId");
                break;
            case CodexApprovalKind.ToolCall:
                Tool = parameters.Str("tool");
                ToolNamespace = parameters.Str("namespace");
                CallId = parameters.Str("callId");
                ItemId ??= CallId;
                var arguments = parameters.Prop("arguments");
                Arguments = arguments.ValueKind == JsonValueKind.Undefined ? null : arguments.GetRawText();
                break;
            case CodexApprovalKind.McpElicitation:
                ServerName = parameters.Str("serverName");
                Message = parameters.Str("message");
                Mode = parameters.Str("mode");
                Url = parameters.Str("url");
                ElicitationId = parameters.Str("elicitationId");
                var schema = parameters.Prop("requestedSchema");
                if (schema.ValueKind == JsonValueKind.Object)
                {
                    RequestedSchema = schema.GetRawText();
                    Fields = CodexApprovalContent.Fields(schema);
                }

                break;
        }
    }

    /// <summary>What the request asks for, which decides the members that are set and the reply sent.</summary>
    public CodexApprovalKind Kind { get; }

    /// <summary>The thread the request comes from.</summary>
    public string? ConversationId { get; }

    /// <summary>The turn asking; for an MCP elicitation null when the runtime could not tell.</summary>
    public string? TurnId { get; }

    /// <summary>The item (command, patch) the request is about, when the runtime names one.</summary>
    public string? ItemId { get; }

    /// <summary>The command line to run (CommandExecution).</summary>
    public string? Command { get; }

    /// <summary>The directory the command would run in (CommandExecution).</summary>
    public string? Cwd { get; }

    /// <summary>Why the model asks, when it says.</summary>
    public string? Reason { get; }

    /// <summary>The root the runtime asks write access to for the rest of the session (FileChange), when it asks.</summary>
    public string? GrantRoot { get; }

    /// <summary>The files the patch touches with their diffs (FileChange).</summary>
    public IReadOnlyList<CodexFileChange> Changes { get; }

    /// <summary>The permission profile asked for, as the runtime's JSON (Permissions): fileSystem entries and network.</summary>
    public string? Permissions { get; }

    /// <summary>The permissions asked for in one line, e.g. "write /src/out; network" (Permissions).</summary>
    public string? PermissionsSummary { get; }

    /// <summary>The model's questions (UserInput); empty for other kinds.</summary>
    public IReadOnlyList<CodexUserInputQuestion> Questions { get; }

    /// <summary>Whether the runtime says the turn waits for the answer (UserInput).</summary>
    public bool? IsBlocking { get; }

    /// <summary>The MCP server that asks (McpElicitation).</summary>
    public string? ServerName { get; }

    /// <summary>What the MCP server says to the user (McpElicitation).</summary>
    public string? Message { get; }

    /// <summary>form (fill in Fields) or url (visit Url), as the runtime names it (McpElicitation).</summary>
    public string? Mode { get; }

    /// <summary>The page the server wants the user to visit (McpElicitation in url mode).</summary>
    public string? Url { get; }

    /// <summary>The MCP server's id for this elicitation (McpElicitation).</summary>
    public string? ElicitationId { get; }

    /// <summary>The JSON Schema of the form, as the server sent it (McpElicitation in form mode).</summary>
    public string? RequestedSchema { get; }

    /// <summary>The form's fields read from RequestedSchema (McpElicitation); empty for other kinds.</summary>
    public IReadOnlyList<CodexElicitationField> Fields { get; }

    /// <summary>The ChatGPT workspace/account the refused tokens were for (ChatgptAuthTokensRefresh); null when the runtime does not say.</summary>
    public string? PreviousAccountId { get; }

    /// <summary>The tool the model calls (ToolCall), as the conversation named it.</summary>
    public string? Tool { get; }

    /// <summary>The namespace of the tool the model calls (ToolCall); null for a tool of no namespace.</summary>
    public string? ToolNamespace { get; }

    /// <summary>The runtime's id of the call (ToolCall).</summary>
    public string? CallId { get; }

    /// <summary>
    /// The arguments as JSON text (ToolCall): for the runtime's request, as the model wrote them; for the consent a
    /// tool asks before it runs, as they were bound to the command's parameters.
    /// </summary>
    public string? Arguments { get; }

    /// <summary>
    /// The consent a tool that changes the world asks before it runs: a request of Kind ToolCall for the approval
    /// handler, carrying the tool and its bound arguments. Its answer goes nowhere; the caller reads Decision.
    /// </summary>
    public static CodexApprovalRequest ForToolConsent(CodexApprovalRequest call, string boundArgumentsJson)
    {
        ArgumentNullException.ThrowIfNull(call);
        var parameters = new JsonObject
        {
            ["threadId"] = call.ConversationId,
            ["turnId"] = call.TurnId,
            ["callId"] = call.CallId,
            ["tool"] = call.Tool,
            ["namespace"] = call.ToolNamespace,
            ["arguments"] = JsonNode.Parse(boundArgumentsJson),
        };
        using var document = JsonDocument.Parse(parameters.ToJsonString());
        return new CodexApprovalRequest(CodexApprovalKind.ToolCall, document.RootElement.Clone(), Array.Empty<CodexFileChange>(), static _ => Task.CompletedTask);
    }

    /// <summary>Answers a tool call with what the tool gave (ToolCall): its text, and whether it succeeded.</summary>
    public Task<bool> RespondWithToolResultAsync(string text, bool success, string decidedBy)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Kind != CodexApprovalKind.ToolCall)
        {
            throw new InvalidOperationException($"A {Kind} request is not answered with a tool's result.");
        }

        return SendAsync(success ? CodexApprovalDecision.Accept : CodexApprovalDecision.Decline, ToolReply(text, success), decidedBy);
    }

    /// <summary>The answer sent, null while none has been.</summary>
    public CodexApprovalDecision? Decision { get; private set; }

    /// <summary>Who decided: the handler, the user, a policy or CodexPS's decline default.</summary>
    public string? DecidedBy { get; private set; }

    /// <summary>Whether an answer has been sent; a request is answered once only.</summary>
    public bool IsAnswered => Volatile.Read(ref _answered) != 0;

    /// <summary>
    /// Sends the decision; only the first answer counts. Accept without content grants what was asked
    /// (Permissions), takes each question's first option, the one the model recommends (UserInput), or the
    /// form's defaults (McpElicitation). Decline and Cancel grant and answer nothing.
    /// </summary>
    public Task<bool> RespondAsync(CodexApprovalDecision decision, string decidedBy)
    {
        return SendAsync(decision, ReplyFor(decision, null), decidedBy);
    }

    /// <summary>
    /// Accepts with content: question id → text or texts (UserInput), field name → value (McpElicitation).
    /// Throws CodexException CodexApprovalAnswerInvalid, before anything is sent, when the content does not fit
    /// the request; the request then stays unanswered.
    /// </summary>
    public Task<bool> RespondWithContentAsync(IDictionary content, string decidedBy)
    {
        ArgumentNullException.ThrowIfNull(content);
        return RespondWithContentAsync(ToJsonObject(content), decidedBy);
    }

    /// <inheritdoc cref="RespondWithContentAsync(IDictionary, string)"/>
    public Task<bool> RespondWithContentAsync(JsonObject content, string decidedBy)
    {
        ArgumentNullException.ThrowIfNull(content);
        return SendAsync(CodexApprovalDecision.Accept, ReplyFor(CodexApprovalDecision.Accept, content), decidedBy);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        CodexApprovalKind.CommandExecution => $"run '{Command}' in {Cwd}",
        CodexApprovalKind.FileChange => "apply changes to " + string.Join(", ", Changes.Select(c => c.Path)),
        CodexApprovalKind.Permissions => $"grant {PermissionsSummary ?? "nothing"}" + (Reason is null ? string.Empty : $" ({Reason})"),
        CodexApprovalKind.UserInput => Questions.Count == 0 ? "no questions" : string.Join(" | ", Questions.Select(q => q.ToString())),
        CodexApprovalKind.ToolCall => $"call {(ToolNamespace is null ? string.Empty : ToolNamespace + ".")}{Tool} {Arguments}",
        CodexApprovalKind.ChatgptAuthTokensRefresh => $"new ChatGPT tokens ({Reason ?? "refused"})" + (PreviousAccountId is null ? string.Empty : $" for account {PreviousAccountId}"),
        _ => $"{ServerName ?? "an MCP server"}: {Message}" + (Url is null ? string.Empty : $" ({Url})"),
    };

    /// <summary>The reply the runtime expects for this kind of request; throws CodexApprovalAnswerInvalid when content does not fit.</summary>
    /// <summary>The reply to send; null when the answer is an error reply (new tokens declined, or accepted without any).</summary>
    internal JsonObject? ReplyFor(CodexApprovalDecision decision, JsonObject? content)
    {
        if (Kind == CodexApprovalKind.ChatgptAuthTokensRefresh)
        {
            var accept = decision is CodexApprovalDecision.Accept or CodexApprovalDecision.AcceptForSession;
            return accept && content is not null ? TokensReply(content) : null;
        }

        return BuildReply(decision, content);
    }

    internal JsonObject BuildReply(CodexApprovalDecision decision, JsonObject? content)
    {
        var accept = decision is CodexApprovalDecision.Accept or CodexApprovalDecision.AcceptForSession;
        switch (Kind)
        {
            case CodexApprovalKind.ChatgptAuthTokensRefresh:
                return TokensReply(content ?? throw CodexApprovalContent.Invalid("New ChatGPT tokens need an accessToken."));
            case CodexApprovalKind.ToolCall:
                // Only the tool's own result says it ran (RespondWithToolResultAsync); any plain answer tells the model it did not.
                RefuseContent(content);
                return ToolReply(accept
                    ? $"CodexPS did not run the tool {Tool}: the call was answered without running it."
                    : $"CodexPS did not run the tool {Tool}: the call was declined ({(decision == CodexApprovalDecision.Cancel ? "cancelled" : "no consent")}).", success: false);
            case CodexApprovalKind.Permissions:
                RefuseContent(content);
                if (!accept || _permissions.ValueKind != JsonValueKind.Object)
                {
                    return new JsonObject { ["permissions"] = new JsonObject() };
                }

                return new JsonObject
                {
                    ["permissions"] = JsonNode.Parse(_permissions.GetRawText()),
                    ["scope"] = decision == CodexApprovalDecision.AcceptForSession ? "session" : "turn",
                };
            case CodexApprovalKind.UserInput:
                return new JsonObject { ["answers"] = accept ? UserInputAnswers(content) : new JsonObject() };
            case CodexApprovalKind.McpElicitation:
                if (!accept)
                {
                    return new JsonObject { ["action"] = decision == CodexApprovalDecision.Cancel ? "cancel" : "decline" };
                }

                var reply = new JsonObject { ["action"] = "accept" };
                if (ElicitationContent(content) is { } form)
                {
                    reply["content"] = form;
                }

                return reply;
            default:
                RefuseContent(content);
                return new JsonObject
                {
                    ["decision"] = decision switch
                    {
                        CodexApprovalDecision.Accept => "accept",
                        CodexApprovalDecision.AcceptForSession => "acceptForSession",
                        CodexApprovalDecision.Cancel => "cancel",
                        _ => "decline",
                    },
                };
        }
    }

    private async Task<bool> SendAsync(CodexApprovalDecision decision, JsonNode? reply, string decidedBy)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return false;
        }

        Action<CodexApprovalRequest>? answered;
        lock (_answeredGate)
        {
            Decision = decision;
            DecidedBy = decidedBy;
            answered = _answeredCallbacks;
            _answeredCallbacks = null;
        }

        // Heard before the runtime hears the answer, so a recording notes it before serverRequest/resolved.
        answered?.Invoke(this);
        if (reply is null)
        {
            await (_refuse?.Invoke() ?? Task.CompletedTask).ConfigureAwait(false);
        }
        else
        {
            await _send(reply).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> once the request is answered (at once when it already is), on the thread
    /// that answers: how a recording learns the decision without asking for it.
    /// </summary>
    internal void OnAnswered(Action<CodexApprovalRequest> callback)
    {
        lock (_answeredGate)
        {
            if (Decision is null)
            {
                _answeredCallbacks += callback;
                return;
            }
        }

        callback(this);
    }

    /// <summary>New ChatGPT tokens: accessToken is needed; the account defaults to the one whose tokens were refused.</summary>
    private JsonObject TokensReply(JsonObject content)
    {
        string? Text(string name) => content.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v
            && v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;
        var unknown = content.Select(p => p.Key).FirstOrDefault(k => !TokenFields.Contains(k, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null)
        {
            throw CodexApprovalContent.Invalid($"New ChatGPT tokens are accessToken, chatgptAccountId and chatgptPlanType; '{unknown}' is none of these.");
        }

        var token = Text("accessToken") ?? throw CodexApprovalContent.Invalid("New ChatGPT tokens need an accessToken.");
        var account = Text("chatgptAccountId") ?? PreviousAccountId
            ?? throw CodexApprovalContent.Invalid("New ChatGPT tokens need a chatgptAccountId (the runtime named no previous account).");
        var reply = new JsonObject { ["accessToken"] = token, ["chatgptAccountId"] = account };
        if (Text("chatgptPlanType") is { } plan)
        {
            reply["chatgptPlanType"] = plan;
        }

        return reply;
    }

    private static JsonObject ToolReply(string text, bool success) => new()
    {
        ["contentItems"] = new JsonArray(new JsonObject { ["type"] = "inputText", ["text"] = text }),
        ["success"] = success,
    };

    private void RefuseContent(JsonObject? content)
    {
        if (content is not null)
        {
            throw CodexApprovalContent.Invalid($"A {Kind} request is answered with a decision only (Accept, AcceptForSession, Decline or Cancel), not with content.");
        }
    }

    private JsonObject UserInputAnswers(JsonObject? content)
    {
        var answers = new JsonObject();
        if (content is null)
        {
            // Like pressing Enter at each choice: the model lists its recommendation first. Free-text questions stay unanswered.
            foreach (var question in Questions.Where(q => q.Options.Count > 0))
            {
                answers[question.Id] = new JsonObject { ["answers"] = new JsonArray(question.Options[0].Label) };
            }

            return answers;
        }

        foreach (var (key, value) in content)
        {
            var question = Questions.FirstOrDefault(q => q.Id == key)
                ?? Questions.FirstOrDefault(q => string.Equals(q.Id, key, StringComparison.OrdinalIgnoreCase))
                ?? throw CodexApprovalContent.Invalid($"The model asked no question '{key}'; its questions are {string.Join(", ", Questions.Select(q => q.Id))}.");
            if (question.ToAnswers(value) is { } list)
            {
                answers[question.Id] = new JsonObject { ["answers"] = list };
            }
        }

        return answers;
    }

    private JsonObject? ElicitationContent(JsonObject? content)
    {
        if (Mode == "url")
        {
            if (content is { Count: > 0 })
            {
                throw CodexApprovalContent.Invalid($"The MCP server '{ServerName}' asks to visit a URL; accept or decline it, there is no form to fill in.");
            }

            return null;
        }

        var form = new JsonObject();
        if (Fields.Count == 0)
        {
            // A schema CodexPS cannot read: the content goes as given.
            foreach (var (key, value) in content ?? new JsonObject())
            {
                form[key] = value?.DeepClone();
            }

            return form;
        }

        foreach (var (key, value) in content ?? new JsonObject())
        {
            var field = Fields.FirstOrDefault(f => f.Name == key)
                ?? Fields.FirstOrDefault(f => string.Equals(f.Name, key, StringComparison.OrdinalIgnoreCase))
                ?? throw CodexApprovalContent.Invalid($"The form of MCP server '{ServerName}' has no field '{key}'; its fields are {string.Join(", ", Fields.Select(f => f.Name))}.");
            if (field.Coerce(value) is { } coerced)
            {
                form[field.Name] = coerced;
            }
        }

        foreach (var field in Fields.Where(f => !form.ContainsKey(f.Name)))
        {
            if (field.DefaultNode is { } fallback)
            {
                form[field.Name] = fallback;
            }
            else if (field.IsRequired && content is not null)
            {
                throw CodexApprovalContent.Invalid($"The form of MCP server '{ServerName}' needs a value for '{field.Name}'.");
            }
        }

        return form;
    }

    private static JsonObject ToJsonObject(IDictionary content)
    {
        var result = new JsonObject();
        foreach (DictionaryEntry entry in content)
        {
            result[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty] = ToNode(entry.Value);
        }

        return result;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int or long or short or byte => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        double or float or decimal => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        IDictionary dictionary => ToJsonObject(dictionary),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
