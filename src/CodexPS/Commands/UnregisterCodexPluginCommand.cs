using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Plugins;

namespace CodexPS.Commands;

/// <summary>Unregisters plugins by name and calls their cleanup; takes Get-CodexPlugin's output from the pipeline.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "CodexPlugin", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class UnregisterCodexPluginCommand : CodexCmdlet
{
    /// <summary>The names the plugins are registered under (no wildcards: use Get-CodexPlugin 'x*' | Unregister-CodexPlugin).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The named runtime (Connect-Codex -Name) the plugins are registered with; default: the default runtime.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var runtime = Runtime ?? RuntimeRegistry.DefaultName;
        var set = PluginRegistry.All.FirstOrDefault(s => s.RuntimeName.Equals(runtime, StringComparison.OrdinalIgnoreCase));
        foreach (var name in Name!)
        {
            if (set?.Find(name) is not { } registration)
            {
                WriteError(NewError("CodexPluginNotFound", ErrorCategory.ObjectNotFound, name, $"No plugin named '{name}' is registered with runtime '{runtime}' (Get-CodexPlugin lists them)."));
                continue;
            }

            if (!ShouldProcess($"plugin '{registration.Name}' ({registration.PluginType}) of runtime '{registration.Runtime}'", "Unregister"))
            {
                continue;
            }

            try
            {
                set.Remove(registration.Name);
                WriteVerbose($"Plugin '{registration.Name}' unregistered and cleaned up.");
            }
            catch (CodexException ex) when (ex.ErrorId == "CodexPluginNotFound")
            {
                // Unregistered by someone else meanwhile.
                WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.ObjectNotFound, name));
            }
            catch (CodexException ex)
            {
                WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidOperation, registration));
            }
        }

        WriteClientWarnings(set?.Client);
    }
}
