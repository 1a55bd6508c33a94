namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// What differs between the pinned protocol schema and a runtime's, limited to what CodexPS uses: the methods its
/// source names (client requests, server requests and notifications) and every type they reach.
/// </summary>
public sealed record CodexProtocolDrift(
    IReadOnlyList<string> MethodsRemoved,
    IReadOnlyList<string> MethodsAdded,
    IReadOnlyList<CodexProtocolTypeChange> TypesChanged)
{
    /// <summary>No difference in anything CodexPS uses.</summary>
    public static CodexProtocolDrift None { get; } = new(Array.Empty<string>(), Array.Empty<string>(), Array.Empty<CodexProtocolTypeChange>());

    /// <summary>True when something CodexPS uses differs.</summary>
    public bool HasDrift => MethodsRemoved.Count + MethodsAdded.Count + TypesChanged.Count > 0;

    /// <summary>
    /// Every difference as one line each, what is likeliest to break CodexPS first: methods gone, methods new, types
    /// with fields removed or changed, types gone (mostly the types of those fields), then types that only gained something.
    /// </summary>
    public IReadOnlyList<string> Lines(int fieldCap = 4) =>
        MethodsRemoved.Select(m => $"method gone: {m}")
            .Concat(MethodsAdded.Select(m => $"method new: {m}"))
            .Concat(TypesChanged.OrderBy(Rank).ThenBy(t => t.Type, StringComparer.Ordinal).Select(t => t.Describe(fieldCap)))
            .ToArray();

    private static int Rank(CodexProtocolTypeChange change) => change.Change switch
    {
        "changed" when change.Fields.Any(f => !f.StartsWith('+')) => 0,
        "removed" => 1,
        _ => 2,
    };

    /// <summary>A short list for a warning: at most <paramref name="cap"/> differences, and how many more there are.</summary>
    public string Summary(int cap = 6)
    {
        var lines = Lines();
        if (lines.Count == 0)
        {
            return "nothing CodexPS uses differs";
        }

        var shown = string.Join("; ", lines.Take(cap));
        return lines.Count > cap ? $"{shown}; and {lines.Count - cap} more" : shown;
    }

    /// <inheritdoc/>
    public override string ToString() => Summary();
}
