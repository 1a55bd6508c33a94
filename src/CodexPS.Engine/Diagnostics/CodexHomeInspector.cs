using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace CodexPS.Engine.Diagnostics;

/// <summary>
/// Checks CODEX_HOME as a place for secrets: it exists, belongs to the current user, others cannot write into it, and
/// auth.json (the stored login) is not readable by others.
/// </summary>
internal static class CodexHomeInspector
{
    private const string Name = "CodexHome";

    public static CodexEnvironmentCheck Inspect(string home)
    {
        if (File.Exists(home))
        {
            return new CodexEnvironmentCheck(Name, home, CodexCheckStatus.Fail, $"'{home}' is a file, not a folder.",
                "Remove or rename the file, or give Connect-Codex -CodexHome another folder.");
        }

        if (!Directory.Exists(home))
        {
            return new CodexEnvironmentCheck(Name, home, CodexCheckStatus.Warn, $"'{home}' does not exist yet; the runtime creates it (private to you) when it first starts.",
                "Nothing to do, or create it yourself: New-Item -ItemType Directory '" + home + "'.");
        }

        return OperatingSystem.IsWindows() ? InspectWindows(home) : InspectUnix(home);
    }

    [UnsupportedOSPlatform("windows")]
    private static CodexEnvironmentCheck InspectUnix(string home)
    {
        var problems = new List<string>();
        var fixes = new List<string>();
        var warnings = new List<string>();
        var mode = File.GetUnixFileMode(home);
        var found = $"'{home}' mode {Octal(mode)}";
        var owner = UnixOwner(home);
        var me = UnixNative.geteuid();
        if (owner is null)
        {
            warnings.Add("its owner could not be read");
        }
        else if (owner != me)
        {
            problems.Add($"it belongs to user id {owner}, not to you ({me})");
            fixes.Add($"chown -R $(id -u) '{home}'");
        }
        else
        {
            found += ", owned by you";
        }

        if ((mode & UnixFileMode.OtherWrite) != 0)
        {
            problems.Add("anyone can write into it");
            fixes.Add($"chmod 700 '{home}'");
        }
        else if ((mode & UnixFileMode.GroupWrite) != 0)
        {
            warnings.Add("its group can write into it");
            fixes.Add($"chmod 700 '{home}'");
        }

        var auth = Path.Combine(home, "auth.json");
        if (File.Exists(auth))
        {
            var authMode = File.GetUnixFileMode(auth);
            found += $"; auth.json mode {Octal(authMode)}";
            if ((authMode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                problems.Add("auth.json (your stored login) is readable or writable by anyone");
                fixes.Add($"chmod 600 '{auth}'");
            }
            else if ((authMode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite)) != 0)
            {
                warnings.Add("auth.json is readable by its group");
                fixes.Add($"chmod 600 '{auth}'");
            }
        }

        return Result(home, found, problems, warnings, fixes);
    }

    [SupportedOSPlatform("windows")]
    private static CodexEnvironmentCheck InspectWindows(string home)
    {
        var problems = new List<string>();
        var fixes = new List<string>();
        var warnings = new List<string>();
        var found = $"'{home}'";
        var me = WindowsIdentity.GetCurrent().User;
        try
        {
            var security = new DirectoryInfo(home).GetAccessControl();
            var owner = security.GetOwner(typeof(SecurityIdentifier)) as SecurityIdentifier;
            if (owner is not null && me is not null && owner != me && !owner.IsWellKnown(WellKnownSidType.BuiltinAdministratorsSid))
            {
                problems.Add($"it belongs to {Account(owner)}, not to you");
                fixes.Add($"icacls '{home}' /setowner \"%USERNAME%\" /T");
            }
            else
            {
                found += ", owned by " + (owner is null ? "an unknown account" : Account(owner));
            }

            if (BroadWriters(security.GetAccessRules(true, true, typeof(SecurityIdentifier))) is { Count: > 0 } writers)
            {
                problems.Add("these can write into it: " + string.Join(", ", writers));
                fixes.Add($"icacls '{home}' /inheritance:r /grant:r \"%USERNAME%\":(OI)(CI)F");
            }

            var auth = Path.Combine(home, "auth.json");
            if (File.Exists(auth) && BroadReaders(new FileInfo(auth).GetAccessControl().GetAccessRules(true, true, typeof(SecurityIdentifier))) is { Count: > 0 } readers)
            {
                problems.Add("auth.json (your stored login) is readable by " + string.Join(", ", readers));
                fixes.Add($"icacls '{auth}' /inheritance:r /grant:r \"%USERNAME%\":F");
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or InvalidOperationException)
        {
            warnings.Add("its permissions could not be read: " + ex.Message);
        }

        return Result(home, found, problems, warnings, fixes);
    }

    private static CodexEnvironmentCheck Result(string home, string found, List<string> problems, List<string> warnings, List<string> fixes)
    {
        if (problems.Count > 0)
        {
            return new CodexEnvironmentCheck(Name, home, CodexCheckStatus.Fail, found + "; " + string.Join("; ", problems.Concat(warnings)) + ".", string.Join("; ", fixes.Distinct()));
        }

        if (warnings.Count > 0)
        {
            return new CodexEnvironmentCheck(Name, home, CodexCheckStatus.Warn, found + "; " + string.Join("; ", warnings) + ".", fixes.Count > 0 ? string.Join("; ", fixes.Distinct()) : "Check the folder's owner and permissions.");
        }

        return new CodexEnvironmentCheck(Name, home, CodexCheckStatus.Pass, found + "; not writable by others, auth.json (if any) private.", null);
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');

    /// <summary>
    /// The numeric owner of a path. .NET does not expose it and stat(2)'s layout differs between platforms, so the
    /// system's stat command answers (GNU/busybox: -c %u; BSD/macOS: -f %u); null when neither does.
    /// </summary>
    private static uint? UnixOwner(string path)
    {
        foreach (var format in OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? new[] { "-f" } : new[] { "-c", "-f" })
        {
            try
            {
                var start = new ProcessStartInfo("stat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add(format);
                start.ArgumentList.Add("%u");
                start.ArgumentList.Add(path);
                using var process = Process.Start(start);
                if (process is null)
                {
                    continue;
                }

                var output = process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(5000))
                {
                    process.Kill();
                    continue;
                }

                if (process.ExitCode == 0 && uint.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
                {
                    return uid;
                }
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                return null;
            }
        }

        return null;
    }

    [SupportedOSPlatform("windows")]
    private static List<string> BroadWriters(AuthorizationRuleCollection rules) =>
        Broad(rules, FileSystemRights.WriteData | FileSystemRights.AppendData | FileSystemRights.ChangePermissions | FileSystemRights.TakeOwnership);

    [SupportedOSPlatform("windows")]
    private static List<string> BroadReaders(AuthorizationRuleCollection rules) => Broad(rules, FileSystemRights.ReadData);

    /// <summary>Everyone, Users and Authenticated Users: the groups that make a folder shared with every account of the machine.</summary>
    [SupportedOSPlatform("windows")]
    private static List<string> Broad(AuthorizationRuleCollection rules, FileSystemRights rights)
    {
        var broad = new[] { WellKnownSidType.WorldSid, WellKnownSidType.BuiltinUsersSid, WellKnownSidType.AuthenticatedUserSid };
        return rules.OfType<FileSystemAccessRule>()
            .Where(r => r.AccessControlType == AccessControlType.Allow && (r.FileSystemRights & rights) != 0)
            .Select(r => r.IdentityReference as SecurityIdentifier)
            .Where(sid => sid is not null && broad.Any(sid.IsWellKnown))
            .Select(sid => Account(sid!))
            .Distinct()
            .ToList();
    }

    [SupportedOSPlatform("windows")]
    private static string Account(SecurityIdentifier sid)
    {
        try
        {
            return sid.Translate(typeof(NTAccount)).Value;
        }
        catch (IdentityNotMappedException)
        {
            return sid.Value;
        }
    }

    private static class UnixNative
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern uint geteuid();
    }
}
