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

    /// <summary>The name of the MCP server offering the tool.</summary>
    public string Server { get; }

    /// <summary>The tool's name on its server.</summary>
    public string Name { get; }

    /// <summary>The tool's display title; null when the server gives none.</summary>
    public string? Title { get; }

    /// <summary>What the tool does, as the server says; null when it gives none.</summary>
    public string? Description { get; }

    /// <summary>The JSON schema of the tool's arguments, as JSON text.</summary>
    public string? InputSchema { get; }

    /// <summary>The server's readOnlyHint annotation; null when it gives none.</summary>
    public bool? ReadOnly { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Server}.{Name}";
}
