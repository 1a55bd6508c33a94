namespace CodexPS.Engine;

/// <summary>The runtime answered a request with a JSON-RPC error.</summary>
public sealed class CodexRpcException : CodexException
{
    /// <summary>Creates the error for a JSON-RPC error answer to <paramref name="method"/>.</summary>
    public CodexRpcException(string method, int code, string message, string? data)
        : base("CodexRpcError", $"The codex runtime rejected '{method}' ({code}): {message}")
    {
        Method = method;
        Code = code;
        Data2 = data;
    }

    /// <summary>The request the runtime refused.</summary>
    public string Method { get; }

    /// <summary>The JSON-RPC error code the runtime answered with.</summary>
    public int Code { get; }

    /// <summary>The error's data member as raw JSON, when the runtime sent one.</summary>
    public string? Data2 { get; }
}
