using System.Text;

namespace CodexPS.Tools;

/// <summary>
/// The rules for the names of tools and namespaces, in one place: what the runtime accepts (the Responses API's
/// identifier pattern), and the names it keeps for itself. The lists were read from codex-rs (app-server
/// validate_dynamic_tools, the core tool specs) and checked against the strings of the pinned 0.169 binary; a
/// runtime update must re-check them.
/// </summary>
internal static class CodexToolNames
{
    /// <summary>The longest function name the Responses API accepts.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The longest namespace the runtime accepts.</summary>
    public const int MaxNamespaceLength = 64;

    /// <summary>
    /// The runtime's own function tools (shell and exec, patches, plans, images, search, MCP resources, user input,
    /// permissions, sub-agents, goals): a dynamic tool of the same name would shadow one of them or be shadowed.
    /// </summary>
    public static readonly IReadOnlyCollection<string> ReservedNames = new SortedSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "apply_patch", "close_agent", "container.exec", "exec_command", "followup_task", "get_goal", "image_generation",
        "js_repl", "js_repl_reset", "list_agents", "list_mcp_resource_templates", "list_mcp_resources", "local_shell", "mcp",
        "read_mcp_resource", "request_permissions", "request_user_input", "resume_agent", "send_input", "send_message",
        "shell", "shell_command", "spawn_agent", "tool_search", "unified_exec", "update_goal", "update_plan", "view_image",
        "wait_agent", "web_search", "write_stdin",
    };

    /// <summary>The namespaces the runtime refuses: its own (mcp) and the Responses API's.</summary>
    public static readonly IReadOnlyCollection<string> ReservedNamespaces = new SortedSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "api_tool", "browser", "computer", "container", "file_search", "functions", "image_gen", "mcp", "multi_tool_use",
        "python", "python_user_visible", "submodel_delegator", "terminal", "tool_search", "web",
    };

    /// <summary>Whether the text is a name the runtime accepts: 1 to max characters of [a-zA-Z0-9_-].</summary>
    public static bool IsValid(string? name, int maxLength) =>
        !string.IsNullOrEmpty(name) && name.Length <= maxLength && name.All(IsNameChar);

    /// <summary>A name the runtime keeps for itself (mcp and anything starting mcp__ included).</summary>
    public static bool IsReservedName(string name) =>
        ReservedNames.Contains(name) || name.StartsWith("mcp__", StringComparison.OrdinalIgnoreCase);

    /// <summary>A namespace the runtime refuses.</summary>
    public static bool IsReservedNamespace(string name) =>
        ReservedNamespaces.Contains(name) || name.StartsWith("mcp__", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A command's or module's name made fit for the runtime: every character outside [a-zA-Z0-9_-] becomes '_'
    /// (so Get-Item stays Get-Item, My.Module becomes My_Module). Length is not cut: a cut could make two names one.
    /// </summary>
    public static string Map(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(IsNameChar(c) ? c : '_');
        }

        return builder.ToString();
    }

    private static bool IsNameChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-';
}
