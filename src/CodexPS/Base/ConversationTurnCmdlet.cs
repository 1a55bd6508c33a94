using CodexPS.Engine;
using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>Cmdlets that act on one conversation, given as an object (-Conversation, from the pipeline) or by id.</summary>
public abstract class ConversationTurnCmdlet : CodexTurnCmdlet
{
    /// <summary>The parameter set that takes a conversation object.</summary>
    protected const string ObjectSet = "Conversation";
    /// <summary>The parameter set that takes a conversation id.</summary>
    protected const string IdSet = "ConversationId";

    /// <summary>The conversation (from New-CodexConversation); binds from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a conversation loaded in this session's runtime; binds from a piped object's ConversationId.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    /// <summary>The conversation these parameters name, or null after writing a CodexConversationNotFound error.</summary>
    protected CodexConversation? ResolveConversation()
    {
        return Resolve(this, Conversation, ConversationId, CancellationToken);
    }

    internal static CodexConversation? Resolve(PSCmdlet cmdlet, CodexConversation? conversation, string? id, CancellationToken cancellationToken = default)
    {
        var found = conversation ?? (id is null ? null : RuntimeRegistry.FindConversation(id));
        if (found is null)
        {
            cmdlet.WriteError(NewError("CodexConversationNotFound", ErrorCategory.ObjectNotFound, id,
                $"No conversation with id '{id}' is loaded in this session's codex runtime."));
            return null;
        }

        try
        {
            // A conversation whose runtime died is resumed in a new runtime before it is used.
            return RuntimeRegistry.Recover(found, cancellationToken);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !cancellationToken.IsCancellationRequested)
        {
            // Every failure of the recovery, .NET ones included, reaches the caller as an ErrorRecord with a stable id.
            cmdlet.WriteError(ToErrorRecord(ex, found));
            return null;
        }
    }
}
