using System.Text;

namespace CodexPS.Engine.Undo;

/// <summary>A text file as lines plus whether it ends with a newline, so diffs can be reversed on it exactly.</summary>
public sealed class TextContent
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Holds the given lines (without their '\n') and the final-newline flag.</summary>
    public TextContent(IReadOnlyList<string> lines, bool finalNewline)
    {
        Lines = lines;
        FinalNewline = finalNewline && lines.Count > 0;
    }

    /// <summary>The lines, without their '\n' (a '\r' of a CRLF line stays).</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The last line ends with '\n'.</summary>
    public bool FinalNewline { get; }

    /// <summary>Splits text into lines.</summary>
    public static TextContent FromText(string text)
    {
        if (text.Length == 0)
        {
            return new TextContent(System.Array.Empty<string>(), false);
        }

        var final = text.EndsWith('\n');
        return new TextContent((final ? text[..^1] : text).Split('\n'), final);
    }

    /// <summary>The file's bytes as UTF-8 text; null when they are not (binary files are not reversed).</summary>
    public static TextContent? FromBytes(byte[] bytes)
    {
        try
        {
            return FromText(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The text the lines make.</summary>
    public string ToText() => string.Join('\n', Lines) + (FinalNewline ? "\n" : string.Empty);

    /// <summary>The UTF-8 bytes of the text.</summary>
    public byte[] ToBytes() => StrictUtf8.GetBytes(ToText());

    /// <summary>The same lines and final newline.</summary>
    public bool SameAs(TextContent other) => FinalNewline == other.FinalNewline && Lines.SequenceEqual(other.Lines, StringComparer.Ordinal);

    /// <summary>
    /// The content before the hunks were applied, when this content is exactly what they produced (each hunk's new
    /// side where its header puts it); otherwise null and the first place that differs.
    /// </summary>
    public TextContent? Unapply(IReadOnlyList<UnifiedDiffHunk> hunks, out string? mismatch)
    {
        var lines = Lines.ToList();
        var final = FinalNewline;
        mismatch = null;

        // Last hunk first, so the line numbers of the earlier ones stay valid.
        foreach (var hunk in hunks.Reverse())
        {
            var newLines = hunk.NewLines.ToList();
            var start = hunk.NewCount == 0 ? hunk.NewStart : hunk.NewStart - 1;
            if (start < 0 || start + newLines.Count > lines.Count || !lines.Skip(start).Take(newLines.Count).SequenceEqual(newLines, StringComparer.Ordinal))
            {
                mismatch = $"lines {start + 1}-{start + newLines.Count} are not what the turn left there";
                return null;
            }

            var atEnd = start + newLines.Count == lines.Count;
            if (atEnd && newLines.Count > 0 && final == hunk.NewNoNewline)
            {
                mismatch = final ? "the file now ends with a newline" : "the file no longer ends with a newline";
                return null;
            }

            lines.RemoveRange(start, newLines.Count);
            var oldLines = hunk.OldLines.ToList();
            lines.InsertRange(start, oldLines);
            if (atEnd && oldLines.Count > 0)
            {
                final = !hunk.OldNoNewline;
            }
        }

        return new TextContent(lines, final);
    }

    /// <summary>Git's blob id of these bytes (SHA-1 of "blob LEN\0" + bytes), as turn diffs name file versions.</summary>
    public static string GitBlobId(byte[] bytes)
    {
        var header = Encoding.ASCII.GetBytes($"blob {bytes.Length}\0");
        var all = new byte[header.Length + bytes.Length];
        header.CopyTo(all, 0);
        bytes.CopyTo(all, header.Length);
#pragma warning disable CA5350 // Git's object ids are SHA-1; this is identification, not security.
        return Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(all)).ToLowerInvariant();
#pragma warning restore CA5350
    }
}
