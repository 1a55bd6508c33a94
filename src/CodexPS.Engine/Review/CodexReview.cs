using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Review;

public enum CodexReviewTargetKind
{
    /// <summary>The working tree: staged, unstaged and untracked files.</summary>
    UncommittedChanges,

    /// <summary>The changes between the current branch and a base branch.</summary>
    BaseBranch,

    /// <summary>The changes one commit introduced.</summary>
    Commit,

    /// <summary>Free-form instructions.</summary>
    Custom,
}

/// <summary>What a review looks at (review/start's target).</summary>
public sealed class CodexReviewTarget
{
    private CodexReviewTarget(CodexReviewTargetKind kind, string? value, string? title)
    {
        Kind = kind;
        Value = value;
        Title = title;
    }

    public CodexReviewTargetKind Kind { get; }

    /// <summary>The branch, the commit sha or the instructions; null for uncommitted changes.</summary>
    public string? Value { get; }

    /// <summary>A label for a commit (its subject), shown by user interfaces.</summary>
    public string? Title { get; }

    public static CodexReviewTarget Uncommitted() => new(CodexReviewTargetKind.UncommittedChanges, null, null);

    public static CodexReviewTarget BaseBranch(string branch) => new(CodexReviewTargetKind.BaseBranch, Required(branch, nameof(branch)), null);

    public static CodexReviewTarget Commit(string sha, string? title = null) => new(CodexReviewTargetKind.Commit, Required(sha, nameof(sha)), title);

    public static CodexReviewTarget Custom(string instructions) => new(CodexReviewTargetKind.Custom, Required(instructions, nameof(instructions)), null);

    internal JsonObject ToJson() => Kind switch
    {
        CodexReviewTargetKind.UncommittedChanges => new JsonObject { ["type"] = "uncommittedChanges" },
        CodexReviewTargetKind.BaseBranch => new JsonObject { ["type"] = "baseBranch", ["branch"] = Value },
        CodexReviewTargetKind.Commit when Title is not null => new JsonObject { ["type"] = "commit", ["sha"] = Value, ["title"] = Title },
        CodexReviewTargetKind.Commit => new JsonObject { ["type"] = "commit", ["sha"] = Value },
        _ => new JsonObject { ["type"] = "custom", ["instructions"] = Value },
    };

    public override string ToString() => Value is null ? Kind.ToString() : $"{Kind} {Value}";

    private static string Required(string value, string name)
    {
        return string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"The review target's {name} is empty.", name) : value;
    }
}

/// <summary>
/// One finding of a review, as the review model reported it in its JSON output. Members the model left out
/// are null.
/// </summary>
public sealed class CodexReviewFinding
{
    internal CodexReviewFinding(JsonElement json)
    {
        Title = json.Str("title") ?? string.Empty;
        Body = json.Str("body");
        Priority = json.Prop("priority").ValueKind == JsonValueKind.Number && json.Prop("priority").TryGetInt32(out var p) ? p : null;
        ConfidenceScore = Number(json.Prop("confidence_score"));
        var location = json.Prop("code_location");
        Path = location.Str("absolute_file_path");
        var range = location.Prop("line_range");
        StartLine = range.Int("start");
        EndLine = range.Int("end");
    }

    /// <summary>The title, with the model's priority tag ("[P1] ...") as it wrote it.</summary>
    public string Title { get; }

    public string? Body { get; }

    /// <summary>0 (drop everything) to 3 (nice to have); null when the model gave none.</summary>
    public int? Priority { get; }

    public double? ConfidenceScore { get; }

    /// <summary>The file the finding is about (absolute, as the model wrote it).</summary>
    public string? Path { get; }

    public int? StartLine { get; }

    public int? EndLine { get; }

    /// <summary>"path:start-end", or what of it is known.</summary>
    public string? Location => Path is null ? null
        : StartLine is null ? Path
        : EndLine is null || EndLine == StartLine ? $"{Path}:{StartLine}" : $"{Path}:{StartLine}-{EndLine}";

    public override string ToString() => Title;

    internal static double? Number(JsonElement element) => element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var d) ? d : null;
}

/// <summary>
/// What a review produced: the review text the runtime reported when it left review mode (exitedReviewMode)
/// and, when that text is the review model's JSON output, its findings and verdict.
/// </summary>
public sealed class CodexReviewResult
{
    public CodexReviewResult(string? conversationId, string? turnId, CodexReviewTarget target, string? review, TurnCompletedEvent? completed)
    {
        ConversationId = conversationId;
        TurnId = turnId;
        Target = target;
        Review = review;
        Status = completed?.Status ?? CodexTurnStatus.InProgress;
        Duration = completed?.Duration;
        Error = completed?.Error;
        if (review is not null && ParseOutput(review) is { } output)
        {
            using (output)
            {
                var root = output.RootElement;
                Findings = root.Array("findings").Where(f => f.ValueKind == JsonValueKind.Object).Select(f => new CodexReviewFinding(f)).ToArray();
                OverallCorrectness = root.Str("overall_correctness");
                OverallExplanation = root.Str("overall_explanation");
                OverallConfidenceScore = CodexReviewFinding.Number(root.Prop("overall_confidence_score"));
                IsStructured = true;
            }
        }
    }

    /// <summary>The conversation (thread) the review ran in; with -Detached a new one.</summary>
    public string? ConversationId { get; }

    /// <summary>The review's turn id (from the review/start answer).</summary>
    public string? TurnId { get; }

    public CodexReviewTarget Target { get; }

    public CodexTurnStatus Status { get; }

    /// <summary>The review text from exitedReviewMode; null when the review ended before leaving review mode.</summary>
    public string? Review { get; }

    /// <summary>Whether Review held the structured JSON output (findings and verdict) rather than plain text.</summary>
    public bool IsStructured { get; }

    public IReadOnlyList<CodexReviewFinding> Findings { get; } = Array.Empty<CodexReviewFinding>();

    /// <summary>"patch is correct" or "patch is incorrect" as the model wrote it; null when it gave none.</summary>
    public string? OverallCorrectness { get; }

    public string? OverallExplanation { get; }

    public double? OverallConfidenceScore { get; }

    public TimeSpan? Duration { get; }

    public CodexTurnError? Error { get; }

    public override string ToString() => OverallExplanation ?? Review ?? Status.ToString();

    /// <summary>The review text an enteredReviewMode (what is reviewed) or exitedReviewMode (the review) item carries; null for other items.</summary>
    public static string? ReviewTextOf(CodexItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.ProtocolType is "enteredReviewMode" or "exitedReviewMode" ? item.Element.Str("review") : null;
    }

    /// <summary>
    /// The review output as JSON: the whole text, else the span from its first '{' to its last '}' (a model
    /// may wrap the object in prose or a code fence). Null when neither is a JSON object with findings or a verdict.
    /// </summary>
    private static JsonDocument? ParseOutput(string text)
    {
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        foreach (var candidate in new[] { text, start >= 0 && end > start ? text[start..(end + 1)] : null })
        {
            if (candidate is null)
            {
                continue;
            }

            try
            {
                var document = JsonDocument.Parse(candidate);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && (root.Prop("findings").ValueKind == JsonValueKind.Array || root.Prop("overall_correctness").ValueKind == JsonValueKind.String))
                {
                    return document;
                }

                document.Dispose();
            }
            catch (JsonException)
            {
                // Not JSON: try the next candidate, else the review is plain text.
            }
        }

        return null;
    }
}
