using System.Collections;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Testing;

/// <summary>
/// Pester assertions over a turn's events (Send-CodexTurn's output, a job's, a recording replayed) or an Invoke-Codex
/// result: Should -HaveRunCommand, -HaveChangedFile, -HaveAskedApproval, -HaveFinalAnswer. CodexPS does not depend on
/// Pester: the operators are registered with Add-ShouldOperator when Pester is loaded, by Register-CodexShouldOperator
/// or by the first CodexPS command run after Pester was imported (<see cref="RegisterIfPesterLoaded"/>).
/// </summary>
public static class CodexShouldOperators
{
    // One registration per Pester module instance: a re-imported Pester starts with no operators.
    private static readonly ConditionalWeakTable<PSModuleInfo, object> Registered = new();
    private static readonly string[] AddShouldOperatorPath = { @"function:\Add-ShouldOperator" };

    /// <summary>The operators and the test each runs (the text stays the same, so registering twice is no error in Pester).</summary>
    internal static readonly (string Name, string Method)[] Operators =
    {
        ("HaveRunCommand", nameof(HaveRunCommand)),
        ("HaveChangedFile", nameof(HaveChangedFile)),
        ("HaveAskedApproval", nameof(HaveAskedApproval)),
        ("HaveFinalAnswer", nameof(HaveFinalAnswer)),
    };

    /// <summary>Registers the operators when Pester's Add-ShouldOperator is loaded in this session and they are not registered with that Pester yet; true when they are now registered.</summary>
    public static bool RegisterIfPesterLoaded(PSCmdlet cmdlet)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        try
        {
            // The function table only: looking the command up would auto-load Pester into a session that never asked for it.
            if (!cmdlet.SessionState.InvokeProvider.Item.Exists(@"function:\Add-ShouldOperator", force: false, literalPath: true))
            {
                return false;
            }

            var add = cmdlet.SessionState.InvokeProvider.Item.Get(AddShouldOperatorPath, force: false, literalPath: true)
                .Select(o => o.BaseObject).OfType<FunctionInfo>().FirstOrDefault();
            if (add?.Module is not { } pester)
            {
                return false;
            }

            if (Registered.TryGetValue(pester, out _))
            {
                return true;
            }

            Register(cmdlet);
            Registered.AddOrUpdate(pester, new object());
            return true;
        }
        catch (Exception ex) when (ex is RuntimeException or ProviderInvocationException or InvalidOperationException)
        {
            cmdlet.WriteWarning($"The CodexPS Should operators could not be registered with Pester: {ex.Message}");
            return false;
        }
    }

    /// <summary>Calls Add-ShouldOperator for each operator (Pester must be loaded).</summary>
    internal static void Register(PSCmdlet cmdlet)
    {
        foreach (var (name, method) in Operators)
        {
            var test = ScriptBlock.Create(
                "param($ActualValue, $ExpectedValue, [switch] $Negate, [string] $Because)\n" +
                $"$r = [CodexPS.Testing.CodexShouldOperators]::{method}($ActualValue, $ExpectedValue, $Negate.IsPresent, $Because)\n" +
                "[pscustomobject]@{ Succeeded = $r.Succeeded; FailureMessage = $r.FailureMessage }");
            cmdlet.SessionState.InvokeCommand.InvokeScript(
                "param($name, $test) Add-ShouldOperator -Name $name -Test $test -SupportsArrayInput", false, System.Management.Automation.Runspaces.PipelineResultTypes.None, null, name, test);
        }
    }

    /// <summary>Should -HaveRunCommand: a command matching the pattern (a regular expression, case-insensitive) ran (any status but declined).</summary>
    public static CodexShouldResult HaveRunCommand(object? actual, object? expected, bool negate, string? because)
    {
        var pattern = Pattern(expected, "-HaveRunCommand needs the pattern of a command");
        var ran = Items(actual).OfType<CommandExecutionItem>().Where(c => !string.Equals(c.Status, "declined", StringComparison.OrdinalIgnoreCase)).Select(c => c.Command).ToArray();
        var hits = ran.Where(c => pattern.IsMatch(c) || (ShellScript(c) is { } script && pattern.IsMatch(script))).ToArray();
        return Result(hits.Length > 0, negate,
            () => $"Expected a command matching '{pattern}' to have run{Because(because)}, but " + (ran.Length == 0 ? "no command ran." : $"the commands that ran were: {List(ran)}."),
            () => $"Expected no command matching '{pattern}' to have run{Because(because)}, but {List(hits)} ran.");
    }

    /// <summary>Should -HaveChangedFile: a file change (not declined or failed) touched the path: the same path, one ending in it, or one matching it as a wildcard.</summary>
    public static CodexShouldResult HaveChangedFile(object? actual, object? expected, bool negate, string? because)
    {
        var given = expected is PSObject pso ? pso.BaseObject?.ToString() : expected?.ToString();
        if (string.IsNullOrWhiteSpace(given))
        {
            throw new ArgumentException("-HaveChangedFile needs the path of a file.");
        }

        var changed = Items(actual).OfType<FileChangeItem>().Where(f => !string.Equals(f.Status, "declined", StringComparison.OrdinalIgnoreCase) && !string.Equals(f.Status, "failed", StringComparison.OrdinalIgnoreCase))
            .SelectMany(f => f.Changes).Select(c => c.Path).Distinct().ToArray();
        var hits = changed.Where(p => SamePath(p, given)).ToArray();
        return Result(hits.Length > 0, negate,
            () => $"Expected the file '{given}' to have been changed{Because(because)}, but " + (changed.Length == 0 ? "no file changed." : $"the files changed were: {List(changed)}."),
            () => $"Expected the file '{given}' not to have been changed{Because(because)}, but {List(hits)} changed.");
    }

    /// <summary>Should -HaveAskedApproval: the runtime asked for an approval (optionally one whose text matches the pattern) during the turn.</summary>
    public static CodexShouldResult HaveAskedApproval(object? actual, object? expected, bool negate, string? because)
    {
        var values = Flatten(actual).ToArray();
        var asked = values.OfType<ApprovalRequestedEvent>().Select(a => a.Request).ToArray();
        var pattern = expected is null || (expected is PSObject p && p.BaseObject is null) ? null : Pattern(expected, "-HaveAskedApproval");
        var hits = asked.Where(r => pattern is null || pattern.IsMatch($"{r.Kind} {r}")).ToArray();
        var what = pattern is null ? "an approval request" : $"an approval request matching '{pattern}'";
        return Result(hits.Length > 0, negate,
            () => $"Expected {what}{Because(because)}, but " + (asked.Length > 0
                ? $"the requests were: {List(asked.Select(r => $"{r.Kind} {r}"))}."
                : values.Any(v => v is CodexTurnResult) && !values.Any(v => v is CodexEvent)
                    ? "an Invoke-Codex result keeps no approval requests (pipe the events of Send-CodexTurn instead)."
                    : "none was asked."),
            () => $"Expected no {what[3..]}{Because(because)}, but the runtime asked: {List(hits.Select(r => $"{r.Kind} {r}"))}.");
    }

    /// <summary>Should -HaveFinalAnswer: the turn's final answer matches the pattern (a regular expression, case-insensitive).</summary>
    public static CodexShouldResult HaveFinalAnswer(object? actual, object? expected, bool negate, string? because)
    {
        var pattern = Pattern(expected, "-HaveFinalAnswer needs the pattern of the answer");
        var values = Flatten(actual).ToArray();
        var result = values.OfType<CodexTurnResult>().LastOrDefault();
        if (result is null)
        {
            result = new CodexTurnResult();
            foreach (var evt in values.OfType<CodexEvent>())
            {
                result.Add(evt);
            }
        }

        var answer = result.FinalResponse;
        var holds = answer is not null && pattern.IsMatch(answer);
        return Result(holds, negate,
            () => $"Expected the final answer to match '{pattern}'{Because(because)}, but " + (answer is null
                ? $"the turn gave no final answer (status {result.Status}{(result.Error is { } e ? ": " + e : string.Empty)})."
                : $"it was '{answer}'."),
            () => $"Expected the final answer not to match '{pattern}'{Because(because)}, but it was '{answer}'.");
    }

    private static CodexShouldResult Result(bool holds, bool negate, Func<string> whenMissing, Func<string> whenPresentButNegated)
    {
        if (holds != negate)
        {
            return new CodexShouldResult(true, null);
        }

        return new CodexShouldResult(false, negate ? whenPresentButNegated() : whenMissing());
    }

    private static Regex Pattern(object? expected, string what)
    {
        var text = expected is PSObject pso ? pso.BaseObject?.ToString() : expected?.ToString();
        if (string.IsNullOrEmpty(text))
        {
            throw new ArgumentException(what + ".");
        }

        return new Regex(text, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
    }

    private static IEnumerable<object> Flatten(object? actual)
    {
        var value = actual is PSObject pso ? pso.BaseObject : actual;
        switch (value)
        {
            case null:
                yield break;
            case string:
            case CodexTurnResult:
            case CodexEvent:
                yield return value;
                yield break;
            case IEnumerable sequence:
                foreach (var item in sequence)
                {
                    foreach (var inner in Flatten(item))
                    {
                        yield return inner;
                    }
                }

                yield break;
            default:
                yield return value;
                yield break;
        }
    }

    /// <summary>The completed items of the events, or of an Invoke-Codex result.</summary>
    private static IEnumerable<CodexItem> Items(object? actual)
    {
        foreach (var value in Flatten(actual))
        {
            switch (value)
            {
                case CodexTurnResult result:
                    foreach (var item in result.Items)
                    {
                        yield return item;
                    }

                    break;
                case ItemEvent { Kind: CodexEventKind.ItemCompleted } completed:
                    yield return completed.Item;
                    break;
                case CodexItem item:
                    yield return item;
                    break;
            }
        }
    }

    /// <summary>The script a shell wrapper runs (/bin/bash -lc 'echo hi' → echo hi), so a pattern can name the command the model asked for.</summary>
    private static string? ShellScript(string command)
    {
        var match = Regex.Match(command, @"^\S*?(?:bash|sh|zsh|dash)(?:\.exe)?\s+-l?c\s+(?<q>['""])(?<script>.*)\k<q>\s*$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
        if (!match.Success)
        {
            return null;
        }

        var script = match.Groups["script"].Value;
        return match.Groups["q"].Value == "'" ? script.Replace("'\\''", "'", StringComparison.Ordinal) : script.Replace("\\\"", "\"", StringComparison.Ordinal);
    }

    private static bool SamePath(string changed, string given)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var a = changed.Replace('\\', '/');
        var b = given.Replace('\\', '/');
        if (b.StartsWith("./", StringComparison.Ordinal))
        {
            b = b[2..];
        }

        return string.Equals(a, b, comparison) || a.EndsWith("/" + b.TrimStart('/'), comparison)
            || (WildcardPattern.ContainsWildcardCharacters(given) && new WildcardPattern(b, WildcardOptions.IgnoreCase).IsMatch(a));
    }

    private static string Because(string? because) => string.IsNullOrWhiteSpace(because) ? string.Empty : $" because {because.Trim()}";

    private static string List(IEnumerable<string> values) => string.Join(", ", values.Select(v => "'" + v + "'"));
}
