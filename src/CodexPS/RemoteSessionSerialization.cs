using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CodexPS;

/// <summary>
/// In a session that PowerShell remoting serves (Invoke-Command and Enter-PSSession over SSH or WinRM, a Start-Job
/// process), the module's enums travel as their names. PowerShell's SSH client deserializes with the built-in type
/// files only (Invoke-Command and New-PSSession -HostName create the runspace with TypeTable.LoadDefaultTypeFiles),
/// so the TargetTypeForDeserialization entries of CodexPS.Types.ps1xml never apply there: an enum would arrive as its
/// number (Kind 13), and Where-Object Kind -eq 'TurnCompleted' would find nothing. A name compares and prints the same
/// on every receiving side, with or without CodexPS loaded there. Local serialization (Export-Clixml in an ordinary
/// session) is left alone and still rehydrates enums through the types file.
/// </summary>
public sealed class RemoteSessionSerialization : IModuleAssemblyInitializer
{
    /// <summary>Switches the module's enums to string serialization when the importing session is a remoting one.</summary>
    public void OnImport()
    {
        if (Runspace.DefaultRunspace is not { RunspaceStateInfo.State: RunspaceState.Opened })
        {
            return;
        }

        try
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddCommand("Get-Variable").AddParameter("Name", "PSSenderInfo").AddParameter("ValueOnly").AddParameter("ErrorAction", ActionPreference.Ignore);
            if (shell.Invoke().Count == 0)
            {
                return;
            }

            var enums = new[] { typeof(CodexStatus).Assembly, typeof(CodexPS.Engine.Protocol.CodexEvent).Assembly }
                .SelectMany(assembly => assembly.GetExportedTypes())
                .Where(type => type.IsEnum)
                .Select(type => new TypeData(type) { SerializationMethod = "String" })
                .ToArray();
            shell.Commands.Clear();
            shell.AddCommand("Update-TypeData").AddParameter("TypeData", enums).AddParameter("Force").AddParameter("ErrorAction", ActionPreference.Ignore);
            shell.Invoke();
        }
        catch (Exception exception) when (exception is RuntimeException or InvalidOperationException or InvalidRunspaceStateException)
        {
            // Best effort, never a failed import: a restricted endpoint may not offer these commands, and a host that
            // imports while it opens a runspace cannot run them yet. Enums then travel as numbers, as without this.
        }
    }
}
