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

    /// <summary>The thread's id (the conversation id).</summary>
    public string Id { get; }

    /// <summary>The title set with Rename-CodexConversation; null when none was set.</summary>
    public string? Name { get; }

    /// <summary>Usually the first user message.</summary>
    public string? Preview { get; }

    /// <summary>The directory the thread works in.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>The model the thread uses.</summary>
    public string? Model { get; }

    /// <summary>The provider of that model (openai, ...).</summary>
    public string? ModelProvider { get; }

    /// <summary>When the thread was created.</summary>
    public DateTimeOffset? CreatedAt { get; }

    /// <summary>When the thread last changed.</summary>
    public DateTimeOffset? UpdatedAt { get; }

    /// <summary>The runtime's rollout file for the thread.</summary>
    public string? Path { get; }

    /// <summary>True or false when the listing asked for archived or active threads; null when unknown (thread/read says nothing about it).</summary>
    public bool? Archived { get; }

    /// <summary>NotLoaded, Idle, Active or SystemError.</summary>
    public string? Status { get; }

    /// <summary>The thread this one was forked from; null for an original.</summary>
    public string? ForkedFromId { get; }

    /// <summary>Whether the thread is ephemeral (not kept on disk).</summary>
    public bool? Ephemeral { get; }

    /// <summary>The version of the runtime that created the thread.</summary>
    public string? CliVersion { get; }

    /// <summary>The thread exactly as the runtime sent it.</summary>
    public string Raw { get; }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
