using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using TalosSeccomp.MachineConfig;

namespace TalosSeccomp.Benchmarks;

/// <summary>
/// Seccomp-profile edits on a ~200 KB multi-document machine config (a v1alpha1 document with 80 profiles plus
/// 200 typed documents). Every edit includes parsing, the splice and the full re-parse of the safety net.
/// </summary>
[MemoryDiagnoser]
public class MachineConfigBenchmarks
{
    private string _config = string.Empty;
    private JsonObject _newValue = new();
    private JsonObject _existingValue = new();

    /// <summary>Builds the config once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        sb.Append("version: v1alpha1 # Indicates the schema used to decode the contents.\ndebug: false\npersist: true\n");
        sb.Append("# Provides machine specific configuration options.\nmachine:\n    type: worker # Defines the role of the machine within the cluster.\n");
        sb.Append("    kubelet:\n        image: ghcr.io/siderolabs/kubelet:v1.33.0 # The image.\n        defaultRuntimeSeccompProfileEnabled: true\n");
        sb.Append("    seccompProfiles:\n");
        for (var i = 0; i < 80; i++)
        {
            sb.Append("        # profile ").Append(i).Append('\n');
            sb.Append("        - name: profile-").Append(i).Append(".json\n          value:\n            defaultAction: SCMP_ACT_ERRNO\n            architectures:\n                - SCMP_ARCH_X86_64\n                - SCMP_ARCH_AARCH64\n            syscalls:\n");
            for (var j = 0; j < 6; j++)
            {
                sb.Append("                - names:\n                    - read\n                    - write\n                    - openat\n                    - close\n                  action: SCMP_ACT_ALLOW\n");
                sb.Append("                  args:\n                    - index: ").Append(j).Append("\n                      value: 18446744073709551615\n                      op: SCMP_CMP_EQ\n");
            }
        }

        sb.Append("    install:\n        disk: /dev/sda # The disk used for installations.\n");
        sb.Append("cluster:\n    clusterName: demo\n    controlPlane:\n        endpoint: https://10.5.0.2:6443\n");
        for (var d = 0; d < 200; d++)
        {
            sb.Append("---\n# document ").Append(d).Append("\napiVersion: v1alpha1\nkind: LinkConfig\nname: eth").Append(d).Append(" # link\nup: true\nmtu: 9000\naddresses:\n  - address: 10.0.").Append(d).Append(".10/24\nroutes:\n  - gateway: 10.0.").Append(d).Append(".1 # gateway\n    metric: 1024\n");
        }

        _config = sb.ToString();
        _newValue = JsonNode.Parse("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["ptrace","personality"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}""")!.AsObject();
        _existingValue = MachineConfigSeccompEditor.ReadSeccompProfiles(_config).Single(e => e.Name == "profile-30.json").Value;
        Console.WriteLine($"// config size: {_config.Length / 1024} KB");
    }

    /// <summary>Replaces an entry in the middle of the list.</summary>
    [Benchmark]
    public string SetReplace() => MachineConfigSeccompEditor.Set(_config, "profile-30.json", _newValue).NewText;

    /// <summary>Appends a new entry.</summary>
    [Benchmark]
    public string SetAppend() => MachineConfigSeccompEditor.Set(_config, "new.json", _newValue).NewText;

    /// <summary>Sets an entry to its current value (no change, no verification).</summary>
    [Benchmark]
    public bool SetUnchanged() => MachineConfigSeccompEditor.Set(_config, "profile-30.json", _existingValue).Changed;

    /// <summary>Removes entries by wildcard.</summary>
    [Benchmark]
    public string RemoveWildcard() => MachineConfigSeccompEditor.Remove(_config, new[] { "profile-1?.json" }).NewText;

    /// <summary>Reads every entry.</summary>
    [Benchmark]
    public int Read() => MachineConfigSeccompEditor.ReadSeccompProfiles(_config).Count;
}
