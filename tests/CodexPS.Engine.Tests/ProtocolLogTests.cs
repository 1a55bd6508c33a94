using System.Text;
using CodexPS.Engine.Rpc;
using Xunit;

namespace CodexPS.Engine.Tests;

public class ProtocolLogTests
{
    private static string Redact(string line) => CodexProtocolLog.Redact(Encoding.UTF8.GetBytes(line));

    [Fact]
    public void SecretLookingPropertiesAreRedacted()
    {
        var redacted = Redact("""{"id":3,"method":"account/login/start","params":{"type":"apiKey","apiKey":"sk-live-123","idToken":"eyJ.x.y","refresh_token":"r1"}}""");
        Assert.Equal("""{"id":3,"method":"account/login/start","params":{"type":"apiKey","apiKey":"***","idToken":"***","refresh_token":"***"}}""", redacted);
    }

    [Fact]
    public void EnvironmentAndHeaderTablesAreRedactedWhole()
    {
        var redacted = Redact("""{"params":{"value":{"command":"srv","env":{"DB_PASS":"hunter2","NESTED":["a"]},"http_headers":{"X-Api":"k"}}}}""");
        Assert.Equal("""{"params":{"value":{"command":"srv","env":{"DB_PASS":"***","NESTED":["***"]},"http_headers":{"X-Api":"***"}}}}""", redacted);
    }

    [Fact]
    public void OtherValuesAreKeptAsTheyWere()
    {
        var line = """{"method":"thread/tokenUsage/updated","params":{"tokenUsage":{"total":{"totalTokens":12,"inputTokens":10}},"text":"héllo <b>","ok":true,"none":null,"n":1.5e3}}""";
        Assert.Equal(line, Redact(line));
    }

    [Fact]
    public void ALineThatIsNotJsonIsNotShown()
    {
        Assert.Equal("(a line that is not JSON, 11 bytes, not shown)", Redact("password=42"));
    }

    [Fact]
    public void NobodyListeningQueuesNothing()
    {
        using var log = new CodexProtocolLog(null);
        log.Record(true, Encoding.UTF8.GetBytes("""{"id":1,"method":"model/list"}"""));
        Assert.False(log.HasLines);
        using (log.Listen(debug: true, verbose: true))
        {
            log.Record(true, Encoding.UTF8.GetBytes("""{"id":2,"method":"model/list"}"""));
            log.Record(false, Encoding.UTF8.GetBytes("""{"id":2,"result":{}}"""));
            Assert.True(log.TryDequeueVerbose(out var request));
            Assert.Equal("request model/list (id 2)", request);
            Assert.True(log.TryDequeueVerbose(out var response));
            Assert.StartsWith("response to model/list (id 2) after ", response);
            Assert.True(log.TryDequeueDebug(out var raw));
            Assert.Contains(">> {\"id\":2,\"method\":\"model/list\"}", raw);
        }

        log.Record(true, Encoding.UTF8.GetBytes("""{"id":3,"method":"model/list"}"""));
        Assert.False(log.HasLines);
    }
}
