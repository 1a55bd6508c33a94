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

    /// <summary>The model's id in the catalogue.</summary>
    public string Id { get; }

    /// <summary>The name to show people; the slug when the runtime gives none.</summary>
    public string DisplayName { get; }

    /// <summary>The catalogue's description of the model; null when it gives none.</summary>
    public string? Description { get; }

    /// <summary>Whether the runtime uses this model when none is asked for.</summary>
    public bool IsDefault { get; }

    /// <summary>Whether the catalogue hides the model from pickers.</summary>
    public bool Hidden { get; }

    /// <summary>The reasoning effort the model uses unless told otherwise; null when the runtime gives none.</summary>
    public string? DefaultReasoningEffort { get; }

    /// <summary>The reasoning efforts the model accepts (low, medium, high, ...).</summary>
    public IReadOnlyList<string> SupportedReasoningEfforts { get; }

    /// <summary>The kinds of input the model takes (text, image, ...).</summary>
    public IReadOnlyList<string> InputModalities { get; }

    /// <inheritdoc/>
    public override string ToString() => Model;
}
