using System.Globalization;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Undo;

/// <summary>
/// One hunk of a unified diff (`@@ -a,b +c,d @@` and its lines), as the runtime writes them in turn diffs and
/// fileChange items. Reversing it is strict: the new side must stand exactly where the header says.
/// </summary>
public sealed partial class UnifiedDiffHunk
{
    private UnifiedDiffHunk(int oldStart, int oldCount, int newStart, int newCount, IReadOnlyList<(char Op, string Text)> lines, bool oldNoNewline, bool newNoNewline)
    {
        OldStart = oldStart;
        OldCount = oldCount;
        NewStart = newStart;
        NewCount = newCount;
        Lines = lines;
        OldNoNewline = oldNoNewline;
        NewNoNewline = newNoNewline;
    }

    /// <summary>First line of the hunk before the change (1-based; the line before it when OldCount is 0).</summary>
    public int OldStart { get; }

    /// <summary>Lines of the hunk before the change.</summary>
    public int OldCount { get; }

    /// <summary>First line of the hunk after the change (1-based; the line before it when NewCount is 0).</summary>
    public int NewStart { get; }

    /// <summary>Lines of the hunk after the change.</summary>
    public int NewCount { get; }

    /// <summary>Each line with its operation: ' ' context, '-' removed, '+' added.</summary>
    public IReadOnlyList<(char Op, string Text)> Lines { get; }

    /// <summary>The file before the change ended here without a newline.</summary>
    public bool OldNoNewline { get; }

    /// <summary>The file after the change ends here without a newline.</summary>
    public bool NewNoNewline { get; }

    /// <summary>The lines of the file before the change, in order.</summary>
    public IEnumerable<string> OldLines => Lines.Where(l => l.Op != '+').Select(l => l.Text);

    /// <summary>The lines of the file after the change, in order.</summary>
    public IEnumerable<string> NewLines => Lines.Where(l => l.Op != '-').Select(l => l.Text);

    /// <summary>Every hunk of a diff text; header lines before the first hunk are skipped. Null when a line is not diff syntax.</summary>
    public static IReadOnlyList<UnifiedDiffHunk>? ParseAll(string diff)
    {
        var hunks = new List<UnifiedDiffHunk>();
        var text = diff.EndsWith('\n') ? diff[..^1] : diff;
        var rows = text.Length == 0 ? System.Array.Empty<string>() : text.Split('\n');
        var i = 0;
        while (i < rows.Length && !rows[i].StartsWith("@@", StringComparison.Ordinal))
        {
            i++;
        }

        while (i < rows.Length)
        {
            var header = Header().Match(rows[i]);
            if (!header.Success)
            {
                return null;
            }

            int Group(string name, int fallback) => header.Groups[name].Success ? int.Parse(header.Groups[name].Value, CultureInfo.InvariantCulture) : fallback;
            var oldStart = Group("os", 0);
            var oldCount = Group("oc", 1);
            var newStart = Group("ns", 0);
            var newCount = Group("nc", 1);
            var lines = new List<(char, string)>();
            bool oldNoNewline = false, newNoNewline = false;
            int oldSeen = 0, newSeen = 0;
            i++;
            while (i < rows.Length && (oldSeen < oldCount || newSeen < newCount || rows[i].StartsWith('\\')))
            {
                var row = rows[i];
                if (row.StartsWith('\\'))
                {
                    // "\ No newline at end of file" belongs to the line before it.
                    if (lines.Count > 0)
                    {
                        var op = lines[^1].Item1;
                        oldNoNewline |= op != '+';
                        newNoNewline |= op != '-';
                    }
                }
                else if (row.Length > 0 && row[0] is ' ' or '-' or '+')
                {
                    lines.Add((row[0], row[1..]));
                    oldSeen += row[0] == '+' ? 0 : 1;
                    newSeen += row[0] == '-' ? 0 : 1;
                }
                else if (row.Length == 0)
                {
                    // Some writers drop the space of an empty context line.
                    lines.Add((' ', string.Empty));
                    oldSeen++;
                    newSeen++;
                }
                else
                {
                    return null;
                }

                i++;
            }

            if (oldSeen != oldCount || newSeen != newCount)
            {
                return null;
            }

            hunks.Add(new UnifiedDiffHunk(oldStart, oldCount, newStart, newCount, lines, oldNoNewline, newNoNewline));
        }

        return hunks;
    }

    [GeneratedRegex(@"^@@ -(?<os>\d+)(,(?<oc>\d+))? \+(?<ns>\d+)(,(?<nc>\d+))? @@")]
    private static partial Regex Header();
}
