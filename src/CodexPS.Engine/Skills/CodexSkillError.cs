namespace CodexPS.Engine.Skills;

/// <summary>A skill file the runtime could not load, with its reason.</summary>
public sealed record CodexSkillError(string Path, string Message, string? WorkingDirectory);
