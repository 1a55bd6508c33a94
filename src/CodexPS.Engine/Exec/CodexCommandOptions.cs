using CodexPS.Engine.Conversations;

namespace CodexPS.Engine.Exec;

/// <summary>A command to run in the runtime's sandbox without the model (command/exec).</summary>
public sealed class CodexCommandOptions
{
    /// <summary>The argv vector: the program and its arguments, passed as they are (no shell).</summary>
    public IReadOnlyList<string> Command { get; set; } = Array.Empty<string>();

    /// <summary>The folder the command runs in, made absolute; null: the runtime's own.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>The sandbox it runs in; null: the policy the runtime's configuration sets.</summary>
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>Lets a WorkspaceWrite command reach the network.</summary>
    public bool NetworkAccess { get; set; }

    /// <summary>Folders besides the working directory that a WorkspaceWrite command may write to.</summary>
    public IReadOnlyList<string> AdditionalDirectories { get; set; } = Array.Empty<string>();

    /// <summary>How long the runtime lets it run before it kills it (exit code 124); null: no limit (disableTimeout).</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Environment overrides merged into the runtime's; a null value unsets the variable.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; set; }
}
