namespace CodexPS.Engine.Config;

/// <summary>Where one effective config value came from (config/read origins).</summary>
public sealed class CodexConfigEntry
{
    public CodexConfigEntry(string key, object? value, string origin, string? file, string? version)
    {
        Key = key;
        Value = value;
        Origin = origin;
        File = file;
        Version = version;
    }

    /// <summary>The dotted key path, e.g. features.plugins.</summary>
    public string Key { get; }

    public object? Value { get; }

    /// <summary>The layer that set it: user, project, system, sessionFlags, ...; Default when no layer set it.</summary>
    public string Origin { get; }

    /// <summary>The config file of that layer, when it has one.</summary>
    public string? File { get; }

    public string? Version { get; }
}
