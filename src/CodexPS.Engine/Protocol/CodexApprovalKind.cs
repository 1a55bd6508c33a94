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
}
