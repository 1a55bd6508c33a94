using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Skills;

/// <summary>Lists the skills the runtime offers (skills/list).</summary>
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
