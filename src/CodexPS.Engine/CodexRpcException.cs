namespace CodexPS.Engine;

/// <summary>The runtime answered a request with a JSON-RPC error.</summary>
public sealed class CodexRpcException : CodexException
{
    public CodexRpcException(string method, int code, string message, string? data)
        : base("CodexRpcError", $"The codex runtime rejected '{method}' ({code}): {message}")
    {
        Method = method;
        Code = code;
        Data2 = data;
    }

    public string Method { get; }

    public int Code { get; }

    /// <summary>The error's data member as raw JSON, when the runtime sent one.</summary>
    public string? Data2 { get; }
}
