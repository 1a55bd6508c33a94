using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Exec;

/// <summary>
/// One command running in the runtime (command/exec with a client-chosen process id): its output as it streams, its
/// end, and the way to stop it. Output arrives on the client's reader thread and is only queued there.
/// </summary>
public sealed class CodexCommandExecution
{
    private readonly Channel<CodexCommandOutput> _output = Channel.CreateUnbounded<CodexCommandOutput>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Decoder _stdoutDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly Decoder _stderrDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Func<string, CancellationToken, Task> _terminate;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _truncated;
    private int _terminateRequested;

    internal CodexCommandExecution(string processId, CodexCommandOptions options, Func<string, CancellationToken, Task> terminate)
    {
        ProcessId = processId;
        Options = options;
        _terminate = terminate;
    }

    /// <summary>The connection-scoped id CodexPS gave the process.</summary>
    public string ProcessId { get; }

    /// <summary>What was asked to run.</summary>
    public CodexCommandOptions Options { get; }

    /// <summary>The output in the order it arrived; completes when the command has ended.</summary>
    public ChannelReader<CodexCommandOutput> Output => _output.Reader;

    /// <summary>The result once the runtime has answered; faults when the runtime refused the command or went away.</summary>
    public Task<CodexCommandResult> Completion { get; internal set; } = Task.FromException<CodexCommandResult>(new InvalidOperationException("Not started."));

    /// <summary>Asks the runtime to stop the command (command/exec/terminate); the result then reports Terminated.</summary>
    public Task TerminateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _terminateRequested, 1);
        return _terminate(ProcessId, cancellationToken);
    }

    /// <summary>A command/exec/outputDelta for this process (reader thread).</summary>
    internal void OnOutput(JsonElement parameters)
    {
        var stream = parameters.Str("stream") == "stderr" ? CodexCommandPipe.Stderr : CodexCommandPipe.Stdout;
        var bytes = parameters.Str("deltaBase64") is { } base64 ? Convert.FromBase64String(base64) : Array.Empty<byte>();
        var decoder = stream == CodexCommandPipe.Stderr ? _stderrDecoder : _stdoutDecoder;
        var chars = new char[decoder.GetCharCount(bytes, 0, bytes.Length)];
        var count = decoder.GetChars(bytes, 0, bytes.Length, chars, 0);
        var text = new string(chars, 0, count);
        var capReached = parameters.Bool("capReached") == true;
        _truncated |= capReached;
        (stream == CodexCommandPipe.Stderr ? _stderr : _stdout).Append(text);
        if (text.Length > 0 || capReached)
        {
            _output.Writer.TryWrite(new CodexCommandOutput(stream, text, capReached));
        }
    }

    /// <summary>The runtime's final answer: buffered output (empty when streamed) and the exit code.</summary>
    internal CodexCommandResult Complete(JsonElement answer)
    {
        _output.Writer.TryComplete();
        _stdout.Append(answer.Str("stdout"));
        _stderr.Append(answer.Str("stderr"));
        var exitCode = answer.Int("exitCode") ?? throw new CodexException("CodexProtocolError", "command/exec answered without an exit code.");
        return new CodexCommandResult(Options, exitCode, _stdout.ToString(), _stderr.ToString(), _truncated, Volatile.Read(ref _terminateRequested) == 1, _clock.Elapsed);
    }

    /// <summary>The request failed: the output ends with what arrived.</summary>
    internal void Fail(Exception error) => _output.Writer.TryComplete(error);
}
