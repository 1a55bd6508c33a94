using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>What a whole turn produced, gathered from its events (the seed's run() result).</summary>
public sealed class CodexTurnResult
{
    private readonly List<CodexItem> _items = new();
    private string? _finalAnswer;
    private string? _lastUnphased;

    /// <summary>
    /// How a parsed -OutputSchema answer becomes <see cref="Output"/>. The engine keeps the JSON; PowerShell sets
    /// this once so that every consumer (a pipeline, a job, engine code in the session) gets the same objects.
    /// </summary>
    public static Func<JsonElement, object?> ConvertOutput { get; set; } = value => value;

    /// <summary>The conversation the turn ran in.</summary>
    public string? ConversationId { get; private set; }

    /// <summary>The turn's id, as the runtime named it.</summary>
    public string? TurnId { get; private set; }

    /// <summary>InProgress until the turn's end has been seen, then how it ended.</summary>
    public CodexTurnStatus Status { get; private set; } = CodexTurnStatus.InProgress;

    /// <summary>
    /// The agent message marked as the final answer (phase final_answer), or the last message when the runtime
    /// marks none. A turn whose messages are all commentary has no final answer: null.
    /// </summary>
    public string? FinalResponse => _finalAnswer ?? _lastUnphased;

    /// <summary>Every item the turn completed, in order.</summary>
    public IReadOnlyList<CodexItem> Items => _items;

    /// <summary>Tokens this turn used (the runtime's "last" breakdown); null when it reported none.</summary>
    public CodexTokenUsage? Usage { get; private set; }

    /// <summary>How long the runtime says the turn took; null when it did not say.</summary>
    public TimeSpan? Duration { get; private set; }

    /// <summary>
    /// What the turn cost in USD, priced with Connect-Codex -Pricing; null without a price for the turn's model (CodexPS
    /// ships no price list) or when the runtime reported no tokens. Never 0 for "unknown".
    /// </summary>
    public decimal? CostUsd { get; private set; }

    /// <summary>The budget CodexPS stopped the turn for; null when no budget was passed.</summary>
    public BudgetExceededEvent? BudgetExceeded { get; private set; }

    /// <summary>Why the turn failed; null unless it did.</summary>
    public CodexTurnError? Error { get; private set; }

    /// <summary>The final answer parsed against an output schema, when one was given and the answer follows it.</summary>
    public object? Output { get; set; }

    /// <summary>
    /// Why the final answer does not give an <see cref="Output"/> (ErrorId CodexOutputInvalidJson or
    /// CodexOutputSchemaMismatch); null when no schema was given or the answer follows it.
    /// </summary>
    public CodexException? OutputError { get; private set; }

    /// <summary>
    /// The input the turn answered, for a caller that ran many (Invoke-Codex: the piped object, or the prompt when the
    /// prompt itself was the input); null when unknown.
    /// </summary>
    public object? InputObject { get; set; }

    /// <summary>The input's position among the caller's inputs, from 0 (Invoke-Codex counts every piped item); null when unknown.</summary>
    public int? InputIndex { get; set; }

    /// <summary>The name of the runtime that ran the turn (for a pool, the member's own name); null when unknown.</summary>
    public string? RuntimeName { get; set; }

    /// <summary>Takes one event of the turn into the result.</summary>
    public void Add(CodexEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ConversationId ??= evt.ConversationId;
        TurnId ??= evt.TurnId;
        switch (evt)
        {
            case ItemEvent { Kind: CodexEventKind.ItemCompleted } item:
                _items.Add(item.Item);
                if (item.Item is AgentMessageItem message)
                {
                    TakeMessage(message);
                }

                break;
            case TokenUsageEvent usage:
                Usage = usage.Last ?? Usage;
                break;
            case BudgetExceededEvent exceeded:
                BudgetExceeded ??= exceeded;
                break;
            case TurnCompletedEvent completed:
                CostUsd = completed.CostUsd;
                Status = completed.Status;
                Duration = completed.Duration;
                Error = completed.Error;
                Output ??= completed.Output;
                break;
        }
    }

    private void TakeMessage(AgentMessageItem message)
    {
        switch (message.Phase)
        {
            case "FinalAnswer":
                _finalAnswer = message.Text;
                break;
            case null:
                _lastUnphased = message.Text;
                break;
            default:
                // Commentary (and any phase the runtime adds later) is what the agent says on the way, never the answer.
                break;
        }
    }

    /// <summary>
    /// Parses and checks the final answer against the turn's output schema: sets <see cref="Output"/> (and the
    /// event's) or <see cref="OutputError"/>. Only a completed turn is checked: an interrupted or failed one
    /// has no answer to hold to the schema.
    /// </summary>
    internal void ApplyOutputSchema(TurnCompletedEvent completed, JsonElement schema)
    {
        if (completed.Status != CodexTurnStatus.Completed)
        {
            return;
        }

        var answer = FinalResponse;
        var (value, problems) = CodexOutputSchema.Check(answer, schema);
        if (problems.Count == 0 && value is { } parsed)
        {
            Output = ConvertOutput(parsed);
            completed.Output = Output;
            return;
        }

        var errorId = value is null ? "CodexOutputInvalidJson" : "CodexOutputSchemaMismatch";
        OutputError = new CodexException(errorId,
            $"The final answer of the turn in conversation {ConversationId} does not follow the output schema: {string.Join(" ", problems)}");
    }

    /// <inheritdoc/>
    public override string ToString() => FinalResponse ?? Status.ToString();
}
