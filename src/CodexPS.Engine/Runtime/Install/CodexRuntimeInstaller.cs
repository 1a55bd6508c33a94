using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// Installs a codex runtime from the npm registry without Node: downloads the platform package
/// (@openai/codex@&lt;version&gt;-&lt;platform&gt;) to a temporary file, checks its sha512 (the build-time integrity
/// for the pinned version, the registry's own for another), extracts it into a temporary folder beside the
/// destination and renames that into place. Every failure leaves the destination as it was, so a runtime installed
/// before stays usable; the temporary files are removed.
/// </summary>
public sealed partial class CodexRuntimeInstaller
{
    /// <summary>The public npm registry.</summary>
    public const string DefaultRegistry = "https://registry.npmjs.org/";

    /// <summary>The environment variable that names another registry (a mirror, or a test's local server).</summary>
    public const string RegistryVariable = "CODEXPS_NPM_REGISTRY";

    private const string WorkFolderPrefix = ".codexps-install-";
    private readonly CodexRuntimeInstallOptions _options;

    /// <summary>An installer for these options; nothing is touched until InstallAsync.</summary>
    public CodexRuntimeInstaller(CodexRuntimeInstallOptions options)
    {
        CheckVersion(options.Version);
        _options = options with { Destination = Path.GetFullPath(options.Destination) };
        var registry = options.Registry.AbsoluteUri.EndsWith('/') ? options.Registry : new Uri(options.Registry.AbsoluteUri + "/");
        var package = $"{options.Version}-{options.Platform.Name}";
        ArchiveUri = new Uri(registry, $"@openai/codex/-/codex-{package}.tgz");
        MetadataUri = new Uri(registry, $"@openai%2fcodex/{package}");
        BuildTimeIntegrity = options.Integrity.Find(options.Version, options.Platform.Name);
    }

    /// <summary>How far the installation is; read from any thread.</summary>
    public CodexRuntimeInstallProgress Progress { get; } = new();

    /// <summary>The platform package's archive.</summary>
    public Uri ArchiveUri { get; }

    /// <summary>The version's metadata, asked only for a version without a build-time integrity.</summary>
    public Uri MetadataUri { get; }

    /// <summary>The folder that receives the runtime.</summary>
    public string Destination => _options.Destination;

    /// <summary>The integrity recorded at build time for this version and platform; null: the registry's is used.</summary>
    public string? BuildTimeIntegrity { get; }

    /// <summary>The runtime this version already installed in Destination, or null.</summary>
    public CodexRuntimeInstallation? Existing =>
        CodexRuntimeInstallation.TryRead(Destination) is { } found && found.Version == _options.Version
            && string.Equals(found.Platform, _options.Platform.Name, StringComparison.OrdinalIgnoreCase) ? found : null;

    /// <summary>An address for messages and output: any user:password in it is left out.</summary>
    public static string Display(Uri uri) => uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped);

    /// <summary>Throws CodexRuntimeVersionInvalid unless <paramref name="version"/> is a plain semantic version.</summary>
    public static void CheckVersion(string version)
    {
        // It becomes a folder name and part of a URL: nothing but a version may pass.
        if (!VersionPattern().IsMatch(version))
        {
            throw new CodexRuntimeInstallException("CodexRuntimeVersionInvalid",
                $"'{version}' is not a codex version such as {CodexRuntimeLocator.PinnedVersion}.", version);
        }
    }

    /// <summary>
    /// The registry to use: <paramref name="given"/>, else $CODEXPS_NPM_REGISTRY, else registry.npmjs.org. It must be an
    /// absolute https address; plain http is accepted only on loopback, where no network can change what is served.
    /// </summary>
    public static Uri ResolveRegistry(string? given)
    {
        var text = !string.IsNullOrWhiteSpace(given) ? given : Environment.GetEnvironmentVariable(RegistryVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Uri(DefaultRegistry);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new CodexRuntimeInstallException("CodexRuntimeRegistryInvalid", $"The npm registry '{text}' is not an absolute https address.", text);
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new CodexRuntimeInstallException("CodexRuntimeRegistryInvalid",
                $"The npm registry '{Display(uri)}' is plain http: use https (http is accepted only on this machine's loopback).", text);
        }

        return uri;
    }

    /// <summary>
    /// Throws CodexRuntimePathNotEmpty when Destination is a folder with content that is not a CodexPS runtime: a
    /// replacement must never move a user's own folder away.
    /// </summary>
    public void CheckDestination()
    {
        if (Directory.Exists(Destination) && Directory.EnumerateFileSystemEntries(Destination).Any()
            && !File.Exists(Path.Combine(Destination, CodexRuntimeInstallation.ManifestFileName)))
        {
            throw new CodexRuntimeInstallException("CodexRuntimePathNotEmpty",
                $"The folder '{Destination}' holds files that are not a runtime Install-CodexRuntime installed; choose an empty or new folder.", Destination);
        }
    }

    /// <summary>Installs the runtime and returns it; see the class. Throws CodexRuntimeInstallException.</summary>
    public async Task<CodexRuntimeInstallation> InstallAsync(CancellationToken cancellationToken)
    {
        CheckDestination();
        if (BuildTimeIntegrity is null && _options.Version == CodexRuntimeLocator.PinnedVersion)
        {
            // The pinned version is trusted only on the integrity recorded at build time, never on the registry's word.
            throw new CodexRuntimeInstallException("CodexRuntimeIntegrityUnavailable",
                $"No integrity was recorded at build time for codex {_options.Version} on {_options.Platform.Name} ({CodexRuntimeIntegrityTable.FileName} "
                + "beside the module lacks it), so its download cannot be verified; reinstall CodexPS. Nothing was downloaded.", _options.Version);
        }

        var parent = Path.GetDirectoryName(Destination) ?? throw new CodexRuntimeInstallException("CodexRuntimePathNotEmpty",
            $"'{Destination}' is a root folder; choose a folder below it.", Destination);
        string work;
        try
        {
            Directory.CreateDirectory(parent);
            RemoveStaleWork(parent);
            work = Path.Combine(parent, WorkFolderPrefix + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(work);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexRuntimeInstallException("CodexRuntimeInstallFailed", $"Cannot write beside '{Destination}': {ex.Message}", Destination, ex);
        }

        try
        {
            using var http = NewHttpClient();
            var (integrity, source) = BuildTimeIntegrity is { } recorded
                ? (recorded, CodexRuntimeIntegritySource.BuildTime)
                : (await RegistryIntegrityAsync(http, cancellationToken).ConfigureAwait(false), CodexRuntimeIntegritySource.Registry);
            var expected = CodexRuntimeIntegrityTable.Sha512Of(integrity) ?? throw new CodexRuntimeInstallException("CodexRuntimeIntegrityUnavailable",
                $"The integrity recorded for {_options.Version}-{_options.Platform.Name} ('{integrity}') is not a sha512 integrity; nothing was downloaded.", Display(ArchiveUri));

            var archive = Path.Combine(work, "download.tgz");
            var actual = await DownloadAsync(http, archive, cancellationToken).ConfigureAwait(false);
            if (!CryptographicOperations.FixedTimeEquals(actual, expected))
            {
                throw new CodexRuntimeInstallException("CodexRuntimeIntegrityMismatch",
                    $"The archive downloaded from {Display(ArchiveUri)} has the integrity {CodexRuntimeIntegrityTable.Format(actual)}, not the "
                    + (source == CodexRuntimeIntegritySource.BuildTime ? "one recorded when CodexPS was built" : "one the registry states")
                    + $" ({integrity}). It was refused and nothing was installed.", Display(ArchiveUri));
            }

            Progress.Enter(CodexRuntimeInstallPhase.Extracting);
            Progress.SetTotal(new FileInfo(archive).Length);
            var staged = Path.Combine(work, "runtime");
            try
            {
                await CodexRuntimeArchive.ExtractAsync(archive, _options.Platform, staged, Progress.SetDone, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new CodexRuntimeInstallException("CodexRuntimeArchiveInvalid",
                    $"The archive from {Display(ArchiveUri)} cannot be installed: {ex.Message} Nothing was installed.", Display(ArchiveUri), ex);
            }

            File.Delete(archive);
            var installation = new CodexRuntimeInstallation
            {
                Version = _options.Version,
                Platform = _options.Platform.Name,
                IntegrityVerified = true,
                IntegritySource = source,
                Integrity = CodexRuntimeIntegrityTable.Format(actual),
                Source = Display(ArchiveUri),
                InstalledAt = DateTimeOffset.Now,
            };
            installation.WriteTo(staged);
            Progress.Enter(CodexRuntimeInstallPhase.Installing);
            return MoveIntoPlace(staged, work, installation);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexRuntimeInstallException("CodexRuntimeInstallFailed", $"The runtime could not be written to '{Destination}': {ex.Message} Nothing was installed.", Destination, ex);
        }
        finally
        {
            TryDelete(work);
        }
    }

    private CodexRuntimeInstallation MoveIntoPlace(string staged, string work, CodexRuntimeInstallation installation)
    {
        var previous = Path.Combine(work, "previous");
        if (Directory.Exists(Destination))
        {
            if (!Directory.EnumerateFileSystemEntries(Destination).Any())
            {
                Directory.Delete(Destination);
            }
            else
            {
                CheckDestination();
                if (!_options.Force && Existing is { } meanwhile)
                {
                    // Another process installed the same version while this one downloaded: keep theirs.
                    return meanwhile;
                }

                try
                {
                    Directory.Move(Destination, previous);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CodexRuntimeInstallException("CodexRuntimeInUse",
                        $"The runtime in '{Destination}' cannot be replaced, probably because it is running: {ex.Message} Stop what uses it (Disconnect-Codex) and try again; it was left as it was.", Destination, ex);
                }
            }
        }

        try
        {
            Directory.Move(staged, Destination);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(previous))
            {
                Directory.Move(previous, Destination);
            }
            else if (!_options.Force && Existing is { } meanwhile)
            {
                return meanwhile;
            }

            throw new CodexRuntimeInstallException("CodexRuntimeInstallFailed", $"The runtime could not be moved into '{Destination}': {ex.Message} Nothing was installed.", Destination, ex);
        }

        return installation.At(Destination, _options.Platform);
    }

    private async Task<string> RegistryIntegrityAsync(HttpClient http, CancellationToken cancellationToken)
    {
        Progress.Enter(CodexRuntimeInstallPhase.Resolving);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StallTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, MetadataUri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            CheckStatus(response, MetadataUri);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
            return document.RootElement.TryGetProperty("dist", out var dist) && dist.TryGetProperty("integrity", out var integrity)
                && integrity.ValueKind == JsonValueKind.String && CodexRuntimeIntegrityTable.Sha512Of(integrity.GetString()) is not null
                ? integrity.GetString()!
                : throw new CodexRuntimeInstallException("CodexRuntimeIntegrityUnavailable",
                    $"The registry states no sha512 integrity for {_options.Version}-{_options.Platform.Name} ({Display(MetadataUri)}), so its archive cannot be verified; nothing was downloaded.", Display(MetadataUri));
        }
        catch (JsonException ex)
        {
            throw new CodexRuntimeInstallException("CodexRuntimeDownloadFailed", $"The registry's answer at {Display(MetadataUri)} is not JSON: {ex.Message}", Display(MetadataUri), ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw DownloadFailed(MetadataUri, ex);
        }
    }

    private async Task<byte[]> DownloadAsync(HttpClient http, string file, CancellationToken cancellationToken)
    {
        Progress.Enter(CodexRuntimeInstallPhase.Downloading);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_options.StallTimeout);
        HttpResponseMessage response;
        Stream body;
        try
        {
            response = await http.GetAsync(ArchiveUri, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw DownloadFailed(ArchiveUri, ex);
        }

        using (response)
        {
            CheckStatus(response, ArchiveUri);
            var total = response.Content.Headers.ContentLength;
            Progress.SetTotal(total);
            try
            {
                body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw DownloadFailed(ArchiveUri, ex);
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            long received = 0;
            await using (body.ConfigureAwait(false))
            {
                var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await using (output.ConfigureAwait(false))
                {
                    var buffer = new byte[1 << 17];
                    while (true)
                    {
                        int read;
                        try
                        {
                            // Rescheduled for every read: the limit is on silence, not on the whole download.
                            stall.CancelAfter(_options.StallTimeout);
                            read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                        {
                            // A connection that broke off (HttpIOException: the response ended prematurely) or went silent.
                            throw DownloadFailed(ArchiveUri, ex, received, total);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        hash.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        received += read;
                        Progress.SetDone(received);
                    }
                }
            }

            if (total is { } expected && received != expected)
            {
                throw DownloadFailed(ArchiveUri, new IOException($"the server announced {expected:N0} bytes and sent {received:N0}"), received, total);
            }

            return hash.GetHashAndReset();
        }
    }

    private void CheckStatus(HttpResponseMessage response, Uri uri)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CodexRuntimeInstallException("CodexRuntimeVersionNotFound",
                $"The registry has no codex {_options.Version} for {_options.Platform.Name} ({Display(uri)} answered 404 Not Found).", _options.Version);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new CodexRuntimeInstallException("CodexRuntimeDownloadFailed",
                $"{Display(uri)} answered {(int)response.StatusCode} {response.ReasonPhrase}; nothing was installed.", Display(uri));
        }
    }

    private CodexRuntimeInstallException DownloadFailed(Uri uri, Exception ex, long received = 0, long? total = null)
    {
        var what = ex is OperationCanceledException ? $"no data arrived for {_options.StallTimeout.TotalSeconds:0} s" : ex.Message;
        var progress = received > 0 ? $" after {received:N0}" + (total is { } t ? $" of {t:N0}" : string.Empty) + " bytes" : string.Empty;
        return new CodexRuntimeInstallException("CodexRuntimeDownloadFailed",
            $"The download from {Display(uri)} failed{progress}: {what}. Nothing was installed; check the network, the proxy (HTTPS_PROXY) or -Registry.", Display(uri), ex);
    }

    private static HttpClient NewHttpClient()
    {
        // UseProxy with no proxy of its own: HttpClient.DefaultProxy, i.e. HTTPS_PROXY/HTTP_PROXY/NO_PROXY and, on
        // Windows, the system's proxy settings, with the user's own credentials for a proxy that asks for them.
        var handler = new SocketsHttpHandler
        {
            UseProxy = true,
            DefaultProxyCredentials = CredentialCache.DefaultCredentials,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var version = typeof(CodexRuntimeInstaller).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("CodexPS", version));
        return http;
    }

    private static void RemoveStaleWork(string parent)
    {
        // Left by a process that was killed mid-install; a day old is old enough not to be another install running now.
        foreach (var stale in Directory.EnumerateDirectories(parent, WorkFolderPrefix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddDays(-1))
            {
                TryDelete(stale);
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file still open elsewhere (Windows): the next install removes the folder once it is a day old.
        }
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z][0-9A-Za-z.]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
