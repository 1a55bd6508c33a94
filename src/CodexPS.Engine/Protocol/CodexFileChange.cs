namespace CodexPS.Engine.Protocol;

/// <summary>One file a patch touches. Kind is Add, Delete or Update; MovePath is set when an update renames.</summary>
public sealed record CodexFileChange(string Path, string? Kind, string? Diff, string? MovePath)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Path}";
}
