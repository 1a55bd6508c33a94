using System.Globalization;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Persistence;

/// <summary>
/// Puts a rollout file into a CODEX_HOME so that its runtime can resume the thread by id. Measured with codex-cli
/// 0.169.0: thread/resume finds a rollout by its file name (rollout-&lt;time&gt;-&lt;thread id&gt;.jsonl) anywhere under
/// sessions/, and lists it in thread/list, with no other registration; thread/resume's own `path` parameter would avoid
/// the copy but is experimental ("requires experimentalApi capability"), and a thread resumed from a file outside the
/// home would keep writing there.
/// </summary>
public static partial class CodexRolloutImport
{
    private static readonly string[] SessionFolders = { "sessions", "archived_sessions" };

    /// <summary>
    /// Writes the rollout to CODEX_HOME/sessions/YYYY/MM/DD/&lt;fileName&gt; (the date from the file name, else
    /// <paramref name="fallbackDate"/>, else today), whole or not at all; an existing file there is never replaced.
    /// Returns the file written.
    /// </summary>
    public static string Import(string codexHome, string fileName, Stream content, DateTimeOffset? fallbackDate)
    {
        ArgumentException.ThrowIfNullOrEmpty(codexHome);
        ArgumentNullException.ThrowIfNull(content);
        var name = Path.GetFileName(fileName);
        if (!RolloutName().IsMatch(name))
        {
            throw new CodexException("CodexBundleInvalid", $"'{fileName}' is not named like a rollout (rollout-<time>-<thread id>.jsonl).");
        }

        var date = DateFromName(name) ?? (fallbackDate ?? DateTimeOffset.UtcNow).UtcDateTime;
        var folder = Path.Combine(Path.GetFullPath(codexHome), "sessions",
            date.Year.ToString("D4", CultureInfo.InvariantCulture), date.Month.ToString("D2", CultureInfo.InvariantCulture), date.Day.ToString("D2", CultureInfo.InvariantCulture));
        PrivateFiles.CreateDirectory(folder);
        var target = Path.Combine(folder, name);
        var partial = Path.Combine(folder, "." + name + ".importing-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var stream = PrivateFiles.Open(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                content.CopyTo(stream);
            }

            // The runtime must never see half a rollout: the whole file appears at once, and one already there wins.
            File.Move(partial, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            throw new CodexException("CodexConversationImportConflict", $"'{target}' exists already; the rollout was not imported over it.");
        }
        finally
        {
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }

        return target;
    }

    /// <summary>Copies a rollout file from outside a CODEX_HOME into it (see <see cref="Import(string, string, Stream, DateTimeOffset?)"/>).</summary>
    public static string Import(string codexHome, string rolloutFile)
    {
        using var stream = new FileStream(rolloutFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Import(codexHome, rolloutFile, stream, File.GetLastWriteTimeUtc(rolloutFile));
    }

    /// <summary>Whether the file lies below the home's sessions or archived_sessions folder already.</summary>
    public static bool IsInside(string codexHome, string rolloutFile)
    {
        var file = Path.GetFullPath(rolloutFile);
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return SessionFolders
            .Select(folder => Path.Combine(Path.GetFullPath(codexHome), folder) + Path.DirectorySeparatorChar)
            .Any(folder => file.StartsWith(folder, comparison));
    }

    private static DateTime? DateFromName(string name)
    {
        var match = RolloutName().Match(name);
        return match.Success && DateTime.TryParseExact(match.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
    }

    [GeneratedRegex(@"^rollout-(?<date>\d{4}-\d{2}-\d{2})T[0-9-]+-(?<id>[0-9a-fA-F-]{36})\.jsonl$")]
    private static partial Regex RolloutName();
}
