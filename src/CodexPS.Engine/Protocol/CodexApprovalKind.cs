namespace CodexPS.Engine.Protocol;

/// <summary>What an approval request asks for.</summary>
public enum CodexApprovalKind
{
    /// <summary>Run a command (item/commandExecution/requestApproval).</summary>
    CommandExecution,

    /// <summary>Apply a patch (item/fileChange/requestApproval).</summary>
    FileChange,

    /// <summary>Extra sandbox permissions: paths to read or write, network access (item/permissions/requestApproval).</summary>
    Permissions,

    /// <summary>Questions the model asks the user (item/tool/requestUserInput).</summary>
    UserInput,

    /// <summary>An MCP server asks the user for input or to visit a URL (mcpServer/elicitation/request).</summary>
    McpElicitation,

    /// <summary>
    /// The runtime's ChatGPT access token was refused (401) and it asks for new tokens
    /// (account/chatgptAuthTokens/refresh); answered with content (accessToken, chatgptAccountId), declined otherwise.
    /// </summary>
    ChatgptAuthTokensRefresh,

    /// <summary>
    /// The model calls one of the conversation's own tools (item/tool/call, a dynamic tool): answered with the tool's
    /// result; declined, the model is told the call was not run. A tool that changes the world asks the approval
    /// handler first, as a request of this kind that carries the tool and its bound arguments.
    /// </summary>
    ToolCall,
}
