using System.Collections.Concurrent;
using CodexPS.Engine.Mock;

namespace CodexPS;

/// <summary>The mock model endpoints started in this session (Start-CodexMockProvider); they end with the module.</summary>
internal static class MockRegistry
{
    private static readonly ConcurrentDictionary<MockModelServer, byte> Mocks = new();

    static MockRegistry() => ModuleCleanup.MarkUsed();

    public static IReadOnlyCollection<MockModelServer> All => Mocks.Keys.ToArray();

    /// <summary>The mocks holding warnings nobody has read (a cheap check: most sessions have none).</summary>
    public static IEnumerable<MockModelServer> WithWarnings => Mocks.IsEmpty ? Array.Empty<MockModelServer>() : Mocks.Keys.Where(m => m.HasWarnings);

    public static void Add(MockModelServer mock) => Mocks[mock] = 0;

    public static void Remove(MockModelServer mock)
    {
        Mocks.TryRemove(mock, out _);

        // Bounded: a stop that hangs must not hang the command (or the host's exit) with it.
        PipelineWait.WaitAtMost(mock.DisposeAsync().AsTask(), TimeSpan.FromSeconds(3));
    }

    public static void StopAll()
    {
        foreach (var mock in Mocks.Keys)
        {
            Remove(mock);
        }
    }
}
