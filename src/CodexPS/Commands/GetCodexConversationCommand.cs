using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Lists the runtime's saved conversations (threads), including those of earlier sessions.</summary>
[Cmdlet(VerbsCommon.Get, "CodexConversation", DefaultParameterSetName = ListSet)]
[OutputType(typeof(CodexThreadInfo))]
public sealed class GetCodexConversationCommand : CodexCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";

    /// <summary>Ids of saved conversations to read.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("ConversationId")]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only conversations whose title contains this text.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Search { get; set; }

    /// <summary>Only conversations whose working directory is exactly this folder.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Archived conversations instead of active ones.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter Archived { get; set; }

    /// <summary>At most this many conversations (newest first).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == IdSet)
        {
            foreach (var id in Id!)
            {
                try
                {
                    WriteObject(Await(ClientOf(id).ReadThreadAsync(id, CancellationToken)));
                }
                catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
                {
                    WriteError(ToErrorRecord(ex, id));
                }
            }

            return;
        }

        var client = GetClient();
        var query = new CodexThreadQuery
        {
            Search = Search,
            WorkingDirectory = WorkingDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(WorkingDirectory),
            Archived = Archived,
            PageSize = First is { } first && first < 50 ? first : null,
        };
        var written = 0;
        string? cursor = null;
        try
        {
            // Pages are fetched only as the pipeline consumes them, so -First or Select-Object -First stops early.
            do
            {
                var page = Await(client.ListThreadsPageAsync(query, cursor, CancellationToken));
                foreach (var thread in page.Items)
                {
                    WriteObject(thread);
                    if (First is { } limit && ++written >= limit)
                    {
                        return;
                    }
                }

                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, query));
        }
    }
}
