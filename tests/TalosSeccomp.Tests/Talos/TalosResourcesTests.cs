using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos.Wire.Cri;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

public sealed class TalosResourcesTests
{
    [Fact]
    public void SeccompProfileKeepsTheYamlValueExactly()
    {
        var resource = Resource(new Spec
        {
            YamlSpec = "name: audit.json\nvalue:\n  defaultAction: SCMP_ACT_ERRNO\n  defaultErrnoRet: 38\n  syscalls:\n    - names: [read, write]\n      action: SCMP_ACT_ALLOW\n",
            ProtoSpec = new SeccompProfileSpec { Name = "audit.json", Value = Struct.Parser.ParseJson("{\"defaultErrnoRet\": 38}") }.ToByteString(),
        });

        var profile = TalosResources.DecodeSeccompProfile(resource, "10.5.0.2");

        Assert.False(profile.FromStruct);
        Assert.Equal("audit.json", profile.Name);
        Assert.Equal("""{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}""", profile.Value.ToJsonString());
    }

    [Fact]
    public void SeccompProfileFallsBackToTheStruct()
    {
        var resource = Resource(new Spec { ProtoSpec = new SeccompProfileSpec { Name = "log.json", Value = Struct.Parser.ParseJson("{\"defaultAction\": \"SCMP_ACT_LOG\"}") }.ToByteString() });

        var profile = TalosResources.DecodeSeccompProfile(resource);

        Assert.True(profile.FromStruct);
        Assert.Equal("SCMP_ACT_LOG", profile.Value["defaultAction"]!.GetValue<string>());
    }

    [Fact]
    public void EmptySpecIsUndecodable()
    {
        var error = Assert.Throws<TalosSeccompException>(() => TalosResources.DecodeSeccompProfile(Resource(new Spec()), "10.5.0.2"));
        Assert.Equal(("TalosResourceUndecodable", "10.5.0.2"), (error.ErrorId, error.Target));
    }

    [Fact]
    public void AMemberWithBrokenYamlIsUndecodableNotAYamlException()
    {
        var error = Assert.Throws<TalosSeccompException>(() => TalosResources.DecodeMember(Resource(new Spec { YamlSpec = "nodeId: [unclosed\n" }), "10.5.0.2"));
        Assert.Equal(("TalosResourceUndecodable", ErrorKind.InvalidData), (error.ErrorId, error.Kind));
        Assert.Contains("yaml_spec is not YAML", error.Message);
    }

    private static Resource Resource(Spec spec) => new()
    {
        Metadata = new Metadata { Namespace = "config", Type = TalosResources.MachineConfigType, Id = "v1alpha1", Version = "3" },
        Spec = spec,
    };
}
