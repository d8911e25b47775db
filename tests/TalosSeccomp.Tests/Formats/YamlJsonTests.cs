using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.MachineConfig;
using Xunit;

namespace TalosSeccomp.Tests.Formats;

public class YamlJsonTests
{
    [Theory]
    [InlineData("a: 123", """{"a":123}""")]
    [InlineData("a: -9223372036854775808", """{"a":-9223372036854775808}""")]
    [InlineData("a: 18446744073709551615", """{"a":18446744073709551615}""")]
    [InlineData("a: 9007199254740993", """{"a":9007199254740993}""")]
    [InlineData("a: 0x1F", """{"a":31}""")]
    [InlineData("a: 0o17", """{"a":15}""")]
    [InlineData("a: 0777", """{"a":511}""")]
    [InlineData("a: 0b101", """{"a":5}""")]
    [InlineData("a: 1_000", """{"a":1000}""")]
    [InlineData("a: +12", """{"a":12}""")]
    [InlineData("a: 1.50", """{"a":1.50}""")]
    [InlineData("a: .5", """{"a":0.5}""")]
    [InlineData("a: -1.", """{"a":-1.0}""")]
    [InlineData("a: 1e3", """{"a":1e3}""")]
    [InlineData("a: 18446744073709551616", """{"a":18446744073709551616}""")]
    [InlineData("a: '123'", """{"a":"123"}""")]
    [InlineData("a: \"true\"", """{"a":"true"}""")]
    [InlineData("a: yes", """{"a":"yes"}""")]
    [InlineData("a: on", """{"a":"on"}""")]
    [InlineData("a: No", """{"a":"No"}""")]
    [InlineData("a: True", """{"a":true}""")]
    [InlineData("a: FALSE", """{"a":false}""")]
    [InlineData("a: ~", """{"a":null}""")]
    [InlineData("a:", """{"a":null}""")]
    [InlineData("a: 2001-12-14", """{"a":"2001-12-14"}""")]
    [InlineData("a: 1:20", """{"a":"1:20"}""")]
    [InlineData("a: 0x", """{"a":"0x"}""")]
    [InlineData("a: 1.2.3", """{"a":"1.2.3"}""")]
    [InlineData("a: !!str 12", """{"a":"12"}""")]
    [InlineData("a: !!float 12", """{"a":12}""")]
    [InlineData("a: [1, x, {b: c}]", """{"a":[1,"x",{"b":"c"}]}""")]
    [InlineData("a: |\n  line1\n  line2\n", """{"a":"line1\nline2\n"}""")]
    [InlineData("1: x", """{"1":"x"}""")]
    public void ScalarsResolveLikeGoYamlV3(string yaml, string json)
    {
        var node = YamlJson.ToJson(yaml);
        Assert.Equal(json, node!.ToJsonString());
    }

    [Fact]
    public void AliasesAndMergeKeysResolve()
    {
        var node = YamlJson.ToJson("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\nlist: [*b]\n")!;
        Assert.Equal("""{"base":{"x":1,"y":2},"derived":{"y":3,"x":1},"list":[{"x":1,"y":2}]}""", node.ToJsonString());
    }

    [Theory]
    [InlineData("a: .nan")]
    [InlineData("a: -.inf")]
    [InlineData("? [x]\n: y\n")]
    [InlineData("a: !!int abc")]
    public void ValuesJsonCannotHoldAreInvalidData(string yaml)
    {
        var ex = Assert.Throws<TalosSeccompException>(() => YamlJson.ToJson(yaml, "profile.yaml"));
        Assert.Equal(("YamlValueNotRepresentableInJson", ErrorKind.InvalidData, "profile.yaml"), (ex.ErrorId, ex.Kind, ex.Target));
    }

    [Fact]
    public void InvalidOrMultiDocumentYamlIsInvalidYaml()
    {
        Assert.Equal("InvalidYaml", Assert.Throws<TalosSeccompException>(() => YamlJson.ToJson("a: [")).ErrorId);
        Assert.Equal("InvalidYaml", Assert.Throws<TalosSeccompException>(() => YamlJson.ToJson("a: 1\n---\nb: 2\n")).ErrorId);
        Assert.Null(YamlJson.ToJson(string.Empty));
    }

    [Fact]
    public void SeccompProfileYamlSpecReadsWithExactNumbers()
    {
        // What a SeccompProfile resource's yaml_spec looks like.
        var spec = "name: audit.json\nvalue:\n    defaultAction: SCMP_ACT_LOG\n    syscalls:\n        - action: SCMP_ACT_ERRNO\n          args:\n            - index: 0\n              op: SCMP_CMP_EQ\n              value: 18446744073709551615\n          names:\n            - personality\n";
        var node = YamlJson.ToJson(spec)!.AsObject();
        Assert.Equal("audit.json", (string)node["name"]!);
        Assert.Equal("18446744073709551615", node["value"]!["syscalls"]![0]!["args"]![0]!["value"]!.ToJsonString());
    }

    [Fact]
    public void RenderingQuotesWhatYamlWouldMisreadAndRoundTrips()
    {
        var value = JsonNode.Parse("""
            {"s1":"123","s2":"true","s3":"yes","s4":"null","s5":"","s6":"a: b","s7":"#x","s8":"- x","s9":"multi\nline","s10":"0x1F","s11":"1:20","s12":"~",
             "n1":18446744073709551615,"n2":-9223372036854775808,"n3":1.50,"n4":1e300,"b":false,"z":null,"e":{},"a":[],"nested":{"list":[1,{"k":"v"}]}}
            """)!;
        var yaml = YamlJson.ToYaml(value);
        Assert.Contains("s1: \"123\"", yaml, StringComparison.Ordinal);
        Assert.Contains("s3: \"yes\"", yaml, StringComparison.Ordinal);
        Assert.Contains("n1: 18446744073709551615", yaml, StringComparison.Ordinal);
        var back = YamlJson.ToJson(yaml)!;
        Assert.Equal(value.ToJsonString(), back.ToJsonString());
    }
}
