using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>What <see cref="CodexClient.ListThreadsPageAsync"/> asks the runtime for.</summary>
public sealed class CodexThreadQuery
{
    /// <summary>A substring of the thread title.</summary>
    public string? Search { get; init; }

    /// <summary>Only threads whose working directory is exactly this path.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Archived threads instead of active ones.</summary>
    public bool Archived { get; init; }

    /// <summary>Page size; null leaves it to the runtime.</summary>
    public int? PageSize { get; init; }
}

/// <summary>The saved history: listing, reading and changing threads, including those of earlier sessions.</summary>
public sealed partial class CodexClient
{
    /// <summary>One page of saved threads, newest first.</summary>
    public async Task<CodexPage<CodexThreadInfo>> ListThreadsPageAsync(CodexThreadQuery query, string? cursor, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["archived"] = query.Archived };
        if (query.Search is not null)
        {
            parameters["searchTerm"] = query.Search;
        }

        if (query.WorkingDirectory is not null)
        {
            parameters["cwd"] = query.WorkingDirectory;
        }

        if (query.PageSize is { } size)
        {
            parameters["limit"] = size;
        }

        if (cursor is not null)
        {
            parameters["cursor"] = cursor;
        }

        var answer = await RequestAsync("thread/list", parameters, cancellationToken).ConfigureAwait(false);
        var threads = answer.Array("data").Select(t => new CodexThreadInfo(t, query.Archived)).ToArray();
        return new CodexPage<CodexThreadInfo>(threads, answer.Str("nextCursor"));
    }

    /// <summary>Every saved thread matching the query, fetched a page at a time as the caller reads.</summary>
    public async IAsyncEnumerable<CodexThreadInfo> ListThreadsAsync(CodexThreadQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await ListThreadsPageAsync(query, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var thread in page.Items)
            {
                yield return thread;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>A saved thread by id; CodexConversationNotFound when the runtime knows none.</summary>
    public async Task<CodexThreadInfo> ReadThreadAsync(string threadId, CancellationToken cancellationToken)
    {
        var answer = await ThreadRequestAsync("thread/read", threadId, null, cancellationToken).ConfigureAwait(false);
        return new CodexThreadInfo(answer.Prop("thread"), archived: null);
    }

    /// <summary>One page of a thread's turns, oldest first, each with its items.</summary>
    public async Task<CodexPage<CodexTurnInfo>> ListTurnsPageAsync(string threadId, string? cursor, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["itemsView"] = "full", ["sortDirection"] = "asc" };
        if (cursor is not null)
        {
            parameters["cursor"] = cursor;
        }

        var answer = await ThreadRequestAsync("thread/turns/list", threadId, parameters, cancellationToken).ConfigureAwait(false);
        var turns = answer.Array("data").Select(t => new CodexTurnInfo(threadId, t)).ToArray();
        return new CodexPage<CodexTurnInfo>(turns, answer.Str("nextCursor"));
    }

    /// <summary>One page of a thread's items (of one turn when <paramref name="turnId"/> is given), oldest first.</summary>
    public async Task<CodexPage<CodexHistoryItem>> ListItemsPageAsync(string threadId, string? turnId, string? cursor, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["sortDirection"] = "asc" };
        if (turnId is not null)
        {
            parameters["turnId"] = turnId;
        }

        if (cursor is not null)
        {
            parameters["cursor"] = cursor;
        }

        JsonElement answer;
        try
        {
            answer = await ThreadRequestAsync("thread/items/list", threadId, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (CodexRpcException ex) when (ex.Code == -32601)
        {
            // codex-cli 0.169.0 answers "not supported yet" for an id it has no thread for; thread/read tells
            // the two cases apart (it throws CodexConversationNotFound for an unknown id).
            await ReadThreadAsync(threadId, cancellationToken).ConfigureAwait(false);
            throw;
        }

        var items = answer.Array("data")
            .Select(e => new CodexHistoryItem(threadId, e.Str("turnId"), CodexItem.FromJson(e.Prop("item"))))
            .ToArray();
        return new CodexPage<CodexHistoryItem>(items, answer.Str("nextCursor"));
    }

    /// <summary>Renames a saved thread (thread/name/set).</summary>
    public Task SetThreadNameAsync(string threadId, string name, CancellationToken cancellationToken)
    {
        return ThreadRequestAsync("thread/name/set", threadId, new JsonObject { ["name"] = name }, cancellationToken);
    }

    /// <summary>Moves the thread's rollout to the archive; it leaves the default listing.</summary>
    public async Task ArchiveThreadAsync(string threadId, CancellationToken cancellationToken)
    {
        await ThreadRequestAsync("thread/archive", threadId, null, cancellationToken).ConfigureAwait(false);
        Unregistered(threadId, "archived");
    }

    /// <summary>Brings an archived thread back to the default listing and returns it as it is now.</summary>
    public async Task<CodexThreadInfo> UnarchiveThreadAsync(string threadId, CancellationToken cancellationToken)
    {
        var answer = await ThreadRequestAsync("thread/unarchive", threadId, null, cancellationToken).ConfigureAwait(false);
        return new CodexThreadInfo(answer.Prop("thread"), archived: false);
    }

    /// <summary>Deletes the thread's saved history for good.</summary>
    public async Task DeleteThreadAsync(string threadId, CancellationToken cancellationToken)
    {
        await ThreadRequestAsync("thread/delete", threadId, null, cancellationToken).ConfigureAwait(false);
        Unregistered(threadId, "deleted");
    }

    /// <summary>Forks a saved thread into a new live conversation that carries its history.</summary>
    public async Task<CodexConversation> ForkConversationAsync(string threadId, CodexConversationOptions options, CancellationToken cancellationToken)
    {
        EnsureCapacity();
        var source = FindConversation(threadId);
        options = options.ForForkOf(source);
        var parameters = options.ToThreadParameters(options.Model, options.WorkingDirectory);
        parameters["excludeTurns"] = true;

        // thread/fork answers in the shape of thread/start, so the conversation is built the same way.
        var answer = await ThreadRequestAsync("thread/fork", threadId, parameters, cancellationToken).ConfigureAwait(false);
        var conversation = new CodexConversation(this, answer, options);
        if (options.Tools.Count == 0 && source is { Tools.Count: > 0 })
        {
            // The runtime gives the fork the source thread's tools; what runs them is the source's.
            conversation.AttachTools(source.Tools);
        }

        _conversations[conversation.Id] = conversation;
        Registered(conversation, CodexConversationEventKind.ConversationCreated, "forked from " + threadId);
        return conversation;
    }

    /// <summary>The live conversation for a thread: the one already loaded, or the saved thread resumed.</summary>
    public async Task<CodexConversation> GetOrResumeConversationAsync(string threadId, CancellationToken cancellationToken)
    {
        if (FindConversation(threadId) is { } loaded)
        {
            return loaded;
        }

        EnsureCapacity();
        var answer = await ThreadRequestAsync("thread/resume", threadId, new JsonObject { ["excludeTurns"] = true }, cancellationToken).ConfigureAwait(false);
        var conversation = new CodexConversation(this, answer, new CodexConversationOptions());
        var added = _conversations.GetOrAdd(conversation.Id, conversation);
        if (ReferenceEquals(added, conversation))
        {
            Registered(conversation, CodexConversationEventKind.ConversationResumed, "resumed from the saved history");
        }

        return added;
    }

    /// <summary>
    /// Compacts a thread's context: the runtime summarises the history with the model in a turn of its own.
    /// Returns that turn once it has ended, read back from the saved history.
    /// </summary>
    public async Task<CodexTurnInfo> CompactThreadAsync(string threadId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var conversation = await GetOrResumeConversationAsync(threadId, cancellationToken).ConfigureAwait(false);
        if (conversation.ActiveTurn is { } running)
        {
            throw new CodexException("CodexTurnInProgress", $"Conversation {threadId} is running turn {running.Id}; compact it when the turn has ended.");
        }

        var before = await NewestTurnAsync(threadId, cancellationToken).ConfigureAwait(false);
        await ThreadRequestAsync("thread/compact/start", threadId, null, cancellationToken).ConfigureAwait(false);

        // The runtime reports the compaction turn only as notifications; the saved history is the record that
        // outlives them, so it is polled until a new turn has ended.
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var newest = await NewestTurnAsync(threadId, cancellationToken).ConfigureAwait(false);
            if (newest is not null && newest.Id != before?.Id && newest.Status is not null and not "InProgress")
            {
                return newest;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new CodexRuntimeUnresponsiveException("thread/compact/start", timeout);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CodexTurnInfo?> NewestTurnAsync(string threadId, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["itemsView"] = "full", ["sortDirection"] = "desc", ["limit"] = 1 };
        var answer = await ThreadRequestAsync("thread/turns/list", threadId, parameters, cancellationToken).ConfigureAwait(false);
        return answer.Array("data").Select(t => new CodexTurnInfo(threadId, t)).FirstOrDefault();
    }

    /// <summary>A request naming one thread; the runtime's ways of saying it knows no such thread become CodexConversationNotFound.</summary>
    private async Task<JsonElement> ThreadRequestAsync(string method, string threadId, JsonObject? parameters, CancellationToken cancellationToken)
    {
        parameters ??= new JsonObject();
        parameters["threadId"] = threadId;
        try
        {
            return await RequestAsync(method, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (CodexRpcException ex) when (ex.Code == -32600 && UnknownThreadPattern().IsMatch(ex.Message))
        {
            throw new CodexException("CodexConversationNotFound", $"The codex runtime has no saved conversation with id '{threadId}' ({method}: {ex.Message}).", ex);
        }
    }

    // Messages of codex-cli 0.169.0 for an id it has no thread for (measured; re-check when the pinned version changes).
    [GeneratedRegex("thread not loaded|thread not found|no rollout found|no archived rollout found|invalid thread id")]
    private static partial Regex UnknownThreadPattern();
}

/// <summary>An item from the saved history with the conversation and turn it belongs to.</summary>
public sealed record CodexHistoryItem(string ConversationId, string? TurnId, CodexItem Item);
