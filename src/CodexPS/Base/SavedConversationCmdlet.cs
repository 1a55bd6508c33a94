using CodexPS.Engine;
using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>Cmdlets that act on a saved conversation (a thread in the runtime's history) named by its id.</summary>
public abstract class SavedConversationCmdlet : CodexCmdlet
{
    /// <summary>The parameter set that takes the conversation's id.</summary>
    protected const string DefaultSet = "Id";

    /// <summary>The conversation's id; binds from a piped object's Id or ConversationId.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = DefaultSet)]
    [Alias("ConversationId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? Id { get; set; }
}
