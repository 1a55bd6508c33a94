using System.Text.Json.Nodes;

namespace CodexPS.Engine.Review;

/// <summary>What a review looks at (review/start's target).</summary>
public sealed class CodexReviewTarget
{
    private CodexReviewTarget(CodexReviewTargetKind kind, string? value, string? title)
    {
        Kind = kind;
        Value = value;
        Title = title;
    }

    /// <summary>Which kind of changes the review looks at.</summary>
    public CodexReviewTargetKind Kind { get; }

    /// <summary>The branch, the commit sha or the instructions; null for uncommitted changes.</summary>
    public string? Value { get; }

    /// <summary>A label for a commit (its subject), shown by user interfaces.</summary>
    public string? Title { get; }

    /// <summary>The working tree's uncommitted changes.</summary>
    public static CodexReviewTarget Uncommitted() => new(CodexReviewTargetKind.UncommittedChanges, null, null);

    /// <summary>The changes between the current branch and this base branch.</summary>
    public static CodexReviewTarget BaseBranch(string branch) => new(CodexReviewTargetKind.BaseBranch, Required(branch, nameof(branch)), null);

    /// <summary>The changes of this commit; title labels it for user interfaces.</summary>
    public static CodexReviewTarget Commit(string sha, string? title = null) => new(CodexReviewTargetKind.Commit, Required(sha, nameof(sha)), title);

    /// <summary>A review that follows these free-form instructions.</summary>
    public static CodexReviewTarget Custom(string instructions) => new(CodexReviewTargetKind.Custom, Required(instructions, nameof(instructions)), null);

    internal JsonObject ToJson() => Kind switch
    {
        CodexReviewTargetKind.UncommittedChanges => new JsonObject { ["type"] = "uncommittedChanges" },
        CodexReviewTargetKind.BaseBranch => new JsonObject { ["type"] = "baseBranch", ["branch"] = Value },
        CodexReviewTargetKind.Commit when Title is not null => new JsonObject { ["type"] = "commit", ["sha"] = Value, ["title"] = Title },
        CodexReviewTargetKind.Commit => new JsonObject { ["type"] = "commit", ["sha"] = Value },
        _ => new JsonObject { ["type"] = "custom", ["instructions"] = Value },
    };

    /// <inheritdoc/>
    public override string ToString() => Value is null ? Kind.ToString() : $"{Kind} {Value}";

    private static string Required(string value, string name)
    {
        return string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"The review target's {name} is empty.", name) : value;
    }
}
