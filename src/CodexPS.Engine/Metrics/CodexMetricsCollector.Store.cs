using System.Collections.Concurrent;
using System.Threading.Channels;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>Store I/O: opening the metric store, writing the pending points in batches, and reporting a store that fails.</summary>
public sealed partial class CodexMetricsCollector
{
    private void OpenStore(string? path)
    {
        WriteStore();
        _store?.Dispose();
        _store = null;
        _storeProblem = null;
        _storeProblemId = null;
        if (path is null)
        {
            _pendingStore.Clear();
            return;
        }

        try
        {
            _store = CodexMetricStore.Open(path, _options.StoreRetention);
        }
        catch (CodexMetricStoreException ex)
        {
            ReportStoreProblem(ex);
        }
    }

    private void WriteStore()
    {
        if (StorePath is null || _pendingStore.Count == 0)
        {
            return;
        }

        try
        {
            // A store that failed to open (locked at the time, say) is tried again at each write.
            _store ??= CodexMetricStore.Open(StorePath, _options.StoreRetention);
            _store.Append(_pendingStore);
            _pendingStore.Clear();
            if (_storeProblem is not null)
            {
                _storeProblem = null;
                _storeProblemId = null;
                AddWarning($"CodexPS metrics: the metric store '{StorePath}' is writable again; the points kept meanwhile were written.");
            }
        }
        catch (CodexMetricStoreException ex)
        {
            if (ex.ErrorId != "CodexMetricStoreLocked")
            {
                _store?.Dispose();
                _store = null;
            }

            ReportStoreProblem(ex);
            if (_pendingStore.Count > MaxPendingStorePoints)
            {
                _pendingStore.RemoveRange(0, _pendingStore.Count - MaxPendingStorePoints);
            }
        }
    }

    private void ReportStoreProblem(CodexMetricStoreException ex)
    {
        _storeProblem = ex;
        if (_storeProblemId == ex.ErrorId)
        {
            return;
        }

        _storeProblemId = ex.ErrorId;
        AddWarning($"CodexPS metrics ({ex.ErrorId}): {ex.Message} Metrics are kept in memory; turns are not affected.");
    }
}
