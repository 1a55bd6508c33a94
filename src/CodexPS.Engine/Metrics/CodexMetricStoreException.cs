namespace CodexPS.Engine.Metrics;

/// <summary>Why the metric store cannot be used: its ErrorId and what happened.</summary>
public sealed class CodexMetricStoreException : CodexException
{
    public CodexMetricStoreException(string errorId, string path, string message, Exception? inner = null) : base(errorId, message, inner)
    {
        Path = path;
    }

    /// <summary>The store file concerned.</summary>
    public string Path { get; }
}
