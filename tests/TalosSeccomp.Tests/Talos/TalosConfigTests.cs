using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.IO.Pem;
using TalosSeccomp.Errors;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

public sealed class TalosConfigTests : IClassFixture<FakeTalosFixture>, IDisposable
{
    private readonly FakeTalosFixture _fake;
    private readonly string _directory = Directory.CreateTempSubdirectory("talosconfig-").FullName;

    public TalosConfigTests(FakeTalosFixture fake) => _fake = fake;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LocateFollowsTalosctlOrder()
    {
        var explicitPath = Touch("explicit");
        var fromVariable = Touch("variable");
        var talosHome = Path.Combine(_directory, "home-talos");
        Directory.CreateDirectory(talosHome);
        var fromTalosHome = Touch(Path.Combine("home-talos", "config"));
        var home = Path.Combine(_directory, "user");
        Directory.CreateDirectory(Path.Combine(home, ".talos"));
        var fromHome = Touch(Path.Combine("user", ".talos", "config"));
        var environment = new Dictionary<string, string?> { ["TALOSCONFIG"] = fromVariable, ["TALOS_HOME"] = talosHome };

        Assert.Equal(explicitPath, TalosConfigFile.Locate(explicitPath, k => environment.GetValueOrDefault(k), home));
        Assert.Equal(fromVariable, TalosConfigFile.Locate(null, k => environment.GetValueOrDefault(k), home));
        environment["TALOSCONFIG"] = null;
        Assert.Equal(fromTalosHome, TalosConfigFile.Locate(null, k => environment.GetValueOrDefault(k), home));
        environment["TALOS_HOME"] = "relative/dir"; // only an absolute TALOS_HOME counts
        Assert.Equal(fromHome, TalosConfigFile.Locate(null, k => environment.GetValueOrDefault(k), home));
        environment["TALOSCONFIG"] = Path.Combine(_directory, "missing"); // a set but missing file falls through like talosctl
        Assert.Equal(fromHome, TalosConfigFile.Locate(null, k => environment.GetValueOrDefault(k), home));
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var path = Path.Combine(_directory, "nope");
        var error = Assert.Throws<TalosSeccompException>(() => TalosConfigFile.Load(path));
        Assert.Equal(("TalosConfigNotFound", ErrorKind.ObjectNotFound, path), (error.ErrorId, error.Kind, error.Target));
    }

    [Fact]
    public void UnreadableYamlIsReportedWithPosition()
    {
        var error = Assert.Throws<TalosSeccompException>(() => TalosConfigFile.Parse("context: a\ncontexts: [unclosed", "cfg"));
        Assert.Equal("TalosConfigInvalidYaml", error.ErrorId);
        Assert.Contains("line", error.Message);
    }

    [Fact]
    public void ContextSelectionErrors()
    {
        var file = TalosConfigFile.Parse(Config(context: null), "cfg");
        Assert.Equal("TalosContextNotSet", Assert.Throws<TalosSeccompException>(() => file.GetContext()).ErrorId);
        var unknown = Assert.Throws<TalosSeccompException>(() => file.GetContext("prod"));
        Assert.Equal(("TalosContextNotFound", ErrorKind.ObjectNotFound), (unknown.ErrorId, unknown.Kind));
        Assert.Contains("known: fake", unknown.Message);
    }

    [Fact]
    public void ContextWithoutEndpointsIsRefused()
    {
        var file = TalosConfigFile.Parse(Config(endpoints: "[]"), "cfg");
        Assert.Equal("TalosEndpointsNotSet", Assert.Throws<TalosSeccompException>(() => TalosConnectionSettings.FromContext(file)).ErrorId);
        // ... unless -Endpoint supplies one
        Assert.Equal("10.0.0.1", TalosConnectionSettings.FromContext(file, endpoints: ["10.0.0.1"]).Endpoints[0].Host);
    }

    [Fact]
    public void BadBase64BadPemAndMismatchedKeyHaveTheirOwnIds()
    {
        var pki = _fake.Server.Pki;
        Assert.Equal("TalosConfigBadBase64", Resolve(Config(ca: "not base64!")).ErrorId);
        Assert.Equal("TalosConfigBadPem", Resolve(Config(ca: B64("hello, no pem here"))).ErrorId);
        Assert.Equal("TalosConfigBadPem", Resolve(Config(key: B64(pki.Admin.CertificatePem))).ErrorId);
        Assert.Equal("TalosConfigKeyMismatch", Resolve(Config(key: B64(pki.Reader.KeyPem))).ErrorId);
        Assert.Equal("TalosConfigMissingCredentials", Resolve(Config(key: "")).ErrorId);
    }

    [Fact]
    public void UnsupportedKeyTypeIsNamed()
    {
        var generator = new Ed448KeyPairGenerator();
        generator.Init(new Ed448KeyGenerationParameters(new SecureRandom()));
        var ed448 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetDerEncoded();
        var error = Resolve(Config(key: B64(Pem("PRIVATE KEY", ed448))));
        Assert.Equal(("TalosConfigUnsupportedKey", ErrorKind.InvalidData), (error.ErrorId, error.Kind));
        Assert.Contains("Ed448", error.Message);
    }

    [Theory]
    [InlineData("Ed25519", false)]
    [InlineData("EcdsaP256", false)]
    [InlineData("EcdsaP256", true)]
    [InlineData("Rsa2048", false)]
    [InlineData("Rsa2048", true)]
    public void EveryTalosKeyFormatLoads(string algorithm, bool asPkcs8)
    {
        var identity = _fake.Server.IssueClientIdentity(new FakeClientIdentityOptions { KeyAlgorithm = algorithm, Organizations = ["os:reader", "os:operator"] });
        var keyPem = asPkcs8 ? ToPkcs8(identity.KeyPem) : identity.KeyPem;
        var settings = TalosConnectionSettings.FromContext(TalosConfigFile.Parse(Config(crt: B64(identity.CertificatePem), key: B64(keyPem)), "cfg"));

        Assert.Equal(new[] { "os:reader", "os:operator" }, settings.Roles);
        Assert.StartsWith(algorithm[..3].ToUpperInvariant() == "ECD" ? "ECDSA" : algorithm[..3].ToUpperInvariant() == "RSA" ? "RSA" : "Ed25519", settings.KeyAlgorithm);
    }

    [Fact]
    public void OverridesApplyAndIdentityHidesKeyMaterial()
    {
        var pki = _fake.Server.Pki;
        var text = Config() + "  other:\n    endpoints: [10.9.9.9]\n    nodes: [10.9.9.10]\n" +
            $"    ca: {B64(pki.CaCertificatePem)}\n    crt: {B64(pki.Reader.CertificatePem)}\n    key: {B64(pki.Reader.KeyPem)}\n";
        var file = TalosConfigFile.Parse(text, "cfg");

        var current = TalosConnectionSettings.FromContext(file);
        var other = TalosConnectionSettings.FromContext(file, "other");
        var overridden = TalosConnectionSettings.FromContext(file, endpoints: ["https://api.example.com", "[fd00::1]:50001"], nodes: ["10.1.1.1"]);

        Assert.Equal("fake", current.ContextName);
        Assert.Equal(new[] { "os:admin" }, current.Roles);
        Assert.Equal(("other", "10.9.9.9", "10.9.9.10"), (other.ContextName, other.Endpoints[0].Host, other.Nodes[0]));
        Assert.Equal(new[] { new TalosEndpoint("api.example.com", 443), new TalosEndpoint("fd00::1", 50001) }, overridden.Endpoints);
        Assert.Equal(new[] { "10.1.1.1" }, overridden.Nodes);
        Assert.Equal(current.IdentityKey, TalosConnectionSettings.FromContext(file).IdentityKey);
        Assert.NotEqual(current.IdentityKey, overridden.IdentityKey);
        Assert.NotEqual(current.IdentityKey, TalosConnectionSettings.FromContext(file, endpoints: ["10.9.9.9"]).IdentityKey);

        var keyBody = _fake.Server.Pki.Admin.KeyPem.Split('\n')[1];
        Assert.DoesNotContain(keyBody[..20], current.IdentityKey + current);
        Assert.DoesNotContain("key", file.Contexts["fake"].ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void LoadReusesTheParsedFileWhileItsTextIsTheSame()
    {
        var path = Path.Combine(_directory, "cached");
        File.WriteAllText(path, Config(endpoints: "[10.5.0.7]"));
        var first = TalosConfigFile.Load(path);
        var settings = TalosConnectionSettings.FromContext(first);

        Assert.Same(first, TalosConfigFile.Load(path));
        Assert.Same(settings.Credentials, TalosConnectionSettings.FromContext(TalosConfigFile.Load(path)).Credentials);

        // Same size, same instant as far as a timestamp tick goes: still seen.
        File.WriteAllText(path, Config(endpoints: "[10.5.0.8]"));
        var rewritten = TalosConfigFile.Load(path);
        Assert.NotSame(first, rewritten);
        Assert.Equal("10.5.0.8", TalosConnectionSettings.FromContext(rewritten).Endpoints[0].Host);

        // A broken rewrite is reported, not hidden behind the last good parse; fixing it is seen too.
        File.WriteAllText(path, Config(key: B64("not a key")));
        Assert.Equal("TalosConfigBadPem", Assert.Throws<TalosSeccompException>(() => TalosConnectionSettings.FromContext(TalosConfigFile.Load(path))).ErrorId);
        File.WriteAllText(path, Config(endpoints: "[10.5.0.7]"));
        Assert.Equal("10.5.0.7", TalosConnectionSettings.FromContext(TalosConfigFile.Load(path)).Endpoints[0].Host);
    }

    [Fact]
    public void LoadTrustsASettledSizeAndModificationTimeAndReadsTheTextOtherwise()
    {
        var path = Path.Combine(_directory, "stamped");
        var longAgo = DateTime.UtcNow.AddHours(-1);
        File.WriteAllText(path, Config(endpoints: "[10.5.0.7]"));
        File.SetLastWriteTimeUtc(path, longAgo);
        var first = TalosConfigFile.Load(path);

        // Same size and the same modification time, written long before the read: taken as the same file, unread.
        // (Only a tool that restores the old time after a same-size rewrite can do this; an editor or talosctl cannot.)
        File.WriteAllText(path, Config(endpoints: "[10.5.0.8]"));
        File.SetLastWriteTimeUtc(path, longAgo);
        Assert.Same(first, TalosConfigFile.Load(path));

        // Any other modification time is a change: the same-size rewrite is read.
        File.SetLastWriteTimeUtc(path, longAgo.AddSeconds(1));
        var rewritten = TalosConfigFile.Load(path);
        Assert.NotSame(first, rewritten);
        Assert.Equal("10.5.0.8", TalosConnectionSettings.FromContext(rewritten).Endpoints[0].Host);

        // Written just now (within a timestamp tick of the read): the stamp is not trusted, so the text is compared.
        File.WriteAllText(path, Config(endpoints: "[10.5.0.9]"));
        var now = File.GetLastWriteTimeUtc(path);
        var fresh = TalosConfigFile.Load(path);
        File.WriteAllText(path, Config(endpoints: "[10.5.0.6]"));
        File.SetLastWriteTimeUtc(path, now);
        Assert.Equal("10.5.0.6", TalosConnectionSettings.FromContext(TalosConfigFile.Load(path)).Endpoints[0].Host);
        Assert.Equal("10.5.0.9", TalosConnectionSettings.FromContext(fresh).Endpoints[0].Host);
    }

    [Theory]
    [InlineData("10.5.0.2", "10.5.0.2", 50000)]
    [InlineData("10.5.0.2:6443", "10.5.0.2", 6443)]
    [InlineData("https://api.example.com", "api.example.com", 443)]
    [InlineData("https://api.example.com:8443/", "api.example.com", 8443)]
    [InlineData("node-1.lan", "node-1.lan", 50000)]
    [InlineData("fd00::1", "fd00::1", 50000)]
    [InlineData("[fd00::1]", "fd00::1", 50000)]
    [InlineData("[fd00::1]:50001", "fd00::1", 50001)]
    public void EndpointFormsParseLikeTalosctl(string text, string host, int port) =>
        Assert.Equal(new TalosEndpoint(host, port), TalosEndpoint.Parse(text));

    [Theory]
    [InlineData("10.5.0.2:99999")]
    [InlineData("10.5.0.2:abc")]
    [InlineData("[fd00::1")]
    [InlineData("")]
    [InlineData("fd00::zz")]
    public void BadEndpointsAreRefused(string text) =>
        Assert.Equal("TalosEndpointInvalid", Assert.Throws<TalosSeccompException>(() => TalosEndpoint.Parse(text)).ErrorId);

    private TalosSeccompException Resolve(string yaml) =>
        Assert.Throws<TalosSeccompException>(() => TalosConnectionSettings.FromContext(TalosConfigFile.Parse(yaml, "cfg")));

    private string Config(string? context = "fake", string endpoints = "[127.0.0.1]", string? ca = null, string? crt = null, string? key = null)
    {
        var pki = _fake.Server.Pki;
        return $"""
            {(context is null ? string.Empty : "context: " + context)}
            contexts:
              fake:
                endpoints: {endpoints}
                nodes: [10.5.0.2]
                ca: "{ca ?? B64(pki.CaCertificatePem)}"
                crt: "{crt ?? B64(pki.Admin.CertificatePem)}"
                key: "{key ?? B64(pki.Admin.KeyPem)}"

            """;
    }

    private string Touch(string relative)
    {
        var path = Path.Combine(_directory, relative);
        File.WriteAllText(path, "context: x\n");
        return path;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Pem(string label, byte[] der)
    {
        var writer = new StringWriter();
        var pem = new PemWriter(writer);
        pem.WriteObject(new PemObject(label, der));
        pem.Writer.Flush();
        return writer.ToString();
    }

    private static string ToPkcs8(string keyPem)
    {
        using var reader = new StringReader(keyPem);
        var pair = new Org.BouncyCastle.OpenSsl.PemReader(reader).ReadObject();
        var key = pair is Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair kp ? kp.Private : (Org.BouncyCastle.Crypto.AsymmetricKeyParameter)pair;
        return Pem("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded());
    }
}
