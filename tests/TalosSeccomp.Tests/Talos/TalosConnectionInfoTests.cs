using TalosSeccomp.Errors;
using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>Talosconfig given as text (no file), and the connection object that must never show key material.</summary>
public sealed class TalosConnectionInfoTests : IClassFixture<FakeTalosFixture>
{
    private readonly FakeTalosFixture _fake;

    public TalosConnectionInfoTests(FakeTalosFixture fake) => _fake = fake;

    private string AdminText => File.ReadAllText(_fake.AdminConfig);

    [Theory]
    [InlineData("context: prod\ncontexts: {}", true)]
    [InlineData("contexts:\n  a: {}", true)]
    [InlineData("  context: prod", true)]
    [InlineData("{\"context\": \"prod\"}", true)]
    [InlineData("./talosconfig", false)]
    [InlineData("C:\\Users\\me\\.talos\\config", false)]
    [InlineData("/home/me/.talos/config", false)]
    [InlineData("context-dir/config", false)]
    [InlineData("", false)]
    public void LooksLikeTextTellsYamlFromPaths(string value, bool expected) =>
        Assert.Equal(expected, TalosConfigFile.LooksLikeText(value));

    [Fact]
    public void TextConfigConnectsWithoutAFile()
    {
        var connection = TalosConnectionInfo.FromText(AdminText, "talosconfig text");
        Assert.Null(connection.ConfigPath);
        Assert.Equal("talosconfig text", connection.Source);
        Assert.Equal("fake", connection.Context);
        Assert.Equal(_fake.NodeAddresses.Order(StringComparer.Ordinal), connection.DefaultNodes.Order(StringComparer.Ordinal));
        Assert.Contains("os:admin", connection.Roles);
        Assert.Equal("Ed25519", connection.KeyAlgorithm);
        Assert.Null(connection.GetSettings().ConfigPath);

        // The same credentials from the file share the pooled connection.
        var fromFile = TalosConnectionInfo.FromFile(_fake.AdminConfig);
        Assert.Equal(fromFile.Id, connection.Id);
        Assert.Equal($"talosconfig '{_fake.AdminConfig}'", fromFile.Source);
        Assert.Equal(_fake.AdminConfig, fromFile.ConfigPath);
    }

    [Fact]
    public async Task VerifyRecordsVersionTlsAndNodeCertificate()
    {
        var connection = TalosConnectionInfo.FromText(AdminText, "talosconfig text");
        var calls = new List<string>();
        var client = new TalosClient(TalosConnectionPool.Get(connection.GetSettings()), TimeSpan.FromSeconds(30)) { CallLog = calls.Add };
        await connection.VerifyAsync(client, null);
        Assert.StartsWith("v", connection.TalosVersion);
        Assert.Equal("TLS 1.3", connection.TlsVersion);
        Assert.False(string.IsNullOrEmpty(connection.ServerCertificateSubject));
        Assert.Equal(connection.Endpoints[0], connection.ConnectedEndpoint);
        var line = Assert.Single(calls);
        Assert.Matches(@"^Version to the node behind \S+ via \S+ answered in \d+ ms \(TLS 1\.3, node certificate '.+'\)\.$", line);
    }

    [Fact]
    public void TextErrorsNameTheSourceNotAPath()
    {
        var noContext = Assert.Throws<TalosSeccompException>(() => TalosConnectionInfo.FromText("contexts: {}", "talosconfig text"));
        Assert.Equal(ErrorIds.TalosContextNotSet, noContext.ErrorId);
        Assert.StartsWith("The talosconfig text sets no current context", noContext.Message, StringComparison.Ordinal);

        var bad = Assert.Throws<TalosSeccompException>(() => TalosConnectionInfo.FromText("context: [unclosed", "talosconfig from secret 's'"));
        Assert.Equal(ErrorIds.TalosConfigInvalidYaml, bad.ErrorId);
        Assert.StartsWith("The talosconfig from secret 's' is not valid YAML", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingPublicCarriesKeyMaterial()
    {
        var text = AdminText;
        var connection = TalosConnectionInfo.FromText(text, "talosconfig text");
        var keyBase64 = System.Text.RegularExpressions.Regex.Match(text, @"key:\s*(\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(keyBase64));
        var keyPem = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(keyBase64));
        var keyBody = keyPem.Split('\n')[1];

        var shown = string.Join("\n", typeof(TalosConnectionInfo).GetProperties().Select(p => p.GetValue(connection) switch
        {
            string[] items => string.Join(",", items),
            var value => value?.ToString(),
        })) + "\n" + connection + "\n" + connection.GetSettings();
        Assert.DoesNotContain(keyBase64, shown, StringComparison.Ordinal);
        Assert.DoesNotContain(keyBody, shown, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", shown, StringComparison.Ordinal);
        // Only plain values are public: no property hands out the parsed file or the credentials.
        Assert.All(typeof(TalosConnectionInfo).GetProperties(), p => Assert.True(p.PropertyType == typeof(string) || p.PropertyType == typeof(string[]) || p.PropertyType == typeof(DateTime), p.Name));
    }

    [Fact]
    public void WithChangesContextEndpointsOrNodesFromTheSameText()
    {
        var connection = TalosConnectionInfo.FromText(AdminText, "talosconfig text");
        Assert.Same(connection, connection.With());
        Assert.Same(connection, connection.With("fake", connection.Endpoints));

        var narrowed = connection.With(nodes: ["10.9.9.9"]);
        Assert.Equal(["10.9.9.9"], narrowed.DefaultNodes);
        Assert.Equal("talosconfig text", narrowed.Source);
        Assert.Equal(connection.Id, narrowed.Id); // same endpoints and credentials: same pooled connection

        var moved = connection.With(endpoints: ["192.0.2.1:50000"]);
        Assert.Equal(["192.0.2.1:50000"], moved.Endpoints);
        Assert.NotEqual(connection.Id, moved.Id);

        var missing = Assert.Throws<TalosSeccompException>(() => connection.With("nope"));
        Assert.Equal(ErrorIds.TalosContextNotFound, missing.ErrorId);
        Assert.Contains("not in the talosconfig text", missing.Message, StringComparison.Ordinal);
    }
}
