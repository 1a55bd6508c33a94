using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>
/// Token usage per turn from a thread's rollout file: thread/turns/list carries none. The runtime writes a
/// token_usage_record after each model response, whose turn_token_usage is the turn's running total.
/// </summary>
internal static class CodexTranscriptRolloutUsage
{
    /// <summary>Usage by turn id; turns the rollout has no record for are absent (their usage is unknown, not zero).</summary>
    public static Dictionary<string, CodexTokenUsage> Read(string rolloutPath)
    {
        var byTurn = new Dictionary<string, CodexTokenUsage>(StringComparer.Ordinal);
        var summed = new Dictionary<string, CodexTokenUsage>(StringComparer.Ordinal);
        var fromTotals = new Dictionary<string, CodexTokenUsage>(StringComparer.Ordinal);
        CodexTokenUsage? lastTotal = null, totalAtTurnStart = null;
        string? openTurn = null;
        var hasRecords = false;

        foreach (var line in File.ReadLines(rolloutPath))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                // A last line cut short while the runtime wrote it: what came before is whole.
                continue;
            }

            using (document)
            {
                var entry = document.RootElement;
                var payload = entry.Prop("payload");
                switch (entry.Str("type"))
                {
                    case "token_usage_record" when payload.Str("turn_id") is { } turnId:
                        hasRecords = true;
                        if (Usage(payload.Prop("turn_token_usage")) is { } turnTotal)
                        {
                            byTurn[turnId] = turnTotal;
                        }
                        else if (Usage(payload.Prop("usage")) is { } one)
                        {
                            summed[turnId] = summed.TryGetValue(turnId, out var before) ? Add(before, one) : one;
                        }

                        break;
                    case "event_msg" when payload.Str("type") == "task_started":
                        openTurn = payload.Str("turn_id");
                        totalAtTurnStart = lastTotal;
                        break;
                    case "event_msg" when payload.Str("type") == "token_count":
                        if (Usage(payload.Prop("info").Prop("total_token_usage")) is { } total)
                        {
                            lastTotal = total;
                            if (openTurn is not null)
                            {
                                // Differences of the thread's running total: a report repeated after a broken stream adds nothing.
                                fromTotals[openTurn] = Subtract(total, totalAtTurnStart);
                            }
                        }

                        break;
                    case "event_msg" when payload.Str("type") is "task_complete" or "turn_aborted":
                        openTurn = null;
                        break;
                }
            }
        }

        foreach (var (turnId, usage) in summed)
        {
            byTurn.TryAdd(turnId, usage);
        }

        if (!hasRecords)
        {
            // Runtimes that write no token_usage_record: the running totals of token_count events are the record.
            foreach (var (turnId, usage) in fromTotals)
            {
                byTurn.TryAdd(turnId, usage);
            }
        }

        return byTurn;
    }

    private static CodexTokenUsage? Usage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var input = usage.Long("input_tokens") ?? 0;
        var output = usage.Long("output_tokens") ?? 0;
        return new CodexTokenUsage(input, usage.Long("cached_input_tokens") ?? 0, output, usage.Long("reasoning_output_tokens") ?? 0, usage.Long("total_tokens") ?? input + output);
    }

    private static CodexTokenUsage Add(CodexTokenUsage a, CodexTokenUsage b) =>
        new(a.InputTokens + b.InputTokens, a.CachedInputTokens + b.CachedInputTokens, a.OutputTokens + b.OutputTokens,
            a.ReasoningOutputTokens + b.ReasoningOutputTokens, a.TotalTokens + b.TotalTokens);

    private static CodexTokenUsage Subtract(CodexTokenUsage a, CodexTokenUsage? b) => b is null ? a :
        new(a.InputTokens - b.InputTokens, a.CachedInputTokens - b.CachedInputTokens, a.OutputTokens - b.OutputTokens,
            a.ReasoningOutputTokens - b.ReasoningOutputTokens, a.TotalTokens - b.TotalTokens);
}
