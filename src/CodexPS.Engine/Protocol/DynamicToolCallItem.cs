using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A call of one of the conversation's own tools (a PowerShell command or script block given with -Tool).</summary>
public sealed class DynamicToolCallItem : CodexItem
{
    internal DynamicToolCallItem(JsonElement json) : base(json)
    {
        Tool = json.Str("tool") ?? string.Empty;
        Namespace = json.Str("namespace");
        var arguments = json.Prop("arguments");
        Arguments = arguments.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : arguments.GetRawText();
        Status = json.Str("status") is { } status ? Protocol.Json.Pascal(status) : null;
        Success = json.Bool("success");
        var texts = json.Array("contentItems").Where(c => c.Str("type") == "inputText").Select(c => c.Str("text") ?? string.Empty).ToArray();
        Output = texts.Length == 0 ? null : string.Join(Environment.NewLine, texts);
        Duration = json.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
    }

    /// <summary>The tool's name, as the conversation gave it to the model.</summary>
    public string Tool { get; }

    /// <summary>The tool's namespace (tools made from several commands at once); null for none.</summary>
    public string? Namespace { get; }

    /// <summary>The arguments the model passed, as JSON text.</summary>
    public string? Arguments { get; }

    /// <summary>InProgress, Completed or Failed.</summary>
    public string? Status { get; }

    /// <summary>Whether the tool succeeded, as its answer said; null while it runs.</summary>
    public bool? Success { get; }

    /// <summary>The text the model was given back (the tool's output, or why it failed or was not run); null while it runs.</summary>
    public string? Output { get; }

    /// <summary>How long the call took, as the runtime measured it; null while it runs.</summary>
    public TimeSpan? Duration { get; }

    /// <inheritdoc/>
    public override string ToString() => Namespace is null ? Tool : $"{Namespace}.{Tool}";
}
