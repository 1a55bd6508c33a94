using System.Text.RegularExpressions;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Plugins;

/// <summary>
/// Masks text matching regular expressions in every event (messages, deltas, command lines and output, diffs,
/// reasoning, errors, ...) before it is written or recorded. Identifiers (ids, types, statuses) are left alone.
/// </summary>
/// <remarks>
/// Streamed text arrives in pieces that may split a secret. A piece's last word, and at least its last
/// <see cref="HoldBack"/> characters, are held back until the next piece shows whether they belong to a match;
/// what is held is written with the next piece, or as one more delta just before the item completes. Joined,
/// the deltas of an item still spell its (masked) text.
/// An approval request's Request object is not changed: what you approve is what would run.
/// </remarks>
public sealed class RedactorPlugin : ICodexPlugin
{
    private const int MaxHoldBack = 4096;
    private readonly object _gate = new();
    private readonly Dictionary<(string? Conversation, CodexEventKind Kind, string? Item), (DeltaEvent Template, string Held)> _held = new();
    private CodexPluginContext? _context;

    /// <summary>Masks each of these patterns with "***".</summary>
    public RedactorPlugin(params string[] patterns)
        : this(patterns, "***")
    {
    }

    /// <summary>Masks each pattern with <paramref name="mask"/>; an invalid pattern throws ArgumentException.</summary>
    public RedactorPlugin(IEnumerable<string> patterns, string mask, string name = "Redactor")
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(mask);
        Patterns = patterns.Select(p => new Regex(p ?? throw new ArgumentException("A pattern is null."), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))).ToArray();
        if (Patterns.Count == 0)
        {
            throw new ArgumentException("The redactor needs at least one pattern.", nameof(patterns));
        }

        Mask = mask;
        Name = string.IsNullOrWhiteSpace(name) ? "Redactor" : name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The patterns whose matches are masked, in the order they are applied.</summary>
    public IReadOnlyList<Regex> Patterns { get; }

    /// <summary>What each match is replaced with.</summary>
    public string Mask { get; }

    /// <summary>How many trailing characters of streamed text are held back at least (besides the last word).</summary>
    public int HoldBack { get; init; } = 32;

    /// <summary>The text with every match of every pattern masked.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var pattern in Patterns)
        {
            text = pattern.Replace(text, Mask);
        }

        return text;
    }

    /// <summary>Keeps the context, through which held-back text is written before an item or turn completes.</summary>
    public void Initialize(CodexPluginContext context)
    {
        _context = context;
    }

    /// <summary>Masks the event's text. A delta is partly held back (dropped, when all of it is held) until the next piece or the item's end.</summary>
    public CodexEvent? OnEvent(CodexEvent evt)
    {
        switch (evt)
        {
            case DeltaEvent delta:
                return OnDelta(delta);
            case ItemEvent { Kind: CodexEventKind.ItemCompleted } completed:
                Flush(h => h.Conversation == evt.ConversationId && h.Item == completed.Item.Id);
                break;
            case TurnCompletedEvent:
                Flush(h => h.Conversation == evt.ConversationId);
                break;
        }

        return evt.MapText(Redact);
    }

    /// <summary>Forgets any text still held back.</summary>
    public void Cleanup()
    {
        lock (_gate)
        {
            _held.Clear();
        }
    }

    private DeltaEvent? OnDelta(DeltaEvent delta)
    {
        var key = (delta.ConversationId, delta.Kind, delta.ItemId);
        string text;
        lock (_gate)
        {
            text = _held.Remove(key, out var held) ? held.Held + delta.Delta : delta.Delta;
            var cut = SafeCut(text);
            if (cut < text.Length)
            {
                _held[key] = (delta, text[cut..]);
            }

            text = text[..cut];
        }

        // Everything is held for now: the piece is written later, with the next one.
        return text.Length == 0 ? null : delta.WithDelta(Redact(text));
    }

    /// <summary>Where the text can be cut with no match (nor the last word, nor the last HoldBack characters) after the cut.</summary>
    private int SafeCut(string text)
    {
        var lastSpace = -1;
        for (var i = text.Length - 1; i >= 0; i--)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                lastSpace = i;
                break;
            }
        }

        var cut = Math.Min(text.Length - HoldBack, lastSpace + 1);
        cut = Math.Max(cut, Math.Max(0, text.Length - MaxHoldBack));
        bool moved;
        do
        {
            moved = false;
            foreach (var pattern in Patterns)
            {
                for (var match = pattern.Match(text); match.Success; match = match.NextMatch())
                {
                    if (match.Index < cut && match.Index + match.Length > cut)
                    {
                        cut = match.Index;
                        moved = true;
                    }
                }
            }
        }
        while (moved);
        return Math.Max(0, cut);
    }

    /// <summary>Writes what is held for the matching items, just before the event that ends them.</summary>
    private void Flush(Func<(string? Conversation, CodexEventKind Kind, string? Item), bool> which)
    {
        List<(DeltaEvent Template, string Held)> flushed;
        lock (_gate)
        {
            if (_held.Count == 0)
            {
                return;
            }

            var keys = _held.Keys.Where(which).ToList();
            flushed = keys.Select(k => _held[k]).ToList();
            foreach (var key in keys)
            {
                _held.Remove(key);
            }
        }

        foreach (var (template, held) in flushed)
        {
            _context?.Insert(template.WithDelta(Redact(held)));
        }
    }
}
