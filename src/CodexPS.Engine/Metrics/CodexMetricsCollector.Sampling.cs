using System.Collections.Concurrent;
using System.Threading.Channels;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// Process sampling: each attached runtime's uptime, CPU, memory and request queue, and from them connection status,
/// availability and the health score. Runs on a timer and whenever a runtime attaches or detaches.
/// </summary>
public sealed partial class CodexMetricsCollector
{
    private async Task SampleLoopAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(_options.SampleInterval);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                Post(new SampleSignal());
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private void OnClient(ClientSignal signal)
    {
        if (signal.Attached)
        {
            _observedFrom ??= signal.At;
            if (_downSince is { } down)
            {
                _downtime += signal.At - down;
                _downSince = null;
            }

            _clients.RemoveAll(c => c.Client.State != CodexRuntimeState.Running);
            _clients.Add(new AttachedClient(signal.Client));
        }
        else if (!_clients.Any(c => c.Client != signal.Client && c.Client.State == CodexRuntimeState.Running))
        {
            _downSince ??= signal.At;
        }

        SampleClients(signal.At);
    }

    private void SampleQueues(DateTimeOffset at)
    {
        foreach (var client in _clients)
        {
            if (client.Client.State == CodexRuntimeState.Running && client.Client.PendingRequestCount is { } pending)
            {
                Record(at, RequestQueueSize, pending);
            }
        }
    }

    private void SampleClients(DateTimeOffset at)
    {
        if (_observedFrom is null)
        {
            return;
        }

        var running = 0;
        foreach (var attached in _clients)
        {
            var client = attached.Client;
            if (client.State != CodexRuntimeState.Running)
            {
                continue;
            }

            running++;
            Record(at, Uptime, Math.Max(0, (at - client.StartedAt).TotalSeconds));
            if (client.PendingRequestCount is { } pending)
            {
                Record(at, RequestQueueSize, pending);
            }

            if (client.SampleRuntimeProcess() is { } sample)
            {
                Record(at, MemoryUsage, sample.WorkingSet);
                double? memoryPercent = null;
                var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                if (available > 0)
                {
                    memoryPercent = 100.0 * sample.WorkingSet / available;
                    Record(at, MemoryUtilization, memoryPercent.Value);
                }

                double? cpuPercent = null;
                if (attached.LastSampleAt is { } previousAt && at > previousAt)
                {
                    var cpu = (sample.ProcessorTime - attached.LastProcessorTime).TotalSeconds / ((at - previousAt).TotalSeconds * Environment.ProcessorCount) * 100;
                    cpuPercent = Math.Clamp(cpu, 0, 100);
                    Record(at, CpuUsage, cpuPercent.Value);
                }

                // The resource nearest exhaustion; unknown until both are (the first sample has no CPU interval).
                if (memoryPercent is { } memory && cpuPercent is { } processor)
                {
                    Record(at, ResourceUtilization, Math.Max(memory, processor));
                }

                attached.LastSampleAt = at;
                attached.LastProcessorTime = sample.ProcessorTime;
            }
        }

        // A runtime that ended on its own between two samples is down from the moment it was noticed.
        if (running == 0 && _clients.Any(c => c.Client.State == CodexRuntimeState.Exited))
        {
            _downSince ??= at;
        }

        Record(at, ConnectionStatus, running > 0 ? 1 : 0);
        Record(at, ActiveConnections, running);
        var observed = at - _observedFrom.Value;
        var down = _downtime + (_downSince is { } since ? at - since : TimeSpan.Zero);
        double? runtimeAvailability = observed > TimeSpan.Zero ? Math.Clamp(100 * (1 - down / observed), 0, 100) : null;
        if (runtimeAvailability is { } a)
        {
            Record(at, RuntimeAvailability, a);
        }

        if (running == 0)
        {
            Record(at, SystemHealthScore, 0);
            return;
        }

        // The formula the catalog documents for system_health_score: the mean of the components known so far.
        var components = new List<double>();
        if (_serviceAvailability is { } service)
        {
            components.Add(service);
        }

        if (runtimeAvailability is { } runtime)
        {
            components.Add(runtime);
        }

        if (_recent.Count > 0)
        {
            components.Add(100 - (100.0 * _recent.Count(t => t.Failed) / _recent.Count));
            components.Add(100.0 * _recent.Count(t => !t.Unstable) / _recent.Count);
        }

        if (_primaryUsed is { } primary)
        {
            components.Add(100 - Math.Clamp(primary, 0, 100));
        }

        if (components.Count > 0)
        {
            Record(at, SystemHealthScore, components.Average());
        }
    }

    private sealed class AttachedClient(CodexClient client)
    {
        public CodexClient Client { get; } = client;

        public DateTimeOffset? LastSampleAt { get; set; }

        public TimeSpan LastProcessorTime { get; set; }
    }
}
