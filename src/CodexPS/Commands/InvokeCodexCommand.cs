using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>
/// Runs one prompt on a new ephemeral conversation and returns the whole result; with -ThrottleLimit, many piped
/// inputs at once (see InvokeCodexCommand.Fanout.cs).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Codex", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PromptSet)]
[OutputType(typeof(CodexTurnResult))]
public sealed partial class InvokeCodexCommand : CodexTurnCmdlet, IDisposable
{
    private const string PromptSet = "Prompt";
    private const string InputObjectSet = "InputObject";
    private int _inputCount;

    /// <summary>
    /// What to ask the agent. Piped strings bind here; with piped objects (-InputObject) it is usually a script block
    /// evaluated for each input with $_ (PowerShell's delay-bind), or taken from the input's Prompt property.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PromptSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = InputObjectSet)]
    [AllowEmptyString]
    public string Prompt { get; set; } = string.Empty;

    /// <summary>
    /// Any piped object that is not a string: the prompt is then -Prompt (a script block sees the object as $_),
    /// else the object's text. The object comes back as the result's InputObject.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>The folder the agent works in; per input with a script block ($_), or the input's WorkingDirectory property.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public new string? WorkingDirectory
    {
        get => base.WorkingDirectory;
        set => base.WorkingDirectory = value;
    }

    /// <summary>
    /// A key that keeps inputs with the same key on the same member of a runtime pool (a script block is evaluated per
    /// input with $_); on a plain runtime every input runs there anyway.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Affinity { get; set; }

    /// <summary>
    /// Runs the inputs concurrently: at most this many turns at once, each on its own ephemeral conversation. Results
    /// come in input order (or as they finish with -AsCompleted), with a progress bar of done, running and failed.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? ThrottleLimit { get; set; }

    /// <summary>With -ThrottleLimit: writes each result as soon as its turn ends instead of in input order.</summary>
    [Parameter]
    public SwitchParameter AsCompleted { get; set; }

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
    protected override void BeginProcessing()
    {
        if (ThrottleLimit is not null)
        {
            BeginFanout();
        }
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var index = _inputCount++;
        var fromInputObject = ParameterSetName == InputObjectSet;
        var prompt = Prompt;
        if (fromInputObject && !MyInvocation.BoundParameters.ContainsKey(nameof(Prompt)))
        {
            // No -Prompt and no Prompt property: the object's text is the prompt, as a string parameter would take it.
            prompt = InputObject is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(InputObject) ?? string.Empty;
        }

        object? input = fromInputObject ? InputObject : Prompt;
        if (ThrottleLimit is not null)
        {
            ProcessFanout(index, input, prompt);
            return;
        }

        RunOne(index, input, prompt);
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (ThrottleLimit is not null)
        {
            EndFanout();
        }
    }

    /// <summary>
    /// Ends every turn still running, however the command ends: EndProcessing is skipped on Ctrl+C, Select-Object
    /// -First and terminating errors, but PowerShell disposes the command in every case.
    /// </summary>
    void IDisposable.Dispose()
    {
        StopFanout(waitForTurns: true);
        Dispose();
    }

    /// <summary>The prompt's checks and turn options for one input; null after writing the input's error.</summary>
    private CodexTurnOptions? Prepare(object? input, string prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            WriteError(NewError("CodexPromptEmpty", ErrorCategory.InvalidArgument, input ?? prompt, "The prompt is empty; nothing was sent."));
            return null;
        }

        var options = BuildTurnOptions(Model, Effort);
        if (options is null || !ApplyBudgets(options, MaxTokens, MaxDuration, MaxToolCalls, MaxCostUsd))
        {
            return null;
        }

        return options;
    }

    /// <summary>One input at a time, on the pipeline thread (no -ThrottleLimit).</summary>
    private void RunOne(int index, object? input, string prompt)
    {
        var options = Prepare(input, prompt);
        if (options is null)
        {
            return;
        }

        var cwd = options.WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        CodexConversation conversation;
        string runtimeName;
        try
        {
            using var placement = PlaceConversation(Affinity);
            var client = placement.Client;
            runtimeName = placement.RuntimeName;
            if (Hosting.ToolCallRunner.Check(client, Tool, out var tools) is { } refused)
            {
                WriteError(ToErrorRecord(refused.Error, refused.Target));
                return;
            }

            conversation = Await(client.StartConversationAsync(ConversationOptions(cwd, tools), CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, cwd));
            return;
        }

        var result = new CodexTurnResult { InputObject = input, InputIndex = index, RuntimeName = runtimeName };
        var completed = RunTurn(conversation, prompt, options, evt =>
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

    private CodexConversationOptions ConversationOptions(string cwd, IReadOnlyList<CodexDynamicTool> tools) => new()
    {
        Model = Model,
        WorkingDirectory = cwd,
        Sandbox = Sandbox,
        ApprovalPolicy = ApprovalPolicy,
        Ephemeral = true,
        Tools = tools,
    };
}
