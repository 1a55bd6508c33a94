namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// One protocol type CodexPS can meet whose shape differs between the pinned schema and a runtime's:
/// Change is "added", "removed" or "changed"; Fields name what changed ("+ name", "- name", "~ name").
/// </summary>
public sealed record CodexProtocolTypeChange(string Type, string Change, IReadOnlyList<string> Fields)
{
    /// <summary>"Type (- a, ~ b)" for a changed type, "Type (removed)" otherwise; at most <paramref name="fieldCap"/> fields.</summary>
    public string Describe(int fieldCap = 4)
    {
        if (Change != "changed" || Fields.Count == 0)
        {
            return $"{Type} ({Change})";
        }

        var shown = string.Join(", ", Fields.Take(fieldCap));
        return Fields.Count > fieldCap ? $"{Type} ({shown}, +{Fields.Count - fieldCap} more)" : $"{Type} ({shown})";
    }

    /// <inheritdoc/>
    public override string ToString() => Describe(int.MaxValue);
}
