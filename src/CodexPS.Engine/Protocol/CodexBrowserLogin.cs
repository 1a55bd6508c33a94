namespace CodexPS.Engine.Protocol;

/// <summary>
/// A ChatGPT browser login in progress: the sign-in page to open, and the runtime's local server that the page sends
/// the answer back to (so the browser must run on the runtime's machine).
/// </summary>
public sealed class CodexBrowserLogin
{
    internal CodexBrowserLogin(string loginId, string authUrl)
    {
        LoginId = loginId;
        AuthUrl = authUrl;
        CallbackUrl = ReadRedirectUri(authUrl);
    }

    /// <summary>The runtime's id for this login attempt.</summary>
    public string LoginId { get; }

    /// <summary>The sign-in page (auth.openai.com, or the issuer in CODEX_APP_SERVER_LOGIN_ISSUER).</summary>
    public string AuthUrl { get; }

    /// <summary>Where the sign-in page sends its answer: the runtime's local callback server; null when the URL names none.</summary>
    public string? CallbackUrl { get; }

    private static string? ReadRedirectUri(string authUrl)
    {
        if (!Uri.TryCreate(authUrl, UriKind.Absolute, out var uri))
        {
            return null;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at > 0 && pair[..at] == "redirect_uri")
            {
                return Uri.UnescapeDataString(pair[(at + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }
}
