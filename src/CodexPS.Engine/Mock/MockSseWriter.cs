using System.Buffers;
using System.Text;
using System.Text.Json;

namespace CodexPS.Engine.Mock;

/// <summary>
/// The mock's server-sent events in the OpenAI Responses format: writes `event: NAME\ndata: JSON\n\n` into the
/// buffered stream with one reusable JSON buffer, and knows the events a scripted response is made of.
/// </summary>
internal sealed class MockSseWriter : IDisposable
{
    private static readonly byte[] EventPrefix = Encoding.ASCII.GetBytes("event: ");
    private static readonly byte[] DataPrefix = Encoding.ASCII.GetBytes("\ndata: ");
    private static readonly byte[] EventEnd = Encoding.ASCII.GetBytes("\n\n");

    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly Utf8JsonWriter _writer;

    public MockSseWriter(Stream output)
    {
        _output = output;
        _writer = new Utf8JsonWriter(_json);
    }

    /// <summary>Bytes written since the caller last flushed.</summary>
    public long Pending { get; set; }

    public void Write(string eventName, Action<Utf8JsonWriter> body)
    {
        _json.Clear();
        _writer.Reset(_json);
        _writer.WriteStartObject();
        body(_writer);
        _writer.WriteEndObject();
        _writer.Flush();
        _output.Write(EventPrefix);
        _output.Write(Encoding.ASCII.GetBytes(eventName));
        _output.Write(DataPrefix);
        _output.Write(_json.WrittenSpan);
        _output.Write(EventEnd);
        Pending += _json.WrittenCount + eventName.Length + 10;
    }

    public void WriteCompleted(MockRequest request, string responseId, long outputTokens, MockUsage? usage = null)
    {
        var inputTokens = usage?.InputTokens ?? Math.Max(1, request.Body.Length / 4);
        outputTokens = usage?.OutputTokens ?? outputTokens;
        Write("response.completed", w =>
        {
            w.WriteString("type", "response.completed");
            w.WriteStartObject("response");
            w.WriteString("id", responseId);
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", inputTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", usage?.CachedInputTokens ?? 0);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", outputTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", usage?.ReasoningTokens ?? 0);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", inputTokens + outputTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    public void WriteMessageStart(string itemId, string? phase, int outputIndex = 0)
    {
        Write("response.output_item.added", w =>
        {
            w.WriteString("type", "response.output_item.added");
            w.WriteNumber("output_index", outputIndex);
            w.WriteStartObject("item");
            w.WriteString("type", "message");
            w.WriteString("id", itemId);
            w.WriteString("role", "assistant");
            WritePhase(w, phase);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The Responses API's message phase (commentary, final_answer), which the runtime passes on as the agent message's phase.</summary>
    public static void WritePhase(Utf8JsonWriter w, string? phase)
    {
        if (phase is not null)
        {
            w.WriteString("phase", phase);
        }
    }

    public void WriteDelta(string itemId, string delta, int outputIndex = 0)
    {
        Write("response.output_text.delta", w =>
        {
            w.WriteString("type", "response.output_text.delta");
            w.WriteString("item_id", itemId);
            w.WriteNumber("output_index", outputIndex);
            w.WriteNumber("content_index", 0);
            w.WriteString("delta", delta);
        });
    }

    /// <summary>An output_item.done; with <paramref name="wholeItem"/> the callback writes the item object itself, else only its members.</summary>
    public void WriteOutputItem(Action<Utf8JsonWriter> item, int outputIndex = 0, bool wholeItem = false)
    {
        Write("response.output_item.done", w =>
        {
            w.WriteString("type", "response.output_item.done");
            w.WriteNumber("output_index", outputIndex);
            if (wholeItem)
            {
                w.WritePropertyName("item");
                item(w);
                return;
            }

            w.WriteStartObject("item");
            item(w);
            w.WriteEndObject();
        });
    }

    /// <summary>Releases the JSON writer; the stream belongs to the caller.</summary>
    public void Dispose() => _writer.Dispose();
}
