using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Mcp;

/// <summary>A tool an MCP server offers, as the runtime listed it.</summary>
public sealed class CodexMcpTool
{
    internal CodexMcpTool(string server, JsonElement json)
    {
        Server = server;
        Name = json.Str("name") ?? string.Empty;
        Title = json.Str("title");
        Description = json.Str("description");
        var schema = json.Prop("inputSchema");
        InputSchema = schema.ValueKind == JsonValueKind.Object ? schema.GetRawText() : null;
        ReadOnly = json.Prop("annotations").Bool("readOnlyHint");
    }

    public string Server { get; }

    public string Name { get; }

    public string? Title { get; }

    public string? Description { get; }

    /// <summary>The JSON schema of the tool's arguments, as JSON text.</summary>
    public string? InputSchema { get; }

    /// <summary>The server's readOnlyHint annotation; null when it gives none.</summary>
    public bool? ReadOnly { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Server}.{Name}";
}
