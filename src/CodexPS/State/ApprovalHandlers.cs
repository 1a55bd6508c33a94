using System.Management.Automation;
using System.Runtime.CompilerServices;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>The script-block approval handlers given to New-CodexConversation, kept as long as their conversation lives.</summary>
internal static class ApprovalHandlers
{
    private static readonly ConditionalWeakTable<CodexConversation, ScriptBlock> Handlers = new();

    public static void Set(CodexConversation conversation, ScriptBlock? handler)
    {
        Handlers.Remove(conversation);
        if (handler is not null)
        {
            Handlers.Add(conversation, handler);
        }
    }

    public static ScriptBlock? Get(CodexConversation conversation) => Handlers.TryGetValue(conversation, out var handler) ? handler : null;
}
