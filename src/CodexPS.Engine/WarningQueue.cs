using System.Collections.Concurrent;

namespace CodexPS.Engine;

/// <summary>
/// Warnings raised off the pipeline thread, kept until a command writes them: oldest first, and bounded, so that
/// when nobody reads them (a script that never calls another CodexPS command) the oldest are dropped.
/// </summary>
internal sealed class WarningQueue
{
    private readonly ConcurrentQueue<string> _items = new();
    private readonly int _capacity;

    public WarningQueue(int capacity)
    {
        _capacity = capacity;
    }

    public bool IsEmpty => _items.IsEmpty;

    public void Add(string message)
    {
        _items.Enqueue(message);
        while (_items.Count > _capacity && _items.TryDequeue(out _))
        {
            // Bounded when nobody reads them.
        }
    }

    /// <summary>Moves every waiting warning into <paramref name="into"/>, oldest first.</summary>
    public void DrainInto(List<string> into)
    {
        while (_items.TryDequeue(out var warning))
        {
            into.Add(warning);
        }
    }

    /// <summary>Takes every waiting warning, oldest first.</summary>
    public IReadOnlyList<string> Drain()
    {
        if (_items.IsEmpty)
        {
            return Array.Empty<string>();
        }

        var list = new List<string>();
        DrainInto(list);
        return list;
    }
}
