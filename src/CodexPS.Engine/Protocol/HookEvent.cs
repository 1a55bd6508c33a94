using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A configured hook began (hook/started) or finished (hook/completed) a run.</summary>
public sealed class HookEvent : CodexEvent
{
    internal HookEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(kind, method, conversationId, turnId, timestamp, parameters)
    {
        Run = new CodexHookRun(parameters.Prop("run"));
    }

    /// <summary>The run: which hook event, its handler, status, timing and output.</summary>
    public CodexHookRun Run { get; }

    /// <inheritdoc/>
    public override string Summary => $"hook {Run.EventName} {Run.Status}{(Run.StatusMessage is { } message ? ": " + DisplayText.Sanitize(message, 80) : string.Empty)}";

    internal override CodexEvent Rebuild(JsonElement parameters) => new HookEvent(Kind, Method, ConversationId, TurnId, Timestamp, parameters);
}
