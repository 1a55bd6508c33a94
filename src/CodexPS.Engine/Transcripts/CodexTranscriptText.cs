using System.Text;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Transcripts;

/// <summary>Makes text from a conversation inert for a reader's page: terminal escapes removed, fences that cannot be closed early.</summary>
internal static partial class CodexTranscriptText
{
    /// <summary>Output longer than this many lines is folded.</summary>
    public const int FoldLines = 40;

    /// <summary>Output longer than this many characters is folded.</summary>
    public const int FoldChars = 6000;

    /// <summary>
    /// Removes terminal escape sequences (colours, cursor moves, titles) and shows every other control character as a
    /// visible symbol, so command output can neither restyle a terminal that views the file nor hide text.
    /// </summary>
    public static string Clean(string text)
    {
        var stripped = EscapeSequence().Replace(text.Replace("\r\n", "\n", StringComparison.Ordinal), string.Empty);
        var builder = new StringBuilder(stripped.Length);
        foreach (var c in stripped)
        {
            builder.Append(c switch
            {
                '\n' or '\t' => c,
                '\r' => '\n',
                < ' ' => (char)(0x2400 + c),
                '\u007f' => '\u2421',
                >= '\u0080' and <= '\u009f' => '\ufffd',
                '\u2028' or '\u2029' => '\n',
                _ => c,
            });
        }

        return builder.ToString();
    }

    /// <summary>Whether output is long enough to fold.</summary>
    public static bool IsLong(string text) => text.Length > FoldChars || LineCount(text) > FoldLines;

    /// <summary>The number of lines of a text (a final new line starts none).</summary>
    public static int LineCount(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        var count = 1;
        foreach (var c in text.AsSpan(0, text.EndsWith('\n') ? text.Length - 1 : text.Length))
        {
            if (c == '\n')
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The head of a long text that stays visible, and how many lines are folded away.</summary>
    public static string Head(string text, out int foldedLines)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        var kept = new List<string>();
        var chars = 0;
        foreach (var line in lines)
        {
            if (kept.Count >= FoldLines || chars + line.Length > FoldChars)
            {
                break;
            }

            kept.Add(line);
            chars += line.Length + 1;
        }

        if (kept.Count == 0)
        {
            // One enormous line: its start.
            kept.Add(lines[0][..Math.Min(lines[0].Length, FoldChars)]);
        }

        foldedLines = lines.Length - kept.Count;
        return string.Join('\n', kept);
    }

    /// <summary>A Markdown code fence longer than any run of backticks in the text, so the text cannot close it.</summary>
    public static string Fence(string text)
    {
        var longest = 0;
        var run = 0;
        foreach (var c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return new string('`', Math.Max(3, longest + 1));
    }

    /// <summary>
    /// Text for a Markdown line outside a fence, never at its start: one line, with every character escaped that could
    /// open emphasis, code, a link, an image, raw HTML, an entity, a table cell or strike-through.
    /// </summary>
    public static string MarkdownInline(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in Clean(text))
        {
            if (c is '\n' or '\t')
            {
                builder.Append(' ');
            }
            else if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '(' or ')' or '!' or '&' or '|' or '~' or '#' or '$' or '^' or '{' or '}')
            {
                builder.Append('\\').Append(c);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    // CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ ... ST) and two-character escapes.
    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)?|[PX^_][^\x1B]*(?:\x1B\\)?|[ -/]*[0-~])|\u009B[0-?]*[ -/]*[@-~]")]
    private static partial Regex EscapeSequence();
}
