using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A patch the agent applied (or asked to apply) in a turn.</summary>
public sealed class FileChangeItem : CodexItem
{
    internal FileChangeItem(JsonElement json) : base(json)
    {
        Status = json.Str("status") is { } status ? Protocol.Json.Pascal(status) : null;
        Changes = json.Array("changes").Select(c => new CodexFileChange(
            c.Str("path") ?? string.Empty,
            c.Prop("kind").Str("type") is { } kind ? Protocol.Json.Pascal(kind) : null,
            c.Str("diff"),
            c.Prop("kind").Str("move_path"))).ToArray();
    }

    /// <summary>InProgress, Completed, Failed or Declined.</summary>
    public string? Status { get; }

    /// <summary>The files the patch adds, deletes or updates, with their diffs.</summary>
    public IReadOnlyList<CodexFileChange> Changes { get; }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", Changes.Select(c => c.Path));
}
