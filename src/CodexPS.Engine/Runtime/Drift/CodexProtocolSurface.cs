using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// The part of the app-server protocol CodexPS uses, and how a runtime's schema differs from the pinned one there.
/// "Used" is what build/Compare-RuntimeSchema.ps1 means by it: the methods the module's C# source names as string
/// literals, their params, their results (…Params → …Response) and notifications, and every type those reference.
/// The build embeds the pinned schema bundle (native/schema) and the list of names the source spells
/// (CodexPS.Engine.csproj, WriteCodexProtocolSurface), so the pinned side and a runtime's side are reduced to the same
/// canonical form by this one piece of code.
/// </summary>
public static class CodexProtocolSurface
{
    private const string BundleResource = "CodexPS.Engine.PinnedProtocol.schemas.json.gz";
    private const string NamesResource = "CodexPS.Engine.ProtocolNamesUsed.txt";

    /// <summary>The schema bundle generate-json-schema writes into its --out folder.</summary>
    public const string BundleFileName = "codex_app_server_protocol.schemas.json";

    // Changes whenever Shape or Canonical would read the same schema differently, so cached verdicts are not reused.
    private const string CanonicalFormVersion = "shape/1";

    private static readonly string[] Families = { "ClientRequest", "ServerRequest", "ServerNotification", "ClientNotification" };

    // Words that are documentation, not wire shape: a reworded description is no drift.
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal) { "description", "title", "$schema", "examples" };

    // Keywords whose value maps names to schemas (its keys are field names, not keywords).
    private static readonly HashSet<string> SchemaMaps = new(StringComparer.Ordinal) { "properties", "definitions", "$defs", "patternProperties" };

    // A definitions entry with none of these is a section (v1, v2) that holds definitions, not a schema.
    private static readonly string[] SchemaKeywords = { "type", "oneOf", "anyOf", "allOf", "properties", "$ref", "enum", "const" };

    private static readonly string[] Unions = { "oneOf", "anyOf" };

    // Arrays whose order carries no meaning.
    private static readonly HashSet<string> Unordered = new(StringComparer.Ordinal) { "required", "enum", "type" };

    private static readonly Lazy<(byte[] Compressed, IReadOnlySet<string> Names, string Fingerprint)> Embedded = new(LoadEmbedded);

    // Parsed only when a runtime's schema is compared: a cached verdict needs the fingerprint alone.
    private static readonly Lazy<JsonDocument> PinnedDocument = new(() =>
    {
        using var gzip = new GZipStream(new MemoryStream(Embedded.Value.Compressed), CompressionMode.Decompress);
        return JsonDocument.Parse(gzip, BundleOptions);
    });

    /// <summary>How deep a schema bundle may nest (the protocol's unions nest deeper than the parser's default).</summary>
    public static JsonDocumentOptions BundleOptions { get; } = new() { MaxDepth = 512 };

    /// <summary>The pinned schema bundle (native/schema, embedded by the build).</summary>
    public static JsonElement PinnedBundle => PinnedDocument.Value.RootElement;

    /// <summary>Every string literal of the module's source shaped like a method name ("thread/start"), recorded by the build.</summary>
    public static IReadOnlySet<string> UsedNames => Embedded.Value.Names;

    /// <summary>A digest of what the build embedded: a verdict cached by another build of CodexPS is not this build's.</summary>
    public static string Fingerprint => Embedded.Value.Fingerprint;

    /// <summary>How a runtime's schema bundle differs from the pinned one in what CodexPS uses.</summary>
    public static CodexProtocolDrift CompareWithPinned(JsonElement runningBundle) => Compare(PinnedBundle, runningBundle, UsedNames);

    /// <summary>
    /// How <paramref name="running"/> differs from <paramref name="pinned"/> (both generate-json-schema bundles) in the
    /// methods named in <paramref name="usedNames"/> and the types they reach. A pure function: same input, same answer.
    /// </summary>
    public static CodexProtocolDrift Compare(JsonElement pinned, JsonElement running, IReadOnlySet<string> usedNames)
    {
        ArgumentNullException.ThrowIfNull(usedNames);
        var pinnedMethods = Methods(pinned);
        var runningMethods = Methods(running);
        var removed = pinnedMethods.Keys.Where(k => usedNames.Contains(pinnedMethods[k].Name) && !runningMethods.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
        var added = runningMethods.Keys.Where(k => usedNames.Contains(runningMethods[k].Name) && !pinnedMethods.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();

        var roots = pinnedMethods.Values.Concat(runningMethods.Values)
            .Where(m => usedNames.Contains(m.Name) && m.Params is not null)
            .SelectMany(m => new[] { m.Params!, ResponseOf(m.Params!) })
            .ToHashSet(StringComparer.Ordinal);
        var pinnedTypes = Definitions(pinned);
        var runningTypes = Definitions(running);
        var reachable = Reachable(pinnedTypes, roots);
        reachable.UnionWith(Reachable(runningTypes, roots));

        var changes = new List<CodexProtocolTypeChange>();
        foreach (var name in reachable.Order(StringComparer.Ordinal))
        {
            var before = pinnedTypes.TryGetValue(name, out var b) ? Shape(b) : null;
            var after = runningTypes.TryGetValue(name, out var a) ? Shape(a) : null;
            if (before is null && after is null)
            {
                continue;
            }

            if (before is null || after is null)
            {
                changes.Add(new CodexProtocolTypeChange(name, before is null ? "added" : "removed", Array.Empty<string>()));
                continue;
            }

            // Removed and changed fields first: they are what breaks a reader or a writer; added ones rarely do.
            var fields = before.Keys.Where(k => !after.ContainsKey(k)).Select(k => "- " + k)
                .Concat(after.Keys.Where(k => before.TryGetValue(k, out var old) && old != after[k]).Select(k => "~ " + k))
                .Concat(after.Keys.Where(k => !before.ContainsKey(k)).Select(k => "+ " + k))
                .ToArray();
            if (fields.Length > 0)
            {
                changes.Add(new CodexProtocolTypeChange(name, "changed", fields));
            }
        }

        return new CodexProtocolDrift(
            removed.Select(k => Label(pinnedMethods[k])).ToArray(),
            added.Select(k => Label(runningMethods[k])).ToArray(),
            changes);
    }

    private sealed record Method(string Family, string Name, string? Params);

    private static string Label(Method method) => method.Family switch
    {
        "ClientRequest" => method.Name,
        "ServerRequest" => method.Name + " (server request)",
        "ClientNotification" => method.Name + " (client notification)",
        _ => method.Name + " (notification)",
    };

    private static string ResponseOf(string paramsType) =>
        paramsType.EndsWith("Params", StringComparison.Ordinal) ? paramsType[..^"Params".Length] + "Response" : paramsType;

    /// <summary>"Family name" → the method, for every message family of the bundle.</summary>
    private static Dictionary<string, Method> Methods(JsonElement bundle)
    {
        var methods = new Dictionary<string, Method>(StringComparer.Ordinal);
        var definitions = bundle.ValueKind == JsonValueKind.Object && bundle.TryGetProperty("definitions", out var d) ? d : default;
        if (definitions.ValueKind != JsonValueKind.Object)
        {
            return methods;
        }

        foreach (var family in Families)
        {
            if (!definitions.TryGetProperty(family, out var union) || union.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var variants = union.TryGetProperty("oneOf", out var one) ? one : union.TryGetProperty("anyOf", out var any) ? any : default;
            if (variants.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var variant in variants.EnumerateArray())
            {
                if (variant.ValueKind != JsonValueKind.Object || !variant.TryGetProperty("properties", out var properties)
                    || !properties.TryGetProperty("method", out var method) || !method.TryGetProperty("enum", out var names)
                    || names.ValueKind != JsonValueKind.Array || names.GetArrayLength() == 0 || names[0].GetString() is not { } name)
                {
                    continue;
                }

                var parameters = properties.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("$ref", out var r)
                    ? RefName(r.GetString())
                    : null;
                methods[family + " " + name] = new Method(family, name, parameters);
            }
        }

        return methods;
    }

    /// <summary>Every named definition; the nested v1/v2 sections are flattened (v2 wins a name clash, as in the build's script).</summary>
    private static Dictionary<string, JsonElement> Definitions(JsonElement bundle)
    {
        var all = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (bundle.ValueKind != JsonValueKind.Object || !bundle.TryGetProperty("definitions", out var definitions) || definitions.ValueKind != JsonValueKind.Object)
        {
            return all;
        }

        foreach (var entry in definitions.EnumerateObject())
        {
            if (IsSection(entry.Value))
            {
                foreach (var inner in entry.Value.EnumerateObject())
                {
                    all[inner.Name] = inner.Value;
                }
            }
            else
            {
                all.TryAdd(entry.Name, entry.Value);
            }
        }

        return all;
    }

    private static bool IsSection(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object
        && !SchemaKeywords.Any(k => value.TryGetProperty(k, out _));

    private static HashSet<string> Reachable(Dictionary<string, JsonElement> definitions, IEnumerable<string> roots)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var root in roots)
        {
            if (seen.Add(root))
            {
                queue.Enqueue(root);
            }
        }

        while (queue.Count > 0)
        {
            if (!definitions.TryGetValue(queue.Dequeue(), out var definition))
            {
                continue;
            }

            foreach (var reference in References(definition))
            {
                if (seen.Add(reference))
                {
                    queue.Enqueue(reference);
                }
            }
        }

        return seen;
    }

    private static IEnumerable<string> References(JsonElement node)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return RefName(property.Value.GetString())!;
                    }
                    else
                    {
                        foreach (var inner in References(property.Value))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in node.EnumerateArray())
                {
                    foreach (var inner in References(item))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    private static string? RefName(string? reference) => reference is null ? null : reference[(reference.LastIndexOf('/') + 1)..];

    /// <summary>
    /// A definition as name → canonical text: each field (marked when required), each variant of a union by its title or
    /// discriminator (and each of its fields), and any other keyword. Two shapes differ exactly where the wire can.
    /// </summary>
    internal static SortedDictionary<string, string> Shape(JsonElement definition)
    {
        var shape = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (definition.ValueKind != JsonValueKind.Object)
        {
            shape["(schema)"] = Canonical(definition);
            return shape;
        }

        AddFields(shape, string.Empty, definition);
        foreach (var keyword in Unions)
        {
            if (!definition.TryGetProperty(keyword, out var variants) || variants.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var index = 0;
            foreach (var variant in variants.EnumerateArray())
            {
                var name = VariantName(variant) ?? $"({keyword}[{index}])";
                if (variant.ValueKind == JsonValueKind.Object && variant.TryGetProperty("properties", out _))
                {
                    AddFields(shape, name + ".", variant);
                }
                else
                {
                    shape[name] = Canonical(variant);
                }

                index++;
            }
        }

        return shape;
    }

    private static void AddFields(SortedDictionary<string, string> shape, string prefix, JsonElement schema)
    {
        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(e => e.GetString()).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in properties.EnumerateObject())
            {
                shape[prefix + field.Name] = (required.Contains(field.Name) ? "required " : string.Empty) + Canonical(field.Value);
            }
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            if (keyword.Name is "properties" or "required" || Annotations.Contains(keyword.Name)
                || (prefix.Length == 0 && keyword.Name is "oneOf" or "anyOf" or "definitions"))
            {
                continue;
            }

            shape[prefix.Length == 0 ? $"({keyword.Name})" : $"{prefix}({keyword.Name})"] = CanonicalKeyword(keyword.Name, keyword.Value);
        }
    }

    private static string? VariantName(JsonElement variant)
    {
        if (variant.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (variant.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
        {
            return title.GetString();
        }

        if (variant.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String)
        {
            return RefName(reference.GetString());
        }

        // A tagged union's variant: its tag's one value ({"type": {"enum": ["agentMessage"]}}).
        if (variant.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in properties.EnumerateObject())
            {
                if (tag.Value.ValueKind == JsonValueKind.Object && tag.Value.TryGetProperty("enum", out var values)
                    && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() == 1 && values[0].ValueKind == JsonValueKind.String)
                {
                    return $"{tag.Name}={values[0].GetString()}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A schema fragment as compact JSON with sorted keys, sorted unordered arrays, references reduced to the type's
    /// name and annotations left out, so only what changes the wire changes the text.
    /// </summary>
    internal static string Canonical(JsonElement schema)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteSchema(writer, schema);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // One keyword's value on its own, read as WriteSchema reads it inside a schema.
    private static string CanonicalKeyword(string name, JsonElement value)
    {
        if (name == "$ref" && value.ValueKind == JsonValueKind.String)
        {
            return RefName(value.GetString())!;
        }

        if (name is not ("enum" or "const" or "default" or "type"))
        {
            return Canonical(value);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteData(writer, value, sort: Unordered.Contains(name));
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSchema(Utf8JsonWriter writer, JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            WriteData(writer, node, sort: false);
            return;
        }

        writer.WriteStartObject();
        foreach (var property in node.EnumerateObject().Where(p => !Annotations.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            writer.WritePropertyName(property.Name);
            if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String)
            {
                writer.WriteStringValue(RefName(property.Value.GetString()));
            }
            else if (SchemaMaps.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.Object)
            {
                writer.WriteStartObject();
                foreach (var entry in property.Value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(entry.Name);
                    WriteSchema(writer, entry.Value);
                }

                writer.WriteEndObject();
            }
            else if (property.Name is "enum" or "const" or "default" or "required" or "type")
            {
                WriteData(writer, property.Value, sort: Unordered.Contains(property.Name));
            }
            else if (property.Value.ValueKind == JsonValueKind.Array)
            {
                writer.WriteStartArray();
                foreach (var item in property.Value.EnumerateArray())
                {
                    WriteSchema(writer, item);
                }

                writer.WriteEndArray();
            }
            else
            {
                WriteSchema(writer, property.Value);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteData(Utf8JsonWriter writer, JsonElement node, bool sort)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in node.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteData(writer, property.Value, sort: false);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var items = node.EnumerateArray().ToArray();
                foreach (var item in sort ? items.OrderBy(i => i.GetRawText(), StringComparer.Ordinal) : items.AsEnumerable())
                {
                    WriteData(writer, item, sort: false);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    private static (byte[], IReadOnlySet<string>, string) LoadEmbedded()
    {
        var assembly = typeof(CodexProtocolSurface).Assembly;
        byte[] Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"CodexPS.Engine was built without {name} (CodexPS.Engine.csproj, WriteCodexProtocolSurface).");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        var compressed = Read(BundleResource);
        var names = Read(NamesResource);
        var used = Encoding.UTF8.GetString(names).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        var form = Encoding.UTF8.GetBytes(CanonicalFormVersion);
        var fingerprint = Convert.ToHexString(SHA256.HashData(form.Concat(compressed).Concat(names).ToArray()))[..16];
        return (compressed, used, fingerprint);
    }
}
