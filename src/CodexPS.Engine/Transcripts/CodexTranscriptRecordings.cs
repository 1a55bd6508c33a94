using System.Globalization;
using System.Text.Json;
using CodexPS.Engine.Persistence;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>Approvals and their decisions from CodexPS recordings: the only place they are kept once a turn has ended.</summary>
internal static class CodexTranscriptRecordings
{
    /// <summary>The approval requests of one conversation's recording, each with the decision recorded for it.</summary>
    public static IReadOnlyList<CodexTranscriptApproval> ReadApprovals(string recordingPath, string conversationId)
    {
        var file = CodexSessionFile.Read(recordingPath, strict: false);
        if (file.Kind != CodexSessionFileKind.Recording)
        {
            throw new CodexSessionFileException("CodexTranscriptRecordingInvalid", file.Path, 1,
                $"'{file.Path}' is a rollout, not a CodexPS recording; only recordings keep approvals and their decisions.");
        }

        if (file.ConversationId != conversationId)
        {
            throw new CodexSessionFileException("CodexTranscriptRecordingInvalid", file.Path, 1,
                $"'{file.Path}' is a recording of conversation {file.ConversationId}, not of {conversationId}.");
        }

        var requests = new List<(long Seq, JsonElement Entry)>();
        var decisions = new Dictionary<long, JsonElement>();
        foreach (var entry in file.Entries)
        {
            switch (entry.Str("type"))
            {
                case "request" when IsApproval(entry.Str("method")) && entry.Long("seq") is { } seq:
                    requests.Add((seq, entry));
                    break;
                case "decision" when entry.Long("request") is { } request:
                    decisions[request] = entry;
                    break;
            }
        }

        return requests.Select(r =>
        {
            var parameters = r.Entry.Prop("params");
            var decided = decisions.TryGetValue(r.Seq, out var d) ? d : default;
            return new CodexTranscriptApproval(
                r.Entry.Str("turnId") ?? parameters.Str("turnId"),
                parameters.Str("itemId"),
                r.Entry.Str("method")!,
                Subject(parameters),
                decided.Str("decision"),
                decided.Str("decidedBy"),
                r.Entry.Str("timestamp") is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when) ? when : null);
        }).ToArray();
    }

    // Requests that ask the user to allow something; tool calls and questions are answered with content, not a decision.
    private static bool IsApproval(string? method) =>
        method is not null && (method.EndsWith("requestApproval", StringComparison.Ordinal) || method.EndsWith("Approval", StringComparison.Ordinal)
            || method == "mcpServer/elicitation/request");

    private static string? Subject(JsonElement parameters)
    {
        var command = parameters.Prop("command");
        if (command.ValueKind == JsonValueKind.String)
        {
            return command.GetString();
        }

        if (command.ValueKind == JsonValueKind.Array)
        {
            return string.Join(" ", command.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString() : c.GetRawText()));
        }

        return parameters.Str("reason") ?? parameters.Str("message");
    }
}
