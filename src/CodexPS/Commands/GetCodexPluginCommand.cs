using System.Management.Automation;
using CodexPS.Engine.Plugins;

namespace CodexPS.Commands;

/// <summary>Lists the registered plugins in calling order, with how often each failed.</summary>
[Cmdlet(VerbsCommon.Get, "CodexPlugin")]
[OutputType(typeof(CodexPluginRegistration))]
public sealed class GetCodexPluginCommand : CodexCmdlet
{
    /// <summary>Only plugins with these names; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only the plugins of this named runtime (Connect-Codex -Name); default: every runtime's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var registrations = PluginRegistry.All
            .Where(s => Runtime is null || s.RuntimeName.Equals(Runtime, StringComparison.OrdinalIgnoreCase))
            .SelectMany(s => s.Registrations)
            .ToList();
        if (Name is null)
        {
            WriteObject(registrations, enumerateCollection: true);
            return;
        }

        var patterns = Name.Select(n => (Text: n, Pattern: WildcardPattern.Get(n, WildcardOptions.IgnoreCase))).ToList();
        WriteObject(registrations.Where(r => patterns.Any(p => p.Pattern.IsMatch(r.Name))), enumerateCollection: true);
        foreach (var (text, pattern) in patterns)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(text) && !registrations.Any(r => pattern.IsMatch(r.Name)))
            {
                WriteError(NewError("CodexPluginNotFound", ErrorCategory.ObjectNotFound, text,
                    $"No plugin named '{text}' is registered{(Runtime is null ? string.Empty : $" with runtime '{Runtime}'")}."));
            }
        }
    }
}
