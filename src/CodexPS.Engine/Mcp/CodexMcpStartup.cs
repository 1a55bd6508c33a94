namespace CodexPS.Engine.Mcp;

/// <summary>A startup state announced by mcpServer/startupStatus/updated.</summary>
public sealed record CodexMcpStartup(string Status, string? Error);
