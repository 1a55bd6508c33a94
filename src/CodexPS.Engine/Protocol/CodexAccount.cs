using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The account the runtime is logged in with (account/read); a logged-out runtime has none.</summary>
public sealed class CodexAccount
{
    private CodexAccount(string authMode, string? email, string? plan, string? workspaceName, string? userId)
    {
        AuthMode = authMode;
        Email = email;
        Plan = plan;
        WorkspaceName = workspaceName;
        UserId = userId;
    }

    /// <summary>How the runtime authenticates: apiKey, chatgpt, amazonBedrock or gcp (the runtime's names).</summary>
    public string AuthMode { get; }

    /// <summary>The ChatGPT account's e-mail address; null for an API key.</summary>
    public string? Email { get; }

    /// <summary>The ChatGPT plan (free, plus, pro, team, ...); null for an API key.</summary>
    public string? Plan { get; }

    /// <summary>The ChatGPT workspace the account belongs to; null when the runtime gives none.</summary>
    public string? WorkspaceName { get; }

    /// <summary>The account's user id from the account/read answer; null when the runtime gives none.</summary>
    public string? UserId { get; }

    /// <summary>The account in an account/read answer, or null when the runtime is logged out.</summary>
    internal static CodexAccount? FromReadAnswer(JsonElement answer)
    {
        var account = answer.Prop("account");
        if (account.ValueKind != JsonValueKind.Object || account.Str("type") is not { } type)
        {
            return null;
        }

        return new CodexAccount(type, account.Str("email"), account.Str("planType"), account.Str("workspaceName"), answer.Str("userId"));
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var details = string.Join(", ", new[] { Email, Plan }.Where(s => !string.IsNullOrEmpty(s)));
        return details.Length == 0 ? AuthMode : $"{AuthMode} ({details})";
    }
}
