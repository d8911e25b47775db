using System.Text;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.FakeTalos.Config;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TalosSeccomp.Tests.FakeTalos;

/// <summary>The fake node's byte-exact formats: Go json.Marshal, yaml.v3 scalar resolution, PEM keys, kmsg records.</summary>
public sealed class FakeTalosFormatTests
{
    [Theory]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1.5e-10, "1.5e-10")]
    [InlineData(123456789.0, "123456789")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.0, "0")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    public void FormatsFloatsLikeGo(double value, string expected) => Assert.Equal(expected, GoJson.FormatFloat(value));

    [Fact]
    public void EscapesStringsAndSortsKeysLikeGo()
    {
        var value = new Dictionary<string, object?>
        {
            ["b"] = "<tag> & \"quote\" \\ \u2028 \t\n\u0001\b\f\u007f é 😀",
            ["a"] = new List<object?> { null, true, long.MinValue, ulong.MaxValue },
            ["\uFFFD"] = 1L,
            ["😀"] = 2L,
            ["B"] = new Dictionary<string, object?>(),
        };

        var json = GoJson.Marshal(value);

        Assert.Equal(
            "{\"B\":{},\"a\":[null,true,-9223372036854775808,18446744073709551615]," +
            "\"b\":\"\\u003ctag\\u003e \\u0026 \\\"quote\\\" \\\\ \\u2028 \\t\\n\\u0001\\b\\f\u007f é 😀\"," +
            "\"\uFFFD\":1,\"😀\":2}",
            json);
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-0x10", -16L)]
    [InlineData("0o17", 15L)]
    [InlineData("017", 15L)]
    [InlineData("0b101", 5L)]
    [InlineData("1_000", 1000L)]
    [InlineData("9223372036854775808", 9223372036854775808UL)]
    [InlineData("18446744073709551615", 18446744073709551615UL)]
    [InlineData("18446744073709551616", 1.8446744073709552e19)]
    [InlineData("1.5", 1.5)]
    [InlineData("true", true)]
    [InlineData("yes", "yes")]
    [InlineData("~", null)]
    [InlineData("0x", "0x")]
    [InlineData("1.2.3", "1.2.3")]
    public void ResolvesPlainScalarsLikeYamlV3(string text, object? expected) =>
        Assert.Equal(expected, GoYamlValues.ResolveScalar(new YamlScalarNode(text)));

    [Fact]
    public void KeepsQuotedScalarsAsStrings()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader("a: \"42\"\nb: '0x1F'\nc: !!str true\n"));

        var value = (Dictionary<string, object?>)GoYamlValues.ToValue(stream.Documents[0].RootNode)!;

        Assert.Equal(new object?[] { "42", "0x1F", "true" }, new[] { value["a"], value["b"], value["c"] });
    }

    [Fact]
    public void LastProfileWithADuplicateNameWins()
    {
        var config = FakeMachineConfig.Parse(
            "version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value: {x: 1}\n    - name: a.json\n      value: {x: 2}\n");

        Assert.Equal("{\"x\":2}", config.SeccompProfiles.Single().FileContent);
    }

    [Fact]
    public void RejectsDuplicateDocumentsAndBadProfileShapes()
    {
        Assert.Throws<FakeConfigException>(() => FakeMachineConfig.Parse("version: v1alpha1\n---\nversion: v1alpha1\n"));
        Assert.Throws<FakeConfigException>(() => FakeMachineConfig.Parse("version: v1alpha1\n---\napiVersion: v1alpha1\nkind: HostnameConfig\n---\napiVersion: v1alpha1\nkind: HostnameConfig\n"));
        Assert.Throws<FakeConfigException>(() => FakeMachineConfig.Parse("version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      value: [1]\n"));
        Assert.Throws<FakeConfigException>(() => FakeMachineConfig.Parse("version: v1alpha1\nmachine:\n  seccompProfiles:\n    - name: a.json\n      extra: 1\n      value: {}\n"));
    }

    [Fact]
    public void WritesEd25519KeysWithTalosLabelAndA48BytePkcs8Body()
    {
        var pki = FakePkiFactory();
        var pem = pki.Admin.KeyPem;
        var body = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal))));

        Assert.StartsWith("-----BEGIN ED25519 PRIVATE KEY-----\n", pem);
        Assert.Equal(48, body.Length);
        Assert.Contains("-----BEGIN ED25519 PRIVATE KEY-----", pki.CaKeyPem);
    }

    [Theory]
    [InlineData("6,1234,5678901,-;hello\\x20world", "kern", "info", 5678901L, "hello world\n")]
    [InlineData("13,1,2,c;line one\n SUBSYSTEM=net\n", "user", "notice", 2L, "line one\n SUBSYSTEM=net\n")]
    public void ParsesKmsgRecords(string record, string facility, string priority, long microseconds, string message) =>
        Assert.Equal((facility, priority, microseconds, message), HostKernelLogForwarder.ParseRecord(record));

    [Fact]
    public void TurnsKernelSeccompRecordsIntoAuditdLines()
    {
        const string Kernel = "audit: type=1326 audit(1659008985.445:25): auid=4294967295 uid=0 pid=2784 comm=\"runc\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x55 code=0x7ffc0000\n";

        Assert.Equal("type=SECCOMP msg=audit(1659008985.445:25): auid=4294967295 uid=0 pid=2784 comm=\"runc\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x55 code=0x7ffc0000\n",
            HostKernelLogForwarder.ToAuditdLine(Kernel));
        Assert.Null(HostKernelLogForwarder.ToAuditdLine("audit: type=1400 audit(1.0:1): apparmor=\"DENIED\"\n"));
    }

    [Fact]
    public void FormatsDmesgTimestampsAsGoRfc3339Nano()
    {
        var whole = new DateTime(2026, 1, 1, 10, 0, 0, DateTimeKind.Utc);

        Assert.Equal("kern:  notice: [2026-01-01T10:00:00Z]: x\n", FakeNode.FormatKernelRecord("kern", "notice", whole, "x"));
        Assert.Equal("kern:    info: [2026-01-01T10:00:00.1234567Z]: y\n", FakeNode.FormatKernelRecord("kern", "info", whole.AddTicks(1234567), "y\n"));
        Assert.Equal("kern:     err: [2026-01-01T10:00:00.5Z]: z\n", FakeNode.FormatKernelRecord("kern", "err", whole.AddMilliseconds(500), "z"));
    }

    private static FakePki FakePkiFactory() => new("Ed25519", ["127.0.0.1"]);
}
