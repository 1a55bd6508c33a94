using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>
/// One item of a turn as a reader sees it: a title, a few facts (status, exit code, duration) and blocks of text.
/// Markdown and HTML render the same entries, so both say the same things.
/// </summary>
internal sealed class CodexTranscriptEntry
{
    private CodexTranscriptEntry(string kind, string title, IReadOnlyList<KeyValuePair<string, string>> facts, IReadOnlyList<CodexTranscriptBlock> blocks)
    {
        Kind = kind;
        Title = title;
        Facts = facts;
        Blocks = blocks;
    }

    /// <summary>prompt, answer, commentary, reasoning, command, fileChange, mcpToolCall, toolCall or item (any other type).</summary>
    public string Kind { get; }

    public string Title { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; }

    public IReadOnlyList<CodexTranscriptBlock> Blocks { get; }

    /// <summary>The entry for an item; null for an item with nothing to show (a reasoning item without a summary).</summary>
    public static CodexTranscriptEntry? From(CodexItem item)
    {
        var facts = new List<KeyValuePair<string, string>>();
        var blocks = new List<CodexTranscriptBlock>();
        void Fact(string name, object? value)
        {
            if (value is not null && value.ToString() is { Length: > 0 } text)
            {
                facts.Add(new(name, CodexTranscriptText.Clean(text)));
            }
        }

        void Block(string? label, string? text, string style)
        {
            if (text is not null)
            {
                blocks.Add(new CodexTranscriptBlock(label, CodexTranscriptText.Clean(text), style));
            }
        }

        switch (item)
        {
            case UserMessageItem prompt:
                Block(null, prompt.Text, "markdown");
                foreach (var part in prompt.Element.Array("content").Where(p => p.Str("type") is not "text"))
                {
                    Fact(Json.Pascal(part.Str("type") ?? "input"), part.Str("path") ?? part.Str("url") ?? part.Str("name"));
                }

                return new("prompt", "Prompt", facts, blocks);
            case AgentMessageItem answer:
                Block(null, answer.Text, "markdown");
                return answer.Phase == "Commentary" ? new("commentary", "Commentary", facts, blocks) : new("answer", "Answer", facts, blocks);
            case ReasoningItem reasoning:
                if (reasoning.Summary.Count == 0)
                {
                    return null;
                }

                Block(null, string.Join("\n\n", reasoning.Summary), "markdown");
                return new("reasoning", "Reasoning summary", facts, blocks);
            case CommandExecutionItem command:
                Fact("Status", command.Status);
                Fact("Exit code", command.ExitCode);
                Fact("Duration", Seconds(command.Duration));
                Fact("Directory", command.Cwd);
                Block("Command", command.Command, "text");
                Block("Output", command.Output, "output");
                return new("command", "Command", facts, blocks);
            case FileChangeItem change:
                Fact("Status", change.Status);
                foreach (var file in change.Changes)
                {
                    var label = file.MovePath is null ? $"{file.Kind} {file.Path}" : $"{file.Kind} {file.Path} -> {file.MovePath}";
                    Block(label, Diff(file), "diff");
                }

                return new("fileChange", "File change", facts, blocks);
            case McpToolCallItem mcp:
                Fact("Server", mcp.Server);
                Fact("Tool", mcp.Tool);
                Fact("Status", mcp.Status);
                Fact("Duration", Seconds(mcp.Duration));
                Block("Arguments", mcp.Arguments, "json");
                Block("Result", mcp.ResultText ?? mcp.ResultJson, "output");
                Block("Error", mcp.Error, "output");
                return new("mcpToolCall", "MCP tool call", facts, blocks);
            case DynamicToolCallItem tool:
                Fact("Tool", tool.ToString());
                Fact("Status", tool.Status);
                Fact("Success", tool.Success);
                Fact("Duration", Seconds(tool.Duration));
                Block("Arguments", tool.Arguments, "json");
                Block("Output", tool.Output, "output");
                return new("toolCall", "Tool call", facts, blocks);
            default:
                Block("Item", item.Raw, "json");
                return new("item", "Item: " + item.Type, facts, blocks);
        }
    }

    /// <summary>
    /// The change as a unified diff. The runtime sends an update as one, but an added or deleted file as its
    /// content, which is shown as all-added or all-removed lines.
    /// </summary>
    private static string? Diff(CodexFileChange change)
    {
        if (change.Diff is not { } diff || change.Kind is not ("Add" or "Delete") || diff.StartsWith("@@", StringComparison.Ordinal) || diff.StartsWith("--- ", StringComparison.Ordinal))
        {
            return change.Diff;
        }

        var added = change.Kind == "Add";
        var lines = diff.EndsWith('\n') ? diff[..^1].Split('\n') : diff.Split('\n');
        var header = added ? $"--- /dev/null\n+++ {change.Path}\n" : $"--- {change.Path}\n+++ /dev/null\n";
        var hunk = added ? $"@@ -0,0 +1,{lines.Length} @@\n" : $"@@ -1,{lines.Length} +0,0 @@\n";
        return header + hunk + string.Join('\n', lines.Select(l => (added ? "+" : "-") + l)) + "\n";
    }

    private static string? Seconds(TimeSpan? duration) =>
        duration is { } d ? d.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s" : null;
}
