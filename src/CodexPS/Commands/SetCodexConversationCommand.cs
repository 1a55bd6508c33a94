using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>Changes a conversation's defaults (model, effort, folder, sandbox, approval policy) for its next turns.</summary>
[Cmdlet(VerbsCommon.Set, "CodexConversation", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexConversation))]
public sealed class SetCodexConversationCommand : LoadedConversationCmdlet
{
    /// <summary>The model for the next turns.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ModelCompleter))]
    public string? Model { get; set; }

    /// <summary>The reasoning effort for the next turns (minimal, low, medium, high, xhigh).</summary>
    [Parameter]
    public string? Effort { get; set; }

    /// <summary>The folder the next turns work in.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>The sandbox for the next turns: ReadOnly, WorkspaceWrite or DangerFullAccess.</summary>
    [Parameter]
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>The approval policy for the next turns: Untrusted, OnRequest or Never.</summary>
    [Parameter]
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>
    /// The tokens all turns of the conversation may use together, counted from when a budget was first set on this
    /// conversation object (New-CodexConversation -TokenBudget); 0 removes the budget. The way to give a resumed or forked
    /// conversation a budget, or to raise one that stopped a turn.
    /// </summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? TokenBudget { get; set; }

    /// <summary>Writes the changed conversation.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

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

        var changes = string.Join(", ", new[]
        {
            Model is null ? null : $"model {Model}",
            Effort is null ? null : $"effort {Effort}",
            cwd is null ? null : $"folder {cwd}",
            Sandbox is null ? null : $"sandbox {Sandbox}",
            ApprovalPolicy is null ? null : $"approvals {ApprovalPolicy}",
            TokenBudget is null ? null : TokenBudget == 0 ? "no token budget" : $"token budget {TokenBudget}",
        }.Where(c => c is not null));
        if (changes.Length > 0 && ShouldProcess($"conversation {conversation.Id}", $"Set {changes}"))
        {
            conversation.Update(new CodexConversationSettings
            {
                Model = Model,
                Effort = Effort,
                WorkingDirectory = cwd,
                Sandbox = Sandbox,
                ApprovalPolicy = ApprovalPolicy,
            });
            if (TokenBudget is { } budget)
            {
                conversation.TokenBudget = budget == 0 ? null : budget;
            }
        }

        if (PassThru)
        {
            WriteObject(conversation);
        }
    }
}
