namespace CodexPS.Engine.Mock;

/// <summary>The kinds of answer the mock model endpoint can give.</summary>
public enum MockResponseKind
{
    /// <summary>An assistant message streamed in deltas.</summary>
    Text,

    /// <summary>An exec_command tool call (the runtime runs the command, then posts again).</summary>
    ExecCommand,

    /// <summary>An apply_patch tool call.</summary>
    ApplyPatch,

    /// <summary>An HTTP error status with a body.</summary>
    HttpError,

    /// <summary>Starts streaming, then closes the connection before response.completed.</summary>
    CloseStream,

    /// <summary>Starts streaming, then sends nothing until released or the client hangs up (for interrupts).</summary>
    Stall,

    /// <summary>A call of any function tool by name (an MCP tool, request_user_input, ...) with JSON arguments.</summary>
    ToolCall,

    /// <summary>A 200 event stream whose body is <see cref="MockResponse.Raw"/> as given (malformed SSE), then the connection closes.</summary>
    RawStream,

    /// <summary>Output items given as the Responses API writes them (<see cref="MockResponse.Output"/>), streamed in order: what a cassette recorded.</summary>
    Recorded,
}
