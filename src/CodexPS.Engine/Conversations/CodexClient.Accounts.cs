using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>Logging the runtime in and out, and what it knows about its account and managed requirements.</summary>
public sealed partial class CodexClient
{
    /// <summary>How long a cancelled device-code login may take to be withdrawn from the runtime.</summary>
    private static readonly TimeSpan LoginCancelTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the runtime waits for new ChatGPT tokens; a handler slower than this is too late anyway.</summary>
    private static readonly TimeSpan TokensRefreshTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long an access-token login may take to be confirmed (the runtime checks the workspace first).</summary>
    private static readonly TimeSpan TokenLoginTimeout = TimeSpan.FromSeconds(30);

    // The completion of the access-token login in flight: its account/login/completed carries no loginId.
    private TaskCompletionSource<(bool Success, string? Error)>? _tokenLogin;

    // Keyed by loginId; whichever of the waiter and the account/login/completed notification comes first adds the entry.
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(bool Success, string? Error)>> _logins = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether the model provider authenticates with an OpenAI login, as the last account/read said; null before.
    /// When it does not (a custom provider such as the mock), the runtime reports no account even after a login.
    /// </summary>
    public bool? RequiresOpenaiAuth { get; private set; }

    /// <summary>
    /// Answers the runtime's account/chatgptAuthTokens/refresh (its ChatGPT access token was refused) with new tokens:
    /// content accessToken, chatgptAccountId (default: the refused tokens' account), chatgptPlanType. Null declines.
    /// </summary>
    public ICodexServerRequestHandler? AuthTokensRefreshHandler { get; set; }

    /// <summary>Whether the runtime was initialized with its experimental API.</summary>
    public bool ExperimentalApi => _options.ExperimentalApi;

    /// <summary>
    /// Logs the runtime in with ChatGPT tokens obtained elsewhere (login type chatgptAuthTokens, which the runtime
    /// offers through its experimental API only). The runtime keeps them in memory, not in auth.json; when they are
    /// refused it asks <see cref="AuthTokensRefreshHandler"/> for new ones. The token is read out of the SecureString
    /// only to build the request, and no exception raised here carries it.
    /// </summary>
    public async Task<CodexAccount?> LoginWithChatGptTokensAsync(SecureString accessToken, string accountId, string? planType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        EnsureRunning();
        if (!_options.ExperimentalApi)
        {
            throw new CodexException("CodexExperimentalApiRequired",
                "The runtime takes ChatGPT access tokens through its experimental API only; connect with Connect-Codex -ExperimentalApi first.");
        }

        var token = ReadSecure(accessToken);
        if (token.Length == 0)
        {
            throw new CodexException("CodexAccessTokenEmpty", "The access token is empty.");
        }

        var parameters = new JsonObject { ["type"] = "chatgptAuthTokens", ["accessToken"] = token, ["chatgptAccountId"] = accountId };
        if (!string.IsNullOrEmpty(planType))
        {
            parameters["chatgptPlanType"] = planType;
        }

        var completed = new TaskCompletionSource<(bool Success, string? Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _tokenLogin, completed);
        try
        {
            try
            {
                await Rpc.RequestAsync("account/login/start", parameters, cancellationToken).ConfigureAwait(false);
            }
            catch (CodexRpcException ex)
            {
                // A new exception without the original as inner one: its data member could echo the request.
                throw new CodexException("CodexLoginRejected", ex.Message.Replace(token, "***", StringComparison.Ordinal));
            }

            var outcome = await completed.Task.WaitAsync(TokenLoginTimeout, cancellationToken).ConfigureAwait(false);
            if (!outcome.Success)
            {
                throw new CodexException("CodexLoginFailed", "The runtime did not take the ChatGPT tokens: " + (outcome.Error ?? "it gave no reason."));
            }
        }
        catch (TimeoutException)
        {
            throw new CodexException("CodexLoginFailed", $"The runtime did not confirm the ChatGPT tokens within {TokenLoginTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            parameters.Remove("accessToken");
            Interlocked.CompareExchange(ref _tokenLogin, null, completed);
        }

        return await ReadAccountAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The account's rate limits (account/rateLimits/read), read from the ChatGPT backend without a turn. Only a ChatGPT
    /// login has them: otherwise the runtime refuses, and this throws CodexRpcException with its reason.
    /// </summary>
    public async Task<CodexRateLimits> ReadRateLimitsAsync(CancellationToken cancellationToken)
    {
        var answer = await RequestAsync("account/rateLimits/read", null, cancellationToken).ConfigureAwait(false);
        return new CodexRateLimits(answer.Prop("rateLimits"), DateTimeOffset.Now);
    }

    /// <summary>The account's token activity (account/usage/read); like the rate limits, for a ChatGPT login only.</summary>
    public async Task<CodexAccountUsage> ReadUsageAsync(CancellationToken cancellationToken)
    {
        var answer = await RequestAsync("account/usage/read", null, cancellationToken).ConfigureAwait(false);
        return new CodexAccountUsage(answer, DateTimeOffset.Now);
    }

    /// <summary>The account the runtime is logged in with, or null when it is logged out.</summary>
    public async Task<CodexAccount?> ReadAccountAsync(CancellationToken cancellationToken)
    {
        var answer = await RequestAsync("account/read", new JsonObject(), cancellationToken).ConfigureAwait(false);
        RequiresOpenaiAuth = answer.Bool("requiresOpenaiAuth");
        return CodexAccount.FromReadAnswer(answer);
    }

    /// <summary>
    /// Logs the runtime in with an OpenAI API key, which the runtime stores in CODEX_HOME/auth.json. The key is
    /// read out of the SecureString only to build the request, and no exception raised here carries it.
    /// </summary>
    public async Task<CodexAccount?> LoginWithApiKeyAsync(SecureString apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        EnsureRunning();
        var key = ReadSecure(apiKey);
        if (key.Length == 0)
        {
            // The runtime would accept an empty key and store it; an empty key is always a mistake.
            throw new CodexException("CodexApiKeyEmpty", "The API key is empty.");
        }

        var parameters = new JsonObject { ["type"] = "apiKey", ["apiKey"] = key };
        try
        {
            await Rpc.RequestAsync("account/login/start", parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (CodexRpcException ex)
        {
            // A new exception without the original as inner one: its data member could echo the request.
            throw new CodexException("CodexLoginRejected", ex.Message.Replace(key, "***", StringComparison.Ordinal));
        }
        finally
        {
            parameters.Remove("apiKey");
        }

        return await ReadAccountAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a ChatGPT device-code login; the runtime needs to reach auth.openai.com (or the issuer in
    /// CODEX_APP_SERVER_LOGIN_ISSUER) for it. When cancelled before the answer, the login is withdrawn once it arrives.
    /// </summary>
    public async Task<CodexDeviceCodeLogin> StartDeviceCodeLoginAsync(CancellationToken cancellationToken)
    {
        var answer = await StartLoginAsync("chatgptDeviceCode", "CodexDeviceCodeLoginFailed", "a device-code login", cancellationToken).ConfigureAwait(false);
        if (answer.Str("loginId") is not { } loginId || answer.Str("verificationUrl") is not { } url || answer.Str("userCode") is not { } code)
        {
            throw new CodexException("CodexProtocolError", "The codex runtime's answer to a device-code login lacks loginId, verificationUrl or userCode: " + answer.GetRawText());
        }

        _logins.GetOrAdd(loginId, NewLoginWaiter);
        return new CodexDeviceCodeLogin(loginId, url, code);
    }

    /// <summary>
    /// Starts a ChatGPT browser login: the runtime opens a local callback server (127.0.0.1:1455) and answers the
    /// sign-in page to open. When cancelled before the answer, the login is withdrawn once it arrives.
    /// </summary>
    public async Task<CodexBrowserLogin> StartBrowserLoginAsync(CancellationToken cancellationToken)
    {
        var answer = await StartLoginAsync("chatgpt", "CodexBrowserLoginFailed", "a browser login", cancellationToken).ConfigureAwait(false);
        if (answer.Str("loginId") is not { } loginId || answer.Str("authUrl") is not { } url)
        {
            throw new CodexException("CodexProtocolError", "The codex runtime's answer to a browser login lacks loginId or authUrl: " + answer.GetRawText());
        }

        _logins.GetOrAdd(loginId, NewLoginWaiter);
        return new CodexBrowserLogin(loginId, url);
    }

    private async Task<JsonElement> StartLoginAsync(string type, string failedId, string what, CancellationToken cancellationToken)
    {
        // Not abandoned on cancellation: a login the runtime has started must be withdrawn, which needs its id.
        var request = RequestAsync("account/login/start", new JsonObject { ["type"] = type }, CancellationToken.None);
        try
        {
            return await request.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = WithdrawWhenStartedAsync(request);
            throw;
        }
        catch (CodexRpcException ex)
        {
            throw new CodexException(failedId, $"The codex runtime could not start {what}: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Waits until the person has entered the code (account/login/completed) and returns the account. When the
    /// token is cancelled first, the login is withdrawn from the runtime (account/login/cancel) before this ends.
    /// </summary>
    public Task<CodexAccount?> WaitForLoginAsync(CodexDeviceCodeLogin login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(login);
        return WaitForLoginAsync(login.LoginId, cancellationToken);
    }

    /// <summary>
    /// Waits until the sign-in in the browser has finished (account/login/completed) and returns the account. When the
    /// token is cancelled first, the login is withdrawn from the runtime (account/login/cancel) before this ends.
    /// </summary>
    public Task<CodexAccount?> WaitForLoginAsync(CodexBrowserLogin login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(login);
        return WaitForLoginAsync(login.LoginId, cancellationToken);
    }

    private async Task<CodexAccount?> WaitForLoginAsync(string loginId, CancellationToken cancellationToken)
    {
        var waiter = _logins.GetOrAdd(loginId, NewLoginWaiter);
        (bool Success, string? Error) outcome;
        try
        {
            outcome = await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await CancelLoginAsync(loginId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _logins.TryRemove(loginId, out _);
        }

        if (!outcome.Success)
        {
            throw new CodexException("CodexLoginFailed", "The ChatGPT login failed: " + (outcome.Error ?? "the runtime gave no reason."));
        }

        return await ReadAccountAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Withdraws a pending login; one that has already ended is left alone.</summary>
    public async Task CancelLoginAsync(string loginId)
    {
        if (State != CodexRuntimeState.Running)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(LoginCancelTimeout);
        try
        {
            await Rpc.RequestAsync("account/login/cancel", new JsonObject { ["loginId"] = loginId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CodexException or OperationCanceledException)
        {
            // The login ended meanwhile or the runtime is going away: nothing is left to withdraw.
        }
    }

    /// <summary>
    /// For a caller that stopped waiting before it could wait for the login (Ctrl+C just as the answer came):
    /// withdraws the login once its start has succeeded; a start that failed leaves nothing to withdraw.
    /// </summary>
    public async Task AbandonLoginAsync(Task<CodexDeviceCodeLogin> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            var login = await start.ConfigureAwait(false);
            await CancelLoginAsync(login.LoginId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CodexException or OperationCanceledException)
        {
            // The login never started.
        }
    }

    /// <inheritdoc cref="AbandonLoginAsync(Task{CodexDeviceCodeLogin})"/>
    public async Task AbandonLoginAsync(Task<CodexBrowserLogin> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            var login = await start.ConfigureAwait(false);
            await CancelLoginAsync(login.LoginId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CodexException or OperationCanceledException)
        {
            // The login never started.
        }
    }

    private async Task WithdrawWhenStartedAsync(Task<JsonElement> start)
    {
        try
        {
            if ((await start.ConfigureAwait(false)).Str("loginId") is { } loginId)
            {
                await CancelLoginAsync(loginId).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is CodexException or OperationCanceledException)
        {
            // The login never started.
        }
    }

    /// <summary>Logs the runtime out; its stored credentials are removed.</summary>
    public Task LogoutAsync(CancellationToken cancellationToken)
    {
        return RequestAsync("account/logout", null, cancellationToken);
    }

    /// <summary>The managed requirements (requirements.toml, MDM) the runtime enforces, or null when there are none.</summary>
    public async Task<JsonElement?> ReadConfigRequirementsAsync(CancellationToken cancellationToken)
    {
        var answer = await RequestAsync("configRequirements/read", null, cancellationToken).ConfigureAwait(false);
        var requirements = answer.Prop("requirements");
        return requirements.ValueKind == JsonValueKind.Object ? requirements.Clone() : null;
    }

    /// <summary>Handles account/login/completed; returns false for other account notifications.</summary>
    private bool OnLoginNotification(string method, JsonElement parameters)
    {
        if (method != "account/login/completed")
        {
            return false;
        }

        // API-key and access-token logins complete with a null loginId; only an access-token login waits for it.
        if (parameters.Str("loginId") is { } loginId)
        {
            _logins.GetOrAdd(loginId, NewLoginWaiter).TrySetResult((parameters.Bool("success") ?? false, parameters.Str("error")));
        }
        else
        {
            Volatile.Read(ref _tokenLogin)?.TrySetResult((parameters.Bool("success") ?? false, parameters.Str("error")));
        }

        return true;
    }

    private static TaskCompletionSource<(bool Success, string? Error)> NewLoginWaiter(string loginId) =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string ReadSecure(SecureString value)
    {
        var pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(value);
            return (Marshal.PtrToStringUni(pointer, value.Length) ?? string.Empty).Trim();
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }
}
