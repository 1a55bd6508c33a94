using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Models;

/// <summary>One model of the runtime's catalogue (model/list).</summary>
public sealed class CodexModel
{
    internal CodexModel(JsonElement json)
    {
        Id = json.Str("id") ?? string.Empty;
        Model = json.Str("model") ?? Id;
        DisplayName = json.Str("displayName") ?? Model;
        Description = json.Str("description");
        IsDefault = json.Bool("isDefault") ?? false;
        Hidden = json.Bool("hidden") ?? false;
        DefaultReasoningEffort = json.Str("defaultReasoningEffort");
        SupportedReasoningEfforts = json.Array("supportedReasoningEfforts")
            .Select(e => e.Str("reasoningEffort"))
            .Where(e => e is not null)
            .Select(e => e!)
            .ToArray();
        InputModalities = json.Array("inputModalities")
            .Where(e => e.ValueKind == JsonValueKind.String)
            .Select(e => e.GetString()!)
            .ToArray();
    }

    /// <summary>The slug to pass as -Model.</summary>
    public string Model { get; }

    public string Id { get; }

    public string DisplayName { get; }

    public string? Description { get; }

    public bool IsDefault { get; }

    public bool Hidden { get; }

    public string? DefaultReasoningEffort { get; }

    public IReadOnlyList<string> SupportedReasoningEfforts { get; }

    public IReadOnlyList<string> InputModalities { get; }

    /// <inheritdoc/>
    public override string ToString() => Model;
}
