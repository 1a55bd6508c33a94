using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>One run of a configured hook (the runtime's HookRunSummary).</summary>
public sealed class CodexHookRun
{
    internal CodexHookRun(JsonElement run)
    {
        Id = run.Str("id") ?? string.Empty;
        EventName = Pascal(run.Str("eventName"));
        HandlerType = Pascal(run.Str("handlerType"));
        ExecutionMode = Pascal(run.Str("executionMode"));
        Scope = Pascal(run.Str("scope"));
        Source = Pascal(run.Str("source"));
        SourcePath = run.Str("sourcePath");
        Status = Pascal(run.Str("status"));
        StatusMessage = run.Str("statusMessage");
        StartedAt = Json.UnixMs(run.Long("startedAt"));
        CompletedAt = Json.UnixMs(run.Long("completedAt"));
        Duration = run.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        Output = run.Array("entries").Select(e => new CodexHookOutput(Pascal(e.Str("kind")) ?? string.Empty, e.Str("text") ?? string.Empty)).ToArray();
    }

    /// <summary>The run's id.</summary>
    public string Id { get; }

    /// <summary>The event that ran the hook (UserPromptSubmit, PreToolUse, Stop, ...).</summary>
    public string? EventName { get; }

    /// <summary>Command, McpTool, Prompt or Agent.</summary>
    public string? HandlerType { get; }

    /// <summary>Sync or Async.</summary>
    public string? ExecutionMode { get; }

    /// <summary>Thread or Turn.</summary>
    public string? Scope { get; }

    /// <summary>Where the hook is configured (User, Project, System, Plugin, ...).</summary>
    public string? Source { get; }

    /// <summary>The file that configures it.</summary>
    public string? SourcePath { get; }

    /// <summary>Running, Completed, Failed, Blocked or Stopped.</summary>
    public string? Status { get; }

    /// <summary>The hook's status message, as configured.</summary>
    public string? StatusMessage { get; }

    /// <summary>When it started.</summary>
    public DateTimeOffset? StartedAt { get; }

    /// <summary>When it ended; null while it runs.</summary>
    public DateTimeOffset? CompletedAt { get; }

    /// <summary>How long it ran; null while it runs.</summary>
    public TimeSpan? Duration { get; }

    /// <summary>What the hook reported (warnings, feedback, context, errors, a stop).</summary>
    public IReadOnlyList<CodexHookOutput> Output { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{EventName} {Status}";

    private static string? Pascal(string? value) => value is null ? null : Json.Pascal(value);
}
