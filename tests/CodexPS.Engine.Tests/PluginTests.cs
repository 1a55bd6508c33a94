using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Persistence;
using CodexPS.Engine.Plugins;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>A plugin for tests: notes what it sees, can throw, replace, drop or insert.</summary>
internal sealed class ProbePlugin : ICodexPlugin
{
    private readonly List<string>? _calls;

    public ProbePlugin(string name, List<string>? calls = null)
    {
        Name = name;
        _calls = calls;
    }

    public string Name { get; }

    public List<CodexEvent> Seen { get; } = new();

    public CodexPluginContext? Context { get; private set; }

    public bool Cleaned { get; private set; }

    public Func<CodexEvent, CodexEvent?>? Behaviour { get; set; }

    public void Initialize(CodexPluginContext context) => Context = context;

    public CodexEvent? OnEvent(CodexEvent evt)
    {
        lock (Seen)
        {
            Seen.Add(evt);
            _calls?.Add($"{Name}:{evt.Kind}");
        }

        return Behaviour is null ? evt : Behaviour(evt);
    }

    public void Cleanup() => Cleaned = true;
}

public sealed class PluginSetTests
{
    private static JsonElement Params(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static DeltaEvent Delta(string text, string item = "m1") =>
        new(CodexEventKind.AgentMessageDelta, "item/agentMessage/delta", "c1", "t1", DateTimeOffset.UnixEpoch,
            Params(JsonSerializer.Serialize(new { threadId = "c1", turnId = "t1", itemId = item, delta = text })));

    private static ItemEvent Completed(string text, string item = "m1") =>
        new(CodexEventKind.ItemCompleted, "item/completed", "c1", "t1", DateTimeOffset.UnixEpoch,
            Params(JsonSerializer.Serialize(new { threadId = "c1", turnId = "t1", item = new { type = "agentMessage", id = item, text } })));

    private static TurnCompletedEvent TurnDone() =>
        new("turn/completed", "c1", "t1", DateTimeOffset.UnixEpoch, Params("""{"threadId":"c1","turn":{"id":"t1","status":"completed"}}"""));

    private static List<CodexEvent> Run(CodexPluginSet set, CodexEvent evt, List<string>? warnings = null)
    {
        var output = new List<CodexEvent>();
        set.Process(evt, output, warn: m => warnings?.Add(m));
        return output;
    }

    [Fact]
    public void PluginsAreCalledInRegistrationOrderAndMayReplaceTheEvent()
    {
        var calls = new List<string>();
        var set = new CodexPluginSet();
        var first = new ProbePlugin("First", calls) { Behaviour = e => e.MapText(t => t.ToUpperInvariant()) };
        var second = new ProbePlugin("Second", calls);
        Assert.Equal(1, set.Add(first).Order);
        Assert.Equal(2, set.Add(second).Order);
        Assert.Equal("First", first.Context!.PluginName);

        var output = Run(set, Completed("hello"));

        Assert.Equal(new[] { "First:ItemCompleted", "Second:ItemCompleted" }, calls);
        var written = Assert.IsType<ItemEvent>(Assert.Single(output));
        Assert.Equal("HELLO", ((AgentMessageItem)written.Item).Text);
        Assert.Equal("m1", written.Item.Id); // identifiers are not mapped
        Assert.Same(written, second.Seen.Single()); // the second plugin saw the first one's replacement
    }

    [Fact]
    public void APluginThatThrowsIsReportedAndTheEventGoesOnUnchanged()
    {
        var set = new CodexPluginSet();
        var after = new ProbePlugin("After");
        var registration = set.Add(new ProbePlugin("Broken") { Behaviour = _ => throw new InvalidOperationException("kaputt") });
        set.Add(after);
        var warnings = new List<string>();
        var evt = Completed("text");

        for (var i = 0; i < CodexPluginSet.ReportedFailures + 5; i++)
        {
            Assert.Same(evt, Assert.Single(Run(set, evt, warnings)));
        }

        Assert.Equal(CodexPluginSet.ReportedFailures + 5, after.Seen.Count);
        Assert.Equal(CodexPluginSet.ReportedFailures, warnings.Count);
        Assert.Contains("Plugin 'Broken' failed on a ItemCompleted event (item/completed)", warnings[0], StringComparison.Ordinal);
        Assert.Contains("kaputt", warnings[0], StringComparison.Ordinal);
        Assert.Contains("not reported", warnings[^1], StringComparison.Ordinal);
        Assert.Equal(CodexPluginSet.ReportedFailures + 5, registration.FailureCount);
    }

    [Fact]
    public void EventsCanBeDroppedAndInsertedButATurnsEndCannotBeDropped()
    {
        var set = new CodexPluginSet();
        CodexPluginContext? context = null;
        var inserter = new ProbePlugin("Inserter");
        inserter.Behaviour = e =>
        {
            if (e is ItemEvent)
            {
                context!.Insert(Delta("inserted"));
            }

            return e is DeltaEvent { Delta: "drop me" } ? null : e;
        };
        set.Add(inserter);
        context = inserter.Context;
        var dropper = new ProbePlugin("Dropper") { Behaviour = e => e is TurnCompletedEvent ? null : e };
        set.Add(dropper);
        var warnings = new List<string>();

        Assert.Empty(Run(set, Delta("drop me")));
        var output = Run(set, Completed("done"));
        Assert.Equal(new[] { CodexEventKind.AgentMessageDelta, CodexEventKind.ItemCompleted }, output.Select(e => e.Kind));
        Assert.Contains(dropper.Seen, e => e is DeltaEvent { Delta: "inserted" }); // later plugins see inserted events
        var end = TurnDone();
        Assert.Same(end, Assert.Single(Run(set, end, warnings)));
        Assert.Contains("Plugin 'Dropper' dropped a TurnCompleted event", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => context!.Insert(Delta("outside")));
    }

    [Fact]
    public void RegistrationErrorsHaveStableIdsAndRemoveCallsCleanup()
    {
        var set = new CodexPluginSet("tenant");
        var plugin = new ProbePlugin("Probe");
        set.Add(plugin);
        Assert.Equal("CodexPluginAlreadyRegistered", Assert.Throws<CodexException>(() => set.Add(new ProbePlugin("probe"))).ErrorId);
        var failing = new ProbePlugin("Failing");
        var init = Assert.Throws<CodexException>(() => set.Add(new ThrowingInitPlugin()));
        Assert.Equal("CodexPluginInitializeFailed", init.ErrorId);
        Assert.Contains("no init", init.Message, StringComparison.Ordinal);
        Assert.Single(set.Registrations);
        Assert.Equal("CodexPluginNotFound", Assert.Throws<CodexException>(() => set.Remove("nope")).ErrorId);

        Assert.Equal("tenant", set.Remove("PROBE").Runtime);
        Assert.True(plugin.Cleaned);
        Assert.Empty(set.Registrations);
        Assert.False(failing.Cleaned);
    }

    [Fact]
    public void ClearCleansUpLastFirstAndSkipsPipelinePluginsOffThePipeline()
    {
        var set = new CodexPluginSet();
        var engine = new ProbePlugin("Engine");
        var script = new ProbePlugin("Script");
        set.Add(engine);
        set.Add(script, onPipelineThread: true);
        Assert.Same(script, set.PipelinePlugins.Single().Plugin);

        // A pipeline plugin is not called by the engine's pass.
        Run(set, Completed("x"));
        Assert.Single(engine.Seen);
        Assert.Empty(script.Seen);

        Assert.Empty(set.Clear(onPipelineThread: false));
        Assert.True(engine.Cleaned);
        Assert.False(script.Cleaned);
        Assert.Empty(set.Registrations);
    }

    [Fact]
    public void TheRedactorMasksASecretSplitOverDeltasAndTheJoinedDeltasSpellTheMaskedText()
    {
        var set = new CodexPluginSet();
        set.Add(new RedactorPlugin(new[] { "sk-[A-Za-z0-9]+" }, "<hidden>"));
        const string text = "The key sk-ABC123def456 opens it; sk-Q9 too.";
        var output = new List<CodexEvent>();
        for (var i = 0; i < text.Length; i += 3)
        {
            set.Process(Delta(text.Substring(i, Math.Min(3, text.Length - i))), output);
        }

        set.Process(Completed(text), output);

        var deltas = output.OfType<DeltaEvent>().ToList();
        Assert.True(deltas.Count > 1);
        Assert.Equal("The key <hidden> opens it; <hidden> too.", string.Concat(deltas.Select(d => d.Delta)));
        Assert.All(output, e => Assert.DoesNotContain("ABC", e.Raw, StringComparison.Ordinal));
        Assert.All(output, e => Assert.DoesNotContain("sk-Q9", e.Raw, StringComparison.Ordinal));
        var completed = Assert.IsType<ItemEvent>(output[^1]);
        Assert.Equal("The key <hidden> opens it; <hidden> too.", ((AgentMessageItem)completed.Item).Text);
        Assert.All(deltas, d => Assert.Equal("m1", d.ItemId));
    }

    [Fact]
    public void TheRedactorRefusesAnInvalidPattern()
    {
        Assert.ThrowsAny<ArgumentException>(() => new RedactorPlugin("sk-["));
        Assert.Equal("a *** b", new RedactorPlugin("secret").Redact("a secret b"));
    }

    private sealed class ThrowingInitPlugin : ICodexPlugin
    {
        public string Name => "ThrowingInit";

        public void Initialize(CodexPluginContext context) => throw new InvalidOperationException("no init");

        public CodexEvent? OnEvent(CodexEvent evt) => evt;

        public void Cleanup()
        {
        }
    }
}

[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimePluginTests
{
    private const string Secret = "sk-Zyx987Wvu654Tsr";

    [Fact]
    public async Task EnginePluginsSeeEveryEventBeforeOutputAndTheRedactorCoversTheRecording()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromText($"Here: {Secret} (keep it)", 8));
        var redactor = rt.Client.Plugins.Add(new RedactorPlugin("sk-[A-Za-z0-9]+"));
        var probe = new ProbePlugin("Probe");
        rt.Client.Plugins.Add(probe);
        Assert.Same(rt.Client, probe.Context!.Client);
        Assert.Equal(rt.Client.RuntimeVersion, probe.Context.RuntimeVersion);
        var dir = TestRuntime.NewTempDirectory("codexps-plugin-rec");
        var conversation = await rt.NewConversationAsync();
        var recording = CodexRecording.Start(conversation, Path.Combine(dir, "r.jsonl"), CodexRecordingFormat.Jsonl);

        // Deltas are not asked for: none is written, yet the plugins (and the recording) get them.
        var turn = await conversation.StartTurnAsync("secret please", new CodexTurnOptions { IncludeDeltas = false }, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);
        await recording.StopAsync();

        Assert.Equal(CodexTurnStatus.Completed, ((TurnCompletedEvent)events[^1]).Status);
        Assert.DoesNotContain(events, e => e is DeltaEvent);
        Assert.Contains(probe.Seen, e => e is DeltaEvent);
        Assert.All(events, e => Assert.DoesNotContain("Zyx987", e.Raw, StringComparison.Ordinal));
        var message = events.OfType<ItemEvent>().Where(e => e.Kind == CodexEventKind.ItemCompleted).Select(e => e.Item).OfType<AgentMessageItem>().Single();
        Assert.Equal("Here: *** (keep it)", message.Text);
        // Everything written was seen by the probe (after the redactor), in the same order.
        var seenOfTurn = probe.Seen.Where(e => e is not DeltaEvent && e.TurnId == turn.Id).ToList();
        Assert.Equal(events, seenOfTurn);
        Assert.Equal("Here: *** (keep it)", string.Concat(probe.Seen.OfType<DeltaEvent>().Select(d => d.Delta)));

        var recorded = await File.ReadAllTextAsync(recording.Path);
        Assert.DoesNotContain("Zyx987", recorded, StringComparison.Ordinal);
        Assert.Contains("Here: *** (keep it)", recorded, StringComparison.Ordinal);
        Assert.Contains("item/agentMessage/delta", recorded, StringComparison.Ordinal);
        Assert.Equal(0, redactor.FailureCount);
    }

    [Fact]
    public async Task AThrowingEnginePluginBecomesAClientWarningAndTheTurnCompletes()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromText("fine", 2));
        rt.Client.Plugins.Add(new ProbePlugin("Grumpy") { Behaviour = e => e is TurnStartedEvent ? throw new InvalidOperationException("grr") : e });
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("go", new CodexTurnOptions { IncludeDeltas = true }, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);

        Assert.Equal(CodexTurnStatus.Completed, ((TurnCompletedEvent)events[^1]).Status);
        Assert.Contains(events, e => e is TurnStartedEvent);
        Assert.Equal("fine", string.Concat(events.OfType<DeltaEvent>().Select(d => d.Delta)));
        var warning = Assert.Single(rt.Client.DrainWarnings(), w => w.Contains("Grumpy", StringComparison.Ordinal));
        Assert.Contains("failed on a TurnStarted event", warning, StringComparison.Ordinal);
        Assert.Contains("grr", warning, StringComparison.Ordinal);
    }
}
