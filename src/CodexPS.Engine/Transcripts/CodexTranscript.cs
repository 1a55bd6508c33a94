using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>
/// A conversation as a reader sees it afterwards, built from the saved history (thread/read, thread/turns/list), so a
/// conversation of an earlier session reads the same as a live one. Token usage comes from the thread's rollout when
/// it is readable here, approvals from CodexPS recordings; what neither holds is null or absent, never guessed.
/// </summary>
public sealed class CodexTranscript
{
    /// <summary>The schema name written into the Json format.</summary>
    public const string Schema = "codexps.transcript/1";

    internal CodexTranscript(CodexThreadInfo thread, IReadOnlyList<CodexTranscriptTurn> turns, bool usageRead, string? runtimeVersion)
    {
        Thread = thread;
        Turns = turns;
        UsageRead = usageRead;
        RuntimeVersion = thread.CliVersion ?? runtimeVersion;
    }

    /// <summary>The conversation as thread/read gives it (id, name, folder, model, rollout path).</summary>
    public CodexThreadInfo Thread { get; }

    /// <summary>The turns, oldest first.</summary>
    public IReadOnlyList<CodexTranscriptTurn> Turns { get; }

    /// <summary>Whether the rollout was read for token usage (false: a remote runtime's or an ephemeral thread's; usage is then null).</summary>
    public bool UsageRead { get; }

    /// <summary>The runtime version that created the thread, else the one that read it.</summary>
    public string? RuntimeVersion { get; }

    /// <summary>What the page is called: the conversation's name, else the start of its first prompt, else its id; one line.</summary>
    internal string Title
    {
        get
        {
            var title = CodexTranscriptText.Clean(Thread.Name ?? Thread.Preview ?? Thread.Id).Replace('\n', ' ').Replace('\t', ' ').Trim();
            return title.Length <= 120 ? title : title[..119] + "\u2026";
        }
    }

    /// <summary>
    /// Reads a conversation's saved history and the approvals of the given recordings. Recordings of another
    /// conversation, or files that are not recordings, throw CodexSessionFileException.
    /// </summary>
    public static async Task<CodexTranscript> ReadAsync(CodexClient client, string conversationId, IEnumerable<string> recordingPaths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(recordingPaths);
        var thread = await client.ReadThreadAsync(conversationId, cancellationToken).ConfigureAwait(false);

        var turns = new List<CodexTurnInfo>();
        string? cursor = null;
        do
        {
            var page = await client.ListTurnsPageAsync(thread.Id, cursor, cancellationToken).ConfigureAwait(false);
            turns.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        // The rollout is the runtime's own file; a runtime on another machine (-Uri) keeps it there.
        Dictionary<string, CodexTokenUsage>? usage = null;
        if (thread.Path is { } rollout && File.Exists(rollout))
        {
            try
            {
                usage = CodexTranscriptRolloutUsage.Read(rollout);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                usage = null;
            }
        }

        var approvals = new List<CodexTranscriptApproval>();
        foreach (var path in recordingPaths.Distinct(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal))
        {
            approvals.AddRange(CodexTranscriptRecordings.ReadApprovals(path, thread.Id));
        }

        // Two recordings of the same turn (a -RecordingPath and a running one) hold the same requests.
        var ordered = approvals.Distinct().OrderBy(a => a.RequestedAt).ToArray();
        var result = turns.Select((turn, index) => new CodexTranscriptTurn(
            index + 1,
            turn,
            usage is not null && usage.TryGetValue(turn.Id, out var used) ? used : null,
            ordered.Where(a => a.TurnId == turn.Id).ToArray())).ToArray();
        return new CodexTranscript(thread, result, usage is not null, client.RuntimeVersion);
    }
}
