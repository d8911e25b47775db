using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

/// <summary>Lone surrogates and repeated keys: what Go's encoding/json does with them, and clear errors where it cannot.</summary>
public class ProfileTextEdgeCaseTests
{
    // \ud800 and \udc00 alone, a high surrogate followed by a non-surrogate escape, an escaped backslash before
    // "ud800" (text, not an escape), and a proper pair.
    private const string LoneSurrogates = """
        {"defaultAction":"SCMP_ACT_LOG","comment":"a\ud800b \\ud800 \ud800\u0041",
         "syscalls":[{"names":["re\udc00ad","\ud83d\ude00"],"action":"SCMP_ACT_ALLOW","comment":"\udc00"}]}
        """;

    [Theory]
    [InlineData(@"""x""", @"""x""")]
    [InlineData(@"""\ud800""", @"""\ufffd""")]
    [InlineData(@"""\uDFFF!""", @"""\ufffd!""")]
    [InlineData(@"""\ud83d\ude00""", @"""\ud83d\ude00""")]
    [InlineData(@"""\ud83d\u0041""", @"""\ufffd\u0041""")]
    [InlineData(@"""\ud83d\ud83d\ude00""", @"""\ufffd\ud83d\ude00""")]
    [InlineData(@"""\\ud800""", @"""\\ud800""")]
    [InlineData(@"""\\\ud800""", @"""\\\ufffd""")]
    [InlineData(@"""\ud80""", @"""\ud80""")]
    public void LoneSurrogateEscapesBecomeReplacementCharacters(string json, string expected) =>
        Assert.Equal(expected, GoJson.ReplaceInvalidSurrogates(json));

    [Fact]
    public void UnpairedSurrogateCharactersBecomeReplacementCharacters()
    {
        Assert.Equal("a\ufffdb\U0001F600", GoJson.ReplaceInvalidSurrogates("a\ud800b\U0001F600"));
        Assert.Equal("\ufffd", GoJson.ReplaceLoneSurrogates("\udc00"));
        const string clean = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";
        Assert.Same(clean, GoJson.ReplaceInvalidSurrogates(clean));
        Assert.Same(clean, GoJson.ReplaceLoneSurrogates(clean));
    }

    [Fact]
    public void AnImportedLoneSurrogateIsReadAsGoReadsIt()
    {
        var profile = SeccompProfile.Parse(LoneSurrogates);

        Assert.Equal(["re\ufffdad", "\U0001F600"], profile.Syscalls[0].Names);
        // Go's json.Unmarshal gives U+FFFD, which json.Marshal writes as raw UTF-8.
        Assert.Equal(
            "{\"comment\":\"a\ufffdb \\\\ud800 \ufffdA\",\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"\ufffd\",\"names\":[\"re\ufffdad\",\"\U0001F600\"]}]}",
            profile.ToNodeJson());
        Assert.Equal(profile.ToNodeJson(), Encoding.UTF8.GetString(profile.ToNodeJsonBytes()));
    }

    [Fact]
    public void EveryOutputWritesAnImportedLoneSurrogate()
    {
        var profile = SeccompProfile.Parse(LoneSurrogates);

        // Export-SeccompProfile -Indent and ConvertTo-SeccompJson -Indent
        var indented = profile.ToIndentedJson();
        Assert.Contains("\"re\ufffdad\"", indented);
        Assert.Equal(profile.ToNodeJson(), SeccompProfile.Parse(indented).ToNodeJson());
        // ConvertTo-TalosConfigPatch
        var patch = TalosConfigPatchRenderer.Render([("x.json", profile.ToJsonNode())]);
        Assert.Contains("re\ufffdad", patch);
        Assert.Contains("comment: \"\ufffd\"", patch);
    }

    [Fact]
    public void ALoneSurrogateSetInMemoryIsWrittenAsU_FFFDEverywhere()
    {
        var profile = new SeccompProfile(SeccompAction.Log) { ListenerPath = "/run/\udc00.sock" };
        profile.Syscalls.Add(new SeccompRule(["\ud800x"], SeccompAction.Allow));
        profile.Architectures.Add("SCMP_ARCH_X86_64\ud800");

        // The same text in every rendering, so the node bytes predicted from the profile are what the node stores
        // from the YAML patch.
        Assert.Equal(
            "{\"architectures\":[\"SCMP_ARCH_X86_64\ufffd\"],\"defaultAction\":\"SCMP_ACT_LOG\",\"listenerPath\":\"/run/\ufffd.sock\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"\ufffdx\"]}]}",
            profile.ToNodeJson());
        Assert.Equal(["\ufffdx"], SeccompProfile.ParseLenient(profile.ToIndentedJson()).Syscalls[0].Names);
        Assert.Contains("- \"\ufffdx\"", TalosConfigPatchRenderer.Render([("x.json", profile.ToJsonNode())]));
        // The profile object itself is left as the caller set it.
        Assert.Equal("\ud800x", profile.Syscalls[0].Names[0]);
    }

    [Fact]
    public void GoJsonEscapesALoneSurrogateInAnyOtherNode() =>
        // Go's json.Marshal of a string holding invalid UTF-8 writes \ufffd.
        Assert.Equal("[\"\\ufffdx\"]", GoJson.SerializeToString(new System.Text.Json.Nodes.JsonArray(System.Text.Json.Nodes.JsonValue.Create("\ud800x"))));

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG","defaultAction":"SCMP_ACT_ERRNO"}""", "defaultAction", "at the top level", "defaultAction")]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["write"],"action":"SCMP_ACT_ALLOW","action":"SCMP_ACT_LOG"}]}""", "action", "in syscalls[1]", "syscalls[1].action")]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"index":1,"op":"SCMP_CMP_EQ"}]}]}""", "index", "in syscalls[0].args[0]", "syscalls[0].args[0].index")]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG","x":{"a":1,"b":[{"c":1,"c":2}]}}""", "c", "in x.b[0]", "x.b[0].c")]
    public void ARepeatedKeyIsAClearErrorNamingKeyAndPath(string json, string key, string where, string target)
    {
        foreach (var parse in new Func<string, SeccompProfile>[] { j => SeccompProfile.Parse(j, "p.json"), j => SeccompProfile.ParseLenient(j, "p.json") })
        {
            var ex = Assert.Throws<TalosSeccompException>(() => parse(json));

            Assert.Equal(("DuplicateSeccompProfileKey", ErrorKind.InvalidArgument, target), (ex.ErrorId, ex.Kind, ex.Target));
            Assert.Contains($"'p.json' has the key \"{key}\" twice {where}", ex.Message);
            Assert.DoesNotContain("same key", ex.Message);
        }
    }

    [Fact]
    public void EqualKeysInDifferentObjectsAreFine()
    {
        var profile = SeccompProfile.Parse("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["write"],"action":"SCMP_ACT_ALLOW"}]}""");
        Assert.Equal(2, profile.Syscalls.Count);
    }
}
