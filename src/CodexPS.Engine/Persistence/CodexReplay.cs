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

        // The factory a live turn uses builds each event; the recorded turn id stands in for the turn that was active.
        var factory = new CodexEventFactory(file.ConversationId);
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

                var changes = kind == CodexApprovalKind.FileChange ? factory.ChangesFor(parameters.Str("itemId")) : null;
                var request = new CodexApprovalRequest(kind, parameters, changes ?? Array.Empty<CodexFileChange>(), _ => Task.CompletedTask);
                if (entry.Long("seq") is { } seq && decisions.TryGetValue(seq, out var recorded))
                {
                    // The send is a no-op: this only restores what was decided then.
                    _ = request.RespondAsync(recorded.Decision, recorded.DecidedBy ?? "recording");
                }

                yield return factory.CreateRequest(method, parameters, timestamp, recordedTurnId, request);
                continue;
            }

            if (CodexEventFactory.DeltaKindOf(method) is { } deltaKind)
            {
                if (includeDeltas)
                {
                    yield return factory.CreateDelta(deltaKind, method, parameters, timestamp, recordedTurnId);
                }

                continue;
            }

            yield return factory.Create(method, parameters, timestamp, recordedTurnId);
        }
    }
}
