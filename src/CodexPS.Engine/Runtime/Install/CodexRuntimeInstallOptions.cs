namespace CodexPS.Engine.Runtime.Install;

/// <summary>What to install and where; see CodexRuntimeInstaller.</summary>
public sealed record CodexRuntimeInstallOptions
{
    /// <summary>The @openai/codex version, e.g. 0.169.0.</summary>
    public required string Version { get; init; }

    /// <summary>The platform whose package is installed.</summary>
    public required CodexRuntimePlatform Platform { get; init; }

    /// <summary>The folder that receives the runtime (bin/codex inside it).</summary>
    public required string Destination { get; init; }

    /// <summary>The npm registry, http(s); plain http only on loopback (tests, a local mirror).</summary>
    public required Uri Registry { get; init; }

    /// <summary>The build-time integrities; a version they list is checked against them, never against the registry.</summary>
    public CodexRuntimeIntegrityTable Integrity { get; init; } = CodexRuntimeIntegrityTable.Empty;

    /// <summary>Replace a runtime already installed in Destination.</summary>
    public bool Force { get; init; }

    /// <summary>A download that delivers no byte for this long has failed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
