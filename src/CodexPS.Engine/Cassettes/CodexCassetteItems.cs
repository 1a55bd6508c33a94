using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Cassettes;

/// <summary>
/// Output items between the Responses API's shape and the cassette's: a message keeps its text (not a content array), a
/// function call's arguments are JSON (not a string of JSON), everything else is kept as the API wrote it.
/// </summary>
public static class CodexCassetteItems
{
    /// <summary>The cassette form of an output item the model sent (a rollout's response_item).</summary>
    public static JsonObject FromWire(JsonElement item)
    {
        var node = JsonNode.Parse(item.GetRawText())!.AsObject();
        node.Remove("internal_chat_message_metadata_passthrough");
        var type = (string?)node["type"];
        if (type == "message")
        {
            var text = CodexCassetteRequest.MessageText(item) ?? string.Empty;
            var message = new JsonObject { ["type"] = "message", ["role"] = (string?)node["role"] ?? "assistant" };
            if (node["phase"] is { } phase)
            {
                message["phase"] = phase.DeepClone();
            }

            message["text"] = text;
            return message;
        }

        node.Remove("id");
        if (type == "function_call" && node["arguments"] is JsonValue arguments && arguments.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                node["arguments"] = JsonNode.Parse((string)arguments!);
            }
            catch (JsonException)
            {
                // Arguments that are not JSON stay the text the model sent.
            }
        }

        return node;
    }

    /// <summary>The Responses API form of a cassette's output item, as the mock streams it.</summary>
    public static JsonObject ToWire(JsonObject item, int request, int index)
    {
        ArgumentNullException.ThrowIfNull(item);
        var type = (string?)item["type"];
        if (type == "message")
        {
            var message = new JsonObject { ["type"] = "message", ["role"] = (string?)item["role"] ?? "assistant" };
            if (item["phase"] is { } phase)
            {
                message["phase"] = phase.DeepClone();
            }

            message["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = (string?)item["text"] ?? string.Empty, ["annotations"] = new JsonArray() });
            return message;
        }

        var wire = (JsonObject)item.DeepClone();
        if (type is "function_call" or "custom_tool_call")
        {
            wire["call_id"] ??= $"call_cassette_{request}_{index}";
        }

        if (type == "function_call" && wire["arguments"] is { } arguments && arguments.GetValueKind() != JsonValueKind.String)
        {
            wire["arguments"] = arguments.ToJsonString();
        }

        return wire;
    }

    /// <summary>Why the item cannot be replayed, or null when it can.</summary>
    public static string? Check(JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return (string?)item["type"] switch
        {
            "message" when item["text"]?.GetValueKind() != JsonValueKind.String => "a message needs its \"text\".",
            "function_call" when item["name"]?.GetValueKind() != JsonValueKind.String => "a function_call needs the \"name\" of the tool.",
            "custom_tool_call" when item["name"]?.GetValueKind() != JsonValueKind.String || item["input"]?.GetValueKind() != JsonValueKind.String =>
                "a custom_tool_call needs a \"name\" and its \"input\" text.",
            _ => null,
        };
    }
}
