using System.Globalization;
using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Persistence;

/// <summary>
/// Turns a recording back into the typed events a live turn produced, with no runtime involved: nothing is
/// sent, no command runs. A recorded approval request comes back as ApprovalRequestedEvent carrying the
/// decision that was sent then; answering it again reaches nobody.
/// </summary>
public static class CodexReplay
{
    /// <summary>The recording's events in order; deltas only when <paramref name="includeDeltas"/> (as for a live turn).</summary>
    public static IEnumerable<CodexEvent> Events(CodexSessionFile file, bool includeDeltas)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Kind != CodexSessionFileKind.Recording)
        {
            throw new CodexSessionFileException("CodexReplayNeedsRecording", file.Path, null,
                $"'{file.Path}' is a codex rollout; only CodexPS recordings hold the events to replay (resume it without -Replay).");
        }

        return Replay(file, includeDeltas);
    }

    private static IEnumerable<CodexEvent> Replay(CodexSessionFile file, bool includeDeltas)
    {
        // Decisions come after their requests in the file; they are known up front so each event is whole when written.
        var decisions = new Dictionary<long, (CodexApprovalDecision Decision, string? DecidedBy)>();
        foreach (var entry in file.Entries)
        {
            if (entry.Str("type") == "decision" && entry.Long("request") is { } requestSeq
                && Enum.TryParse<CodexApprovalDecision>(entry.Str("decision"), ignoreCase: true, out var decision))
            {
                decisions[requestSeq] = (decision, entry.Str("decidedBy"));
            }
        }

        var conversationId = file.ConversationId;
        var fileChanges = new Dictionary<string, IReadOnlyList<CodexFileChange>>(StringComparer.Ordinal);
        string? lastDeltaItemId = null;
        foreach (var entry in file.Entries)
        {
            var type = entry.Str("type");
            if (type is not ("event" or "request") || entry.Str("method") is not { } method)
            {
                continue;
            }

            var parameters = entry.Prop("params");
            var timestamp = DateTimeOffset.TryParse(entry.Str("timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : default;
            var recordedTurnId = entry.Str("turnId");
            if (type == "request")
            {
                if (CodexClient.ApprovalKindOf(method) is not { } kind)
                {
                    continue;
                }

                var changes = kind == CodexApprovalKind.FileChange && parameters.Str("itemId") is { } itemId && fileChanges.TryGetValue(itemId, out var found)
                    ? found
                    : Array.Empty<CodexFileChange>();
                var request = new CodexApprovalRequest(kind, parameters, changes, _ => Task.CompletedTask);
                if (entry.Long("seq") is { } seq && decisions.TryGetValue(seq, out var recorded))
                {
                    // The send is a no-op: this only restores what was decided then.
                    _ = request.RespondAsync(recorded.Decision, recorded.DecidedBy ?? "recording");
                }

                yield return new ApprovalRequestedEvent(method, conversationId, parameters.Str("turnId") ?? recordedTurnId, timestamp, parameters, request);
                continue;
            }

            var evt = Create(method, conversationId, recordedTurnId, timestamp, parameters, includeDeltas, ref lastDeltaItemId);
            if (evt is ItemEvent { Kind: CodexEventKind.ItemStarted, Item: FileChangeItem { Id: { } changeId } change })
            {
                fileChanges[changeId] = change.Changes;
            }

            if (evt is not null)
            {
                yield return evt;
            }
        }
    }

    /// <summary>The typed event for a notification, as a live turn builds it; null for a delta when deltas are left out.</summary>
    internal static CodexEvent? Create(string method, string? conversationId, string? activeTurnId, DateTimeOffset timestamp, JsonElement parameters, bool includeDeltas, ref string? lastDeltaItemId)
    {
        var turnId = parameters.Str("turnId", activeTurnId) ?? parameters.Prop("turn").Str("rootTurnId", activeTurnId) ?? parameters.Prop("turn").Str("id", activeTurnId) ?? activeTurnId;
        switch (method)
        {
            case "item/agentMessage/delta":
                return Delta(CodexEventKind.AgentMessageDelta, ref lastDeltaItemId);
            case "item/commandExecution/outputDelta":
                return Delta(CodexEventKind.CommandOutputDelta, ref lastDeltaItemId);
            case "item/reasoning/summaryTextDelta":
            case "item/reasoning/textDelta":
                return Delta(CodexEventKind.ReasoningDelta, ref lastDeltaItemId);
            case "turn/started":
                return new TurnStartedEvent(method, conversationId, turnId, timestamp, parameters);
            case "item/started":
                return new ItemEvent(CodexEventKind.ItemStarted, method, conversationId, turnId, timestamp, parameters);
            case "item/completed":
                return new ItemEvent(CodexEventKind.ItemCompleted, method, conversationId, turnId, timestamp, parameters);
            case "thread/tokenUsage/updated":
                return new TokenUsageEvent(method, conversationId, turnId, timestamp, parameters);
            case "account/rateLimits/updated":
                return new RateLimitsEvent(method, conversationId, activeTurnId, timestamp, parameters);
            case "turn/diff/updated":
                return new TurnDiffEvent(method, conversationId, turnId, timestamp, parameters);
            case "error":
                return new ErrorEvent(method, conversationId, turnId, timestamp, parameters);
            case "turn/completed":
                return new TurnCompletedEvent(method, conversationId, turnId, timestamp, parameters);
            case "serverRequest/resolved":
                return new NotificationEvent(method, conversationId, activeTurnId, timestamp, parameters, CodexEventKind.ApprovalResolved);
            default:
                return new NotificationEvent(method, conversationId, turnId, timestamp, parameters);
        }

        DeltaEvent? Delta(CodexEventKind kind, ref string? lastItemId)
        {
            if (!includeDeltas)
            {
                return null;
            }

            var delta = new DeltaEvent(kind, method, conversationId, turnId, timestamp, parameters, lastItemId);
            lastItemId = delta.ItemId;
            return delta;
        }
    }
}
