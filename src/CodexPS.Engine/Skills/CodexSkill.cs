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

    /// <summary>The skill's name.</summary>
    public string Name { get; }

    /// <summary>What the skill does, from its SKILL.md; null when it says nothing.</summary>
    public string? Description { get; }

    /// <summary>A one-line description for user interfaces; null when the skill gives none.</summary>
    public string? ShortDescription { get; }

    /// <summary>The name to show people; null when the skill gives none.</summary>
    public string? DisplayName { get; }

    /// <summary>User (CODEX_HOME), Repo, System or Admin.</summary>
    public string? Scope { get; }

    /// <summary>The skill's SKILL.md.</summary>
    public string? Path { get; }

    /// <summary>Whether the skill is enabled (true when the runtime does not say).</summary>
    public bool Enabled { get; }

    /// <summary>The plugin that provides the skill; null for a skill of no plugin.</summary>
    public string? PluginId { get; }

    /// <summary>The folder the runtime listed the skill for.</summary>
    public string? WorkingDirectory { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
