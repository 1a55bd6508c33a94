using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A turn from a thread's saved history (thread/turns/list).</summary>
public sealed class CodexTurnInfo
{
    internal CodexTurnInfo(string conversationId, JsonElement turn)
    {
        ConversationId = conversationId;
        Id = turn.Str("id") ?? throw new CodexException("CodexProtocolError", "The runtime listed a turn without an id.");
        Status = turn.Str("status") is { } status ? Json.Pascal(status) : null;
        var error = turn.Prop("error");
        Error = error.Str("message");
        ErrorInfo = error.Prop("codexErrorInfo") switch
        {
            { ValueKind: JsonValueKind.String } s => Json.Pascal(s.GetString()!),
            { ValueKind: JsonValueKind.Object } o => o.EnumerateObject().Select(p => Json.Pascal(p.Name)).FirstOrDefault(),
            _ => null,
        };
        StartedAt = Json.UnixSeconds(turn.Long("startedAt"));
        CompletedAt = Json.UnixSeconds(turn.Long("completedAt"));
        Duration = turn.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        Items = turn.Array("items").Select(CodexItem.FromJson).ToArray();
        Raw = turn.GetRawText();
    }

    /// <summary>The thread the turn belongs to.</summary>
    public string ConversationId { get; }

    /// <summary>The turn's id in its thread.</summary>
    public string Id { get; }

    /// <summary>Completed, Interrupted, Failed or InProgress.</summary>
    public string? Status { get; }

    /// <summary>The runtime's message for a failed or interrupted turn.</summary>
    public string? Error { get; }

    /// <summary>The runtime's error kind (UsageLimitExceeded, HttpConnectionFailed, ...).</summary>
    public string? ErrorInfo { get; }

    /// <summary>When the turn began; null when the runtime did not record it.</summary>
    public DateTimeOffset? StartedAt { get; }

    /// <summary>When the turn ended; null while it runs or when not recorded.</summary>
    public DateTimeOffset? CompletedAt { get; }

    /// <summary>How long the turn took, as the runtime measured it.</summary>
    public TimeSpan? Duration { get; }

    /// <summary>The turn's items, typed like the items of live events.</summary>
    public IReadOnlyList<CodexItem> Items { get; }

    /// <summary>How many items the turn holds.</summary>
    public int ItemCount => Items.Count;

    /// <summary>The turn exactly as the runtime sent it.</summary>
    public string Raw { get; }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
