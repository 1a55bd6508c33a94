namespace CodexPS.Engine;

/// <summary>Base of every error the engine raises; ErrorId is stable and becomes the PowerShell ErrorId.</summary>
public class CodexException : Exception
{
    /// <summary>Creates an error with the stable id PowerShell reports it under.</summary>
    public CodexException(string errorId, string message, Exception? inner = null) : base(message, inner)
    {
        ErrorId = errorId;
    }

    /// <summary>The stable PascalCase id that becomes the ErrorRecord's ErrorId; scripts may match on it.</summary>
    public string ErrorId { get; }
}
