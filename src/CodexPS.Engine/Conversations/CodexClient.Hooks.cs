using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

public sealed partial class CodexClient
{
    /// <summary>
    /// The hooks the runtime found (hooks/list): for a loaded thread, or for working directories (none: the
    /// runtime's own). Problems are the runtime's warnings and the errors of hook files it could not read.
    /// </summary>
    public async Task<(IReadOnlyList<CodexHook> Hooks, IReadOnlyList<string> Problems)> ListHooksAsync(string? threadId, IReadOnlyList<string>? workingDirectories, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject();
        if (threadId is not null)
        {
            parameters["threadId"] = threadId;
        }
        else
        {
            parameters["cwds"] = new JsonArray((workingDirectories ?? System.Array.Empty<string>()).Select(d => (JsonNode?)JsonValue.Create(d)).ToArray());
        }

        var answer = await RequestAsync("hooks/list", parameters, cancellationToken).ConfigureAwait(false);
        var hooks = new List<CodexHook>();
        var problems = new List<string>();
        foreach (var entry in answer.Array("data"))
        {
            var cwd = entry.Str("cwd");
            hooks.AddRange(entry.Array("hooks").Select(h => new CodexHook(cwd, h)));
            problems.AddRange(entry.Array("warnings").Select(w => w.GetString() ?? string.Empty));
            problems.AddRange(entry.Array("errors").Select(e => $"{e.Str("path")}: {e.Str("message")}"));
        }

        return (hooks, problems);
    }
}
