namespace CodexPS.Engine.Metrics;

/// <summary>Why the metric store cannot be used: its ErrorId and what happened.</summary>
public sealed class CodexMetricStoreException : CodexException
{
    /// <summary>A store problem with its ErrorId, the file concerned and what happened.</summary>
    /// <param name="errorId">The error id PowerShell's error record gets.</param>
    /// <param name="path">The store file concerned.</param>
    /// <param name="message">What happened.</param>
    /// <param name="inner">The exception that caused it, if any.</param>
    public CodexMetricStoreException(string errorId, string path, string message, Exception? inner = null) : base(errorId, message, inner)
    {
        Path = path;
    }

    /// <summary>The store file concerned.</summary>
    public string Path { get; }
}
