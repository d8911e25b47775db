using System.Text;
using Google.Protobuf;
using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Talos.Wire.Config;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos;
using TalosSeccomp.Tests.MachineConfig;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

public class MachineConfigBodyTests
{
    private static readonly string Config = ConfigFixtures.Full();

    [Fact]
    public void PrefersYamlMarshalledFromTheProtoSpec()
    {
        var spec = new MachineConfigSpec { YamlMarshalled = ByteString.CopyFromUtf8(Config) }.ToByteArray();
        Assert.Equal(Config, MachineConfigBody.FromResource(spec, "ignored: true", hasAnnotations: true));
    }

    [Fact]
    public void WithAnnotationsYamlSpecIsAYamlStringToDecode()
    {
        // Talos v1.12+ marshals the text as a YAML string scalar.
        var yamlSpec = "|\n" + string.Concat(Config.Split('\n').Select(l => l.Length == 0 ? "\n" : "    " + l + "\n"));
        yamlSpec = yamlSpec[..^1]; // the literal keeps one final newline via clip chomping
        var body = MachineConfigBody.FromResource(null, yamlSpec, hasAnnotations: true);
        Assert.Equal(Config.TrimEnd('\n') + "\n", body);
        Assert.Equal(11, MachineConfigSplitter.Split(body).Count);
    }

    [Fact]
    public void WithoutAnnotationsYamlSpecIsTheText()
    {
        Assert.Equal(Config, MachineConfigBody.FromResource(Array.Empty<byte>(), Config, hasAnnotations: false));
    }

    [Fact]
    public void ReadsAWireResource()
    {
        var resource = new Resource
        {
            Metadata = new Metadata { Namespace = "config", Type = "MachineConfigs.config.talos.dev", Id = "v1alpha1" },
            Spec = new Spec { ProtoSpec = new MachineConfigSpec { YamlMarshalled = ByteString.CopyFrom(Encoding.UTF8.GetBytes(Config)) }.ToByteString(), YamlSpec = "x" },
        };
        Assert.Equal(Config, MachineConfigBody.FromResource(resource, "10.5.0.3"));
    }

    [Fact]
    public void EmptyResourceIsInvalidData()
    {
        var ex = Assert.Throws<TalosSeccompException>(() => MachineConfigBody.FromResource(null, string.Empty, hasAnnotations: false, "10.5.0.3"));
        Assert.Equal(("MachineConfigInvalidResource", ErrorKind.InvalidData, "10.5.0.3"), (ex.ErrorId, ex.Kind, ex.Target));
        Assert.Equal("MachineConfigInvalidResource", Assert.Throws<TalosSeccompException>(() => MachineConfigBody.FromResource(null, "a: 1\n", hasAnnotations: true)).ErrorId);
    }
}
