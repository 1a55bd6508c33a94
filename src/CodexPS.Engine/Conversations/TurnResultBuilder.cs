using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// A sink on the turn's event path: builds the turn's <see cref="CodexTurnResult"/> from the events the consumer
/// will see (after the plugins), on the reader's thread, so the final answer and the output schema's check are
/// done once, before TurnCompleted is queued, and every consumer reads the same Output.
/// </summary>
internal sealed class TurnResultBuilder
{
    private readonly JsonElement? _schema;

    public TurnResultBuilder(System.Text.Json.Nodes.JsonNode? outputSchema)
    {
        if (outputSchema is not null)
        {
            using var document = JsonDocument.Parse(outputSchema.ToJsonString());
            _schema = document.RootElement.Clone();
        }
    }

    public CodexTurnResult Result { get; } = new();

    /// <summary>Deltas carry nothing the result keeps, so the hot path pays one type test for them.</summary>
    public void Observe(CodexEvent evt)
    {
        if (evt is DeltaEvent)
        {
            return;
        }

        Result.Add(evt);
        if (evt is TurnCompletedEvent completed && _schema is { } schema)
        {
            // Checked here, before the event is queued, so whoever reads TurnCompleted finds its Output set.
            Result.ApplyOutputSchema(completed, schema);
        }
    }
}
