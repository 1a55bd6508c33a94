using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Skills;

/// <summary>A skill the runtime offers (skills/list): a SKILL.md under CODEX_HOME/skills, a repository, the system or an admin.</summary>
public sealed class CodexSkill
{
    internal CodexSkill(JsonElement json, string? cwd)
    {
        Name = json.Str("name") ?? string.Empty;
        Description = json.Str("description");
        ShortDescription = json.Prop("interface").Str("shortDescription") ?? json.Str("shortDescription");
        DisplayName = json.Prop("interface").Str("displayName");
        Scope = json.Str("scope") is { } scope ? Json.Pascal(scope) : null;
        Path = json.Str("path");
        Enabled = json.Bool("enabled") ?? true;
        PluginId = json.Str("pluginId");
        WorkingDirectory = cwd;
    }

    public string Name { get; }

    public string? Description { get; }

    public string? ShortDescription { get; }

    public string? DisplayName { get; }

    /// <summary>User (CODEX_HOME), Repo, System or Admin.</summary>
    public string? Scope { get; }

    /// <summary>The skill's SKILL.md.</summary>
    public string? Path { get; }

    public bool Enabled { get; }

    public string? PluginId { get; }

    /// <summary>The folder the runtime listed the skill for.</summary>
    public string? WorkingDirectory { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
