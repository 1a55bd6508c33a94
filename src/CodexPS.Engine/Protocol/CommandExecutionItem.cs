using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class CommandExecutionItem : CodexItem
{
    internal CommandExecutionItem(JsonElement json) : base(json)
    {
        Command = json.Str("command") ?? string.Empty;
        Cwd = json.Str("cwd");
        Status = json.Str("status") is { } status ? Protocol.Json.Pascal(status) : null;
        ExitCode = json.Int("exitCode");
        Output = json.Str("aggregatedOutput");
        Duration = json.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
    }

    public string Command { get; }

    public string? Cwd { get; }

    /// <summary>InProgress, Completed, Failed or Declined.</summary>
    public string? Status { get; }

    public int? ExitCode { get; }

    public string? Output { get; }

    public TimeSpan? Duration { get; }

    /// <inheritdoc/>
    public override string ToString() => Command;
}
