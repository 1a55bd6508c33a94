# Dot-sourced by tests that need a stand-in for OpenAI's own services (never the model endpoint, which is the mock):
# the sign-in issuer (auth.openai.com: /oauth/token) and the ChatGPT backend (chatgpt.com/backend-api: /wham/...).
# The runtime is pointed at it with CODEX_APP_SERVER_LOGIN_ISSUER and the chatgpt_base_url config key.

function New-TestJwt {
    # An unsigned JWT with the claims the runtime reads from ChatGPT tokens (email, plan, account); never a real token.
    param([string] $Email = 'codexps-test@example.com', [string] $Plan = 'plus', [string] $AccountId = 'acct-codexps-test')
    $encode = { param($o) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(($o | ConvertTo-Json -Compress -Depth 5))).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $claims = [ordered]@{
        email                           = $Email
        exp                             = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds()
        'https://api.openai.com/auth'    = @{ chatgpt_plan_type = $Plan; chatgpt_account_id = $AccountId; chatgpt_user_id = 'user-codexps-test' }
        'https://api.openai.com/profile' = @{ email = $Email }
    }
    (& $encode @{ alg = 'none'; typ = 'JWT' }) + '.' + (& $encode $claims) + '.codexps-test-signature'
}

function Start-FakeChatGptService {
    # Routes: path suffix -> JSON text (status 200); /oauth/token answers with tokens; anything else 404.
    param([hashtable] $Routes = @{}, [int] $Status = 200)
    $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $listener = [Net.HttpListener]::new()
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $log = [Collections.Concurrent.ConcurrentQueue[object]]::new()
    $token = New-TestJwt
    $tokens = @{ id_token = $token; access_token = $token; refresh_token = 'codexps-test-refresh'; expires_in = 3600 } | ConvertTo-Json -Compress
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($listener, $log, $routes, $tokens, $status)
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                $path = $context.Request.Url.AbsolutePath
                $log.Enqueue([pscustomobject]@{ Method = $context.Request.HttpMethod; Path = $path; Authorization = [bool]$context.Request.Headers['Authorization'] })
                $code = 404; $text = '{"error":"not found"}'
                if ($path -like '*/oauth/token') { $code = 200; $text = $tokens }
                foreach ($suffix in $routes.Keys) { if ($path -like "*$suffix") { $code = $status; $text = $routes[$suffix] } }
                $bytes = [Text.Encoding]::UTF8.GetBytes($text)
                $context.Response.StatusCode = $code
                $context.Response.ContentType = 'application/json'
                $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                $context.Response.Close()
            }
        }).AddArgument($listener).AddArgument($log).AddArgument($Routes).AddArgument($tokens).AddArgument($Status)
    [pscustomobject]@{ Url = "http://127.0.0.1:$port"; BackendUrl = "http://127.0.0.1:$port/backend-api/"; Listener = $listener; Log = $log; PowerShell = $ps; Handle = $ps.BeginInvoke() }
}

function Stop-FakeChatGptService {
    param($Service)
    $Service.Listener.Stop()
    $null = $Service.Handle.AsyncWaitHandle.WaitOne(5000)
    $Service.PowerShell.Dispose()
}

function Test-LocalPort {
    # Whether something accepts TCP connections at http://host:port/... (the runtime's login callback server).
    param([string] $Url)
    $uri = [Uri]$Url
    $client = [Net.Sockets.TcpClient]::new()
    try { $client.Connect($uri.Host, $uri.Port); $true } catch { $false } finally { $client.Dispose() }
}
