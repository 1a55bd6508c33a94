using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>
/// The hooks the runtime found in its configuration (hooks/list): for a conversation, or for working directories,
/// with each hook's event, command, source file and trust status.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CodexHook", DefaultParameterSetName = DirectorySet)]
[OutputType(typeof(CodexHook))]
public sealed class GetCodexHookCommand : CodexCmdlet
{
    private const string DirectorySet = "WorkingDirectory";
    private const string ObjectSet = "Conversation";
    private const string IdSet = "ConversationId";

    /// <summary>The folders whose hooks to list (project hooks depend on the folder); default: the current location.</summary>
    [Parameter(Position = 0, ParameterSetName = DirectorySet)]
    public string[]? WorkingDirectory { get; set; }

    /// <summary>A conversation whose hooks to list; binds from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a conversation loaded in this session's runtime.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    /// <summary>Only hooks of these events (UserPromptSubmit, PreToolUse, ...); wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? EventName { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        CodexClient client;
        string? threadId = null;
        IReadOnlyList<string>? directories = null;
        object target;
        if (ParameterSetName == DirectorySet)
        {
            var list = new List<string>();
            foreach (var given in WorkingDirectory ?? new[] { SessionState.Path.CurrentFileSystemLocation.ProviderPath })
            {
                var dir = ResolveDirectory(given, out var error);
                if (dir is null)
                {
                    WriteError(error!);
                    continue;
                }

                list.Add(dir);
            }

            if (list.Count == 0)
            {
                return;
            }

            directories = list;
            client = GetClient();
            target = string.Join(", ", list);
        }
        else
        {
            var conversation = ConversationTurnCmdlet.Resolve(this, Conversation, ConversationId, CancellationToken);
            if (conversation is null)
            {
                return;
            }

            client = conversation.Client;
            threadId = conversation.Id;
            target = conversation;
        }

        try
        {
            var (hooks, problems) = Await(client.ListHooksAsync(threadId, directories, CancellationToken));
            foreach (var problem in problems)
            {
                WriteWarning($"codex hooks: {problem}");
            }

            var patterns = EventName?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (var hook in hooks)
            {
                if (patterns is null || patterns.Any(p => p.IsMatch(hook.EventName ?? string.Empty)))
                {
                    WriteObject(hook);
                }
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, target));
        }
    }
}
