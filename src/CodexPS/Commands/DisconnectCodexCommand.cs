using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Stops the session's codex runtime; its conversations can no longer be used.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "Codex", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class DisconnectCodexCommand : CodexCmdlet
{
    protected override void EndProcessing()
    {
        var client = ModuleState.Client;
        if (client is null)
        {
            WriteVerbose("No codex runtime is running.");
            return;
        }

        if (ShouldProcess($"codex runtime (pid {client.ProcessId})", "Stop"))
        {
            ModuleState.Disconnect();
        }
    }
}
