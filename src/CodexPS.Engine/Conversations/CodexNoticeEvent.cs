using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>How loud a <see cref="CodexNoticeEvent"/> is: the PowerShell stream it belongs on.</summary>
public enum CodexNoticeLevel
{
    /// <summary>Something the user should know (a refused request, a skipped line, a config warning).</summary>
    Warning,

    /// <summary>One line per protocol request and response (-Verbose).</summary>
    Verbose,

    /// <summary>A raw protocol line, secrets redacted (-Debug).</summary>
    Debug,
}

/// <summary>
/// A warning or protocol log line that arose while a turn was being read, carried in the turn's own queue so it
/// reaches the consumer in order with the events around it. Only a consumer that asked for notices
/// (<see cref="CodexTurn.ReceiveNotices"/>) gets them; plugins and recordings never see them.
/// </summary>
public sealed class CodexNoticeEvent : CodexEvent
{
    internal CodexNoticeEvent(CodexNoticeLevel level, string message, string? conversationId, string? turnId)
        : base(CodexEventKind.Notification, "codexps/" + level.ToString().ToLowerInvariant(), conversationId, turnId, DateTimeOffset.Now, default)
    {
        Level = level;
        Message = message;
    }

    /// <summary>Warning, Verbose or Debug.</summary>
    public CodexNoticeLevel Level { get; }

    /// <summary>The text to write.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string Summary => $"{Level}: {Message}";

    internal override CodexEvent Rebuild(JsonElement parameters) => this;
}
