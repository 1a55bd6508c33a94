using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>One turn of a transcript: the turn from the saved history, its token usage and the approvals recorded in it.</summary>
public sealed class CodexTranscriptTurn
{
    internal CodexTranscriptTurn(int number, CodexTurnInfo turn, CodexTokenUsage? usage, IReadOnlyList<CodexTranscriptApproval> approvals)
    {
        Number = number;
        Turn = turn;
        Usage = usage;
        Approvals = approvals;
    }

    /// <summary>The turn's place in the conversation, from 1.</summary>
    public int Number { get; }

    /// <summary>The turn as thread/turns/list gives it, with its items.</summary>
    public CodexTurnInfo Turn { get; }

    /// <summary>The tokens the turn's model requests used; null when the rollout that records them is not readable here.</summary>
    public CodexTokenUsage? Usage { get; }

    /// <summary>Approvals asked in the turn, from the CodexPS recordings given (the runtime's history keeps none).</summary>
    public IReadOnlyList<CodexTranscriptApproval> Approvals { get; }
}
