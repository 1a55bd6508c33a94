namespace CodexPS.Engine.Protocol;

/// <summary>One page of a paged history listing and the cursor of the next (null on the last page).</summary>
public sealed record CodexPage<T>(IReadOnlyList<T> Items, string? NextCursor);
