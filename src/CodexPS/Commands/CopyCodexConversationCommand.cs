using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>Forks a saved conversation into a new live one that carries its history.</summary>
[Cmdlet(VerbsCommon.Copy, "CodexConversation", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexConversation))]
public sealed class CopyCodexConversationCommand : SavedConversationCmdlet
{
    /// <summary>The model of the fork; default: the original's.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>The working directory of the fork; default: the original's.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Keeps the fork out of the saved history.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter Ephemeral { get; set; }

    /// <summary>The sandbox of the fork's commands; default: the original's. The original keeps its own.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>When the runtime asks for approval in the fork; default: the original's. The original keeps its own.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>Lets the fork's commands in a WorkspaceWrite sandbox reach the network.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter NetworkAccess { get; set; }

    /// <summary>Folders besides the working directory that the fork's commands in a WorkspaceWrite sandbox may write to.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    [Alias("AddDir")]
    public string[]? AdditionalDirectory { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string? cwd = null;
        if (WorkingDirectory is not null)
        {
            cwd = ResolveDirectory(WorkingDirectory, out var error);
            if (cwd is null)
            {
                WriteError(error!);
                return;
            }
        }

        var additional = ResolveAdditionalDirectories(AdditionalDirectory, out var additionalError);
        if (additional is null)
        {
            WriteError(additionalError!);
            return;
        }

        if (!ShouldProcess($"conversation {Id}", "Fork"))
        {
            return;
        }

        var client = ClientOf(Id);
        try
        {
            var options = new CodexConversationOptions
            {
                Model = Model,
                WorkingDirectory = cwd,
                Ephemeral = Ephemeral,
                Sandbox = Sandbox,
                ApprovalPolicy = ApprovalPolicy,
                NetworkAccess = NetworkAccess,
                AdditionalDirectories = additional,
            };
            WriteObject(Await(client.ForkConversationAsync(Id!, options, CancellationToken)));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Id));
        }
    }
}
