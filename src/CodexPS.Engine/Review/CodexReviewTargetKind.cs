namespace CodexPS.Engine.Review;

/// <summary>The kinds of review target.</summary>
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
