using System.Management.Automation;
using System.Security;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Logs the session's runtime in: with an OpenAI API key, or with ChatGPT in the browser or by device code.</summary>
[Cmdlet(VerbsCommunications.Connect, "CodexAccount", DefaultParameterSetName = ApiKeySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexAccount))]
public sealed class ConnectCodexAccountCommand : CodexCmdlet
{
    private const string ApiKeySet = "ApiKey";
    private const string DeviceCodeSet = "DeviceCode";
    private const string ChatGptSet = "ChatGpt";
    private const string AccessTokenSet = "AccessToken";
    private static readonly string[] DeviceCodeTags = { "PSHOST", "CodexDeviceCode" };
    private static readonly string[] BrowserTags = { "PSHOST", "CodexChatGptLogin" };
    private PendingLogin? _pendingLogin;

    /// <summary>The OpenAI API key; it is read out of the SecureString only to be sent to the runtime.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ApiKeySet)]
    [ValidateNotNull]
    public SecureString? ApiKey { get; set; }

    /// <summary>Logs in with ChatGPT: shows a URL and a one-time code, and waits until the code was entered.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
    public SwitchParameter DeviceCode { get; set; }

    /// <summary>
    /// Logs in with ChatGPT in the browser: opens the sign-in page (or shows its URL where no browser can be opened)
    /// and waits until the sign-in has finished. The page answers the runtime's local server, so the browser must run
    /// on this machine; elsewhere use -DeviceCode.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ChatGptSet)]
    public SwitchParameter ChatGpt { get; set; }

    /// <summary>Shows the sign-in URL instead of opening a browser.</summary>
    [Parameter(ParameterSetName = ChatGptSet)]
    public SwitchParameter NoBrowser { get; set; }

    /// <summary>Opens the sign-in URL this way instead of the system's browser: the script block gets the URL as $_ and $args[0].</summary>
    [Parameter(ParameterSetName = ChatGptSet)]
    [ValidateNotNull]
    public ScriptBlock? Browser { get; set; }

    /// <summary>
    /// A ChatGPT access token (JWT) obtained elsewhere, for the runtime to use instead of its own login (the runtime's
    /// chatgptAuthTokens login: experimental, so the runtime must be connected with Connect-Codex -ExperimentalApi).
    /// The runtime keeps it in memory only.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    [ValidateNotNull]
    public SecureString? AccessToken { get; set; }

    /// <summary>The ChatGPT workspace/account id the token belongs to.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    [ValidateNotNullOrEmpty]
    public string? AccountId { get; set; }

    /// <summary>The ChatGPT plan (plus, pro, team, ...); by default the runtime reads it from the token.</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [ValidateNotNullOrEmpty]
    public string? PlanType { get; set; }

    /// <summary>
    /// Gives the runtime new tokens when it reports the token refused (account/chatgptAuthTokens/refresh). It runs in
    /// a runspace of its own (none of the caller's variables), gets the request as $_ (Reason, PreviousAccountId), and
    /// returns the new token (string or SecureString) or a hashtable with AccessToken (and ChatgptAccountId,
    /// ChatgptPlanType). The runtime waits 10 s. Without it, such a request is declined.
    /// </summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [ValidateNotNull]
    public ScriptBlock? RefreshScript { get; set; }

    /// <summary>How long to wait for the sign-in (the device code to be entered, or the browser sign-in to finish).</summary>
    [Parameter(ParameterSetName = DeviceCodeSet)]
    [Parameter(ParameterSetName = ChatGptSet)]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 900;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == DeviceCodeSet)
        {
            LoginWithDeviceCode();
            return;
        }

        if (ParameterSetName == ChatGptSet)
        {
            LoginInBrowser();
            return;
        }

        if (ParameterSetName == AccessTokenSet)
        {
            LoginWithAccessToken();
            return;
        }

        var key = ApiKey!;
        if (key.Length == 0)
        {
            WriteError(NewError("CodexApiKeyEmpty", ErrorCategory.InvalidArgument, key, "The API key is empty."));
            return;
        }

        var client = GetClient();
        if (!ShouldProcess(Path.Combine(client.CodexHome, "auth.json"), "Log in with an API key (stored in this file)"))
        {
            return;
        }

        try
        {
            WriteVerbose("Logging the codex runtime in with an API key.");
            var account = Await(client.LoginWithApiKeyAsync(key, CancellationToken));
            if (account is null && client.RequiresOpenaiAuth == false)
            {
                WriteWarning("The runtime stored the key, but its model provider does not use an OpenAI login, so it reports no account and sends the provider no key.");
            }

            WriteAccount(account);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(LoginError(ex, key));
        }
    }

    private void LoginWithDeviceCode()
    {
        var client = GetClient();
        if (!ShouldProcess(Path.Combine(client.CodexHome, "auth.json"), "Log in with ChatGPT (device code)"))
        {
            return;
        }

        RunInteractiveLogin(
            client,
            client.StartDeviceCodeLoginAsync(CancellationToken),
            "chatgptDeviceCode",
            login => login.LoginId,
            login => login.VerificationUrl,
            login => WriteInformation(
                new HostInformationMessage { Message = $"To sign in, open {login.VerificationUrl} and enter the code {login.UserCode} (it expires; Ctrl+C cancels)." },
                DeviceCodeTags),
            client.WaitForLoginAsync,
            client.AbandonLoginAsync,
            $"The device code was not entered within {TimeoutSec} s; the login was cancelled.",
            noAccountWarning: null);
    }

    private void LoginWithAccessToken()
    {
        var token = AccessToken!;
        if (token.Length == 0)
        {
            WriteError(NewError("CodexAccessTokenEmpty", ErrorCategory.InvalidArgument, token, "The access token is empty."));
            return;
        }

        var client = GetClient();
        if (!ShouldProcess($"codex runtime '{client.Name}'", "Log in with a ChatGPT access token (kept in the runtime's memory)"))
        {
            return;
        }

        // The handler is in place before the login: the runtime may ask for new tokens at once.
        var previous = client.AuthTokensRefreshHandler;
        client.AuthTokensRefreshHandler = RefreshScript is null ? null
            : new Hosting.RefreshScriptHandler(RefreshScript, AccountId!, MyInvocation.MyCommand.Module?.Path);
        (previous as IDisposable)?.Dispose();
        try
        {
            WriteVerbose("Logging the codex runtime in with a ChatGPT access token" + (RefreshScript is null ? "; refresh requests will be declined." : " and a refresh script."));
            var account = Await(client.LoginWithChatGptTokensAsync(token, AccountId!, PlanType, CancellationToken));
            if (account is null && client.RequiresOpenaiAuth == false)
            {
                WriteWarning("The runtime took the ChatGPT tokens, but its model provider does not use an OpenAI login, so it reports no account.");
            }

            WriteAccount(account);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(LoginError(ex, AccountId!));
        }
    }

    private void LoginInBrowser()
    {
        var client = GetClient();
        if (!ShouldProcess(Path.Combine(client.CodexHome, "auth.json"), "Log in with ChatGPT (browser)"))
        {
            return;
        }

        RunInteractiveLogin(
            client,
            client.StartBrowserLoginAsync(CancellationToken),
            "chatgpt",
            login => login.LoginId,
            login => login.AuthUrl,
            login =>
            {
                var openedBy = NoBrowser ? null : OpenBrowser(login.AuthUrl);
                var message = openedBy is not null
                    ? $"Opened the ChatGPT sign-in page with {openedBy}; sign in there (Ctrl+C cancels). If no page opened, open {login.AuthUrl}"
                    : $"To sign in, open {login.AuthUrl} in a browser on this machine (the page answers the runtime at {login.CallbackUrl ?? "a local address"}; " +
                      "on another machine use -DeviceCode). Ctrl+C cancels.";
                WriteInformation(new HostInformationMessage { Message = message }, BrowserTags);
            },
            client.WaitForLoginAsync,
            client.AbandonLoginAsync,
            $"The sign-in did not finish within {TimeoutSec} s; the login was cancelled.",
            "The ChatGPT login succeeded, but the runtime's model provider does not use an OpenAI login, so it reports no account.");
    }

    /// <summary>
    /// A login the person finishes elsewhere (device code, browser): starts it, tells them what to do, waits for its end
    /// within -TimeoutSec. Ctrl+C just as the runtime starts it, Ctrl+C later or the timeout withdraw it from the runtime.
    /// </summary>
    private void RunInteractiveLogin<TLogin>(
        CodexClient client,
        Task<TLogin> start,
        string kind,
        Func<TLogin, string> loginId,
        Func<TLogin, string> target,
        Action<TLogin> announce,
        Func<TLogin, CancellationToken, Task<CodexAccount?>> waitFor,
        Func<Task<TLogin>, Task> abandon,
        string timedOut,
        string? noAccountWarning)
    {
        Task<CodexAccount?>? wait = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        try
        {
            TLogin login;
            try
            {
                login = Await(start);
                Volatile.Write(ref _pendingLogin, new PendingLogin(client, loginId(login)));
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                ThrowTerminatingError(LoginError(ex, kind));
                return;
            }

            announce(login);

            // From here on, cancelling the token withdraws the login from the runtime before the task ends.
            timeout.CancelAfter(TimeSpan.FromSeconds(TimeoutSec));
            wait = waitFor(login, timeout.Token);
            try
            {
                var account = Await(wait);
                if (noAccountWarning is not null && account is null && client.RequiresOpenaiAuth == false)
                {
                    WriteWarning(noAccountWarning);
                }

                WriteAccount(account);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !CancellationToken.IsCancellationRequested)
            {
                ThrowTerminatingError(NewError("CodexLoginTimedOut", ErrorCategory.OperationTimeout, target(login), timedOut));
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                ThrowTerminatingError(LoginError(ex, target(login)));
            }
        }
        finally
        {
            Volatile.Write(ref _pendingLogin, null);
            if (wait is null)
            {
                _ = abandon(start);
            }
        }
    }

    /// <summary>The -Browser script block, else the system's browser; returns what opened the page, or null when nothing could.</summary>
    private string? OpenBrowser(string url)
    {
        if (Browser is null)
        {
            return Hosting.BrowserOpener.TryOpen(url);
        }

        try
        {
            Browser.InvokeWithContext(null, new List<PSVariable> { new("_", url), new("PSItem", url) }, url);
            return "the -Browser script block";
        }
        catch (RuntimeException ex)
        {
            WriteWarning($"The -Browser script block failed ({ex.Message}); open the URL yourself.");
            return null;
        }
    }

    /// <inheritdoc/>
    protected override void StopProcessing()
    {
        // Read before cancelling: the pipeline thread then unwinds and forgets the login.
        var pending = Volatile.Read(ref _pendingLogin);
        base.StopProcessing();

        // Withdrawn from here as well: the unwinding pipeline thread can dispose the linked token source before
        // the cancellation has reached the engine's wait.
        if (pending is not null)
        {
            _ = pending.Client.CancelLoginAsync(pending.LoginId);
        }
    }

    private void WriteAccount(CodexAccount? account)
    {
        if (account is not null)
        {
            WriteObject(account);
        }
    }

    private static ErrorRecord LoginError(Exception exception, object target)
    {
        var record = ToErrorRecord(exception, target);
        var category = record.FullyQualifiedErrorId switch
        {
            "CodexApiKeyEmpty" or "CodexAccessTokenEmpty" => ErrorCategory.InvalidArgument,
            "CodexExperimentalApiRequired" => ErrorCategory.InvalidOperation,
            "CodexLoginRejected" or "CodexLoginFailed" => ErrorCategory.AuthenticationError,
            "CodexDeviceCodeLoginFailed" or "CodexBrowserLoginFailed" => ErrorCategory.ConnectionError,
            _ => record.CategoryInfo.Category,
        };
        return category == record.CategoryInfo.Category
            ? record
            : new ErrorRecord(record.Exception, record.FullyQualifiedErrorId, category, target);
    }

    private sealed record PendingLogin(CodexPS.Engine.Conversations.CodexClient Client, string LoginId);
}
