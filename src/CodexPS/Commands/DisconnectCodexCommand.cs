using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Stops the session's codex runtime (or a named one, or all); its conversations can no longer be used.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "Codex", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class DisconnectCodexCommand : CodexCmdlet
{
    private const string NameSet = "Name";

    /// <summary>The runtime to stop (Connect-Codex -Name); default: the default runtime.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = RuntimeRegistry.DefaultName;

    /// <summary>Stops every runtime of the session.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "All")]
    public SwitchParameter All { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var targets = All ? RuntimeRegistry.AllClients : RuntimeRegistry.AllClients.Where(r => r.Name.Equals(Name, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (targets.Count == 0)
        {
            WriteVerbose(All ? "No codex runtime is running." : $"No codex runtime named '{Name}' is running.");
            if (All)
            {
                WritePluginCleanupWarnings(RuntimeRegistry.DisconnectAll());
            }
            else
            {
                WritePluginCleanupWarnings(RuntimeRegistry.Disconnect(Name).FailedCleanups);
            }

            return;
        }

        foreach (var (name, client) in targets)
        {
            if (ShouldProcess($"codex runtime '{name}' (pid {client.ProcessId})", "Stop"))
            {
                var (failed, heldElsewhere) = RuntimeRegistry.Disconnect(name);
                if (heldElsewhere)
                {
                    // Runtimes are shared by runspaces: one that another runspace holds runs on for it.
                    WriteVerbose($"The codex runtime '{name}' (pid {client.ProcessId}) is held by another runspace; this runspace let go of it and it keeps running.");
                }

                WritePluginCleanupWarnings(failed);
            }
        }
    }

    /// <summary>The runtime's plugins were unregistered with it; a cleanup that failed is a warning.</summary>
    private void WritePluginCleanupWarnings(IReadOnlyList<CodexPS.Engine.CodexException> failed)
    {
        foreach (var error in failed)
        {
            WriteWarning(error.Message);
        }
    }
}
