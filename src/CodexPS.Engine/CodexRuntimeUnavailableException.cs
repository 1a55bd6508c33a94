namespace CodexPS.Engine;

/// <summary>
/// A member of a runtime pool went down (its process exited, its connection closed, or it stopped answering) while
/// work was outstanding on it. The pool's other members are not affected; the inner exception says what happened.
/// </summary>
public sealed class CodexRuntimeUnavailableException : CodexException
{
    /// <summary>Creates the error of one pool member, naming it and keeping the cause as the inner exception.</summary>
    public CodexRuntimeUnavailableException(string pool, string member, Uri? uri, Exception cause)
        : base("CodexRuntimeUnavailable",
            $"The runtime {member}{(uri is null ? string.Empty : $" ({uri})")} of pool '{pool}' is unavailable: {cause?.Message} The pool's other members go on.",
            cause)
    {
        Pool = pool;
        Member = member;
        Uri = uri;
    }

    /// <summary>The pool's name (Connect-Codex -Name).</summary>
    public string Pool { get; }

    /// <summary>The member's own name, such as farm/2.</summary>
    public string Member { get; }

    /// <summary>The member's address when it is a remote runtime; null for a local one.</summary>
    public Uri? Uri { get; }
}
