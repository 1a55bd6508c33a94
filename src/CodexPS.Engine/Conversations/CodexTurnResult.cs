using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>What a whole turn produced, gathered from its events (the seed's run() result).</summary>
public sealed class CodexTurnResult
{
    private readonly List<CodexItem> _items = new();

    public string? ConversationId { get; private set; }

    public string? TurnId { get; private set; }

    public CodexTurnStatus Status { get; private set; } = CodexTurnStatus.InProgress;

    /// <summary>The last agent message (the final answer when the runtime marks one).</summary>
    public string? FinalResponse { get; private set; }

    public IReadOnlyList<CodexItem> Items => _items;

    /// <summary>Tokens this turn used (the runtime's "last" breakdown); null when it reported none.</summary>
    public CodexTokenUsage? Usage { get; private set; }

    public TimeSpan? Duration { get; private set; }

    public CodexTurnError? Error { get; private set; }

    /// <summary>The final answer parsed against an output schema, when one was given.</summary>
    public object? Output { get; set; }

    public void Add(CodexEvent evt)
    {
        ConversationId ??= evt.ConversationId;
        TurnId ??= evt.TurnId;
        switch (evt)
        {
            case ItemEvent { Kind: CodexEventKind.ItemCompleted } item:
                _items.Add(item.Item);
                if (item.Item is AgentMessageItem message && (FinalResponse is null || message.Phase != "Commentary"))
                {
                    FinalResponse = message.Text;
                }

                break;
            case TokenUsageEvent usage:
                Usage = usage.Last ?? Usage;
                break;
            case TurnCompletedEvent completed:
                Status = completed.Status;
                Duration = completed.Duration;
                Error = completed.Error;
                break;
        }
    }

    public override string ToString() => FinalResponse ?? Status.ToString();
}
