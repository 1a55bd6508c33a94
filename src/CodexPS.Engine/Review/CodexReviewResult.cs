using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Review;

/// <summary>
/// What a review produced: the review text the runtime reported when it left review mode (exitedReviewMode)
/// and, when that text is the review model's JSON output, its findings and verdict.
/// </summary>
public sealed class CodexReviewResult
{
    /// <summary>A result from the review text and the review turn's end; the findings are read when the text is the model's JSON output.</summary>
    /// <param name="conversationId">The conversation the review ran in.</param>
    /// <param name="turnId">The review's turn id.</param>
    /// <param name="target">What was reviewed.</param>
    /// <param name="review">The review text from exitedReviewMode; null when none came.</param>
    /// <param name="completed">The turn's completion; null while it has not ended (Status is then InProgress).</param>
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

    /// <summary>What was reviewed.</summary>
    public CodexReviewTarget Target { get; }

    /// <summary>How the review turn ended; InProgress when its end was not seen.</summary>
    public CodexTurnStatus Status { get; }

    /// <summary>The review text from exitedReviewMode; null when the review ended before leaving review mode.</summary>
    public string? Review { get; }

    /// <summary>Whether Review held the structured JSON output (findings and verdict) rather than plain text.</summary>
    public bool IsStructured { get; }

    /// <summary>The findings of the structured output; empty for a plain-text review.</summary>
    public IReadOnlyList<CodexReviewFinding> Findings { get; } = Array.Empty<CodexReviewFinding>();

    /// <summary>"patch is correct" or "patch is incorrect" as the model wrote it; null when it gave none.</summary>
    public string? OverallCorrectness { get; }

    /// <summary>The model's explanation of its verdict; null when it gave none.</summary>
    public string? OverallExplanation { get; }

    /// <summary>How sure the model is of its verdict; null when it gave none.</summary>
    public double? OverallConfidenceScore { get; }

    /// <summary>How long the review turn took; null when its end was not seen.</summary>
    public TimeSpan? Duration { get; }

    /// <summary>The turn's error when the review failed; null otherwise.</summary>
    public CodexTurnError? Error { get; }

    /// <inheritdoc/>
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
