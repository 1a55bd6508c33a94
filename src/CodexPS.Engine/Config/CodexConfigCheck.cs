namespace CodexPS.Engine.Config;

/// <summary>What the runtime's config schema says about a key and its value.</summary>
/// <param name="Key">The dotted key checked.</param>
/// <param name="IsKnown">Whether the schema describes the key (it describes part of config.toml only).</param>
/// <param name="Problem">Why the value does not fit; null when it fits or the key is unknown.</param>
public sealed record CodexConfigCheck(string Key, bool IsKnown, string? Problem)
{
    /// <summary>Whether the value may be written: it fits, or the schema does not describe the key.</summary>
    public bool IsValid => Problem is null;

    internal static CodexConfigCheck Valid(string key) => new(key, true, null);

    internal static CodexConfigCheck Unknown(string key) => new(key, false, null);

    internal static CodexConfigCheck Invalid(string key, string problem) => new(key, true, problem);
}
