using CodexPS.Engine.Conversations;

namespace CodexPS.Engine.Exec;

/// <summary>How a command run with command/exec ended.</summary>
public sealed class CodexCommandResult
{
    internal CodexCommandResult(CodexCommandOptions options, int exitCode, string stdout, string stderr, bool truncated, bool terminated, TimeSpan duration)
    {
        Command = options.Command.ToArray();
        WorkingDirectory = options.WorkingDirectory;
        Sandbox = options.Sandbox;
        ExitCode = exitCode;
        Stdout = stdout;
        Stderr = stderr;
        Truncated = truncated;
        Terminated = terminated;
        Duration = duration;
    }

    /// <summary>The argv vector that ran.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>The folder it ran in; null when the runtime's own was used.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>The sandbox asked for; null when the runtime's configured policy applied.</summary>
    public CodexSandbox? Sandbox { get; }

    /// <summary>The exit code the runtime reported (124 when its timeout killed the command, 137 when it was terminated).</summary>
    public int ExitCode { get; }

    /// <summary>Whether the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Everything the command wrote to standard output (up to the runtime's output cap).</summary>
    public string Stdout { get; }

    /// <summary>Everything the command wrote to standard error (up to the runtime's output cap).</summary>
    public string Stderr { get; }

    /// <summary>Whether the runtime's output cap cut off part of the output.</summary>
    public bool Truncated { get; }

    /// <summary>Whether it was stopped on request (Ctrl+C, command/exec/terminate) rather than ending by itself.</summary>
    public bool Terminated { get; }

    /// <summary>From the request to the runtime's answer.</summary>
    public TimeSpan Duration { get; }
}
