namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// The verdict on one runtime binary outside the supported range: whether what CodexPS uses differs from the pinned
/// protocol, and the words a warning and Test-CodexEnvironment use for it.
/// </summary>
public sealed record CodexRuntimeDriftVerdict
{
    /// <summary>The runtime's version (from its initialize answer).</summary>
    public required string Version { get; init; }

    /// <summary>NoDrift, Drift or NotChecked.</summary>
    public required CodexRuntimeDriftStatus Status { get; init; }

    /// <summary>What differs; null unless Status is Drift.</summary>
    public CodexProtocolDrift? Drift { get; init; }

    /// <summary>Why the drift could not be checked; null unless Status is NotChecked.</summary>
    public string? Reason { get; init; }

    /// <summary>True when the verdict came from the per-user cache instead of the runtime's schema just now.</summary>
    public bool FromCache { get; init; }

    private static string Range => $"CodexPS supports {CodexRuntimeLocator.SupportedRange} and is built and tested for {CodexRuntimeLocator.PinnedVersion}";

    private static string Remedy =>
        $"Install the pinned version with 'Install-CodexRuntime' and connect without -CodexPath (it is found first), or point -CodexPath at a runtime of {CodexRuntimeLocator.SupportedRange}.";

    /// <summary>One sentence (no final stop) on what was found, for a warning or a check's Found; no remedy.</summary>
    public string Finding => Status switch
    {
        CodexRuntimeDriftStatus.NoDrift =>
            $"Nothing CodexPS uses differs from the protocol of the pinned version {CodexRuntimeLocator.PinnedVersion}",
        CodexRuntimeDriftStatus.Drift =>
            $"Its protocol differs from the pinned version {CodexRuntimeLocator.PinnedVersion} in what CodexPS uses: {Drift?.Summary() ?? "(unknown)"}",
        _ => $"Whether anything CodexPS uses differs from the pinned version {CodexRuntimeLocator.PinnedVersion} could not be checked ({Reason})",
    };

    /// <summary>The warning for a runtime at <paramref name="where"/>; null when nothing CodexPS uses differs.</summary>
    public string? WarningFor(string where) => Status == CodexRuntimeDriftStatus.NoDrift
        ? null
        : $"The codex runtime at '{where}' is version {Version}; {Range}. {Finding}. {Remedy}";

    /// <summary>The one line for -Verbose when no warning is due.</summary>
    public string VerboseFor(string where) =>
        $"The codex runtime at '{where}' is version {Version}, outside {CodexRuntimeLocator.SupportedRange}. {Finding}{(FromCache ? " (verdict cached for this binary)" : string.Empty)}.";

    /// <summary>What to do about a runtime with this verdict; null when nothing needs doing.</summary>
    public string? Fix => Status == CodexRuntimeDriftStatus.NoDrift
        ? $"Nothing needs doing now; to run the version CodexPS is tested for, Install-CodexRuntime (pinned {CodexRuntimeLocator.PinnedVersion})."
        : Remedy;

    /// <inheritdoc/>
    public override string ToString() => $"codex {Version}: {Status}; {Finding}";
}
