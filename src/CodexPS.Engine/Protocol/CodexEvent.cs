using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public enum CodexEventKind
{
    TurnStarted,
    ItemStarted,
    ItemCompleted,
    AgentMessageDelta,
    ReasoningDelta,
    CommandOutputDelta,
    TokenUsage,
    RateLimits,
    TurnDiff,
    PlanUpdated,
    ApprovalRequested,
    ApprovalResolved,
    Error,
    TurnCompleted,
    Notification,
}

/// <summary>Something the runtime reported about a turn. Raw is the notification's params as the runtime sent them.</summary>
public class CodexEvent
{
    private readonly JsonElement _params;

    internal CodexEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
    {
        Kind = kind;
        Method = method;
        ConversationId = conversationId;
        TurnId = turnId;
        Timestamp = timestamp;
        _params = parameters;
    }

    public CodexEventKind Kind { get; }

    /// <summary>The protocol method that carried the event (turn/started, item/completed, ...).</summary>
    public string Method { get; }

    public string? ConversationId { get; }

    public string? TurnId { get; internal set; }

    /// <summary>When the runtime emitted it (its emittedAtMs), else when CodexPS received it.</summary>
    public DateTimeOffset Timestamp { get; }

    public string Raw => _params.ValueKind == JsonValueKind.Undefined ? "null" : _params.GetRawText();

    internal JsonElement Params => _params;

    /// <summary>A one-line description for tables.</summary>
    public virtual string Summary => DisplayText.Sanitize(Method, 120);

    public override string ToString() => $"{Kind}: {Summary}";

    /// <summary>
    /// A copy of this event read from other params (the same type, kind, method, conversation, turn and time):
    /// how a plugin changes an event. Everything the event shows (Item, Delta, Raw, ...) comes from the new params.
    /// </summary>
    public CodexEvent WithRaw(JsonElement parameters) => Rebuild(parameters.ValueKind == JsonValueKind.Undefined ? default : parameters.Clone());

    /// <summary>Like <see cref="WithRaw(JsonElement)"/>, from JSON text.</summary>
    public CodexEvent WithRaw(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return WithRaw(document.RootElement);
    }

    /// <summary>
    /// A copy in which every string value of the params went through <paramref name="map"/> (message and command
    /// text, output, diffs, ...); identifiers (id, threadId, turnId, itemId, type, status) are left alone. The
    /// event itself is returned when nothing changed.
    /// </summary>
    public CodexEvent MapText(Func<string, string> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return JsonRewriter.Rewrite(_params, (key, value) => JsonRewriter.IsIdentifier(key) ? value : map(value)) is { } changed ? Rebuild(changed) : this;
    }

    /// <summary>The same event read from other params; each event type keeps what is not in its params.</summary>
    internal virtual CodexEvent Rebuild(JsonElement parameters) => new NotificationEvent(Method, ConversationId, TurnId, Timestamp, parameters, Kind);
}

public sealed class TurnStartedEvent : CodexEvent
{
    internal TurnStartedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TurnStarted, method, conversationId, turnId, timestamp, parameters)
    {
    }

    public override string Summary => $"turn {TurnId}";

    internal override CodexEvent Rebuild(JsonElement parameters) => new TurnStartedEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}

public sealed class ItemEvent : CodexEvent
{
    internal ItemEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(kind, method, conversationId, turnId, timestamp, parameters)
    {
        Item = CodexItem.FromJson(parameters.Prop("item"));
    }

    public CodexItem Item { get; }

    internal override CodexEvent Rebuild(JsonElement parameters) => new ItemEvent(Kind, Method, ConversationId, TurnId, Timestamp, parameters);

    public override string Summary => Item switch
    {
        AgentMessageItem m => "message: " + OneLine(m.Text),
        CommandExecutionItem c => $"command: {OneLine(c.Command)}" + (c.ExitCode is { } code ? $" (exit {code})" : c.Status is { } s ? $" ({s})" : string.Empty),
        FileChangeItem f => $"file change: {OneLine(f.ToString())}" + (f.Status is { } s ? $" ({s})" : string.Empty),
        ReasoningItem r => "reasoning: " + OneLine(r.ToString()),
        UserMessageItem u => "user: " + OneLine(u.Text),
        McpToolCallItem t => $"mcp: {t.Server}.{t.Tool}" + (t.Error is { } error ? $" failed: {OneLine(error)}" : t.ResultText is { } text ? " → " + OneLine(text) : t.Status is { } st ? $" ({st})" : string.Empty),
        _ => Item.Type,
    };

    /// <summary>Untrusted text as one safe line of at most 120 characters (see <see cref="DisplayText"/>).</summary>
    internal static string OneLine(string text) => DisplayText.Sanitize(text, 120);
}

/// <summary>A piece of streamed text: an agent message, reasoning or a command's output.</summary>
public sealed class DeltaEvent : CodexEvent
{
    internal DeltaEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, string? knownItemId = null)
        : base(kind, method, conversationId, turnId, timestamp, parameters)
    {
        ItemId = parameters.Str("itemId", knownItemId);
        Delta = parameters.Str("delta") ?? string.Empty;
    }

    public string? ItemId { get; }

    public string Delta { get; }

    public override string Summary => ItemEvent.OneLine(Delta);

    /// <summary>A copy carrying other text (a plugin's change of a streamed piece).</summary>
    public DeltaEvent WithDelta(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var changed = JsonRewriter.Rewrite(Params, (key, value) => key == "delta" ? text : value);
        if (changed is { } parameters)
        {
            return (DeltaEvent)Rebuild(parameters);
        }

        // No delta member to replace (never from the runtime): built with one.
        var node = System.Text.Json.Nodes.JsonNode.Parse(Raw) as System.Text.Json.Nodes.JsonObject ?? new System.Text.Json.Nodes.JsonObject();
        node["delta"] = text;
        return (DeltaEvent)WithRaw(node.ToJsonString());
    }

    internal override CodexEvent Rebuild(JsonElement parameters) => new DeltaEvent(Kind, Method, ConversationId, TurnId, Timestamp, parameters, ItemId);
}

public sealed record CodexTokenUsage(long InputTokens, long CachedInputTokens, long OutputTokens, long ReasoningOutputTokens, long TotalTokens)
{
    internal static CodexTokenUsage? From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new CodexTokenUsage(
            json.Long("inputTokens") ?? 0,
            json.Long("cachedInputTokens") ?? 0,
            json.Long("outputTokens") ?? 0,
            json.Long("reasoningOutputTokens") ?? 0,
            json.Long("totalTokens") ?? 0);
    }
}

public sealed class TokenUsageEvent : CodexEvent
{
    internal TokenUsageEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TokenUsage, method, conversationId, turnId, timestamp, parameters)
    {
        var usage = parameters.Prop("tokenUsage");
        Total = CodexTokenUsage.From(usage.Prop("total"));
        Last = CodexTokenUsage.From(usage.Prop("last"));
        ModelContextWindow = usage.Long("modelContextWindow");
    }

    public CodexTokenUsage? Total { get; }

    public CodexTokenUsage? Last { get; }

    public long? ModelContextWindow { get; }

    internal override CodexEvent Rebuild(JsonElement parameters) => new TokenUsageEvent(Method, ConversationId, TurnId, Timestamp, parameters);

    public override string Summary => $"tokens: {Last?.InputTokens} in, {Last?.OutputTokens} out (total {Total?.TotalTokens})";
}

/// <summary>A rate-limit window as the runtime reported it; every member it left out is null.</summary>
public sealed record CodexRateLimitWindow(int UsedPercent, int? WindowMinutes, DateTimeOffset? ResetsAt)
{
    internal static CodexRateLimitWindow? From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || json.Int("usedPercent") is not { } used)
        {
            return null;
        }

        return new CodexRateLimitWindow(used, json.Int("windowDurationMins"), Json.UnixSeconds(json.Long("resetsAt")));
    }

    /// <summary>The window's length for people: "5h", "weekly", "90m", "2d"; null when the runtime gave none.</summary>
    public string? Label => LabelFor(WindowMinutes);

    public static string? LabelFor(int? windowMinutes) => windowMinutes switch
    {
        null or <= 0 => null,
        10080 => "weekly",
        int m when m % 1440 == 0 => $"{m / 1440}d",
        int m when m % 60 == 0 => $"{m / 60}h",
        int m => $"{m}m",
    };
}

public sealed class CodexRateLimits
{
    internal CodexRateLimits(JsonElement snapshot, DateTimeOffset reportedAt)
    {
        Primary = CodexRateLimitWindow.From(snapshot.Prop("primary"));
        Secondary = CodexRateLimitWindow.From(snapshot.Prop("secondary"));
        LimitId = snapshot.Str("limitId");
        PlanType = snapshot.Str("planType");
        ReportedAt = reportedAt;
    }

    public CodexRateLimitWindow? Primary { get; }

    public CodexRateLimitWindow? Secondary { get; }

    public string? LimitId { get; }

    public string? PlanType { get; }

    public DateTimeOffset ReportedAt { get; }

    public override string ToString() => string.Join(", ", new[] { Describe("primary", Primary), Describe("secondary", Secondary) }.OfType<string>());

    private static string? Describe(string name, CodexRateLimitWindow? window) =>
        window is null ? null : $"{window.Label ?? name} {window.UsedPercent}%" + (window.ResetsAt is { } at ? $" until {at.LocalDateTime:g}" : string.Empty);
}

public sealed class RateLimitsEvent : CodexEvent
{
    internal RateLimitsEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : this(method, conversationId, turnId, timestamp, parameters, new CodexRateLimits(parameters.Prop("rateLimits"), timestamp))
    {
    }

    /// <summary>With the limits already read from <paramref name="parameters"/>: a report is read once, whoever hears it.</summary>
    internal RateLimitsEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexRateLimits limits)
        : base(CodexEventKind.RateLimits, method, conversationId, turnId, timestamp, parameters)
    {
        RateLimits = limits;
    }

    public CodexRateLimits RateLimits { get; }

    public CodexRateLimitWindow? Primary => RateLimits.Primary;

    public CodexRateLimitWindow? Secondary => RateLimits.Secondary;

    public override string Summary => "rate limits: " + RateLimits;

    internal override CodexEvent Rebuild(JsonElement parameters) => new RateLimitsEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}

public sealed class TurnDiffEvent : CodexEvent
{
    internal TurnDiffEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TurnDiff, method, conversationId, turnId, timestamp, parameters)
    {
        Diff = parameters.Str("diff") ?? string.Empty;
    }

    public string Diff { get; }

    public override string Summary => $"diff: {Diff.Split('\n').Length} lines";

    internal override CodexEvent Rebuild(JsonElement parameters) => new TurnDiffEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}

public sealed class ErrorEvent : CodexEvent
{
    internal ErrorEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.Error, method, conversationId, turnId, timestamp, parameters)
    {
        Error = CodexTurnError.From(parameters.Prop("error"));
        WillRetry = parameters.Bool("willRetry") ?? false;
    }

    public CodexTurnError? Error { get; }

    public bool WillRetry { get; }

    public override string Summary => (WillRetry ? "retrying: " : "error: ") + DisplayText.Sanitize(Error?.Message, 120);

    internal override CodexEvent Rebuild(JsonElement parameters) => new ErrorEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}

/// <summary>Why a turn failed, with the runtime's codexErrorInfo mapped to a stable ErrorId.</summary>
public sealed class CodexTurnError
{
    private CodexTurnError(string message, string? info, int? httpStatusCode, string? additionalDetails)
    {
        Message = message;
        CodexErrorInfo = info;
        HttpStatusCode = httpStatusCode;
        AdditionalDetails = additionalDetails;

        // The runtime reports a refused key as httpConnectionFailed {httpStatusCode: 401}; it is an authentication error.
        ErrorId = info == "httpConnectionFailed" && httpStatusCode is 401 or 403 ? "CodexUnauthorized"
            : "Codex" + (info is null ? "TurnFailed" : Json.Pascal(info));
    }

    public string Message { get; }

    /// <summary>The runtime's codexErrorInfo name (usageLimitExceeded, httpConnectionFailed, ...), null when it gave none.</summary>
    public string? CodexErrorInfo { get; }

    /// <summary>CodexUsageLimitExceeded, CodexInternalServerError, CodexHttpConnectionFailed, ... or CodexTurnFailed.</summary>
    public string ErrorId { get; }

    public int? HttpStatusCode { get; }

    public string? AdditionalDetails { get; }

    public override string ToString() => $"{ErrorId}: {Message}";

    internal static CodexTurnError? From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var infoElement = json.Prop("codexErrorInfo");
        string? info = null;
        int? status = null;
        if (infoElement.ValueKind == JsonValueKind.String)
        {
            info = infoElement.GetString();
        }
        else if (infoElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in infoElement.EnumerateObject())
            {
                info = property.Name;
                status = property.Value.Int("httpStatusCode");
                break;
            }
        }

        return new CodexTurnError(json.Str("message") ?? "(no message)", info, status, json.Str("additionalDetails"));
    }
}

public enum CodexTurnStatus
{
    InProgress,
    Completed,
    Interrupted,
    Failed,
}

public sealed class TurnCompletedEvent : CodexEvent
{
    internal TurnCompletedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TurnCompleted, method, conversationId, turnId, timestamp, parameters)
    {
        var turn = parameters.Prop("turn");
        Status = ParseStatus(turn.Str("status"));
        Error = CodexTurnError.From(turn.Prop("error"));
        Duration = turn.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
    }

    public CodexTurnStatus Status { get; }

    public CodexTurnError? Error { get; }

    public TimeSpan? Duration { get; }

    /// <summary>The final answer parsed against the turn's output schema, when one was given (set by the caller).</summary>
    public object? Output { get; set; }

    public override string Summary => Error is null ? Status.ToString() : $"{Status}: {Error.ErrorId}: {ItemEvent.OneLine(Error.Message)}";

    internal override CodexEvent Rebuild(JsonElement parameters) => new TurnCompletedEvent(Method, ConversationId, TurnId, Timestamp, parameters) { Output = Output };

    internal static CodexTurnStatus ParseStatus(string? status) => status switch
    {
        "completed" => CodexTurnStatus.Completed,
        "interrupted" => CodexTurnStatus.Interrupted,
        "failed" => CodexTurnStatus.Failed,
        _ => CodexTurnStatus.InProgress,
    };
}

/// <summary>Any notification CodexPS does not model: kept whole in Raw.</summary>
public sealed class NotificationEvent : CodexEvent
{
    internal NotificationEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexEventKind? kind = null)
        : base(kind ?? (method == "turn/plan/updated" ? CodexEventKind.PlanUpdated : CodexEventKind.Notification), method, conversationId, turnId, timestamp, parameters)
    {
    }
}
