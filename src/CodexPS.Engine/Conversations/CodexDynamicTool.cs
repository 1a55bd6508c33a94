using System.Text.Json.Nodes;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// A tool of the conversation's own that the model may call (thread/start dynamicTools): a function spec the runtime
/// advertises to the model, and what runs it on this side (the module's tool object; the engine never runs it).
/// </summary>
public sealed class CodexDynamicTool
{
    /// <summary>A tool spec; the schema is a JSON Schema object for the call's arguments.</summary>
    public CodexDynamicTool(string name, string? toolNamespace, string description, JsonObject inputSchema, object? implementation)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(description);
        ArgumentNullException.ThrowIfNull(inputSchema);
        Name = name;
        Namespace = string.IsNullOrEmpty(toolNamespace) ? null : toolNamespace;
        Description = description;
        InputSchema = inputSchema;
        Implementation = implementation;
    }

    /// <summary>The name the model calls it by.</summary>
    public string Name { get; }

    /// <summary>The namespace the model sees it in; null for none.</summary>
    public string? Namespace { get; }

    /// <summary>What the model is told the tool does.</summary>
    public string Description { get; }

    /// <summary>The JSON Schema of the arguments.</summary>
    public JsonObject InputSchema { get; }

    /// <summary>What runs a call: the module's tool object. Opaque to the engine.</summary>
    public object? Implementation { get; }

    /// <summary>The tool's full name: namespace.name, or the name.</summary>
    public string FullName => Namespace is null ? Name : $"{Namespace}.{Name}";

    /// <summary>The first tool whose full name an earlier one already has (the model could not tell them apart); null when none.</summary>
    public static CodexDynamicTool? FindDuplicate(IReadOnlyList<CodexDynamicTool> tools)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return tools.FirstOrDefault(t => !seen.Add(t.FullName));
    }

    /// <summary>Refuses two tools of one name; the message says how to tell them apart.</summary>
    internal static CodexException DuplicateError(CodexDynamicTool duplicate) =>
        new("CodexToolNameDuplicate", $"Two tools are named '{duplicate.FullName}'; the model could not tell them apart. Give one another name (New-CodexTool -Name, or -Namespace).");

    /// <summary>thread/start's dynamicTools: tools of no namespace as functions, the others grouped into one namespace spec each.</summary>
    internal static JsonArray ToSpecs(IReadOnlyList<CodexDynamicTool> tools)
    {
        var specs = new JsonArray();
        foreach (var tool in tools.Where(t => t.Namespace is null))
        {
            specs.Add(tool.ToFunction());
        }

        foreach (var group in tools.Where(t => t.Namespace is not null).GroupBy(t => t.Namespace!, StringComparer.Ordinal))
        {
            specs.Add(new JsonObject
            {
                ["type"] = "namespace",
                ["name"] = group.Key,
                ["description"] = $"The commands of {group.Key}.",
                ["tools"] = new JsonArray(group.Select(t => (JsonNode)t.ToFunction()).ToArray()),
            });
        }

        return specs;
    }

    private JsonObject ToFunction() => new()
    {
        ["type"] = "function",
        ["name"] = Name,
        ["description"] = Description,
        ["inputSchema"] = InputSchema.DeepClone(),
    };

    /// <inheritdoc/>
    public override string ToString() => FullName;
}
