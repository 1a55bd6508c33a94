namespace CodexPS.Engine.Config;

/// <summary>Where one effective config value came from (config/read origins).</summary>
public sealed class CodexConfigEntry
{
    /// <summary>An entry for one dotted key: its effective value and the layer that set it.</summary>
    /// <param name="key">The dotted key path.</param>
    /// <param name="value">The effective value.</param>
    /// <param name="origin">The layer that set it, or Default.</param>
    /// <param name="file">The config file of that layer, if any.</param>
    /// <param name="version">The version the runtime reports for the value's origin, if any.</param>
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

    /// <summary>The effective value at the key.</summary>
    public object? Value { get; }

    /// <summary>The layer that set it: user, project, system, sessionFlags, ...; Default when no layer set it.</summary>
    public string Origin { get; }

    /// <summary>The config file of that layer, when it has one.</summary>
    public string? File { get; }

    /// <summary>The version the runtime reports for the value's origin (config/read origins); null when it gives none.</summary>
    public string? Version { get; }
}
