using CodexPS.Engine;
using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>Cmdlets other than turn runners that act on one conversation loaded in this session.</summary>
public abstract class LoadedConversationCmdlet : CodexCmdlet
{
    /// <summary>The parameter set that takes a conversation object.</summary>
    protected const string ObjectSet = "Conversation";
    /// <summary>The parameter set that takes a conversation id.</summary>
    protected const string IdSet = "ConversationId";

    /// <summary>The conversation (from New-CodexConversation); binds from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a conversation loaded in this session's runtime; binds from a piped object's ConversationId.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    /// <summary>The conversation these parameters name, or null after writing a CodexConversationNotFound error.</summary>
    protected CodexConversation? ResolveConversation() => ConversationTurnCmdlet.Resolve(this, Conversation, ConversationId, CancellationToken);
}
