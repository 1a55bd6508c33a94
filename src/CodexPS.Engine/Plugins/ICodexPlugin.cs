using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Plugins;

/// <summary>
/// A plugin: sees every event of every turn of a runtime, in order, and may change, add or drop what is
/// written and recorded. Register it with Register-CodexPlugin or <see cref="CodexPluginSet.Add"/>.
/// </summary>
/// <remarks>
/// A plugin of this interface runs in the engine, on the runtime's reader thread, as each event arrives: before
/// the event is recorded (Start-CodexRecording, -RecordTo) and before any command sees it. Text deltas reach it
/// even when the command did not ask for them (-IncludeDelta), because recordings keep them; those are dropped
/// after the plugins ran. It must be quick (the stream waits for it) and must not block on the pipeline.
/// An exception it throws is reported as a warning of the command running the turn; the event then goes on
/// unchanged and the turn is not affected.
/// </remarks>
public interface ICodexPlugin
{
    /// <summary>The name it is registered under unless the registration gives another.</summary>
    string Name { get; }

    /// <summary>Called once when the plugin is registered; a failure here refuses the registration.</summary>
    void Initialize(CodexPluginContext context);

    /// <summary>
    /// Called for each event, in order. Returns the event to pass on: the same one, a replacement (usually made
    /// with <see cref="CodexEvent.MapText"/>, <see cref="CodexEvent.WithRaw(string)"/> or
    /// <see cref="DeltaEvent.WithDelta"/>), or null to drop it (a turn's TurnCompleted and approval requests cannot
    /// be dropped). <see cref="CodexPluginContext.Insert"/> adds events before the one returned.
    /// </summary>
    CodexEvent? OnEvent(CodexEvent evt);

    /// <summary>Called once when the plugin is unregistered, its runtime disconnected, or the module removed.</summary>
    void Cleanup();
}
