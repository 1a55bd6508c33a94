using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>
/// Where a new conversation goes: the client of the runtime (for a pool, the member placement chose) and a hold on
/// that choice. Until it is disposed the member counts one more unit of load, so placements made at the same time
/// (a fan-out starting many conversations) spread instead of all picking the member that looked idlest. Dispose it
/// once the conversation's turn has started (its active turn then counts) or the conversation exists.
/// </summary>
internal sealed class RuntimePlacement : IDisposable
{
    private Action? _release;

    public RuntimePlacement(CodexClient client, string runtimeName, Action? release)
    {
        Client = client;
        RuntimeName = runtimeName;
        _release = release;
    }

    /// <summary>The running client the conversation is started on.</summary>
    public CodexClient Client { get; }

    /// <summary>The runtime's own name (a pool member's name, such as farm/2).</summary>
    public string RuntimeName { get; }

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
