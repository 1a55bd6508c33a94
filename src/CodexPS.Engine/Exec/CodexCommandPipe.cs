namespace CodexPS.Engine.Exec;

/// <summary>Which of a command's output pipes a piece of output came from.</summary>
public enum CodexCommandPipe
{
    /// <summary>Standard output.</summary>
    Stdout,

    /// <summary>Standard error.</summary>
    Stderr,
}
