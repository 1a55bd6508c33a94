using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CodexPS.Engine.Mock;

/// <summary>The scripting half: turns the next scripted <see cref="MockResponse"/> into the SSE stream it describes.</summary>
public sealed partial class MockModelServer
{
    private async Task RespondAsync(NetworkStream stream, MockRequest request, MockResponse response)
    {
        if (response.Delay > TimeSpan.Zero)
        {
            await Task.Delay(response.Delay, _stop.Token).ConfigureAwait(false);
        }

        var extraHeaders = new List<KeyValuePair<string, string>>(response.Headers);
        if (response.RateLimits is { } limits)
        {
            extraHeaders.AddRange(limits.Headers());
        }

        if (response.Kind == MockResponseKind.HttpError)
        {
            await MockHttp.WriteStatusAsync(stream, response.StatusCode, response.Body ?? MockHttp.DefaultErrorBody(response.StatusCode), extraHeaders).ConfigureAwait(false);
            return;
        }

        var n = Interlocked.Increment(ref _responseCounter);
        var responseId = $"resp_mock_{n}";
        var head = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n");
        foreach (var header in extraHeaders)
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        head.Append("\r\n");
        Stream output = new BufferedStream(stream, 64 * 1024);
        await output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
        if (response.Kind == MockResponseKind.RawStream)
        {
            await output.WriteAsync(Encoding.UTF8.GetBytes(response.Raw ?? string.Empty)).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            return;
        }

        using var sse = new MockSseWriter(output);
        sse.Write("response.created", w =>
        {
            w.WriteString("type", "response.created");
            w.WriteStartObject("response");
            w.WriteString("id", responseId);
            w.WriteEndObject();
        });

        // A model often says what it is about to do before a call: with Text, the message streams first and the call follows.
        var callIndex = 0;
        long messageTokens = 0;
        if (response.Text is not null && response.Kind is MockResponseKind.ExecCommand or MockResponseKind.ApplyPatch or MockResponseKind.ToolCall)
        {
            messageTokens = await StreamMessageAsync(sse, output, response, $"msg_mock_{n}").ConfigureAwait(false);
            callIndex = 1;
        }

        long outputTokens;
        switch (response.Kind)
        {
            case MockResponseKind.Text:
                outputTokens = await StreamMessageAsync(sse, output, response, $"msg_mock_{n}").ConfigureAwait(false);
                break;
            case MockResponseKind.ExecCommand:
                var arguments = new Dictionary<string, object?> { ["cmd"] = response.Command };
                if (response.Escalate)
                {
                    arguments["sandbox_permissions"] = "require_escalated";
                    arguments["justification"] = response.Justification ?? "CodexPS mock asks to run this outside the sandbox.";
                }

                var argumentText = JsonSerializer.Serialize(arguments);
                sse.WriteOutputItem(w =>
                {
                    w.WriteString("type", "function_call");
                    w.WriteString("id", $"fc_mock_{n}");
                    w.WriteString("call_id", $"call_mock_{n}");
                    w.WriteString("name", "exec_command");
                    w.WriteString("arguments", argumentText);
                }, callIndex);
                outputTokens = messageTokens + Math.Max(1, argumentText.Length / 4);
                break;
            case MockResponseKind.ApplyPatch:
                sse.WriteOutputItem(w =>
                {
                    w.WriteString("type", "custom_tool_call");
                    w.WriteString("id", $"ctc_mock_{n}");
                    w.WriteString("call_id", $"call_mock_{n}");
                    w.WriteString("name", "apply_patch");
                    w.WriteString("input", response.Patch);
                }, callIndex);
                outputTokens = messageTokens + Math.Max(1, (response.Patch?.Length ?? 0) / 4);
                break;
            case MockResponseKind.ToolCall:
                var toolArguments = response.Arguments ?? "{}";
                sse.WriteOutputItem(w =>
                {
                    w.WriteString("type", "function_call");
                    w.WriteString("id", $"fc_mock_{n}");
                    w.WriteString("call_id", $"call_mock_{n}");
                    w.WriteString("name", response.Tool);
                    if (response.Namespace is { } toolNamespace)
                    {
                        w.WriteString("namespace", toolNamespace);
                    }

                    w.WriteString("arguments", toolArguments);
                }, callIndex);
                outputTokens = messageTokens + Math.Max(1, toolArguments.Length / 4);
                break;
            case MockResponseKind.Recorded:
                outputTokens = await StreamRecordedAsync(sse, output, response, n).ConfigureAwait(false);
                break;
            case MockResponseKind.CloseStream:
                if (response.Text is not null)
                {
                    sse.WriteMessageStart($"msg_mock_{n}", response.Phase);
                    foreach (var piece in Pieces(response))
                    {
                        sse.WriteDelta($"msg_mock_{n}", piece);
                        if (response.DeltaDelay > TimeSpan.Zero)
                        {
                            await output.FlushAsync().ConfigureAwait(false);
                            await Task.Delay(response.DeltaDelay, _stop.Token).ConfigureAwait(false);
                        }
                    }
                }

                await output.FlushAsync().ConfigureAwait(false);
                stream.Socket.LingerState = new LingerOption(true, 0);
                return;
            case MockResponseKind.Stall:
                await output.FlushAsync().ConfigureAwait(false);
                await WaitForReleaseOrHangUpAsync(stream).ConfigureAwait(false);
                return;
            default:
                outputTokens = 0;
                break;
        }

        if (response.DripDelay > TimeSpan.Zero)
        {
            // What is left goes out one byte at a time: the deltas already sent are flushed first.
            await output.FlushAsync().ConfigureAwait(false);
            var rest = new MemoryStream();
            using var restWriter = new MockSseWriter(rest);
            restWriter.WriteCompleted(request, responseId, outputTokens, response.Usage);
            output = new MockDripStream(stream, response.DripDelay, rest, _stop.Token);
        }
        else
        {
            sse.WriteCompleted(request, responseId, outputTokens, response.Usage);
        }

        await output.FlushAsync().ConfigureAwait(false);
    }

    private async Task<long> StreamMessageAsync(MockSseWriter sse, Stream output, MockResponse response, string itemId)
    {
        sse.WriteMessageStart(itemId, response.Phase);

        var full = new StringBuilder();
        foreach (var piece in Pieces(response))
        {
            sse.WriteDelta(itemId, piece);
            full.Append(piece);
            if (response.DeltaDelay > TimeSpan.Zero)
            {
                await output.FlushAsync().ConfigureAwait(false);
                await Task.Delay(response.DeltaDelay, _stop.Token).ConfigureAwait(false);
            }
            else if (sse.Pending > 48 * 1024)
            {
                // Hand the runtime what is ready rather than holding a large stream back.
                await output.FlushAsync().ConfigureAwait(false);
                sse.Pending = 0;
            }
        }

        var text = full.ToString();
        sse.WriteOutputItem(w =>
        {
            w.WriteString("type", "message");
            w.WriteString("id", itemId);
            w.WriteString("role", "assistant");
            MockSseWriter.WritePhase(w, response.Phase);
            w.WriteStartArray("content");
            w.WriteStartObject();
            w.WriteString("type", "output_text");
            w.WriteString("text", text);
            w.WriteStartArray("annotations");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
        });
        return response.Deltas;
    }

    /// <summary>Streams recorded output items in order: a message as its start, its text as one delta and its end; any other item whole.</summary>
    private static async Task<long> StreamRecordedAsync(MockSseWriter sse, Stream output, MockResponse response, int n)
    {
        long tokens = 0;
        var index = 0;
        foreach (var recorded in response.Output ?? Array.Empty<System.Text.Json.Nodes.JsonObject>())
        {
            var item = (System.Text.Json.Nodes.JsonObject)recorded.DeepClone();
            item["id"] ??= $"item_mock_{n}_{index}";
            var itemId = (string)item["id"]!;
            if ((string?)item["type"] == "message")
            {
                var phase = (string?)item["phase"];
                var text = string.Concat((item["content"] as System.Text.Json.Nodes.JsonArray ?? new System.Text.Json.Nodes.JsonArray())
                    .Select(part => (string?)part?["text"] ?? string.Empty));
                sse.WriteMessageStart(itemId, phase, index);
                if (text.Length > 0)
                {
                    sse.WriteDelta(itemId, text, index);
                }

                tokens += Math.Max(1, text.Length / 4);
            }
            else
            {
                tokens += Math.Max(1, item.ToJsonString().Length / 8);
            }

            sse.WriteOutputItem(w => item.WriteTo(w), index, wholeItem: true);
            index++;
            if (sse.Pending > 48 * 1024)
            {
                await output.FlushAsync().ConfigureAwait(false);
                sse.Pending = 0;
            }
        }

        return tokens;
    }

    private static IEnumerable<string> Pieces(MockResponse response)
    {
        if (response.RepeatDelta is { } repeated)
        {
            for (var i = 0; i < response.Deltas; i++)
            {
                yield return repeated;
            }

            yield break;
        }

        var text = response.Text ?? string.Empty;
        var count = Math.Min(Math.Max(1, response.Deltas), Math.Max(1, text.Length));
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var end = (int)((long)text.Length * (i + 1) / count);
            yield return text[start..end];
            start = end;
        }
    }
}
