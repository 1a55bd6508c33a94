namespace CodexPS.Engine;

/// <summary>Base of every error the engine raises; ErrorId is stable and becomes the PowerShell ErrorId.</summary>
public class CodexException : Exception
{
    public CodexException(string errorId, string message, Exception? inner = null) : base(message, inner)
    {
        ErrorId = errorId;
    }

    public string ErrorId { get; }
}
