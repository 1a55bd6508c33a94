using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json;
using CodexPS.Engine.Config;
using CodexPS.Engine.Conversations;

namespace CodexPS.Completers;

/// <summary>
/// Completes dotted config keys (model, sandbox_workspace_write.network_access, ...) for Get-/Set-CodexConfig -Key.
/// The keys come from the pinned runtime's own config schema (embedded at build time, so it follows the runtime),
/// plus the keys set in the running runtime's effective config (bounded; a runtime is never started for this).
/// The tooltip is the schema's description or type, or the current value.
/// </summary>
public sealed class ConfigKeyCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> SchemaKeys = new(ReadSchemaKeys);

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (quote, pattern) = Completion.Pattern(wordToComplete);
        var keys = new SortedDictionary<string, string>(SchemaKeys.Value.ToDictionary(k => k.Key, k => k.Value), StringComparer.Ordinal);
        foreach (var (key, value) in CurrentKeys())
        {
            keys[key] = $"{key} = {value}";
        }

        return keys
            .Where(k => pattern.IsMatch(k.Key))
            .Select(k => new CompletionResult(Completion.Quote(k.Key, quote), k.Key, CompletionResultType.ParameterValue, k.Value))
            .ToArray();
    }

    /// <summary>Every dotted key the schema describes: objects are followed through $ref, anyOf and nested properties.</summary>
    internal static IReadOnlyDictionary<string, string> ReadSchemaKeys()
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        using var stream = typeof(ConfigKeyCompleter).Assembly.GetManifestResourceStream("CodexPS.ConfigSchema.json");
        if (stream is null)
        {
            return keys;
        }

        using var schema = JsonDocument.Parse(stream);
        var definitions = schema.RootElement.GetProperty("definitions");
        if (definitions.TryGetProperty("Config", out var config))
        {
            Walk(config, string.Empty, definitions, keys, depth: 0);
        }

        return keys;
    }

    private static void Walk(JsonElement node, string prefix, JsonElement definitions, Dictionary<string, string> keys, int depth)
    {
        if (depth > 4 || Resolve(node, definitions) is not { } resolved || !resolved.TryGetProperty("properties", out var properties))
        {
            return;
        }

        foreach (var property in properties.EnumerateObject())
        {
            var key = prefix + property.Name;
            var target = Resolve(property.Value, definitions) ?? property.Value;
            keys[key] = Describe(property.Value, target);
            Walk(property.Value, key + ".", definitions, keys, depth + 1);
        }
    }

    /// <summary>The object schema a property stands for: itself, its $ref, or the non-null branch of anyOf.</summary>
    private static JsonElement? Resolve(JsonElement node, JsonElement definitions)
    {
        if (node.TryGetProperty("$ref", out var reference) && reference.GetString() is { } path && path.StartsWith("#/definitions/", StringComparison.Ordinal))
        {
            return definitions.TryGetProperty(path["#/definitions/".Length..], out var target) ? target : null;
        }

        if (node.TryGetProperty("anyOf", out var anyOf))
        {
            foreach (var branch in anyOf.EnumerateArray())
            {
                if (Resolve(branch, definitions) is { } resolved)
                {
                    return resolved;
                }
            }

            return null;
        }

        return node.ValueKind == JsonValueKind.Object && node.TryGetProperty("properties", out _) ? node : null;
    }

    private static string Describe(JsonElement property, JsonElement target)
    {
        if (property.TryGetProperty("description", out var description) && description.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        if (target.TryGetProperty("enum", out var values))
        {
            return string.Join(" | ", values.EnumerateArray().Select(v => v.ToString()));
        }

        if (target.TryGetProperty("type", out var type))
        {
            return type.ValueKind == JsonValueKind.Array ? string.Join(" | ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString() ?? "value";
        }

        return target.TryGetProperty("properties", out _) ? "table" : "value";
    }

    private static IEnumerable<(string Key, string Value)> CurrentKeys()
    {
        if (RuntimeRegistry.ClientFor(null) is not { State: CodexRuntimeState.Running } client)
        {
            return Array.Empty<(string, string)>();
        }

        try
        {
            var snapshot = PipelineWait.Bounded(token => CodexConfigStore.ReadAsync(client.RequestAsync, null, token), Timeout);
            var found = new List<(string, string)>();
            Flatten(snapshot.Config, string.Empty, found);
            return found;
        }
        catch (Exception)
        {
            return Array.Empty<(string, string)>(); // completion must never throw into the editor
        }
    }

    private static void Flatten(JsonElement value, string prefix, List<(string, string)> found)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in value.EnumerateObject())
        {
            var key = prefix + property.Name;
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(property.Value, key + ".", found);
            }
            else if (property.Value.ValueKind != JsonValueKind.Null)
            {
                var text = property.Value.ToString();
                found.Add((key, text.Length > 60 ? text[..57] + "..." : text));
            }
        }
    }
}
