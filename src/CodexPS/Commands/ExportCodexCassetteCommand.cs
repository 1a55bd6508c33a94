using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Cassettes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Plugins;

namespace CodexPS.Commands;

/// <summary>
/// Writes a cassette of a conversation: what the model said at each of its requests (text, tool calls with their
/// arguments, patches, usage, rate-limit windows) and what each request carried, read from the runtime's rollout file
/// and redacted. Start-CodexMockProvider -Cassette replays it.
/// </summary>
[Cmdlet(VerbsData.Export, "CodexCassette", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexCassette))]
public sealed class ExportCodexCassetteCommand : CodexCmdlet
{
    /// <summary>The conversation: a CodexConversation, its thread id, or anything with a ConversationId (an Invoke-Codex result, an event).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("ConversationId", "Id")]
    [ValidateNotNull]
    public object? Conversation { get; set; }

    /// <summary>The cassette file to write (JSON).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replaces an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>More regular expressions whose matches are masked (***), besides the session's redactor plugins and the secret header names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Redact { get; set; }

    /// <summary>The named runtime that knows a conversation given by id (Connect-Codex -Name); default: the default runtime.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        Testing.CodexShouldOperators.RegisterIfPesterLoaded(this);
        var file = ToFileSystemPath(Path!, out var pathProblem);
        if (file is null)
        {
            WriteError(NewError("CodexExportPathInvalid", ErrorCategory.InvalidArgument, Path, $"'{Path}' is not a file-system path: {pathProblem!.Message}", pathProblem));
            return;
        }

        object target = Conversation is PSObject { BaseObject: not PSCustomObject } pso ? pso.BaseObject : Conversation!;
        string id;
        string? rollout;
        try
        {
            (id, rollout) = Locate(target, ref target);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, target));
            return;
        }

        if (rollout is null || !File.Exists(rollout))
        {
            WriteError(NewError("CodexRolloutNotFound", ErrorCategory.ObjectNotFound, target, rollout is null
                ? $"Conversation {id} has no rollout file (an ephemeral conversation, such as Invoke-Codex's, keeps none), so there is nothing to export; record with New-CodexConversation and Send-CodexTurn."
                : $"The rollout file '{rollout}' of conversation {id} does not exist on this machine (a runtime connected with -Uri keeps its rollouts on its own machine)."));
            return;
        }

        if (File.Exists(file) && !Force)
        {
            WriteError(NewError("CodexExportPathExists", ErrorCategory.ResourceExists, file, $"'{file}' exists; give -Force to replace it."));
            return;
        }

        CodexCassetteRedactor redactor;
        try
        {
            redactor = BuildRedactor();
        }
        catch (ArgumentException ex)
        {
            WriteError(NewError("CodexRedactPatternInvalid", ErrorCategory.InvalidArgument, Redact, $"A -Redact pattern is not a valid regular expression: {ex.Message}", ex));
            return;
        }

        if (!ShouldProcess(file, $"Export the cassette of conversation {id}"))
        {
            return;
        }

        try
        {
            var cassette = CodexCassetteRollout.Read(rollout, redactor);
            WriteVerbose($"Read {cassette.Requests.Count} model request(s) from the rollout '{rollout}'.");
            WriteObject(cassette.Save(file, Force));
        }
        catch (CodexException ex)
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ex.ErrorId == "CodexExportPathExists" ? ErrorCategory.ResourceExists : Category(ex.ErrorId), file));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(NewError("CodexExportFailed", ErrorCategory.WriteError, file, $"The cassette '{file}' could not be written: {ex.Message}", ex));
        }
    }

    /// <summary>The conversation's id and rollout; an id read from a property becomes the target of errors about it.</summary>
    private (string Id, string? Rollout) Locate(object given, ref object target)
    {
        switch (given)
        {
            case CodexConversation conversation:
                return FromConversation(conversation);
            case string id when !string.IsNullOrWhiteSpace(id):
                return FromId(id);
        }

        var wrapped = PSObject.AsPSObject(given);
        var property = wrapped.Properties["ConversationId"] ?? wrapped.Properties["Id"];
        if (property?.Value is string named && !string.IsNullOrWhiteSpace(named))
        {
            if (given is PSObject { BaseObject: PSCustomObject })
            {
                // A bag of properties is not the item at fault; the id it carries is.
                target = named;
            }

            return FromId(named);
        }

        throw new CodexException("CodexConversationNotFound", $"'{target}' names no conversation: give a conversation, its thread id, or an object with a ConversationId.");
    }

    private (string Id, string? Rollout) FromId(string id)
    {
        if (RuntimeRegistry.FindConversation(id) is { } loaded)
        {
            return FromConversation(loaded);
        }

        var thread = Await(GetClient().ReadThreadAsync(id, CancellationToken));
        return (thread.Id, thread.Path);
    }

    private static (string Id, string? Rollout) FromConversation(CodexConversation conversation)
    {
        if (conversation.ActiveTurn is { } turn)
        {
            throw new CodexException("CodexTurnInProgress", $"Conversation {conversation.Id} is running turn {turn.Id}; export it when the turn has ended, so the rollout holds whole requests.");
        }

        return (conversation.Id, conversation.Path);
    }

    private CodexCassetteRedactor BuildRedactor()
    {
        var redactors = new List<Func<string, string>>();
        var masks = new List<string>();
        foreach (var registration in PluginRegistry.All.SelectMany(set => set.Registrations))
        {
            if (registration.Plugin is RedactorPlugin plugin)
            {
                redactors.Add(plugin.Redact);
                masks.Add(plugin.Mask);
            }
        }

        if (Redact is { Length: > 0 })
        {
            var extra = new RedactorPlugin(Redact, CodexCassette.DefaultMask, "Export-CodexCassette");
            redactors.Add(extra.Redact);
        }

        return new CodexCassetteRedactor(redactors, masks);
    }
}
