namespace CodexPS.Engine.Protocol;

/// <summary>One thing a hook run reported: Kind is Warning, Stop, Feedback, Context or Error.</summary>
public sealed record CodexHookOutput(string Kind, string Text)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Text}";
}
