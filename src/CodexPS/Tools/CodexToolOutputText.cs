using System.Text;

namespace CodexPS.Tools;

/// <summary>The text the model reads, kept within a tool's byte limit.</summary>
internal static class CodexToolOutputText
{
    /// <summary>
    /// The text cut to at most <paramref name="maxBytes"/> UTF-8 bytes, at a character boundary (never inside a
    /// surrogate pair), with a line saying where it was cut appended after the limit.
    /// </summary>
    public static string Cap(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var used = 0;
        var end = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            used += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }

        return text[..end] + $"\n…[output cut at {maxBytes} bytes]";
    }
}
