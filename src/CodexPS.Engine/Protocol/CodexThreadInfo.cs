using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A saved thread as the runtime lists it (thread/list, thread/read); members the runtime leaves out are null.</summary>
public sealed class CodexThreadInfo
{
    internal CodexThreadInfo(JsonElement thread, bool? archived)
    {
        Id = thread.Str("id") ?? throw new CodexException("CodexProtocolError", "The runtime listed a thread without an id.");
        Name = thread.Str("name");
        Preview = thread.Str("preview");
        WorkingDirectory = thread.Str("cwd");
        Model = thread.Str("model");
        ModelProvider = thread.Str("modelProvider");
        CreatedAt = Json.UnixSeconds(thread.Long("createdAt"));
        UpdatedAt = Json.UnixSeconds(thread.Long("updatedAt"));
        Path = thread.Str("path");
        Archived = archived;
        Status = thread.Prop("status").Str("type") is { } status ? Json.Pascal(status) : null;
        ForkedFromId = thread.Str("forkedFromId");
        Ephemeral = thread.Bool("ephemeral");
        CliVersion = thread.Str("cliVersion");
        Raw = thread.GetRawText();
    }

    public string Id { get; }

    /// <summary>The title set with Rename-CodexConversation; null when none was set.</summary>
    public string? Name { get; }

    /// <summary>Usually the first user message.</summary>
    public string? Preview { get; }

    public string? WorkingDirectory { get; }

    public string? Model { get; }

    public string? ModelProvider { get; }

    public DateTimeOffset? CreatedAt { get; }

    public DateTimeOffset? UpdatedAt { get; }

    /// <summary>The runtime's rollout file for the thread.</summary>
    public string? Path { get; }

    /// <summary>True or false when the listing asked for archived or active threads; null when unknown (thread/read says nothing about it).</summary>
    public bool? Archived { get; }

    /// <summary>NotLoaded, Idle, Active or SystemError.</summary>
    public string? Status { get; }

    public string? ForkedFromId { get; }

    public bool? Ephemeral { get; }

    public string? CliVersion { get; }

    /// <summary>The thread exactly as the runtime sent it.</summary>
    public string Raw { get; }

    public override string ToString() => Id;
}

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

    public string ConversationId { get; }

    public string Id { get; }

    /// <summary>Completed, Interrupted, Failed or InProgress.</summary>
    public string? Status { get; }

    /// <summary>The runtime's message for a failed or interrupted turn.</summary>
    public string? Error { get; }

    /// <summary>The runtime's error kind (UsageLimitExceeded, HttpConnectionFailed, ...).</summary>
    public string? ErrorInfo { get; }

    public DateTimeOffset? StartedAt { get; }

    public DateTimeOffset? CompletedAt { get; }

    public TimeSpan? Duration { get; }

    /// <summary>The turn's items, typed like the items of live events.</summary>
    public IReadOnlyList<CodexItem> Items { get; }

    public int ItemCount => Items.Count;

    public string Raw { get; }

    public override string ToString() => Id;
}

/// <summary>One page of a paged history listing and the cursor of the next (null on the last page).</summary>
public sealed record CodexPage<T>(IReadOnlyList<T> Items, string? NextCursor);
