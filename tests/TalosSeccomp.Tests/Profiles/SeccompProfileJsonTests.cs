using System.Text;
using System.Text.Json.Nodes;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompProfileJsonTests
{
    private static string LargeProfileJson => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "large-profile.json"));

    [Fact]
    public void LogProfileRendersTheTalosGuideBytes()
    {
        var profile = new SeccompProfile("Log");
        Assert.Equal("{\"defaultAction\":\"SCMP_ACT_LOG\"}", profile.ToNodeJson());
        Assert.Equal(Encoding.UTF8.GetBytes("{\"defaultAction\":\"SCMP_ACT_LOG\"}"), profile.ToNodeJsonBytes());
    }

    [Fact]
    public void EveryModelledFieldRoundTripsIncludingMaxUInt64()
    {
        const string json = """
            {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],
             "flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW"],"listenerPath":"/run/agent.sock","listenerMetadata":"meta",
             "syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":18446744073709551615,"valueTwo":18446744073709551614,"op":"SCMP_CMP_MASKED_EQ"}]},
                         {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
                         {"names":["getpid"],"action":"SCMP_ACT_NOTIFY"}]}
            """;
        var profile = SeccompProfile.Parse(json);

        Assert.Equal(SeccompAction.Errno, profile.DefaultAction);
        Assert.Equal(38u, profile.DefaultErrnoRet);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"], profile.Architectures);
        Assert.Equal([SeccompFilterFlag.Log, SeccompFilterFlag.SpecAllow], profile.Flags);
        Assert.Equal(("/run/agent.sock", "meta"), (profile.ListenerPath, profile.ListenerMetadata));
        var argument = Assert.Single(profile.Syscalls[0].Args);
        Assert.Equal((1u, ulong.MaxValue, ulong.MaxValue - 1, SeccompOperator.MaskedEqual), (argument.Index, argument.Value, argument.ValueTwo!.Value, argument.Op));
        Assert.Equal(13u, profile.Syscalls[1].ErrnoRet);

        var again = SeccompProfile.Parse(profile.ToNodeJson());
        Assert.Equal(profile.ToNodeJson(), again.ToNodeJson());
        Assert.Contains("\"value\":18446744073709551615", profile.ToNodeJson(), StringComparison.Ordinal);
        Assert.Contains("\"value\": 18446744073709551615", profile.ToIndentedJson(), StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(), profile.ToJsonNode().ToJsonString());
    }

    [Fact]
    public void UnknownAndDockerKeysAreKeptVerbatimAtEveryLevel()
    {
        const string json = """
            {"comment":"x","name":"docker","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
             "includes":{},"excludes":{},"vendor":{"n":1.5,"big":123456789012345678901234567890,"t":true,"z":null},
             "defaultAction":"SCMP_ACT_ALLOW",
             "syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","comment":"no","includes":{"caps":["CAP_SYS_PTRACE"]},"excludes":{},"name":"ptrace",
                          "args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ","note":"extra"}]}]}
            """;
        var profile = SeccompProfile.Parse(json);

        Assert.Equal(["comment", "name", "archMap", "includes", "excludes", "vendor"], profile.AdditionalProperties.Select(p => p.Key));
        Assert.Equal(["comment", "includes", "excludes", "name"], profile.Syscalls[0].AdditionalProperties.Select(p => p.Key));
        Assert.Equal("extra", profile.Syscalls[0].Args[0].AdditionalProperties["note"]!.GetValue<string>());

        var node = profile.ToNodeJson();
        Assert.Equal(
            "{\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],\"comment\":\"x\",\"defaultAction\":\"SCMP_ACT_ALLOW\","
            + "\"excludes\":{},\"includes\":{},\"name\":\"docker\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"note\":\"extra\",\"op\":\"SCMP_CMP_EQ\",\"value\":1}],"
            + "\"comment\":\"no\",\"excludes\":{},\"includes\":{\"caps\":[\"CAP_SYS_PTRACE\"]},\"name\":\"ptrace\",\"names\":[\"ptrace\"]}],"
            + "\"vendor\":{\"big\":1.2345678901234568e+29,\"n\":1.5,\"t\":true,\"z\":null}}",
            node);
        Assert.Equal(node, SeccompProfile.Parse(node).ToNodeJson());
    }

    [Fact]
    public void ExplicitNullsAndEmptyArraysOfKnownKeysRoundTrip()
    {
        const string json = """{"defaultAction":"SCMP_ACT_LOG","flags":null,"architectures":[],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[],"errnoRet":null}]}""";
        var profile = SeccompProfile.Parse(json);
        Assert.Equal(
            "{\"architectures\":[],\"defaultAction\":\"SCMP_ACT_LOG\",\"flags\":null,\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],\"errnoRet\":null,\"names\":[\"read\"]}]}",
            profile.ToNodeJson());

        profile.Flags.Add(SeccompFilterFlag.Log);
        Assert.Contains("\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]", profile.ToNodeJson(), StringComparison.Ordinal);
        Assert.Single(SeccompProfile.Parse(profile.ToNodeJson()).Flags);
    }

    [Fact]
    public void NodeJsonEscapesLikeGo()
    {
        var profile = new SeccompProfile("Allow") { ListenerMetadata = "<a&b>\u2028\u2029\"\\\b\f\n\r\t\u0001\u001fé😀/" };
        Assert.Equal(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001fé😀/\"}",
            profile.ToNodeJson());
        Assert.Equal("\"\\ufffd\"", GoJson.SerializeToString(JsonValue.Create("\ud800")));
    }

    [Fact]
    public void NodeJsonSortsKeysByUtf8Bytes()
    {
        // UTF-16 ordinal puts U+FF21 before U+1F600 (0xD83D); UTF-8 bytes (EF BC A1 < F0 9F) agree; U+E000 (EE 80 80) sorts before both.
        var json = new JsonObject { ["😀"] = 1, ["Ａ"] = 2, ["\ue000"] = 3, ["b"] = 4, ["B"] = 5, ["a"] = 6 };
        Assert.Equal("{\"B\":5,\"a\":6,\"b\":4,\"\ue000\":3,\"Ａ\":2,\"😀\":1}", GoJson.SerializeToString(json));
        Assert.True(GoJson.CompareKeys("\uffff", "😀") < 0);
        Assert.True(string.CompareOrdinal("\uffff", "😀") > 0);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("-12", "-12")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("-9223372036854775808", "-9223372036854775808")]
    [InlineData("1.0", "1")]
    [InlineData("1.5e3", "1500")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("0.0000001", "1e-7")]
    [InlineData("1.25e-10", "1.25e-10")]
    [InlineData("1e21", "1e+21")]
    [InlineData("123456789012345678901", "123456789012345680000")]
    [InlineData("-2.5E+22", "-2.5e+22")]
    [InlineData("-0.0", "-0")]
    public void NumbersFormatLikeGoFloat64AndInt64(string literal, string expected)
    {
        Assert.Equal(expected, GoJson.FormatNumber(literal));
    }

    [Fact]
    public void ActionsOperatorsArchitecturesAndFlagsAreNormalised()
    {
        var profile = SeccompProfile.Parse("""
            {"defaultAction":"killprocess","architectures":["amd64","aarch64","SCMP_ARCH_ARM"],"flags":["tsync","SPEC_ALLOW"],
             "syscalls":[{"names":["a"],"action":"scmp_act_allow","args":[{"index":0,"value":1,"op":"eq"},{"index":1,"value":2,"op":"MaskedEqual"}]}]}
            """);
        Assert.Equal(SeccompAction.KillProcess, profile.DefaultAction);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], profile.Architectures);
        Assert.Equal([SeccompFilterFlag.Tsync, SeccompFilterFlag.SpecAllow], profile.Flags);
        Assert.Equal(SeccompAction.Allow, profile.Syscalls[0].Action);
        Assert.Equal([SeccompOperator.Equal, SeccompOperator.MaskedEqual], profile.Syscalls[0].Args.Select(a => a.Op));
    }

    [Theory]
    [InlineData("Log", "SCMP_ACT_LOG")]
    [InlineData("errno", "SCMP_ACT_ERRNO")]
    [InlineData("KillProcess", "SCMP_ACT_KILL_PROCESS")]
    [InlineData("Kill_Thread", "SCMP_ACT_KILL_THREAD")]
    [InlineData("Kill", "SCMP_ACT_KILL")]
    [InlineData("SCMP_ACT_TRAP", "SCMP_ACT_TRAP")]
    [InlineData(" notify ", "SCMP_ACT_NOTIFY")]
    [InlineData("Trace", "SCMP_ACT_TRACE")]
    [InlineData("ALLOW", "SCMP_ACT_ALLOW")]
    public void ActionSpellings(string spelling, string expected) => Assert.Equal(expected, SeccompAction.Normalize(spelling, "test"));

    [Theory]
    [InlineData("{\"defaultAction\":", "InvalidSeccompProfileJson", ErrorKind.InvalidArgument)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",}", "InvalidSeccompProfileJson", ErrorKind.InvalidArgument)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"defaultAction\":\"SCMP_ACT_LOG\"}", "DuplicateSeccompProfileKey", ErrorKind.InvalidArgument)]
    [InlineData("[]", "InvalidSeccompProfileType", ErrorKind.InvalidType)]
    [InlineData("{\"defaultAction\":5}", "InvalidSeccompProfileType", ErrorKind.InvalidType)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":{}}", "InvalidSeccompProfileType", ErrorKind.InvalidType)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":\"read\",\"action\":\"SCMP_ACT_ALLOW\"}]}", "InvalidSeccompProfileType", ErrorKind.InvalidType)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"defaultErrnoRet\":-1}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"defaultErrnoRet\":1.5}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"defaultErrnoRet\":4294967296}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":18446744073709551616,\"op\":\"EQ\"}]}]}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":\"EQ\"}]}]}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"syscalls\":[]}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"a\"]}]}", "InvalidSeccompProfileField", ErrorKind.InvalidData)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_SOMETIMES\"}", "InvalidSeccompAction", ErrorKind.InvalidArgument)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_ABOUT\"}]}]}", "InvalidSeccompOperator", ErrorKind.InvalidArgument)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"architectures\":[\"SCMP_ARCH_Z80\"]}", "InvalidSeccompArchitecture", ErrorKind.InvalidArgument)]
    [InlineData("{\"defaultAction\":\"SCMP_ACT_LOG\",\"flags\":[\"SECCOMP_FILTER_FLAG_FAST\"]}", "InvalidSeccompFlag", ErrorKind.InvalidArgument)]
    public void BadInputThrowsSpecificErrorIds(string json, string errorId, ErrorKind kind)
    {
        var ex = Assert.Throws<TalosSeccompException>(() => SeccompProfile.Parse(json, "bad.json"));
        Assert.Equal((errorId, kind), (ex.ErrorId, ex.Kind));
        Assert.Contains("bad.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsNameTheJsonPathAndLine()
    {
        var action = Assert.Throws<TalosSeccompException>(() => SeccompProfile.Parse("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["a"],"action":"Allow"},{"names":["b"],"action":"Sometimes"}]}"""));
        Assert.Contains("syscalls[1].action", action.Message, StringComparison.Ordinal);

        var type = Assert.Throws<TalosSeccompException>(() => SeccompProfile.Parse("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["a", 7],"action":"Allow"}]}"""));
        Assert.Contains("syscalls[0].names[1]", type.Message, StringComparison.Ordinal);

        var syntax = Assert.Throws<TalosSeccompException>(() => SeccompProfile.Parse("{\n  \"defaultAction\": \"SCMP_ACT_LOG\"\n  \"syscalls\": []\n}", "p.json"));
        Assert.Contains("line 3", syntax.Message, StringComparison.Ordinal);
        Assert.Equal("p.json", syntax.Target);
    }

    [Fact]
    public void LenientParseKeepsUnknownVocabularyForTheValidator()
    {
        var profile = SeccompProfile.ParseLenient("""
            {"defaultAction":"SCMP_ACT_SOMETIMES","architectures":["SCMP_ARCH_Z80","x86_64"],"flags":["FAST"],
             "syscalls":[{"names":["read"],"action":"Allow","args":[{"index":0,"value":1,"op":"ABOUT"}]}]}
            """);
        Assert.Equal("SCMP_ACT_SOMETIMES", profile.DefaultAction);
        Assert.Equal(["SCMP_ARCH_Z80", "SCMP_ARCH_X86_64"], profile.Architectures);
        Assert.Equal(["FAST"], profile.Flags);
        Assert.Equal(SeccompAction.Allow, profile.Syscalls[0].Action);
        Assert.Equal("ABOUT", profile.Syscalls[0].Args[0].Op);
        Assert.Throws<TalosSeccompException>(() => SeccompProfile.ParseLenient("{"));
    }

    [Fact]
    public void FromJsonNodeAcceptsObjectsBuiltInCode()
    {
        var json = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ERRNO",
            ["defaultErrnoRet"] = 1L,
            ["syscalls"] = new JsonArray(new JsonObject
            {
                ["names"] = new JsonArray("read", "write"),
                ["action"] = "SCMP_ACT_ALLOW",
                ["args"] = new JsonArray(new JsonObject { ["index"] = 0, ["value"] = ulong.MaxValue, ["op"] = "SCMP_CMP_EQ" }),
            }),
        };
        var profile = SeccompProfile.FromJsonNode(json);
        Assert.Equal(ulong.MaxValue, profile.Syscalls[0].Args[0].Value);
        Assert.Equal(1u, profile.DefaultErrnoRet);
        Assert.Equal(GoJson.SerializeToString(json), profile.ToNodeJson());
        Assert.NotSame(json, profile.ToJsonNode());
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NumbersJsonCannotHoldAreRefusedOnEveryRuntime(double number)
    {
        // .NET 8 (PowerShell 7.4) throws ArgumentException from GetValueKind for these; .NET 10 calls them numbers.
        var json = new JsonObject { ["defaultAction"] = "SCMP_ACT_ERRNO", ["defaultErrnoRet"] = number };
        Assert.Equal("InvalidJsonValue", Assert.Throws<TalosSeccompException>(() => SeccompProfile.FromJsonNode(json)).ErrorId);
        Assert.Equal("InvalidJsonValue", Assert.Throws<TalosSeccompException>(() => GoJson.SerializeToString(json)).ErrorId);
    }

    [Fact]
    public void LargeProfileRoundTripsByteForByte()
    {
        var profile = SeccompProfile.Parse(LargeProfileJson);
        Assert.True(profile.SyscallCount > 350);
        var node = profile.ToNodeJson();
        Assert.Equal(node, SeccompProfile.Parse(node).ToNodeJson());
        Assert.Equal(node, SeccompProfile.Parse(profile.ToIndentedJson()).ToNodeJson());
        Assert.Equal(node, profile.Clone().ToNodeJson());
        Assert.DoesNotContain('\n', node);
        Assert.DoesNotContain("\": ", node, StringComparison.Ordinal);
        Assert.DoesNotContain(", \"", node, StringComparison.Ordinal);
    }
}
