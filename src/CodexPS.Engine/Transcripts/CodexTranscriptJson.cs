using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>The Json transcript (codexps.transcript/1): each item exactly as the runtime saved it, output unfolded.</summary>
internal static class CodexTranscriptJson
{
    public static void Write(Stream stream, CodexTranscript transcript, DateTimeOffset exportedAt)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var thread = transcript.Thread;
        json.WriteStartObject();
        json.WriteString("schema", CodexTranscript.Schema);
        json.WriteString("exportedAt", exportedAt);
        json.WriteStartObject("conversation");
        json.WriteString("id", thread.Id);
        json.WriteString("name", thread.Name);
        json.WriteString("preview", thread.Preview);
        json.WriteString("workingDirectory", thread.WorkingDirectory);
        json.WriteString("model", thread.Model);
        json.WriteString("modelProvider", thread.ModelProvider);
        Time(json, "createdAt", thread.CreatedAt);
        json.WriteString("runtimeVersion", transcript.RuntimeVersion);
        json.WriteBoolean("usageRecorded", transcript.UsageRead);
        json.WriteEndObject();

        json.WriteStartArray("turns");
        foreach (var turn in transcript.Turns)
        {
            var info = turn.Turn;
            json.WriteStartObject();
            json.WriteNumber("number", turn.Number);
            json.WriteString("id", info.Id);
            json.WriteString("status", info.Status);
            json.WriteString("error", info.Error);
            json.WriteString("errorInfo", info.ErrorInfo);
            Time(json, "startedAt", info.StartedAt);
            Time(json, "completedAt", info.CompletedAt);
            if (info.Duration is { } duration)
            {
                json.WriteNumber("durationMs", (long)duration.TotalMilliseconds);
            }
            else
            {
                json.WriteNull("durationMs");
            }

            if (turn.Usage is { } usage)
            {
                json.WriteStartObject("usage");
                json.WriteNumber("inputTokens", usage.InputTokens);
                json.WriteNumber("cachedInputTokens", usage.CachedInputTokens);
                json.WriteNumber("outputTokens", usage.OutputTokens);
                json.WriteNumber("reasoningOutputTokens", usage.ReasoningOutputTokens);
                json.WriteNumber("totalTokens", usage.TotalTokens);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("usage");
            }

            json.WriteStartArray("approvals");
            foreach (var approval in turn.Approvals)
            {
                json.WriteStartObject();
                json.WriteString("method", approval.Method);
                json.WriteString("itemId", approval.ItemId);
                json.WriteString("subject", approval.Subject);
                json.WriteString("decision", approval.Decision);
                json.WriteString("decidedBy", approval.DecidedBy);
                Time(json, "requestedAt", approval.RequestedAt);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("items");
            foreach (var item in info.Items)
            {
                if (item.Element.ValueKind == JsonValueKind.Undefined)
                {
                    json.WriteNullValue();
                }
                else
                {
                    item.Element.WriteTo(json);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
    }

    private static void Time(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            json.WriteString(name, t);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
