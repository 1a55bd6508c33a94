using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Cassettes;

/// <summary>
/// What the model said at each request of one conversation, as plain JSON a person can read and edit
/// (format codexps.cassette, version 1). Export-CodexCassette writes it from the runtime's rollout file;
/// Start-CodexMockProvider -Cassette answers each model request with the next recorded answer.
/// </summary>
public sealed class CodexCassette
{
    /// <summary>The format name every cassette carries.</summary>
    public const string FormatName = "codexps.cassette";

    /// <summary>The version this CodexPS writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>What a redacted part of the text reads as, unless a redactor plugin uses another mask.</summary>
    public const string DefaultMask = "***";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The conversation (thread) the cassette was recorded from; null when unknown.</summary>
    public string? ConversationId { get; init; }

    /// <summary>The runtime version that wrote the rollout; null when unknown.</summary>
    public string? RuntimeVersion { get; init; }

    /// <summary>The model that answered; null when unknown.</summary>
    public string? Model { get; init; }

    /// <summary>When the cassette was written.</summary>
    public DateTimeOffset? RecordedAt { get; init; }

    /// <summary>The workspace folder of the recording (shown as {cwd} in prompts and tool outputs).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The masks redaction left in the text; a strict replay lets each match any text.</summary>
    public IReadOnlyList<string> Masks { get; init; } = new[] { DefaultMask };

    /// <summary>The model requests, in the order they were made.</summary>
    public IReadOnlyList<CodexCassetteExchange> Requests { get; init; } = Array.Empty<CodexCassetteExchange>();

    /// <summary>The file the cassette was read from or written to; null for one built in memory.</summary>
    public string? Path { get; private set; }

    /// <summary>The cassette as indented JSON.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = CurrentVersion,
            ["conversationId"] = ConversationId,
            ["runtimeVersion"] = RuntimeVersion,
            ["model"] = Model,
            ["recordedAt"] = RecordedAt?.ToString("o", CultureInfo.InvariantCulture),
            ["workingDirectory"] = WorkingDirectory,
            ["masks"] = new JsonArray(Masks.Select(m => (JsonNode?)m).ToArray()),
        };
        var requests = new JsonArray();
        foreach (var exchange in Requests)
        {
            requests.Add(new JsonObject
            {
                ["turn"] = exchange.Turn,
                ["prompt"] = new JsonArray(exchange.Request.Prompt.Select(p => (JsonNode?)p).ToArray()),
                ["toolOutputs"] = new JsonArray(exchange.Request.ToolOutputs.Select(p => (JsonNode?)p).ToArray()),
                ["output"] = new JsonArray(exchange.Output.Select(o => (JsonNode?)o.DeepClone()).ToArray()),
                ["usage"] = exchange.Usage is { } u ? new JsonObject
                {
                    ["inputTokens"] = u.InputTokens,
                    ["cachedInputTokens"] = u.CachedInputTokens,
                    ["outputTokens"] = u.OutputTokens,
                    ["reasoningOutputTokens"] = u.ReasoningTokens,
                    ["totalTokens"] = u.TotalTokens,
                } : null,
                ["rateLimits"] = exchange.RateLimits is { } r ? new JsonObject
                {
                    ["primary"] = Window(r.PrimaryUsedPercent, r.PrimaryWindowMinutes, r.PrimaryResetAt),
                    ["secondary"] = Window(r.SecondaryUsedPercent, r.SecondaryWindowMinutes, r.SecondaryResetAt),
                } : null,
            });
        }

        root["requests"] = requests;
        return root.ToJsonString(Indented);
    }

    /// <summary>Writes the cassette to <paramref name="path"/> (replacing a file only with <paramref name="force"/>); returns it with Path set.</summary>
    public CodexCassette Save(string path, bool force)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full) && !force)
        {
            throw new CodexException("CodexExportPathExists", $"'{full}' exists; give -Force to replace it.");
        }

        var temporary = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(temporary, ToJson() + "\n", new UTF8Encoding(false));
        File.Move(temporary, full, overwrite: true);
        Path = full;
        return this;
    }

    /// <summary>Reads and checks a cassette; any problem is a <see cref="CodexCassetteException"/> naming the line, before anything is served.</summary>
    public static CodexCassette Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CodexException("CodexCassetteNotFound", $"The cassette '{full}' does not exist.", ex);
        }

        var cassette = Parse(bytes, full);
        cassette.Path = full;
        return cassette;
    }

    /// <summary>Reads a cassette from its bytes; <paramref name="name"/> names it in errors.</summary>
    public static CodexCassette Parse(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0)
        {
            throw new CodexCassetteException(name, null, "the file is empty.");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            throw new CodexCassetteException(name, line, $"it is not JSON, or it is cut short ({ex.Message})", ex);
        }

        var lines = LineMap.Build(bytes);
        int LineOf(string jsonPath) => lines.TryGetValue(jsonPath, out var l) ? l : 1;
        CodexCassetteException Bad(string jsonPath, string message) => new(name, LineOf(jsonPath), message);

        if (root is not JsonObject obj)
        {
            throw Bad("$", $"a cassette is a JSON object with \"format\": \"{FormatName}\"; this file holds a {root?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}.");
        }

        if (obj["format"] is not JsonValue format || format.GetValueKind() != JsonValueKind.String || (string?)format != FormatName)
        {
            throw Bad(obj.ContainsKey("format") ? "$.format" : "$", $"\"format\" must be \"{FormatName}\".");
        }

        if (obj["version"] is not JsonValue version || version.GetValueKind() != JsonValueKind.Number || !version.TryGetValue<int>(out var v) || v != CurrentVersion)
        {
            throw Bad(obj.ContainsKey("version") ? "$.version" : "$",
                $"version {obj["version"]?.ToJsonString() ?? "(missing)"} is not one this CodexPS reads (it reads version {CurrentVersion}).");
        }

        if (obj["requests"] is not JsonArray requests)
        {
            throw Bad(obj.ContainsKey("requests") ? "$.requests" : "$", "\"requests\" must be an array of the recorded model requests.");
        }

        var masks = new List<string>();
        if (obj["masks"] is JsonArray maskArray)
        {
            masks.AddRange(maskArray.Select(m => m?.GetValueKind() == JsonValueKind.String ? (string?)m : null).Where(m => !string.IsNullOrEmpty(m))!);
        }

        var exchanges = new List<CodexCassetteExchange>();
        for (var i = 0; i < requests.Count; i++)
        {
            var at = $"$.requests[{i}]";
            if (requests[i] is not JsonObject request)
            {
                throw Bad(at, $"request {i + 1} must be a JSON object.");
            }

            var output = new List<JsonObject>();
            if (request["output"] is not JsonArray items)
            {
                throw Bad(request.ContainsKey("output") ? at + ".output" : at, $"request {i + 1} has no \"output\" array (what the model said).");
            }

            for (var j = 0; j < items.Count; j++)
            {
                var itemAt = $"{at}.output[{j}]";
                if (items[j] is not JsonObject item || item["type"]?.GetValueKind() != JsonValueKind.String)
                {
                    throw Bad(itemAt, $"output item {j + 1} of request {i + 1} must be an object with a \"type\".");
                }

                var problem = CodexCassetteItems.Check(item);
                if (problem is not null)
                {
                    throw Bad(itemAt, $"output item {j + 1} of request {i + 1}: {problem}");
                }

                output.Add((JsonObject)item.DeepClone());
            }

            exchanges.Add(new CodexCassetteExchange
            {
                Turn = Int(request["turn"]) ?? 0,
                Request = new CodexCassetteRequest(Strings(request["prompt"], () => Bad(at + ".prompt", $"\"prompt\" of request {i + 1} must be an array of strings.")),
                    Strings(request["toolOutputs"], () => Bad(at + ".toolOutputs", $"\"toolOutputs\" of request {i + 1} must be an array of strings."))),
                Output = output,
                Usage = ReadUsage(request["usage"], () => Bad(at + ".usage", $"\"usage\" of request {i + 1} must be an object of token counts or null.")),
                RateLimits = ReadRateLimits(request["rateLimits"], () => Bad(at + ".rateLimits", $"\"rateLimits\" of request {i + 1} must be an object with primary/secondary windows or null.")),
                Line = LineOf(at),
            });
        }

        return new CodexCassette
        {
            ConversationId = Str(obj["conversationId"]),
            RuntimeVersion = Str(obj["runtimeVersion"]),
            Model = Str(obj["model"]),
            RecordedAt = Str(obj["recordedAt"]) is { } at2 && DateTimeOffset.TryParse(at2, CultureInfo.InvariantCulture, DateTimeStyles.None, out var when) ? when : null,
            WorkingDirectory = Str(obj["workingDirectory"]),
            Masks = masks.Count > 0 ? masks : new[] { DefaultMask },
            Requests = exchanges,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Requests.Count} model request(s) of conversation {ConversationId ?? "(unknown)"}";

    private static JsonObject? Window(double? used, int? minutes, long? resetsAt) =>
        used is null && minutes is null && resetsAt is null ? null : new JsonObject { ["usedPercent"] = used, ["windowMinutes"] = minutes, ["resetsAt"] = resetsAt };

    private static string? Str(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? (string?)value : null;

    private static int? Int(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var i) ? i : null;

    private static long? Long(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? (long)value.GetValue<double>() : null;

    private static double? Double(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.GetValue<double>() : null;

    private static string[] Strings(JsonNode? node, Func<Exception> bad)
    {
        if (node is null)
        {
            return Array.Empty<string>();
        }

        if (node is not JsonArray array || array.Any(e => e?.GetValueKind() != JsonValueKind.String))
        {
            throw bad();
        }

        return array.Select(e => (string)e!).ToArray();
    }

    private static MockUsage? ReadUsage(JsonNode? node, Func<Exception> bad)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject usage)
        {
            throw bad();
        }

        return new MockUsage(Long(usage["inputTokens"]) ?? 0, Long(usage["outputTokens"]) ?? 0, Long(usage["cachedInputTokens"]) ?? 0, Long(usage["reasoningOutputTokens"]) ?? 0);
    }

    private static MockRateLimits? ReadRateLimits(JsonNode? node, Func<Exception> bad)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject limits || (limits["primary"] is not null and not JsonObject) || (limits["secondary"] is not null and not JsonObject))
        {
            throw bad();
        }

        var p = limits["primary"] as JsonObject;
        var s = limits["secondary"] as JsonObject;
        return new MockRateLimits(Double(p?["usedPercent"]), Int(p?["windowMinutes"]), Long(p?["resetsAt"]),
            Double(s?["usedPercent"]), Int(s?["windowMinutes"]), Long(s?["resetsAt"]));
    }

    /// <summary>Where each value of the file starts: JSON path ($.requests[2].output[0]) → 1-based line.</summary>
    private static class LineMap
    {
        public static Dictionary<string, int> Build(byte[] bytes)
        {
            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            var newlines = new List<int>();
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    newlines.Add(i);
                }
            }

            int Line(long offset)
            {
                var index = newlines.BinarySearch((int)offset);
                return (index < 0 ? ~index : index) + 1;
            }

            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var path = new Stack<(bool IsArray, int Index, string Prefix)>();
            string? property = null;
            string Current() => path.Count == 0 ? "$" : path.Peek().IsArray ? $"{path.Peek().Prefix}[{path.Peek().Index}]" : $"{path.Peek().Prefix}.{property}";

            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        map.TryAdd(Current(), Line(reader.TokenStartIndex));
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.Pop();
                        Advance(path);
                        continue;
                }

                var here = Current();
                if (path.Count > 0 && path.Peek().IsArray)
                {
                    map.TryAdd(here, Line(reader.TokenStartIndex));
                }
                else if (path.Count == 0)
                {
                    map.TryAdd("$", Line(reader.TokenStartIndex));
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    path.Push((reader.TokenType == JsonTokenType.StartArray, 0, here));
                }
                else
                {
                    Advance(path);
                }
            }

            return map;
        }

        private static void Advance(Stack<(bool IsArray, int Index, string Prefix)> path)
        {
            if (path.Count > 0 && path.Peek().IsArray)
            {
                var top = path.Pop();
                path.Push((true, top.Index + 1, top.Prefix));
            }
        }
    }
}
