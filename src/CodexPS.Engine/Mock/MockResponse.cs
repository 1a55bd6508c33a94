using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace CodexPS.Engine.Mock;

/// <summary>One scripted answer of the mock model endpoint: what it sends back to one POST /v1/responses.</summary>
public sealed class MockResponse
{
    /// <summary>What the endpoint sends: a message, a tool call, an error, a broken or stalled stream.</summary>
    public MockResponseKind Kind { get; init; }

    /// <summary>The message text (Text, and the partial text of CloseStream); with a Command, Patch or Tool, a message streamed before the call.</summary>
    public string? Text { get; init; }

    /// <summary>The message's phase as the Responses API names it (commentary, final_answer); null sends none.</summary>
    public string? Phase { get; init; }

    /// <summary>How many deltas Text is streamed in.</summary>
    public int Deltas { get; init; } = 1;

    /// <summary>When set, the message is this delta repeated Deltas times (for large streams).</summary>
    public string? RepeatDelta { get; init; }

    /// <summary>The shell command of an ExecCommand.</summary>
    public string? Command { get; init; }

    /// <summary>Asks to run the command outside the sandbox (sandbox_permissions = require_escalated).</summary>
    public bool Escalate { get; init; }

    /// <summary>The justification sent with an escalated command; a default one is sent when null.</summary>
    public string? Justification { get; init; }

    /// <summary>The patch of an ApplyPatch, in Codex's *** Begin Patch format.</summary>
    public string? Patch { get; init; }

    /// <summary>The function a ToolCall calls, as the model names it (for MCP tools mcp__server__tool).</summary>
    public string? Tool { get; init; }

    /// <summary>The namespace of a ToolCall's tool, when the runtime groups tools (MCP servers: mcp__server).</summary>
    public string? Namespace { get; init; }

    /// <summary>The JSON arguments of a ToolCall.</summary>
    public string? Arguments { get; init; }

    /// <summary>The HTTP status of an HttpError (500 unless set).</summary>
    public int StatusCode { get; init; } = 500;

    /// <summary>The body of a RawStream, sent byte for byte (it need not be valid SSE or JSON).</summary>
    public string? Raw { get; init; }

    /// <summary>
    /// When set, the end of the stream (response.completed, after the deltas and the finished item) is sent one byte
    /// at a time with this pause between bytes: a slow drip that keeps the connection alive but finishes late.
    /// </summary>
    public TimeSpan DripDelay { get; init; }

    /// <summary>The body of an HttpError; null sends a default error body for the status.</summary>
    public string? Body { get; init; }

    /// <summary>Wait before answering.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Wait between deltas.</summary>
    public TimeSpan DeltaDelay { get; init; }

    /// <summary>Rate-limit headers to send with the answer; null sends none.</summary>
    public MockRateLimits? RateLimits { get; init; }

    /// <summary>The token usage response.completed reports; null reports the mock's estimate (a quarter of the request body as input).</summary>
    public MockUsage? Usage { get; init; }

    /// <summary>The output items of a Recorded answer, in the Responses API's own shape (message, function_call, custom_tool_call, reasoning, ...).</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject>? Output { get; init; }

    /// <summary>Extra HTTP headers to send with the answer.</summary>
    public IDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A message with this text, streamed in the given number of deltas.</summary>
    public static MockResponse FromText(string text, int deltas = 1) => new() { Kind = MockResponseKind.Text, Text = text, Deltas = Math.Max(1, deltas) };

    /// <summary>A message made of this delta repeated count times (a large stream).</summary>
    public static MockResponse Repeated(string delta, int count) => new() { Kind = MockResponseKind.Text, RepeatDelta = delta, Deltas = Math.Max(1, count) };

    /// <summary>An exec_command call of this command, optionally asking to run outside the sandbox.</summary>
    public static MockResponse FromCommand(string command, bool escalate = false, string? justification = null) =>
        new() { Kind = MockResponseKind.ExecCommand, Command = command, Escalate = escalate, Justification = justification };

    /// <summary>An apply_patch call with this patch.</summary>
    public static MockResponse FromPatch(string patch) => new() { Kind = MockResponseKind.ApplyPatch, Patch = patch };

    /// <summary>A call of the named function tool with these JSON arguments ({} when null).</summary>
    public static MockResponse FromTool(string tool, string? argumentsJson = null, string? toolNamespace = null) =>
        new() { Kind = MockResponseKind.ToolCall, Tool = tool, Arguments = argumentsJson ?? "{}", Namespace = toolNamespace };

    /// <summary>An HTTP error with this status and body.</summary>
    public static MockResponse FromError(int status, string? body = null) => new() { Kind = MockResponseKind.HttpError, StatusCode = status, Body = body };

    /// <summary>A stream that starts and then sends nothing (for interrupts).</summary>
    public static MockResponse StallResponse() => new() { Kind = MockResponseKind.Stall };

    /// <summary>A stream that closes before it completes, after the partial text if any.</summary>
    public static MockResponse Disconnect(string? partialText = null) => new() { Kind = MockResponseKind.CloseStream, Text = partialText };

    /// <summary>A 200 event stream with this body exactly (for malformed SSE).</summary>
    public static MockResponse FromRaw(string body) => new() { Kind = MockResponseKind.RawStream, Raw = body };

    /// <summary>
    /// Builds a response from a dictionary (a PowerShell hashtable or a JSON object): Text/Deltas, Delta+Deltas
    /// (repeated), Command/Escalate/Justification (with Text: a message streamed before the call, as for Patch and Tool), Patch, Tool/Namespace/Arguments, Status/Body, Raw, Stall, Disconnect (with Text/Deltas streamed
    /// before the reset), DelayMs, DeltaDelayMs, DripMs,
    /// RateLimits (PrimaryUsedPercent, PrimaryWindowMinutes, PrimaryResetAt, Secondary...), Headers,
    /// Usage (InputTokens, OutputTokens, CachedInputTokens, ReasoningTokens).
    /// </summary>
    public static MockResponse FromDictionary(IDictionary entry)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in entry)
        {
            values[Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? string.Empty] = Unwrap(e.Value);
        }

        string? S(string key) => values.TryGetValue(key, out var v) && v is not null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        int? I(string key) => S(key) is { } s ? int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
        bool B(string key) => values.TryGetValue(key, out var v) && v is not null && (v is bool b ? b : bool.Parse(Convert.ToString(v, CultureInfo.InvariantCulture)!));

        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Text", "Deltas", "Delta", "Phase", "Command", "Escalate", "Justification", "Patch", "Tool", "Namespace", "Arguments", "Status", "StatusCode", "Body",
            "Stall", "Disconnect", "DelayMs", "DeltaDelayMs", "DripMs", "Raw", "RateLimits", "Headers", "Usage",
        };
        foreach (var key in values.Keys)
        {
            if (!known.Contains(key))
            {
                throw new ArgumentException($"Unknown mock response key '{key}'. Known keys: {string.Join(", ", known)}.");
            }
        }

        MockResponseKind kind;
        if (S("Command") is not null) kind = MockResponseKind.ExecCommand;
        else if (S("Patch") is not null) kind = MockResponseKind.ApplyPatch;
        else if (S("Tool") is not null) kind = MockResponseKind.ToolCall;
        else if (I("Status") is not null || I("StatusCode") is not null) kind = MockResponseKind.HttpError;
        else if (S("Raw") is not null) kind = MockResponseKind.RawStream;
        else if (B("Stall")) kind = MockResponseKind.Stall;
        else if (B("Disconnect")) kind = MockResponseKind.CloseStream;
        else if (S("Text") is not null || S("Delta") is not null) kind = MockResponseKind.Text;
        else throw new ArgumentException("A mock response needs one of Text, Delta, Command, Patch, Tool, Status, Raw, Stall or Disconnect.");

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (values.TryGetValue("Headers", out var h) && h is IDictionary headerTable)
        {
            foreach (DictionaryEntry e in headerTable)
            {
                headers[Convert.ToString(e.Key, CultureInfo.InvariantCulture)!] = Convert.ToString(Unwrap(e.Value), CultureInfo.InvariantCulture) ?? string.Empty;
            }
        }

        MockRateLimits? limits = null;
        if (values.TryGetValue("RateLimits", out var r) && r is IDictionary rl)
        {
            var l = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry e in rl)
            {
                l[Convert.ToString(e.Key, CultureInfo.InvariantCulture)!] = Convert.ToString(Unwrap(e.Value), CultureInfo.InvariantCulture);
            }

            double? D(string k) => l.TryGetValue(k, out var v) && v is not null ? double.Parse(v, CultureInfo.InvariantCulture) : null;
            int? N(string k) => l.TryGetValue(k, out var v) && v is not null ? int.Parse(v, CultureInfo.InvariantCulture) : null;
            long? L(string k) => l.TryGetValue(k, out var v) && v is not null ? long.Parse(v, CultureInfo.InvariantCulture) : null;
            limits = new MockRateLimits(D("PrimaryUsedPercent"), N("PrimaryWindowMinutes"), L("PrimaryResetAt"),
                D("SecondaryUsedPercent"), N("SecondaryWindowMinutes"), L("SecondaryResetAt"));
        }

        MockUsage? usage = null;
        if (values.TryGetValue("Usage", out var u) && u is IDictionary usageTable)
        {
            var t = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry e in usageTable)
            {
                t[Convert.ToString(e.Key, CultureInfo.InvariantCulture)!] = Convert.ToString(Unwrap(e.Value), CultureInfo.InvariantCulture);
            }

            long T(string k) => t.TryGetValue(k, out var v) && v is not null ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
            usage = new MockUsage(T("InputTokens"), T("OutputTokens"), T("CachedInputTokens"), T("ReasoningTokens"));
        }

        return new MockResponse
        {
            Kind = kind,
            Text = S("Text"),
            RepeatDelta = S("Delta"),
            Phase = S("Phase"),
            Deltas = Math.Max(1, I("Deltas") ?? 1),
            Command = S("Command"),
            Escalate = B("Escalate"),
            Justification = S("Justification"),
            Patch = S("Patch"),
            Tool = S("Tool"),
            Namespace = S("Namespace"),
            Arguments = kind == MockResponseKind.ToolCall ? ArgumentsJson(values.TryGetValue("Arguments", out var a) ? a : null) : null,
            StatusCode = I("Status") ?? I("StatusCode") ?? 500,
            Body = S("Body"),
            Delay = TimeSpan.FromMilliseconds(I("DelayMs") ?? 0),
            DeltaDelay = TimeSpan.FromMilliseconds(I("DeltaDelayMs") ?? 0),
            DripDelay = TimeSpan.FromMilliseconds(I("DripMs") ?? 0),
            Raw = S("Raw"),
            RateLimits = limits,
            Usage = usage,
            Headers = headers,
        };
    }

    /// <summary>Reads a script file: a JSON array of response objects (the same keys as <see cref="FromDictionary"/>).</summary>
    public static IReadOnlyList<MockResponse> FromJsonFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"The mock script '{path}' must hold a JSON array of responses.");
        }

        return document.RootElement.EnumerateArray().Select(e => FromDictionary(ToDictionary(e))).ToArray();
    }

    /// <summary>Tool arguments given as JSON text or as a dictionary (a hashtable), as JSON text.</summary>
    private static string ArgumentsJson(object? value)
    {
        if (value is null)
        {
            return "{}";
        }

        if (value is string text)
        {
            using var _ = JsonDocument.Parse(text); // refuses text that is not JSON
            return text;
        }

        return ToJsonNode(value)?.ToJsonString() ?? "{}";
    }

    private static System.Text.Json.Nodes.JsonNode? ToJsonNode(object? value)
    {
        value = Unwrap(value);
        switch (value)
        {
            case null:
                return null;
            case string s:
                return s;
            case bool b:
                return b;
            case IDictionary dictionary:
                var node = new System.Text.Json.Nodes.JsonObject();
                foreach (DictionaryEntry e in dictionary)
                {
                    node[Convert.ToString(e.Key, CultureInfo.InvariantCulture)!] = ToJsonNode(e.Value);
                }

                return node;
            case IEnumerable sequence:
                var array = new System.Text.Json.Nodes.JsonArray();
                foreach (var item in sequence)
                {
                    array.Add(ToJsonNode(item));
                }

                return array;
            case IConvertible number when value is not char:
                return System.Text.Json.Nodes.JsonValue.Create(number.ToDouble(CultureInfo.InvariantCulture));
            default:
                return Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>PowerShell hands in PSObject-wrapped values; the module sets this to unwrap them.</summary>
    public static Func<object?, object?> Unwrap { get; set; } = v => v;

    private static Hashtable ToDictionary(JsonElement element)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            table[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.Object => ToDictionary(property.Value),
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                _ => property.Value.GetRawText(),
            };
        }

        return table;
    }
}
