using CodexPS.Engine.Models;

namespace CodexPS.Completers;

/// <summary>The last model list the session saw, for tab completion without a runtime.</summary>
internal static class ModelCache
{
    private static IReadOnlyList<CodexModel> _models = Array.Empty<CodexModel>();

    public static IReadOnlyList<CodexModel> Models => Volatile.Read(ref _models);

    public static void Remember(IReadOnlyList<CodexModel> models)
    {
        if (models.Count > 0)
        {
            Volatile.Write(ref _models, models);
        }
    }
}
