using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS;

/// <summary>The session's runtime as Get-CodexStatus reports it; whatever is unknown is null.</summary>
public sealed class CodexStatus
{
    public string? CodexPath { get; private init; }

    public string? CodexVersion { get; private init; }

    public string PinnedCodexVersion => CodexRuntimeLocator.PinnedVersion;

    public string? ModuleVersion { get; private init; }

    public string? CodexHome { get; private init; }

    /// <summary>NotStarted, Running, Exited or Stopped.</summary>
    public string RuntimeState { get; private init; } = "NotStarted";

    public int? ProcessId { get; private init; }

    public DateTimeOffset? StartedAt { get; private init; }

    /// <summary>The account the runtime is logged in with (auth mode and e-mail or plan), null when none.</summary>
    public string? Account { get; private init; }

    public string? ModelProvider { get; private init; }

    /// <summary>The rate limits the runtime last reported (Primary, Secondary); null when it has reported none.</summary>
    public CodexRateLimits? RateLimits { get; private init; }

    public IReadOnlyCollection<CodexConversation> Conversations { get; private init; } = Array.Empty<CodexConversation>();

    internal static CodexStatus Capture(CancellationToken cancellationToken)
    {
        var client = ModuleState.Client;
        var moduleVersion = typeof(CodexStatus).Assembly.GetName().Version?.ToString(3);
        if (client is null)
        {
            string? path = null;
            try
            {
                path = CodexRuntimeLocator.Locate(ModuleState.Settings.CodexPath, new[] { ModuleState.ModuleDirectory }).Path;
            }
            catch (Engine.CodexRuntimeNotFoundException)
            {
                // Not installed: the path stays unknown.
            }

            return new CodexStatus { CodexPath = path, ModuleVersion = moduleVersion };
        }

        return new CodexStatus
        {
            CodexPath = client.Location.Path,
            CodexVersion = client.RuntimeVersion,
            ModuleVersion = moduleVersion,
            CodexHome = client.CodexHome,
            RuntimeState = client.State.ToString(),
            ProcessId = client.ProcessId,
            StartedAt = client.StartedAt,
            Account = client.State == CodexRuntimeState.Running ? ReadAccount(client, cancellationToken) : null,
            ModelProvider = client.ModelProvider?.BaseUrl,
            RateLimits = client.RateLimits,
            Conversations = client.Conversations,
        };
    }

    private static string? ReadAccount(CodexClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var answer = client.RequestAsync("account/read", new System.Text.Json.Nodes.JsonObject(), timeout.Token).GetAwaiter().GetResult();
            var account = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("account", out var a) ? a : default;
            if (account.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var type = account.TryGetProperty("type", out var t) ? t.GetString() : null;
            var email = account.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var plan = account.TryGetProperty("planType", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            return string.Join(" ", new[] { type, email, plan }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (Exception ex) when (ex is Engine.CodexException or OperationCanceledException)
        {
            return null;
        }
    }
}
