using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>
/// The person at the host as a request handler: ShouldProcess and ShouldContinue for commands, patches and
/// permissions (Yes to All kept per kind for the command's lifetime), PromptForChoice and Prompt for the model's
/// questions and MCP forms. A host nobody can answer at declines with a warning.
/// </summary>
/// <remarks>Host prompts belong to the pipeline thread: this handler is called only there, by the command that owns it.</remarks>
internal sealed class ApprovalPrompter : ICodexServerRequestHandler
{
    private readonly PSCmdlet _cmdlet;
    private readonly bool _hostIsInteractive;
    private bool _yesToAll;
    private bool _noToAll;
    private bool _permissionsYesToAll;
    private bool _permissionsNoToAll;
    private bool _toolsYesToAll;
    private bool _toolsNoToAll;

    /// <param name="cmdlet">The command running the turn.</param>
    /// <param name="hostIsInteractive">Whether a person can answer at its host.</param>
    public ApprovalPrompter(PSCmdlet cmdlet, bool hostIsInteractive)
    {
        _cmdlet = cmdlet;
        _hostIsInteractive = hostIsInteractive;
    }

    public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
    {
        return new ValueTask<CodexServerRequestAnswer?>(Ask(request));
    }

    /// <summary>
    /// What the request asks to do and to what, for ShouldProcess, prompts and warnings. The model wrote the
    /// target, so its control characters are made visible (an escape sequence could otherwise repaint the prompt
    /// to show another command); nothing is cut, so nothing can hide behind a long prefix.
    /// </summary>
    internal static (string Action, string Target) Describe(CodexApprovalRequest request)
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
        CodexApprovalKind.ToolCall => ("Run tool", $"{(request.ToolNamespace is null ? string.Empty : request.ToolNamespace + ".")}{request.Tool} {request.Arguments}"),
        _ when request.Mode == "url" => ($"Open a page for MCP server '{request.ServerName}'", request.Url ?? string.Empty),
        _ => ($"Answer MCP server '{request.ServerName}'", request.Message ?? string.Empty),
    };

    private CodexServerRequestAnswer Ask(CodexApprovalRequest request)
    {
        var (action, target) = Describe(request);
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
            return NonInteractive with { Warning = $"Declined: {action} '{target}'. The host could not ask ({ex.Message})." };
        }
    }

    private static readonly CodexServerRequestAnswer NonInteractive = CodexServerRequestAnswer.Decline("NonInteractive");

    private static CodexServerRequestAnswer DeclineNonInteractive(string action, string target)
    {
        return NonInteractive with { Warning = $"Declined: {action} '{target}'. Nobody can be asked in a non-interactive host; pass -ApprovalHandler to decide." };
    }

    /// <summary>Commands, patches and permissions: ShouldProcess, then the user through ShouldContinue.</summary>
    private CodexServerRequestAnswer AskConsent(CodexApprovalRequest request, string action, string target)
    {
        if (!_cmdlet.ShouldProcess(target, action))
        {
            return new(CodexApprovalDecision.Decline, "ShouldProcess");
        }

        if (_cmdlet.MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: true })
        {
            return new(CodexApprovalDecision.Accept, "Confirm");
        }

        if (!_hostIsInteractive)
        {
            return DeclineNonInteractive(action, target);
        }

        // Yes to All for commands is no Yes to All for permissions or for your own tools: each keeps its own answer.
        var permissions = request.Kind == CodexApprovalKind.Permissions;
        var tools = request.Kind == CodexApprovalKind.ToolCall;
        ref var yesToAll = ref permissions ? ref _permissionsYesToAll : ref tools ? ref _toolsYesToAll : ref _yesToAll;
        ref var noToAll = ref permissions ? ref _permissionsNoToAll : ref tools ? ref _toolsNoToAll : ref _noToAll;
        if (yesToAll)
        {
            return new(CodexApprovalDecision.AcceptForSession, "User (Yes to All)");
        }

        if (noToAll)
        {
            return new(CodexApprovalDecision.Decline, "User (No to All)");
        }

        var question = $"Codex asks to {action.ToLowerInvariant()}: {target}" + (request.Reason is { } reason ? $"{Environment.NewLine}Reason: {reason}" : string.Empty);
        var yes = _cmdlet.ShouldContinue(question, "Codex approval", ref yesToAll, ref noToAll);
        return yes ? new(yesToAll ? CodexApprovalDecision.AcceptForSession : CodexApprovalDecision.Accept, "User") : new(CodexApprovalDecision.Decline, "User");
    }

    /// <summary>The model's questions: a choice for each question with options, a line of text otherwise.</summary>
    private CodexServerRequestAnswer AskQuestions(CodexApprovalRequest request, string action, string target)
    {
        if (!_hostIsInteractive || _cmdlet.Host.UI is not { } ui)
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

        return new(CodexApprovalDecision.Accept, "User") { Content = answers };
    }

    /// <summary>An MCP elicitation: consent first (ShouldContinue), then one prompt field per form field.</summary>
    private CodexServerRequestAnswer AskForm(CodexApprovalRequest request, string action, string target)
    {
        if (!_hostIsInteractive || _cmdlet.Host.UI is not { } ui)
        {
            return DeclineNonInteractive(action, target);
        }

        var caption = $"Codex: MCP server '{request.ServerName}'";
        if (request.Mode == "url")
        {
            var visit = _cmdlet.ShouldContinue($"{request.Message}{Environment.NewLine}The server asks you to open {request.Url}. Accept?", caption);
            return new(visit ? CodexApprovalDecision.Accept : CodexApprovalDecision.Decline, "User");
        }

        var fieldList = request.Fields.Count == 0 ? string.Empty : Environment.NewLine + "It asks for: " + string.Join(", ", request.Fields.Select(f => f.Title ?? f.Name));
        if (!_cmdlet.ShouldContinue($"{request.Message}{fieldList}{Environment.NewLine}Answer it?", caption))
        {
            return new(CodexApprovalDecision.Decline, "User");
        }

        if (request.Fields.Count == 0)
        {
            return new(CodexApprovalDecision.Accept, "User");
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

        return new(CodexApprovalDecision.Accept, "User") { Content = content };
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
}
