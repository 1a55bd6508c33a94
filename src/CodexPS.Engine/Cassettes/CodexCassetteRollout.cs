using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Cassettes;

/// <summary>
/// Builds a cassette from the runtime's rollout file of a thread. Its response_item lines hold exactly what the model
/// said and what it was given; token_usage_record lines (one per model response) give each request's usage, and the
/// token_count events give the rate-limit windows the runtime read from that answer's headers.
/// </summary>
public static class CodexCassetteRollout
{
    /// <summary>Reads the rollout and returns its model requests as a cassette, redacted by <paramref name="redactor"/>.</summary>
    public static CodexCassette Read(string rolloutPath, CodexCassetteRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(rolloutPath);
        ArgumentNullException.ThrowIfNull(redactor);
        var lines = File.ReadAllLines(rolloutPath);
        var entries = new List<JsonElement>();
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                entries.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                // A line cut short by a crash while the runtime wrote it: what came before is whole.
            }
        }

        // Older runtimes write no token_usage_record; then each token_count ends a response.
        var hasUsageRecords = entries.Any(e => Str(e, "type") == "token_usage_record");
        var builders = new List<Builder>();
        var pending = new List<JsonElement>();
        var seen = new List<JsonElement>();
        Builder? open = null;
        string? conversationId = null, runtimeVersion = null, model = null, cwd = null;
        var turn = 0;

        foreach (var entry in entries)
        {
            var payload = entry.TryGetProperty("payload", out var p) ? p : default;
            switch (Str(entry, "type"))
            {
                case "session_meta":
                    conversationId ??= Str(payload, "id");
                    runtimeVersion ??= Str(payload, "cli_version");
                    cwd ??= Str(payload, "cwd");
                    break;
                case "turn_context":
                    model = Str(payload, "model") ?? model;
                    cwd = Str(payload, "cwd") ?? cwd;
                    break;
                case "response_item":
                    seen.Add(payload);
                    if (CodexCassetteRequest.IsModelOutput(payload))
                    {
                        if (open is null)
                        {
                            open = new Builder(turn, CodexCassetteRequest.FromInputs(pending, CodexCassetteRequest.FindWorkingDirectory(seen)));
                            builders.Add(open);
                            pending.Clear();
                        }

                        open.Output.Add(CodexCassetteItems.FromWire(payload));
                    }
                    else if (CodexCassetteRequest.IsModelInput(payload))
                    {
                        open = null;
                        pending.Add(payload);
                    }

                    break;
                case "token_usage_record" when hasUsageRecords:
                    TakeUsage(builders, ref open, pending, seen, turn, Usage(payload.TryGetProperty("usage", out var u) ? u : default));
                    break;
                case "event_msg" when Str(payload, "type") == "task_started":
                    turn++;
                    break;
                case "event_msg" when Str(payload, "type") == "token_count":
                    var info = payload.TryGetProperty("info", out var i) ? i : default;
                    if (!hasUsageRecords && info.ValueKind == JsonValueKind.Object)
                    {
                        TakeUsage(builders, ref open, pending, seen, turn, Usage(info.TryGetProperty("last_token_usage", out var last) ? last : default));
                    }

                    if (builders.FirstOrDefault(b => b.HasUsage && !b.HasLimits) is { } target)
                    {
                        target.HasLimits = true;
                        target.RateLimits = RateLimits(payload.TryGetProperty("rate_limits", out var r) ? r : default);
                    }

                    break;
            }
        }

        return new CodexCassette
        {
            ConversationId = conversationId,
            RuntimeVersion = runtimeVersion,
            Model = model,
            RecordedAt = DateTimeOffset.UtcNow,
            WorkingDirectory = cwd,
            Masks = redactor.Masks,
            Requests = builders.Select((b, n) => new CodexCassetteExchange
            {
                Turn = b.Turn,
                Request = new CodexCassetteRequest(b.Request.Prompt.Select(redactor.RedactText).ToArray(), b.Request.ToolOutputs.Select(redactor.RedactText).ToArray()),
                Output = b.Output.Select(o => redactor.RedactItem(o)).ToArray(),
                Usage = b.Usage,
                RateLimits = b.RateLimits,
            }).ToArray(),
        };
    }

    private static void TakeUsage(List<Builder> builders, ref Builder? open, List<JsonElement> pending, List<JsonElement> seen, int turn, MockUsage? usage)
    {
        var target = builders.FirstOrDefault(b => !b.HasUsage);
        if (target is null)
        {
            // A response that said nothing the rollout keeps (no output item) still was a request.
            target = new Builder(turn, CodexCassetteRequest.FromInputs(pending, CodexCassetteRequest.FindWorkingDirectory(seen)));
            builders.Add(target);
            pending.Clear();
        }

        target.HasUsage = true;
        target.Usage = usage;
        if (ReferenceEquals(target, open))
        {
            // The answer is complete; what the model says next belongs to the next request.
            open = null;
        }
    }

    private static MockUsage? Usage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new MockUsage(Long(usage, "input_tokens") ?? 0, Long(usage, "output_tokens") ?? 0, Long(usage, "cached_input_tokens") ?? 0, Long(usage, "reasoning_output_tokens") ?? 0);
    }

    private static MockRateLimits? RateLimits(JsonElement limits)
    {
        if (limits.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var primary = limits.TryGetProperty("primary", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var secondary = limits.TryGetProperty("secondary", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        if (primary.ValueKind != JsonValueKind.Object && secondary.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new MockRateLimits(Double(primary, "used_percent"), (int?)Long(primary, "window_minutes"), Long(primary, "resets_at"),
            Double(secondary, "used_percent"), (int?)Long(secondary, "window_minutes"), Long(secondary, "resets_at"));
    }

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : null;

    private static double? Double(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private sealed class Builder
    {
        public Builder(int turn, CodexCassetteRequest request)
        {
            Turn = turn;
            Request = request;
        }

        public int Turn { get; }

        public CodexCassetteRequest Request { get; }

        public List<JsonObject> Output { get; } = new();

        public bool HasUsage { get; set; }

        public MockUsage? Usage { get; set; }

        public bool HasLimits { get; set; }

        public MockRateLimits? RateLimits { get; set; }
    }
}
