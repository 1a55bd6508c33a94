namespace CodexPS.Engine.Diagnostics;

/// <summary>One check of Test-CodexEnvironment: what was checked, how it went, what was found and how to fix it.</summary>
public sealed class CodexEnvironmentCheck
{
    /// <summary>Reports one check; fix is null when there is nothing to fix.</summary>
    public CodexEnvironmentCheck(string name, string? target, CodexCheckStatus status, string found, string? fix)
    {
        Name = name;
        Target = target;
        Status = status;
        Found = found;
        Fix = fix;
    }

    /// <summary>Runtime, Sandbox, CodexHome, Config, Login, Endpoint or McpServer.</summary>
    public string Name { get; }

    /// <summary>What was checked: the binary, the folder, the URL, the MCP server's name; null when the check has no single item.</summary>
    public string? Target { get; }

    /// <summary>Pass, Warn, Fail, or Skipped when a check it depends on failed.</summary>
    public CodexCheckStatus Status { get; }

    /// <summary>What the check found, in words.</summary>
    public string Found { get; }

    /// <summary>How to fix it; null when the status is Pass.</summary>
    public string? Fix { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Status} ({Found})";
}
