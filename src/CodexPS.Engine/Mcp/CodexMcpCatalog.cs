using System.Text.Json.Nodes;
using System.Text.Json;
using CodexPS.Engine.Config;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Mcp;

/// <summary>Reads and changes the MCP servers the runtime uses: config writes under mcp_servers, then config/mcpServer/reload.</summary>
public static class CodexMcpCatalog
{
    /// <summary>Every configured or reported server; with a conversation, the state of that conversation's connections.</summary>
    public static async Task<IReadOnlyList<CodexMcpServer>> ListAsync(CodexClient client, string? conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var configured = await ReadConfiguredAsync(client, cancellationToken).ConfigureAwait(false);
        var reported = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var parameters = new JsonObject();
            if (conversationId is not null)
            {
                parameters["threadId"] = conversationId;
            }

            if (cursor is not null)
            {
                parameters["cursor"] = cursor;
            }

            var page = await client.RequestAsync("mcpServerStatus/list", parameters, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Array("data"))
            {
                if (entry.Str("name") is { } name)
                {
                    reported[name] = entry.Clone();
                }
            }

            cursor = page.Str("nextCursor");
        }
        while (cursor is not null);

        return configured.Keys.Union(reported.Keys, StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(name => new CodexMcpServer(
                name,
                configured.TryGetValue(name, out var config) ? config : default,
                reported.TryGetValue(name, out var status) ? status : default,
                conversationId is null ? null : client.McpStartupFor(conversationId, name),
                conversationId))
            .ToArray();
    }

    /// <summary>The mcp_servers table of the effective config, by server name.</summary>
    public static async Task<IReadOnlyDictionary<string, JsonElement>> ReadConfiguredAsync(CodexClient client, CancellationToken cancellationToken)
    {
        var snapshot = await CodexConfigStore.ReadAsync(client.RequestAsync, null, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (snapshot.TryGet("mcp_servers", out var servers) && servers.ValueKind == JsonValueKind.Object)
        {
            foreach (var server in servers.EnumerateObject())
            {
                result[server.Name] = server.Value.Clone();
            }
        }

        return result;
    }

    /// <summary>Writes mcp_servers.&lt;name&gt; (replacing it, or merging the given fields into it) and makes the runtime reload its servers.</summary>
    public static async Task WriteAsync(CodexClient client, string name, JsonObject definition, bool merge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (merge)
        {
            var edits = definition.Select(p => new KeyValuePair<string, object?>(KeyPath(name) + "." + p.Key, p.Value?.DeepClone())).ToArray();
            if (edits.Length > 0)
            {
                await CodexConfigStore.WriteBatchAsync(client.RequestAsync, edits, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var parameters = new JsonObject { ["keyPath"] = KeyPath(name), ["value"] = definition.DeepClone(), ["mergeStrategy"] = "replace" };
            await client.RequestAsync("config/value/write", parameters, cancellationToken).ConfigureAwait(false);
        }

        await ReloadAsync(client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes mcp_servers.&lt;name&gt; from the user config and makes the runtime reload its servers.</summary>
    public static async Task RemoveAsync(CodexClient client, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var parameters = new JsonObject { ["keyPath"] = KeyPath(name), ["value"] = null, ["mergeStrategy"] = "replace" };
        await client.RequestAsync("config/value/write", parameters, cancellationToken).ConfigureAwait(false);
        await ReloadAsync(client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the runtime to reload the MCP servers from its config (config/mcpServer/reload).</summary>
    public static Task ReloadAsync(CodexClient client, CancellationToken cancellationToken) =>
        client.RequestAsync("config/mcpServer/reload", null, cancellationToken);

    /// <summary>Names become one TOML key: letters, digits, '-' and '_' only.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string KeyPath(string name) => "mcp_servers." + name;
}
