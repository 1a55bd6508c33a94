namespace CodexPS.Engine.Exec;

/// <summary>Output of a running command as the runtime streamed it (command/exec/outputDelta), decoded as UTF-8.</summary>
public sealed class CodexCommandOutput
{
    /// <summary>Makes one piece of output.</summary>
    public CodexCommandOutput(CodexCommandPipe stream, string text, bool capReached)
    {
        Stream = stream;
        Text = text;
        CapReached = capReached;
    }

    /// <summary>Stdout or Stderr.</summary>
    public CodexCommandPipe Stream { get; }

    /// <summary>The text: a chunk as it arrived, or one line (without its line break) when the cmdlet split it.</summary>
    public string Text { get; }

    /// <summary>True on the last piece of a stream whose later output the runtime's output cap cut off.</summary>
    public bool CapReached { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
