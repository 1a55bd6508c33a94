using CodexPS.Engine;
using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>Cmdlets that act on one conversation, given as an object (-Conversation, from the pipeline) or by id.</summary>
public abstract class ConversationTurnCmdlet : CodexTurnCmdlet
{
    protected const string ObjectSet = "Conversation";
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
        return Resolve(this, Conversation, ConversationId);
    }

    internal static CodexConversation? Resolve(PSCmdlet cmdlet, CodexConversation? conversation, string? id)
    {
        var found = conversation ?? (id is null ? null : ModuleState.FindConversation(id));
        if (found is null)
        {
            cmdlet.WriteError(NewError("CodexConversationNotFound", ErrorCategory.ObjectNotFound, id,
                $"No conversation with id '{id}' is loaded in this session's codex runtime."));
            return null;
        }

        try
        {
            // A conversation whose runtime died is resumed in a new runtime before it is used.
            return ModuleState.Recover(found, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            cmdlet.WriteError(ToErrorRecord(ex, found));
            return null;
        }
    }
}

/// <summary>Cmdlets other than turn runners that act on one conversation loaded in this session.</summary>
public abstract class LoadedConversationCmdlet : CodexCmdlet
{
    protected const string ObjectSet = "Conversation";
    protected const string IdSet = "ConversationId";

    /// <summary>The conversation (from New-CodexConversation); binds from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a conversation loaded in this session's runtime; binds from a piped object's ConversationId.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    /// <summary>The conversation these parameters name, or null after writing a CodexConversationNotFound error.</summary>
    protected CodexConversation? ResolveConversation() => ConversationTurnCmdlet.Resolve(this, Conversation, ConversationId);
}

/// <summary>Cmdlets that act on a saved conversation (a thread in the runtime's history) named by its id.</summary>
public abstract class SavedConversationCmdlet : CodexCmdlet
{
    protected const string DefaultSet = "Id";

    /// <summary>The conversation's id; binds from a piped object's Id or ConversationId.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = DefaultSet)]
    [Alias("ConversationId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? Id { get; set; }
}

/// <summary>Cmdlets that read a conversation's saved history: a live conversation object, or the id of a saved one.</summary>
public abstract class ConversationHistoryCmdlet : CodexCmdlet
{
    protected const string ObjectSet = "Conversation";
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
