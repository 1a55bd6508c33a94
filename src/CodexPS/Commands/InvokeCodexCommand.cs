using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Runs one prompt on a new ephemeral conversation and returns the whole result.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Codex", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexTurnResult))]
public sealed class InvokeCodexCommand : CodexTurnCmdlet
{
    /// <summary>What to ask the agent.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string Prompt { get; set; } = string.Empty;

    /// <summary>The named runtime to use (Connect-Codex -Name); default: the default runtime.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    /// <summary>The model slug; default: the runtime's configured model.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ModelCompleter))]
    public string? Model { get; set; }

    /// <summary>Reasoning effort (minimal, low, medium, high, xhigh).</summary>
    [Parameter]
    public string? Effort { get; set; }

    /// <summary>
    /// The most tokens this turn may use: tokenUsage.last.totalTokens (input, cached input included, plus output)
    /// summed over its model requests, as the runtime reports them after each. More stops the turn (CodexBudgetExceeded).
    /// </summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxTokens { get; set; }

    /// <summary>How long this turn may run, from the moment it is sent; longer stops it (CodexBudgetExceeded).</summary>
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>
    /// How many tools this turn may call: command executions, file changes, MCP tool calls and the conversation's own
    /// tools (New-CodexTool). The call past the limit is stopped as it starts (CodexBudgetExceeded); 0 allows none.
    /// </summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaxToolCalls { get; set; }

    /// <summary>
    /// What this turn may cost in USD, priced with Connect-Codex -Pricing for the turn's model after each model request;
    /// more stops it (CodexBudgetExceeded). Without a price for the model the turn is refused (CodexPricingMissing).
    /// </summary>
    [Parameter]
    public decimal? MaxCostUsd { get; set; }

    /// <summary>Tools the model may call in this run (New-CodexTool); see New-CodexConversation -Tool.</summary>
    [Parameter]
    [ValidateNotNull]
    public Tools.CodexTool[]? Tool { get; set; }

    /// <inheritdoc/>
    protected override bool NeedsExperimentalApi => Tool is { Length: > 0 };

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (string.IsNullOrWhiteSpace(Prompt))
        {
            WriteError(NewError("CodexPromptEmpty", ErrorCategory.InvalidArgument, Prompt, "The prompt is empty; nothing was sent."));
            return;
        }

        var options = BuildTurnOptions(Model, Effort);
        if (options is null || !ApplyBudgets(options, MaxTokens, MaxDuration, MaxToolCalls, MaxCostUsd))
        {
            return;
        }

        var cwd = options.WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        CodexConversation conversation;
        try
        {
            var client = GetClient();
            if (Hosting.ToolCallRunner.Check(client, Tool, out var tools) is { } refused)
            {
                WriteError(ToErrorRecord(refused.Error, refused.Target));
                return;
            }

            conversation = Await(client.StartConversationAsync(
                new CodexConversationOptions
                {
                    Model = Model,
                    WorkingDirectory = cwd,
                    Sandbox = Sandbox,
                    ApprovalPolicy = ApprovalPolicy,
                    Ephemeral = true,
                    Tools = tools,
                },
                CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, cwd));
            return;
        }

        var result = new CodexTurnResult();
        var completed = RunTurn(conversation, Prompt, options, evt =>
        {
            result.Add(evt);
            if (IncludeDelta && evt is DeltaEvent)
            {
                WriteObject(evt);
            }
            else
            {
                WriteVerbose(evt.ToString());
            }
        });
        if (completed is not null)
        {
            WriteObject(result);
        }
    }
}
