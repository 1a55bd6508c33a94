using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace CodexPS.Engine.Mock;

/// <summary>
/// The mock's HTTP/1.1 transport: reads one request (fixed length or chunked body) and writes plain status
/// answers. Just enough HTTP for the runtime's client; every connection carries one request and closes.
/// </summary>
internal static class MockHttp
{
    internal static async Task<MockRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>(4096);
        var one = new byte[4096];
        int headerEnd;
        while (true)
        {
            headerEnd = IndexOfHeaderEnd(buffer);
            if (headerEnd >= 0)
            {
                break;
            }

            var read = await stream.ReadAsync(one).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(one.AsSpan(0, read).ToArray());
        }

        var head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                headers[name] = name.Equals("authorization", StringComparison.OrdinalIgnoreCase) ? "(redacted)" : line[(colon + 1)..].Trim();
            }
        }

        var body = buffer.GetRange(headerEnd + 4, buffer.Count - headerEnd - 4);
        if (headers.TryGetValue("content-length", out var lengthText) && int.TryParse(lengthText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var length))
        {
            while (body.Count < length)
            {
                var read = await stream.ReadAsync(one).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                body.AddRange(one.AsSpan(0, read).ToArray());
            }
        }
        else if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedAsync(stream, body, one).ConfigureAwait(false);
        }

        return new MockRequest(DateTimeOffset.Now, first[0], first.Length > 1 ? first[1] : "/", headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    internal static async Task<List<byte>> ReadChunkedAsync(NetworkStream stream, List<byte> pending, byte[] scratch)
    {
        var result = new List<byte>();
        var data = new List<byte>(pending);
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf(data, "\r\n"u8)) < 0)
            {
                var read = await stream.ReadAsync(scratch).ConfigureAwait(false);
                if (read == 0)
                {
                    return result;
                }

                data.AddRange(scratch.AsSpan(0, read).ToArray());
            }

            var sizeText = Encoding.ASCII.GetString(data.GetRange(0, lineEnd).ToArray()).Split(';')[0].Trim();
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            data.RemoveRange(0, lineEnd + 2);
            if (size == 0)
            {
                return result;
            }

            while (data.Count < size + 2)
            {
                var read = await stream.ReadAsync(scratch).ConfigureAwait(false);
                if (read == 0)
                {
                    return result;
                }

                data.AddRange(scratch.AsSpan(0, read).ToArray());
            }

            result.AddRange(data.GetRange(0, size));
            data.RemoveRange(0, size + 2);
        }
    }

    internal static int IndexOfHeaderEnd(List<byte> buffer) => IndexOf(buffer, "\r\n\r\n"u8);

    internal static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> pattern)
    {
        for (var i = 0; i + pattern.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length; j++)
            {
                if (buffer[i + j] != pattern[j])
                {
                    match = false;
                    break;
                }
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    internal static string DefaultErrorBody(int status) => status switch
    {
        429 => "{\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached (CodexPS mock).\"}}",
        400 => "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\",\"message\":\"Your input exceeds the context window of this model (CodexPS mock).\"}}",
        401 => "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\",\"message\":\"Incorrect API key provided (CodexPS mock).\"}}",
        _ => "{\"error\":{\"type\":\"server_error\",\"message\":\"The CodexPS mock was told to fail with " + status.ToString(CultureInfo.InvariantCulture) + ".\"}}",
    };

    internal static async Task WriteStatusAsync(NetworkStream stream, int status, string body, IEnumerable<KeyValuePair<string, string>>? headers)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n")
            .Append("Content-Type: application/json\r\nConnection: close\r\nContent-Length: ").Append(bytes.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var header in headers ?? Array.Empty<KeyValuePair<string, string>>())
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
        await stream.WriteAsync(bytes).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    internal static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
