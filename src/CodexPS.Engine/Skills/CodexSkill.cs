using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
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

    public override string ToString() => Name;
}

/// <summary>A skill file the runtime could not load, with its reason.</summary>
public sealed record CodexSkillError(string Path, string Message, string? WorkingDirectory);

public static class CodexSkillCatalog
{
    /// <summary>Skills for the given folders (the runtime's working directory when none), and the files it could not load.</summary>
    public static async Task<(IReadOnlyList<CodexSkill> Skills, IReadOnlyList<CodexSkillError> Errors)> ListAsync(
        CodexClient client, IEnumerable<string>? workingDirectories, bool forceReload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var parameters = new JsonObject { ["forceReload"] = forceReload };
        var cwds = workingDirectories?.Select(System.IO.Path.GetFullPath).ToArray() ?? Array.Empty<string>();
        if (cwds.Length > 0)
        {
            parameters["cwds"] = new JsonArray(cwds.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        }

        var answer = await client.RequestAsync("skills/list", parameters, cancellationToken).ConfigureAwait(false);
        var skills = new List<CodexSkill>();
        var errors = new List<CodexSkillError>();
        foreach (var entry in answer.Array("data"))
        {
            var cwd = entry.Str("cwd");
            skills.AddRange(entry.Array("skills").Select(s => new CodexSkill(s, cwd)));
            errors.AddRange(entry.Array("errors").Select(e => new CodexSkillError(e.Str("path") ?? string.Empty, e.Str("message") ?? string.Empty, cwd)));
        }

        return (skills, errors);
    }
}
