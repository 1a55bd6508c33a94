using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CodexPS.Engine.Runtime;
using CodexPS.Engine.Runtime.Install;

namespace CodexPS.Completers;

/// <summary>
/// Completes Install-CodexRuntime -Version with what needs no network: the pinned version, the versions the module
/// recorded integrities for, and the versions already installed in the per-user folder.
/// </summary>
public sealed class RuntimeVersionCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (quote, pattern) = Completion.Pattern(wordToComplete ?? string.Empty);
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [CodexRuntimeLocator.PinnedVersion] = "the version this build of CodexPS is pinned to, verified against its build-time integrity",
        };
        try
        {
            foreach (var version in CodexRuntimeIntegrityTable.Load(Path.Combine(RuntimeRegistry.ModuleDirectory, CodexRuntimeIntegrityTable.FileName)).Versions)
            {
                versions.TryAdd(version, "integrity recorded when CodexPS was built");
            }

            if (CodexRuntimeInstallDirectory.Root is { } root && Directory.Exists(root))
            {
                foreach (var folder in Directory.EnumerateDirectories(root))
                {
                    if (CodexRuntimeInstallation.TryRead(folder) is { } installed)
                    {
                        versions[installed.Version] = versions.TryGetValue(installed.Version, out var known) ? known + "; installed" : "installed";
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            // Completion never fails: the pinned version is still offered.
        }

        return versions.Where(v => pattern.IsMatch(v.Key))
            .Select(v => new CompletionResult(Completion.Quote(v.Key, quote), v.Key, CompletionResultType.ParameterValue, v.Value));
    }
}
