using CodexPS.Engine;
using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>Cmdlets that read a conversation's saved history: a live conversation object, or the id of a saved one.</summary>
public abstract class ConversationHistoryCmdlet : CodexCmdlet
{
    /// <summary>The parameter set that takes a conversation object.</summary>
    protected const string ObjectSet = "Conversation";
    /// <summary>The parameter set that takes a conversation id.</summary>
    protected const string IdSet = "ConversationId";

    /// <summary>A live conversation (from New-CodexConversation or Copy-CodexConversation).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a saved conversation; binds from a piped object's ConversationId or Id.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    /// <summary>The client that holds the history: the live conversation's, else the default runtime's.</summary>
    protected CodexClient HistoryClient => Conversation?.Client ?? GetClient();
}
