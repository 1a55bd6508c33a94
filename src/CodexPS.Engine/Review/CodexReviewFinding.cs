using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Review;

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

    /// <summary>The finding's explanation; null when the model gave none.</summary>
    public string? Body { get; }

    /// <summary>0 (drop everything) to 3 (nice to have); null when the model gave none.</summary>
    public int? Priority { get; }

    /// <summary>How sure the model is of the finding (its confidence_score); null when it gave none.</summary>
    public double? ConfidenceScore { get; }

    /// <summary>The file the finding is about (absolute, as the model wrote it).</summary>
    public string? Path { get; }

    /// <summary>The first line of the code concerned; null when the model gave none.</summary>
    public int? StartLine { get; }

    /// <summary>The last line of the code concerned; null when the model gave none.</summary>
    public int? EndLine { get; }

    /// <summary>"path:start-end", or what of it is known.</summary>
    public string? Location => Path is null ? null
        : StartLine is null ? Path
        : EndLine is null || EndLine == StartLine ? $"{Path}:{StartLine}" : $"{Path}:{StartLine}-{EndLine}";

    /// <inheritdoc/>
    public override string ToString() => Title;

    internal static double? Number(JsonElement element) => element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var d) ? d : null;
}
