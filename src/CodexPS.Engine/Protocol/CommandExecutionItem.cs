using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A shell command the agent ran (or asked to run) in a turn.</summary>
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

    /// <summary>The command line.</summary>
    public string Command { get; }

    /// <summary>The directory the command ran in.</summary>
    public string? Cwd { get; }

    /// <summary>InProgress, Completed, Failed or Declined.</summary>
    public string? Status { get; }

    /// <summary>The command's exit code; null while it runs or when it did not run.</summary>
    public int? ExitCode { get; }

    /// <summary>The command's aggregated output; null when the runtime sent none.</summary>
    public string? Output { get; }

    /// <summary>How long the command ran, as the runtime measured it.</summary>
    public TimeSpan? Duration { get; }

    /// <inheritdoc/>
    public override string ToString() => Command;
}
