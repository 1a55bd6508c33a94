using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Text.Json.Nodes;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS;

/// <summary>
/// Runs one turn on the pipeline thread: reads its events in order, answers approvals (handler, then the
/// user through ShouldProcess/ShouldContinue, else decline), and interrupts the turn on Ctrl+C.
/// </summary>
public abstract class CodexTurnCmdlet : CodexCmdlet
{
    private bool _yesToAll;
    private bool _noToAll;
    private bool _permissionsYesToAll;
    private bool _permissionsNoToAll;

    /// <summary>
    /// Decides approval requests, permission requests, the model's questions and MCP elicitations. Receives the
    /// request as $_ (and as its argument) and returns Accept, AcceptForSession, Decline or Cancel ($true means
    /// Accept, $false Decline); for questions and elicitations also a hashtable of answers or form values.
    /// </summary>
    [Parameter]
    public ScriptBlock? ApprovalHandler { get; set; }

    /// <summary>Writes the streamed text pieces (AgentMessageDelta, CommandOutputDelta, ReasoningDelta) too.</summary>
    [Parameter]
    public SwitchParameter IncludeDelta { get; set; }

    /// <summary>The folder the agent works in; for Send-CodexTurn it stays the conversation's folder for later turns.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>What commands may touch: ReadOnly, WorkspaceWrite or DangerFullAccess (kept for later turns).</summary>
    [Parameter]
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>When the runtime asks before acting: Untrusted, OnRequest or Never (kept for later turns).</summary>
    [Parameter]
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>Local image files sent with the prompt.</summary>
    [Parameter]
    public string[]? Image { get; set; }

    /// <summary>
    /// A JSON Schema the final answer must follow: a hashtable, JSON text, or the path of a JSON file. The
    /// answer is parsed and checked, and the resulting object is the Output of TurnCompleted (and of the result).
    /// </summary>
    [Parameter]
    public object? OutputSchema { get; set; }

    private bool? _liveFeedback;

    /// <summary>Whether this command may show live progress and text: false for background turns (-AsJob).</summary>
    protected virtual bool WantsLiveFeedback => true;

    /// <summary>
    /// Progress and the streamed answer text are shown only to a person: an interactive host whose output is not
    /// redirected. A non-interactive host, a script's runspace or a redirected console gets none of it.
    /// </summary>
    protected bool LiveFeedback => _liveFeedback ??= WantsLiveFeedback && HostIsInteractive()
        && !(CurrentHost?.Name == "ConsoleHost" && Console.IsOutputRedirected);

    /// <summary>
    /// The turn options from the common parameters, or null after writing a non-terminating error for a missing
    /// folder or image or an unusable schema: that input item gets no turn, and the next one is still served.
    /// </summary>
    protected CodexTurnOptions? BuildTurnOptions(string? model, string? effort)
    {
        string? cwd = null;
        if (WorkingDirectory is not null)
        {
            cwd = ResolveDirectory(WorkingDirectory, out var cwdError);
            if (cwd is null)
            {
                WriteError(cwdError!);
                return null;
            }
        }

        System.Text.Json.Nodes.JsonNode? schema = null;
        if (OutputSchema is not null && (schema = ParseSchema(OutputSchema)) is null)
        {
            return null;
        }

        var options = new CodexTurnOptions
        {
            // An interactive host streams the answer's text live, so the runtime's deltas are read even without -IncludeDelta.
            IncludeDeltas = IncludeDelta || LiveFeedback,
            Model = model,
            Effort = effort,
            WorkingDirectory = cwd,
            Sandbox = Sandbox,
            ApprovalPolicy = ApprovalPolicy,
            OutputSchema = schema,
        };
        foreach (var image in Image ?? Array.Empty<string>())
        {
            var path = ToFileSystemPath(image, out _);
            if (path is null || !File.Exists(path))
            {
                WriteError(NewError("CodexImageNotFound", ErrorCategory.ObjectNotFound, image, $"The image '{path ?? image}' does not exist; nothing was sent."));
                return null;
            }

            options.Images.Add(path);
        }

        return options;
    }

    /// <summary>The schema as a JSON object, or null after writing CodexOutputSchemaInvalid (the target is the schema given).</summary>
    private System.Text.Json.Nodes.JsonNode? ParseSchema(object schema)
    {
        var value = schema is PSObject { BaseObject: string text } ? text : schema;
        try
        {
            if (value is string json)
            {
                if (!json.TrimStart().StartsWith('{'))
                {
                    var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(json);
                    json = File.ReadAllText(path);
                }

                return System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject ?? throw new System.Text.Json.JsonException("The schema must be a JSON object.");
            }

            return PowerShellJson.ToNode(value) is System.Text.Json.Nodes.JsonObject node ? node : throw new System.Text.Json.JsonException("The schema must be a JSON object.");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException
            or SessionStateException or PSNotSupportedException or PSInvalidOperationException or InvalidOperationException)
        {
            WriteError(new ErrorRecord(new CodexException("CodexOutputSchemaInvalid", $"The output schema is not a usable JSON Schema object: {ex.Message}", ex),
                "CodexOutputSchemaInvalid", ErrorCategory.InvalidArgument, schema));
            return null;
        }
    }

    /// <summary>Runs a turn; onEvent sees every event in order (approvals already answered). Returns the final event, or null.</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, string prompt, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        return RunTurn(conversation, token => conversation.StartTurnAsync(prompt, options, token), options, onEvent);
    }

    /// <summary>Like the prompt overload, for anything that starts a turn-shaped run (a review, ...).</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, Func<CancellationToken, Task<CodexTurn>> start, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        var handler = ApprovalHandler ?? ModuleState.GetHandler(conversation);
        ListenToProtocol(conversation.Client);
        CodexTurn turn;
        try
        {
            turn = Await(start(CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
            return null;
        }

        WriteVerbose($"Turn {turn.Id} started in conversation {conversation.Id}.");
        TurnCompletedEvent? last = null;
        string? finalAnswer = null;
        var feedback = LiveFeedback ? new TurnFeedback(this, conversation.Id, streamText: !IncludeDelta) : null;
        var batch = new List<CodexEvent>(256);
        try
        {
            // Everything buffered is taken at once: a fast stream costs one wake-up per batch, not per event.
            while (turn.ReadBatch(batch, CancellationToken))
            {
                PluginSupport.RunScriptPlugins(this, conversation.Client, batch); // script-block plugins (Register-CodexPlugin)
                foreach (var evt in batch)
                {
                    if (feedback is not null)
                    {
                        feedback.OnEvent(evt);
                        if (evt is DeltaEvent && !IncludeDelta)
                        {
                            continue; // read only for the live text, not asked for in the output
                        }
                    }

                    if (evt is ApprovalRequestedEvent approval)
                    {
                        Decide(approval.Request, handler);
                    }
                    else if (evt is ItemEvent { Kind: CodexEventKind.ItemCompleted, Item: AgentMessageItem message }
                        && (finalAnswer is null || message.Phase != "Commentary"))
                    {
                        finalAnswer = message.Text;
                    }
                    else if (evt is TurnCompletedEvent { Status: CodexTurnStatus.Completed } done && options.OutputSchema is { } schema)
                    {
                        ApplyOutputSchema(conversation, done, finalAnswer, schema);
                    }

                    onEvent(evt);
                    if (evt is TurnCompletedEvent completed)
                    {
                        last = completed;
                        ReportFailure(conversation, completed);
                    }
                }

                if (conversation.Client.HasWarnings || conversation.Client.ProtocolLog.HasLines)
                {
                    WriteClientWarnings(conversation.Client);
                }
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            InterruptAfterStop(turn);
        }
        catch (PipelineStoppedException) when (CancellationToken.IsCancellationRequested)
        {
            // Ctrl+C while a prompt was open: the turn is stopped too, as for Ctrl+C anywhere else.
            InterruptAfterStop(turn);
            throw;
        }
        catch (Exception ex) when (ex is CodexException or ObjectDisposedException)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
        finally
        {
            turn.StopReading();
            feedback?.Complete();
        }

        return last;
    }

    /// <summary>Parses and checks the final answer against the turn's schema; the result becomes completed.Output.</summary>
    private void ApplyOutputSchema(CodexConversation conversation, TurnCompletedEvent completed, string? answer, System.Text.Json.Nodes.JsonNode schema)
    {
        using var schemaDocument = System.Text.Json.JsonDocument.Parse(schema.ToJsonString());
        var (value, problems) = CodexOutputSchema.Check(answer, schemaDocument.RootElement);
        if (problems.Count == 0 && value is { } parsed)
        {
            completed.Output = PowerShellJson.ToPowerShell(parsed);
            return;
        }

        var errorId = value is null ? "CodexOutputInvalidJson" : "CodexOutputSchemaMismatch";
        WriteError(new ErrorRecord(new CodexException(errorId, $"The final answer of the turn in conversation {conversation.Id} does not follow the output schema: {string.Join(" ", problems)}"),
            errorId, ErrorCategory.InvalidResult, answer));
    }

    private void ReportFailure(CodexConversation conversation, TurnCompletedEvent completed)
    {
        if (completed.Status != CodexTurnStatus.Failed)
        {
            return;
        }

        var error = completed.Error;
        var id = error?.ErrorId ?? "CodexTurnFailed";
        WriteError(NewError(id, Category(id), conversation,
            $"The turn failed: {error?.Message ?? "the runtime gave no reason"}" + (error?.AdditionalDetails is { } details ? $" ({details})" : string.Empty)));
    }

    /// <summary>Ctrl+C: ask the runtime to stop the turn so the conversation stays usable; wait at most a second.</summary>
    private static void InterruptAfterStop(CodexTurn turn)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(900));
            turn.InterruptAsync(timeout.Token).Wait(timeout.Token);
            turn.Completion.Wait(timeout.Token);
        }
        catch (Exception)
        {
            // Best effort: the runtime may already be gone, or the turn may end later on its own.
        }
    }

    private void Decide(CodexApprovalRequest request, ScriptBlock? handler)
    {
        if (request.IsAnswered)
        {
            return;
        }

        try
        {
            var answer = Ask(request, handler);
            Send(request, answer);
        }
        finally
        {
            // Ctrl+C at a prompt, or anything else that escaped: the runtime hears a decline, never silence.
            if (!request.IsAnswered)
            {
                DeclineQuietly(request);
            }
        }
    }

    private void Send(CodexApprovalRequest request, Answer answer)
    {
        try
        {
            if (answer.Content is { } content)
            {
                try
                {
                    Await(request.RespondWithContentAsync(content, answer.DecidedBy));
                }
                catch (CodexException ex) when (ex.ErrorId == InvalidAnswerId)
                {
                    // The content does not fit the questions or the form: nothing was sent yet, so decline instead.
                    var errorId = answer.DecidedBy == HandlerName ? "CodexApprovalHandlerInvalidAnswer" : InvalidAnswerId;
                    WriteError(new ErrorRecord(new CodexException(errorId, $"{ex.Message} The request was declined."), errorId, ErrorCategory.InvalidResult, request));
                    answer = answer with { Decision = CodexApprovalDecision.Decline, Content = null };
                    Await(request.RespondAsync(CodexApprovalDecision.Decline, answer.DecidedBy));
                }
            }
            else
            {
                Await(request.RespondAsync(answer.Decision, answer.DecidedBy));
            }

            WriteVerbose($"{request.Kind} request {request}: {answer.Decision} ({answer.DecidedBy}).");
        }
        catch (CodexException ex)
        {
            WriteError(ToErrorRecord(ex, request));
        }
    }

    private static void DeclineQuietly(CodexApprovalRequest request)
    {
        try
        {
            request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (no answer)").Wait(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // The runtime is gone; there is nobody left to answer.
        }
    }

    private const string HandlerName = "ApprovalHandler";
    private const string InvalidAnswerId = "CodexApprovalAnswerInvalid";

    /// <summary>A decision, with the answers or form content when the user or the handler gave some.</summary>
    private readonly record struct Answer(CodexApprovalDecision Decision, JsonObject? Content, string DecidedBy);

    /// <summary>
    /// What the request asks to do and to what, for ShouldProcess, prompts and warnings. The model wrote the
    /// target, so its control characters are made visible (an escape sequence could otherwise repaint the prompt
    /// to show another command); nothing is cut, so nothing can hide behind a long prefix.
    /// </summary>
    private static (string Action, string Target) Describe(CodexApprovalRequest request)
    {
        var (action, target) = DescribeUnsafe(request);
        return (DisplayText.Sanitize(action, int.MaxValue, keepLineBreaks: true), DisplayText.Sanitize(target, int.MaxValue, keepLineBreaks: true));
    }

    private static (string Action, string Target) DescribeUnsafe(CodexApprovalRequest request) => request.Kind switch
    {
        CodexApprovalKind.CommandExecution => ("Run command", $"{request.Command} (in {request.Cwd})"),
        CodexApprovalKind.FileChange => ("Apply file changes", string.Join(", ", request.Changes.Select(c => $"{c.Kind} {c.Path}"))),
        CodexApprovalKind.Permissions => ("Grant permissions", $"{request.PermissionsSummary ?? "nothing"} (in {request.Cwd})"),
        CodexApprovalKind.UserInput => ("Answer the model's questions", string.Join(" | ", request.Questions.Select(q => q.Question ?? q.Id))),
        _ when request.Mode == "url" => ($"Open a page for MCP server '{request.ServerName}'", request.Url ?? string.Empty),
        _ => ($"Answer MCP server '{request.ServerName}'", request.Message ?? string.Empty),
    };

    private Answer Ask(CodexApprovalRequest request, ScriptBlock? handler)
    {
        var (action, target) = Describe(request);

        // -WhatIf answers every request with Decline and says what would have happened.
        if (IsWhatIf())
        {
            ShouldProcess(target, action);
            return new(CodexApprovalDecision.Decline, null, "WhatIf");
        }

        if (handler is not null)
        {
            return InvokeHandler(handler, request);
        }

        try
        {
            switch (request.Kind)
            {
                case CodexApprovalKind.UserInput:
                    return AskQuestions(request, action, target);
                case CodexApprovalKind.McpElicitation:
                    return AskForm(request, action, target);
                default:
                    return AskConsent(request, action, target);
            }
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or HostException or NotImplementedException)
        {
            WriteWarning($"Declined: {action} '{target}'. The host could not ask ({ex.Message}).");
            return new(CodexApprovalDecision.Decline, null, "NonInteractive");
        }
    }

    private Answer DeclineNonInteractive(string action, string target)
    {
        WriteWarning($"Declined: {action} '{target}'. Nobody can be asked in a non-interactive host; pass -ApprovalHandler to decide.");
        return new(CodexApprovalDecision.Decline, null, "NonInteractive");
    }

    /// <summary>Commands, patches and permissions: ShouldProcess, then the user through ShouldContinue.</summary>
    private Answer AskConsent(CodexApprovalRequest request, string action, string target)
    {
        if (!ShouldProcess(target, action))
        {
            return new(CodexApprovalDecision.Decline, null, "ShouldProcess");
        }

        if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: true })
        {
            return new(CodexApprovalDecision.Accept, null, "Confirm");
        }

        if (!HostIsInteractive())
        {
            return DeclineNonInteractive(action, target);
        }

        // Yes to All for commands is no Yes to All for permissions: each kind keeps its own answer.
        var permissions = request.Kind == CodexApprovalKind.Permissions;
        ref var yesToAll = ref permissions ? ref _permissionsYesToAll : ref _yesToAll;
        ref var noToAll = ref permissions ? ref _permissionsNoToAll : ref _noToAll;
        if (yesToAll)
        {
            return new(CodexApprovalDecision.AcceptForSession, null, "User (Yes to All)");
        }

        if (noToAll)
        {
            return new(CodexApprovalDecision.Decline, null, "User (No to All)");
        }

        var question = $"Codex asks to {action.ToLowerInvariant()}: {target}" + (request.Reason is { } reason ? $"{Environment.NewLine}Reason: {reason}" : string.Empty);
        var yes = ShouldContinue(question, "Codex approval", ref yesToAll, ref noToAll);
        return yes ? new(yesToAll ? CodexApprovalDecision.AcceptForSession : CodexApprovalDecision.Accept, null, "User") : new(CodexApprovalDecision.Decline, null, "User");
    }

    /// <summary>The model's questions: a choice for each question with options, a line of text otherwise.</summary>
    private Answer AskQuestions(CodexApprovalRequest request, string action, string target)
    {
        if (!HostIsInteractive() || Host.UI is not { } ui)
        {
            return DeclineNonInteractive(action, target);
        }

        var answers = new JsonObject();
        foreach (var question in request.Questions)
        {
            var caption = $"Codex asks: {question.Header ?? question.Id}";
            var text = question.Question ?? question.Header ?? question.Id;
            string? answer;
            if (question.Options.Count > 0)
            {
                var labels = question.Options.Select(o => o.Label).ToList();
                if (question.IsOther)
                {
                    labels.Add("Other");
                }

                var choices = new Collection<ChoiceDescription>();
                foreach (var (label, index) in WithHotkeys(labels).Select((l, i) => (l, i)))
                {
                    choices.Add(new ChoiceDescription(label, index < question.Options.Count ? question.Options[index].Description ?? string.Empty : "Type an answer of your own."));
                }

                var chosen = ui.PromptForChoice(caption, text, choices, 0);
                answer = chosen >= 0 && chosen < question.Options.Count ? question.Options[chosen].Label
                    : chosen == question.Options.Count ? PromptLine(ui, caption, text, question.IsSecret) : null;
            }
            else
            {
                answer = PromptLine(ui, caption, text, question.IsSecret);
            }

            if (!string.IsNullOrEmpty(answer))
            {
                answers[question.Id] = answer;
            }
        }

        return new(CodexApprovalDecision.Accept, answers, "User");
    }

    /// <summary>An MCP elicitation: consent first (ShouldContinue), then one prompt field per form field.</summary>
    private Answer AskForm(CodexApprovalRequest request, string action, string target)
    {
        if (!HostIsInteractive() || Host.UI is not { } ui)
        {
            return DeclineNonInteractive(action, target);
        }

        var caption = $"Codex: MCP server '{request.ServerName}'";
        if (request.Mode == "url")
        {
            var visit = ShouldContinue($"{request.Message}{Environment.NewLine}The server asks you to open {request.Url}. Accept?", caption);
            return new(visit ? CodexApprovalDecision.Accept : CodexApprovalDecision.Decline, null, "User");
        }

        var fieldList = request.Fields.Count == 0 ? string.Empty : Environment.NewLine + "It asks for: " + string.Join(", ", request.Fields.Select(f => f.Title ?? f.Name));
        if (!ShouldContinue($"{request.Message}{fieldList}{Environment.NewLine}Answer it?", caption))
        {
            return new(CodexApprovalDecision.Decline, null, "User");
        }

        if (request.Fields.Count == 0)
        {
            return new(CodexApprovalDecision.Accept, null, "User");
        }

        var descriptions = new Collection<FieldDescription>();
        foreach (var field in request.Fields)
        {
            var choices = field.Choices.Count > 0 ? $" ({string.Join(field.IsMultiSelect ? ", " : "/", field.Choices.Select(c => c.Title ?? c.Value))})" : string.Empty;
            var description = new FieldDescription(field.Name)
            {
                Label = (field.Title ?? field.Name) + choices,
                HelpMessage = field.Description ?? string.Empty,
                IsMandatory = field.IsRequired && field.Default is null,
            };
            if (field.Default is { } fallback)
            {
                description.DefaultValue = new PSObject(fallback);
            }

            descriptions.Add(description);
        }

        var values = ui.Prompt(caption, request.Message ?? string.Empty, descriptions);
        var content = new JsonObject();
        foreach (var field in request.Fields)
        {
            if (values is null || !values.TryGetValue(field.Name, out var value) || value?.BaseObject is not { } raw || raw.ToString() is not { Length: > 0 } text)
            {
                continue;
            }

            content[field.Name] = field.IsMultiSelect
                ? new JsonArray(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => (JsonNode?)v).ToArray())
                : text;
        }

        return new(CodexApprovalDecision.Accept, content, "User");
    }

    private static string? PromptLine(PSHostUserInterface ui, string caption, string text, bool secret)
    {
        var field = new FieldDescription("Answer") { Label = "Answer", IsMandatory = false };
        if (secret)
        {
            field.SetParameterType(typeof(System.Security.SecureString));
        }

        var values = ui.Prompt(caption, text, new Collection<FieldDescription> { field });
        if (values is null || !values.TryGetValue("Answer", out var value) || value?.BaseObject is not { } raw)
        {
            return null;
        }

        return raw is System.Security.SecureString secure ? new System.Net.NetworkCredential(string.Empty, secure).Password : raw.ToString();
    }

    /// <summary>Choice labels with a hotkey each: the first letter when those differ, else a number.</summary>
    private static IEnumerable<string> WithHotkeys(IReadOnlyList<string> labels)
    {
        var firsts = labels.Select(l => l.Length > 0 && char.IsLetterOrDigit(l[0]) ? char.ToUpperInvariant(l[0]) : '\0').ToList();
        if (!firsts.Contains('\0') && firsts.Distinct().Count() == firsts.Count)
        {
            return labels.Select(l => "&" + l.Replace("&", "&&", StringComparison.Ordinal));
        }

        return labels.Select((l, i) => i < 9 ? $"&{i + 1} {l.Replace("&", "&&", StringComparison.Ordinal)}" : l.Replace("&", "&&", StringComparison.Ordinal));
    }

    /// <summary>-WhatIf given, or $WhatIfPreference set by the caller.</summary>
    private bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound))
        {
            return bound is SwitchParameter { IsPresent: true };
        }

        return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
    }

    private Answer InvokeHandler(ScriptBlock handler, CodexApprovalRequest request)
    {
        Collection<PSObject> output;
        try
        {
            var variables = new List<PSVariable> { new("_", request), new("PSItem", request) };
            output = handler.InvokeWithContext(null, variables, request);
        }
        catch (Exception ex) when (ex is RuntimeException or CodexException)
        {
            var record = ex is RuntimeException rte && rte.ErrorRecord is { } inner ? inner : null;
            WriteError(new ErrorRecord(ex, "CodexApprovalHandlerFailed", ErrorCategory.InvalidResult, request)
            {
                ErrorDetails = new ErrorDetails($"The approval handler failed, so the request was declined: {record?.Exception?.Message ?? ex.Message}"),
            });
            return new(CodexApprovalDecision.Decline, null, HandlerName);
        }

        var last = output.LastOrDefault(o => o is not null);
        var answer = last?.BaseObject;
        var takesContent = request.Kind is CodexApprovalKind.UserInput or CodexApprovalKind.McpElicitation;
        switch (answer)
        {
            case CodexApprovalDecision decision:
                return new(decision, null, HandlerName);
            case bool b:
                return new(b ? CodexApprovalDecision.Accept : CodexApprovalDecision.Decline, null, HandlerName);
            case string text when Enum.TryParse<CodexApprovalDecision>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed):
                return new(parsed, null, HandlerName);
            case System.Collections.IDictionary or PSCustomObject when takesContent && PowerShellJson.ToNode(last) is JsonObject content:
                // Answers (UserInput) or form values (McpElicitation): accepting with exactly that content.
                return new(CodexApprovalDecision.Accept, content, HandlerName);
            default:
                var expected = takesContent
                    ? "Accept, AcceptForSession, Decline, Cancel, or a hashtable of " + (request.Kind == CodexApprovalKind.UserInput ? "answers by question id" : "form values by field name")
                    : "Accept, AcceptForSession, Decline or Cancel";
                WriteError(new ErrorRecord(
                    new CodexException("CodexApprovalHandlerInvalidAnswer", $"The approval handler returned '{answer ?? "nothing"}'; expected {expected}. The request was declined."),
                    "CodexApprovalHandlerInvalidAnswer", ErrorCategory.InvalidResult, answer));
                return new(CodexApprovalDecision.Decline, null, HandlerName);
        }
    }
}
