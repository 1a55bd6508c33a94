using System.Text.Json.Nodes;
using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Models;

/// <summary>Reads the model catalogue through any request sender (the client, or a test double).</summary>
public static class CodexModelCatalog
{
    /// <summary>Every page of model/list.</summary>
    public static async Task<IReadOnlyList<CodexModel>> ListAsync(
        Func<string, JsonNode?, CancellationToken, Task<JsonElement>> request, bool includeHidden, CancellationToken cancellationToken)
    {
        var models = new List<CodexModel>();
        string? cursor = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            var parameters = new JsonObject();
            if (includeHidden)
            {
                parameters["includeHidden"] = true;
            }

            if (cursor is not null)
            {
                parameters["cursor"] = cursor;
            }

            var page = await request("model/list", parameters, cancellationToken).ConfigureAwait(false);
            models.AddRange(page.Array("data").Select(m => new CodexModel(m)));
            cursor = page.Str("nextCursor");

            // A cursor that repeats would page for ever.
            if (cursor is not null && !seen.Add(cursor))
            {
                break;
            }
        }
        while (cursor is not null);

        return models;
    }
}
