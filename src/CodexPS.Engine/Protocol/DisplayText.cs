using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// Makes untrusted text (what the model, a command, an MCP server or a file said) safe to show on a terminal:
/// escape sequences, carriage returns, backspaces and other control characters become visible stand-ins so
/// they cannot move the cursor, recolour, retitle or rewrite the console, and long text is cut. Only the text
/// shown is changed; the objects keep their values untouched.
/// </summary>
public static class DisplayText
{
    /// <summary>What a cut text ends with.</summary>
    public const char Ellipsis = '\u2026';

    /// <summary>
    /// One line for a table cell or a progress bar: line breaks and tabs become spaces, other control
    /// characters their Unicode control picture (ESC is shown as U+241B), and the result is cut to
    /// <paramref name="maxLength"/> characters (the last one an ellipsis). Null stays null.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Sanitize(string? text, int maxLength) => Sanitize(text, maxLength, keepLineBreaks: false);

    /// <summary>
    /// Like <see cref="Sanitize(string?, int)"/>; with <paramref name="keepLineBreaks"/> the text keeps its lines
    /// (CRLF and LF become LF) and <paramref name="maxLength"/> cuts each line instead of the whole text.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Sanitize(string? text, int maxLength, bool keepLineBreaks)
    {
        if (text is null)
        {
            return null;
        }

        maxLength = Math.Max(1, maxLength);
        if (!keepLineBreaks)
        {
            text = text.Trim();
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 1);
        var lineStart = 0;
        var lineCut = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue; // CRLF is one line break; a lone CR is shown, since it would rewrite the line
            }

            if (c == '\n' && keepLineBreaks)
            {
                builder.Append('\n');
                lineStart = builder.Length;
                lineCut = false;
                continue;
            }

            if (lineCut)
            {
                continue;
            }

            if (builder.Length - lineStart >= maxLength)
            {
                Cut(builder, lineStart, maxLength);
                if (!keepLineBreaks)
                {
                    return builder.ToString();
                }

                lineCut = true;
                continue;
            }

            builder.Append(Visible(c));
        }

        if (!keepLineBreaks)
        {
            return builder.ToString().TrimEnd();
        }

        return builder.ToString();
    }

    /// <summary>The stand-in shown for a character that must not reach the terminal as is; other characters are kept.</summary>
    private static char Visible(char c) => c switch
    {
        '\n' or '\t' => ' ',
        < ' ' => (char)(0x2400 + c),                 // C0 controls: ␛ for ESC, ␍ for CR, ␈ for BS, ␇ for BEL ...
        '\u007F' => '\u2421',                        // DEL: ␡
        >= '\u0080' and <= '\u009F' => '\uFFFD',     // C1 controls (a lone 0x9B is CSI on some terminals)
        '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') => '\uFFFD', // bidi overrides
        _ => c,
    };

    /// <summary>Cuts the current line to maxLength characters, the last one an ellipsis, without splitting a surrogate pair.</summary>
    private static void Cut(StringBuilder builder, int lineStart, int maxLength)
    {
        var keep = lineStart + maxLength - 1;
        if (keep > lineStart && char.IsHighSurrogate(builder[keep - 1]))
        {
            keep--;
        }

        builder.Length = keep;
        builder.Append(Ellipsis);
    }
}
