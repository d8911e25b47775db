using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TalosSeccomp.FakeTalos.Config;
using TalosSeccomp.FakeTalos.State;
using TalosSeccomp.Talos.Wire.Config;
using TalosSeccomp.Talos.Wire.Cri;
using TalosSeccomp.Talos.Wire.Machine;
using YamlDotNet.Serialization;
using WireCluster = TalosSeccomp.Talos.Wire.Cluster;
using WireCommon = TalosSeccomp.Talos.Wire.Common;
using WireEnums = TalosSeccomp.Talos.Wire.Enums;

namespace TalosSeccomp.FakeTalos;

/// <summary>
/// One virtual Talos node behind the fake endpoint: its machine config, COSI resources, files, kernel and
/// auditd logs, and the knobs tests turn (latency, unreachable, hooks).
/// </summary>
public sealed partial class FakeNode
{
    /// <summary>Directory the node's SeccompProfileFileController writes profiles to.</summary>
    public const string ProfilesDirectory = "/var/lib/kubelet/seccomp/profiles";

    internal const string MachineConfigType = "MachineConfigs.config.talos.dev";
    internal const string SeccompProfileType = "SeccompProfiles.cri.talos.dev";
    internal const string MemberType = "Members.cluster.talos.dev";
    internal const string ConfigNamespace = "config";
    internal const string CriNamespace = "cri";
    internal const string ClusterNamespace = "cluster";

    // Like Go's yaml.v3, which Talos marshals resources with: a string that would read back as a number, boolean or
    // null (minKernel "4.8" in Docker's profile) is quoted, so it stays a string.
    private static readonly ISerializer YamlSerializer = new SerializerBuilder().WithIndentedSequences().WithQuotingNecessaryStrings().Build();
    private readonly object gate = new();
    private readonly List<AppliedConfiguration> applied = new();
    private readonly Dictionary<string, string> files = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim applyInProgress = new(1, 1);
    private readonly DateTime bootTime;
    private string machineConfig = string.Empty;
    private string persistentConfig = string.Empty;
    private string hostname;
    private CancellationTokenSource? tryRevert;
    private TaskCompletionSource? heldBack;

    internal FakeNode(string address, string hostname, FakePki pki, string talosVersion, bool isEndpointNode)
    {
        Address = address;
        this.hostname = hostname;
        TalosVersion = talosVersion;
        IsEndpointNode = isEndpointNode;
        NodeId = Convert.ToBase64String(Encoding.UTF8.GetBytes("fake-node-" + address)).TrimEnd('=');

        // Uptime of a few minutes, whole seconds as machined computes it.
        bootTime = DateTime.UtcNow.AddSeconds(-300);
        bootTime = bootTime.AddTicks(-(bootTime.Ticks % TimeSpan.TicksPerSecond));
        SeedLogs();
        SeedProcesses();
        var initialConfig = DefaultMachineConfig.Create(hostname, address, pki, talosVersion);
        SetConfig(initialConfig, FakeMachineConfig.Parse(initialConfig), persist: true);
        files["/etc/os-release"] = $"NAME=\"Talos\"\nID=talos\nVERSION_ID={talosVersion}\nPRETTY_NAME=\"Talos ({talosVersion})\"\n";
    }

    /// <summary>The node's address, as clients put it in the <c>node</c> metadata.</summary>
    public string Address { get; }

    /// <summary>The node's hostname (changed by a HostnameConfig in an applied config, or set directly).</summary>
    public string Hostname
    {
        get { lock (gate) { return hostname; } }
        set { lock (gate) { hostname = value; } }
    }

    /// <summary>The active machine config: full multi-document text. Setting it simulates another writer (it must be valid).</summary>
    public string MachineConfig
    {
        get { lock (gate) { return machineConfig; } }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            SetConfig(value, FakeMachineConfig.Parse(value), persist: true);
        }
    }

    /// <summary>The COSI version of the active MachineConfig resource; bumps on every change.</summary>
    public string MachineConfigVersion => Resources.Get(ConfigNamespace, MachineConfigType, "v1alpha1")?.Metadata.Version ?? "0";

    /// <summary>Every ApplyConfiguration received, in order.</summary>
    public IReadOnlyList<AppliedConfiguration> Applied
    {
        get { lock (gate) { return applied.ToArray(); } }
    }

    /// <summary>Added to every call routed to this node.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Calls to this node fail like apid's failed dial (Unavailable).</summary>
    public bool Unreachable { get; set; }

    /// <summary>Runs inside ApplyConfiguration after validation and before the config takes effect.</summary>
    public Action<FakeNode>? BeforeApply { get; set; }

    /// <summary>Runs inside ApplyConfiguration after the config took effect and before the answer is sent (a slow or lost reply).</summary>
    public Action<FakeNode>? AfterApply { get; set; }

    /// <summary>Runs after a Get of the active MachineConfig resource has been answered.</summary>
    public Action<FakeNode>? AfterConfigRead { get; set; }

    /// <summary>False: Logs for <c>auditd</c> fails as on a node with the auditd service disabled.</summary>
    public bool HasAuditdService { get; set; } = true;

    /// <summary>Open Dmesg and kernel-log streams on this node (tests wait for a follower before injecting).</summary>
    public int OpenKernelLogStreams => KernelLog.SubscriberCount;

    /// <summary>Open auditd-log streams on this node.</summary>
    public int OpenAuditdLogStreams => AuditdLog.SubscriberCount;

    /// <summary>
    /// Completes the next time a Logs, Dmesg or Read stream of this node has to wait to send (its write did not complete
    /// at once: HTTP/2 flow control holds it back because the client stopped reading). Tests of backpressure wait for
    /// this instead of sleeping. Ask before starting the stream.
    /// </summary>
    public Task WhenAStreamIsHeldBack()
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref heldBack, signal);
        return signal.Task;
    }

    internal void ReportHeldBack() => Interlocked.Exchange(ref heldBack, null)?.TrySetResult();

    /// <summary>Ends every open Dmesg and Logs stream of this node with Unavailable, as a dropped connection would; returns how many.</summary>
    public int DropLogStreams() => KernelLog.DropSubscribers() + AuditdLog.DropSubscribers();

    /// <summary>
    /// Appends <paramref name="count"/> well-formed seccomp records to the auditd log (serials from
    /// <paramref name="firstSerial"/>) for benchmarks: it starts once an auditd stream is open (a followed stream
    /// only sees later records) and pauses while an open stream lags more than 20 000 lines behind, so a million
    /// records stream without the node's memory growing.
    /// </summary>
    public Task GenerateAuditdRecordsAsync(long count, long firstSerial = 1, CancellationToken cancellationToken = default) =>
        GenerateAuditdRecordsAsync(count, firstSerial, firstPid: 1000, pidCount: 50, cancellationToken);

    /// <summary>
    /// As <see cref="GenerateAuditdRecordsAsync(long, long, CancellationToken)"/>, with the records' pids cycling through
    /// <paramref name="pidCount"/> pids from <paramref name="firstPid"/> (the attribution benchmark puts those in the
    /// node's process table and CRI containers). Each pid keeps one process name, as a real process does, so an
    /// attribution cache is not made to look the pid up again by a name that changes from record to record.
    /// </summary>
    public async Task GenerateAuditdRecordsAsync(long count, long firstSerial, int firstPid, int pidCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pidCount, 1);
        while (AuditdLog.SubscriberCount == 0)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        string[] comms = ["nginx", "runc:[2:INIT]", "coredns", "kube-proxy"];
        int[] syscalls = [0, 1, 3, 9, 202, 257, 59, 158];
        var epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        for (long i = 0; i < count; i++)
        {
            if (i % 1000 == 0)
            {
                while (AuditdLog.MaxBacklog > 20_000)
                {
                    await Task.Delay(2, cancellationToken).ConfigureAwait(false);
                }
            }

            var serial = firstSerial + i;
            AuditdLog.Append(string.Create(CultureInfo.InvariantCulture,
                $"type=SECCOMP msg=audit({epoch + (serial / 100_000)}.{serial % 1000:D3}:{serial}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid={firstPid + (serial % pidCount)} comm=\"{comms[serial % pidCount % comms.Length]}\" exe=\"/usr/bin/app\" sig=0 arch=c000003e syscall={syscalls[serial % syscalls.Length]} compat=0 ip=0x7f3a{serial % 65536:x4} code=0x7ffc0000\n"));
        }
    }

    /// <summary>The Talos version the node reports.</summary>
    public string TalosVersion { get; }

    internal bool IsEndpointNode { get; }

    internal string NodeId { get; }

    internal ResourceStore Resources { get; } = new();

    internal LogBuffer KernelLog { get; } = new();

    internal LogBuffer AuditdLog { get; } = new();

    /// <summary>Appends a kernel record (facility kern; priority notice for audit records, info otherwise) to Dmesg and the kernel log.</summary>
    public void InjectKernelRecord(string message) =>
        InjectKernelRecord("kern", message.StartsWith("audit:", StringComparison.Ordinal) ? "notice" : "info", message, DateTime.UtcNow);

    /// <summary>Appends a kernel record with an explicit facility, priority and time.</summary>
    public void InjectKernelRecord(string facility, string priority, string message, DateTime timestampUtc)
    {
        ArgumentNullException.ThrowIfNull(message);
        KernelLog.Append(FormatKernelRecord(facility, priority, timestampUtc, message));
    }

    /// <summary>Appends a line to the <c>auditd</c> service log.</summary>
    public void InjectAuditdLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        AuditdLog.Append(line.EndsWith('\n') ? line : line + "\n");
    }

    /// <summary>The content of a regular file the node serves through Read, or null when there is none.</summary>
    public string? ReadFile(string path)
    {
        if (TryReadProc(path, out var procContent, out _))
        {
            return procContent;
        }

        lock (gate)
        {
            return files.TryGetValue(NormalizePath(path), out var content) ? content : null;
        }
    }

    /// <summary>Paths of the files under a directory (for tests and Read's "not a regular file" check).</summary>
    public IReadOnlyList<string> ListFiles(string directory)
    {
        var prefix = NormalizePath(directory).TrimEnd('/') + "/";
        lock (gate)
        {
            return files.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        }
    }

    internal bool IsDirectory(string path)
    {
        if (TryReadProc(path, out _, out var procDirectory))
        {
            return procDirectory;
        }

        var prefix = NormalizePath(path).TrimEnd('/') + "/";
        lock (gate)
        {
            return prefix == "/" || files.Keys.Any(p => p.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    /// <summary>Go's <c>"%s: %7s: [%s]: %s"</c> Dmesg line: timestamp RFC3339Nano UTC, message with its trailing newline.</summary>
    internal static string FormatKernelRecord(string facility, string priority, DateTime timestampUtc, string message) =>
        string.Create(CultureInfo.InvariantCulture, $"{facility}: {priority,7}: [{FormatRfc3339Nano(timestampUtc)}]: {(message.EndsWith('\n') ? message : message + "\n")}");

    /// <summary>Go's time.RFC3339Nano in UTC: 0–9 fraction digits, trailing zeros trimmed.</summary>
    internal static string FormatRfc3339Nano(DateTime timestampUtc)
    {
        var utc = timestampUtc.ToUniversalTime();
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        var seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return fraction.Length == 0 ? seconds + "Z" : seconds + "." + fraction + "Z";
    }

    /// <summary>
    /// Handles ApplyConfiguration as machined does on a configured node (upstream
    /// <c>internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go</c> ApplyConfiguration), in its order: one
    /// apply at a time (FailedPrecondition), any mode but TRY cancels a pending try rollback, the config must parse and
    /// hold a v1alpha1 document (InvalidArgument), REBOOT is refused (Unimplemented), AUTO becomes NO_REBOOT, and the
    /// reply's mode_details are upstream's texts. The admin check of that handler is the RBAC rule (TalosRpc).
    /// </summary>
    internal async Task<ApplyConfiguration> ApplyAsync(ApplyConfigurationRequest request)
    {
        var text = request.Data.ToStringUtf8();
        var mode = request.Mode;
        var tryTimeout = request.TryModeTimeout?.ToTimeSpan();
        if (!await applyInProgress.WaitAsync(0).ConfigureAwait(false))
        {
            Record(text, request, tryTimeout, "Refused: busy");
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "another apply configuration is already in progress"));
        }

        try
        {
            if (mode != ApplyConfigurationRequest.Types.Mode.Try)
            {
                tryRevert?.Cancel();
            }

            FakeMachineConfig parsed;
            try
            {
                parsed = FakeMachineConfig.Parse(text);
            }
            catch (FakeConfigException e)
            {
                Record(text, request, tryTimeout, "Rejected: " + e.Message);
                throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
            }

            if (mode == ApplyConfigurationRequest.Types.Mode.Reboot)
            {
                Record(text, request, tryTimeout, "Refused: REBOOT");
                throw new RpcException(new Status(StatusCode.Unimplemented, "the REBOOT mode is not supported, please use AUTO or NO_REBOOT modes instead"));
            }

            string modeDetails = mode switch
            {
                ApplyConfigurationRequest.Types.Mode.Auto or ApplyConfigurationRequest.Types.Mode.Try or ApplyConfigurationRequest.Types.Mode.NoReboot => "Applied configuration without a reboot",
                ApplyConfigurationRequest.Types.Mode.Staged => "Staged configuration to be applied after the next reboot",
                _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"incorrect mode '{ModeName(mode)}' specified for the apply config call")),
            };
            var effectiveMode = mode == ApplyConfigurationRequest.Types.Mode.Auto ? ApplyConfigurationRequest.Types.Mode.NoReboot : mode;

            BeforeApply?.Invoke(this);
            var previous = MachineConfig;
            var result = new ApplyConfiguration { Mode = effectiveMode };
            if (request.DryRun)
            {
                result.ModeDetails = $"Dry run summary:\n{modeDetails} (skipped in dry-run).\nConfig diff:\n\n{LineDiff(previous, text)}";
                Record(text, request, tryTimeout, "DryRun");
                return result;
            }

            switch (effectiveMode)
            {
                case ApplyConfigurationRequest.Types.Mode.Staged:
                    StageConfig(text);
                    Record(text, request, tryTimeout, "Staged");
                    break;
                case ApplyConfigurationRequest.Types.Mode.Try:
                    // constants.ConfigTryTimeout is one minute; the text uses Go's time.Duration.String().
                    var timeout = tryTimeout ?? TimeSpan.FromMinutes(1);
                    SetConfig(text, parsed, persist: false);
                    ScheduleRevert(previous, text, timeout);
                    modeDetails += $"\nThe config is applied in 'try' mode and will be automatically reverted back in {GoDuration(timeout)}";
                    Record(text, request, tryTimeout, "Applied");
                    break;
                default:
                    SetConfig(text, parsed, persist: true);
                    Record(text, request, tryTimeout, "Applied");
                    break;
            }

            result.ModeDetails = modeDetails;
            AfterApply?.Invoke(this);
            return result;
        }
        finally
        {
            applyInProgress.Release();
        }
    }

    /// <summary>Go's <c>time.Duration.String()</c>: <c>1m0s</c>, <c>1h30m0s</c>, <c>2.5s</c>, <c>500ms</c>, <c>0s</c>.</summary>
    internal static string GoDuration(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var sign = duration < TimeSpan.Zero ? "-" : string.Empty;
        var d = duration.Duration();
        if (d < TimeSpan.FromSeconds(1))
        {
            var ns = d.Ticks * 100;
            return sign + (ns < 1000 ? $"{ns}ns"
                : ns < 1_000_000 ? (ns / 1000d).ToString("0.#########", CultureInfo.InvariantCulture) + "µs"
                : (ns / 1_000_000d).ToString("0.#########", CultureInfo.InvariantCulture) + "ms");
        }

        var hours = (long)d.TotalHours;
        var minutes = d.Minutes;
        var seconds = (d.Ticks % TimeSpan.TicksPerMinute) / (double)TimeSpan.TicksPerSecond;
        var text = seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
        if (hours > 0)
        {
            return $"{sign}{hours}h{minutes}m{text}";
        }

        return minutes > 0 ? $"{sign}{minutes}m{text}" : sign + text;
    }

    /// <summary>Adds or refreshes this node's view of a cluster member.</summary>
    internal void PutMember(FakeNode member)
    {
        var spec = new WireCluster.MemberSpec
        {
            NodeId = member.NodeId,
            Hostname = member.Hostname,
            MachineType = member.IsEndpointNode ? WireEnums.MachineType.TypeControlPlane : WireEnums.MachineType.TypeWorker,
            OperatingSystem = $"Talos ({member.TalosVersion})",
        };
        if (System.Net.IPAddress.TryParse(member.Address, out var ip))
        {
            spec.Addresses.Add(new WireCommon.NetIP { Ip = ByteString.CopyFrom(ip.GetAddressBytes()) });
        }

        if (member.IsEndpointNode)
        {
            spec.ControlPlane = new WireCluster.ControlPlane { ApiServerPort = 6443 };
        }

        var yaml = new Dictionary<string, object?>
        {
            ["nodeId"] = spec.NodeId,
            ["addresses"] = new[] { member.Address },
            ["hostname"] = spec.Hostname,
            ["machineType"] = member.IsEndpointNode ? "controlplane" : "worker",
            ["operatingSystem"] = spec.OperatingSystem,
        };
        if (member.IsEndpointNode)
        {
            yaml["controlPlane"] = new Dictionary<string, object?> { ["apiServerPort"] = 6443 };
        }

        var yamlText = YamlSerializer.Serialize(yaml);
        Resources.Put(ClusterNamespace, MemberType, member.Hostname, "cluster.MemberController", spec, yamlText, yamlText);
    }

    // As upstream internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go ApplyConfiguration does: NO_REBOOT
    // (and AUTO) call SetPersistedConfig then SetConfig, TRY only SetConfig (the persistent config stays behind until the
    // rollback or the next apply), STAGED only SetPersistedConfig. The two resources are MachineConfigs ids "v1alpha1"
    // (active) and "persistent" (pkg/machinery/resources/config/machine_config.go).
    private void SetConfig(string text, FakeMachineConfig parsed, bool persist)
    {
        lock (gate)
        {
            machineConfig = text;
            if (persist)
            {
                persistentConfig = text;
            }

            if (parsed.Hostname is not null)
            {
                hostname = parsed.Hostname;
            }

            PutConfigResource("v1alpha1", machineConfig);
            PutConfigResource("persistent", persistentConfig);
            DeriveSeccompProfiles(parsed);
        }
    }

    private void StageConfig(string text)
    {
        lock (gate)
        {
            persistentConfig = text;
            PutConfigResource("persistent", persistentConfig);
        }
    }

    private void ScheduleRevert(string previous, string tried, TimeSpan timeout)
    {
        tryRevert?.Cancel();
        var cancellation = tryRevert = new CancellationTokenSource();
        _ = Task.Delay(timeout, cancellation.Token).ContinueWith(
            _ =>
            {
                lock (gate)
                {
                    if (machineConfig != tried)
                    {
                        return;
                    }
                }

                SetConfig(previous, FakeMachineConfig.Parse(previous), persist: true);
            },
            cancellation.Token,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }

    private void PutConfigResource(string id, string text)
    {
        var spec = new MachineConfigSpec { YamlMarshalled = ByteString.CopyFromUtf8(text) };

        // v1.12+: yaml_spec is the config as a YAML string scalar, flagged by this annotation.
        var yamlSpec = YamlSerializer.Serialize(text);
        Resources.Put(ConfigNamespace, MachineConfigType, id, string.Empty, spec, yamlSpec, text,
            new Dictionary<string, string> { ["talos.dev/yaml-spec"] = "1" });
    }

    /// <summary>
    /// What SeccompProfileController and SeccompProfileFileController do: one resource per profile (version bumps
    /// only when the value changed), one file per profile, and every other file in the directory removed.
    /// </summary>
    private void DeriveSeccompProfiles(FakeMachineConfig parsed)
    {
        var wanted = parsed.SeccompProfiles.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var existing in Resources.List(CriNamespace, SeccompProfileType))
        {
            if (!wanted.ContainsKey(existing.Metadata.Id))
            {
                Resources.Remove(CriNamespace, SeccompProfileType, existing.Metadata.Id);
            }
        }

        foreach (var profile in parsed.SeccompProfiles)
        {
            var spec = new SeccompProfileSpec { Name = profile.Name, Value = ToStruct(profile.Value) };
            var yaml = YamlSerializer.Serialize(new Dictionary<string, object?> { ["name"] = profile.Name, ["value"] = ToYamlTree(profile.Value) });
            Resources.Put(CriNamespace, SeccompProfileType, profile.Name, "cri.SeccompProfileController", spec, yaml, profile.FileContent);
        }

        var wantedPaths = parsed.SeccompProfiles.ToDictionary(p => NormalizePath(ProfilesDirectory + "/" + p.Name), p => p.FileContent, StringComparer.Ordinal);
        foreach (var path in files.Keys.Where(p => p.StartsWith(ProfilesDirectory + "/", StringComparison.Ordinal)).ToArray())
        {
            if (!wantedPaths.ContainsKey(path))
            {
                files.Remove(path);
            }
        }

        foreach (var (path, content) in wantedPaths)
        {
            files[path] = content;
        }
    }

    private void Record(string text, ApplyConfigurationRequest request, TimeSpan? tryTimeout, string outcome)
    {
        lock (gate)
        {
            applied.Add(new AppliedConfiguration(text, ModeName(request.Mode), request.DryRun, tryTimeout, outcome));
        }
    }

    private static string ModeName(ApplyConfigurationRequest.Types.Mode mode) => mode switch
    {
        ApplyConfigurationRequest.Types.Mode.Reboot => "REBOOT",
        ApplyConfigurationRequest.Types.Mode.Auto => "AUTO",
        ApplyConfigurationRequest.Types.Mode.NoReboot => "NO_REBOOT",
        ApplyConfigurationRequest.Types.Mode.Staged => "STAGED",
        ApplyConfigurationRequest.Types.Mode.Try => "TRY",
        _ => mode.ToString(),
    };

    private void SeedLogs()
    {
        var boot = bootTime;
        InjectKernelRecord("kern", "info", "Linux version 6.12.57-talos (@buildkitsandbox) (gcc (GCC) 14.2.0, GNU ld (GNU Binutils) 2.44) #1 SMP", boot.AddTicks(1));
        InjectKernelRecord("kern", "info", "Command line: talos.platform=metal console=ttyS0 init_on_alloc=1 slab_nomerge pti=on", boot.AddMilliseconds(1));
        InjectKernelRecord("kern", "notice", "audit: type=2000 audit(1.040:1): state=initialized audit_enabled=0 res=1", boot.AddMilliseconds(1040));
        InjectKernelRecord("user", "warning", "[talos] task startAllServices (1/1): waiting for 1 services", boot.AddSeconds(12.5));
        InjectKernelRecord("kern", "info", "cni0: port 1(veth32488a86) entered forwarding state", boot.AddSeconds(45.25));
        var epoch = new DateTimeOffset(boot).ToUnixTimeSeconds();
        InjectAuditdLine($"type=BPF msg=audit({epoch + 20}.101:12): prog-id=34 op=LOAD");
        InjectAuditdLine($"type=BPF msg=audit({epoch + 20}.102:13): prog-id=35 op=LOAD");
        InjectAuditdLine($"type=SERVICE_START msg=audit({epoch + 21}.004:14): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=kubelet comm=\"machined\" res=success'");
    }

    private static Struct ToStruct(IReadOnlyDictionary<string, object?> map)
    {
        var result = new Struct();
        foreach (var (key, value) in map)
        {
            result.Fields[key] = ToProtoValue(value);
        }

        return result;
    }

    private static Value ToProtoValue(object? value) => value switch
    {
        null => Value.ForNull(),
        string text => Value.ForString(text),
        bool flag => Value.ForBool(flag),
        long integer => Value.ForNumber(integer),
        ulong unsigned => Value.ForNumber(unsigned),
        double number => Value.ForNumber(number),
        IReadOnlyDictionary<string, object?> map => Value.ForStruct(ToStruct(map)),
        IReadOnlyList<object?> list => Value.ForList(list.Select(ToProtoValue).ToArray()),
        _ => throw new ArgumentException($"unsupported value {value.GetType().Name}"),
    };

    /// <summary>A copy with keys in Go's (sorted) order, for YAML output.</summary>
    private static object? ToYamlTree(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> map => map.OrderBy(p => p.Key, Comparer<string>.Create(GoJson.CompareUtf8))
            .ToDictionary(p => p.Key, p => ToYamlTree(p.Value)),
        IReadOnlyList<object?> list => list.Select(ToYamlTree).ToList(),
        _ => value,
    };

    /// <summary>Resolves <c>.</c> and <c>..</c> like Go's filepath.Join/Clean (the node does no other checking).</summary>
    internal static string NormalizePath(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>A minimal line diff (common head and tail trimmed) for the dry-run summary.</summary>
    private static string LineDiff(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
        {
            head++;
        }

        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[a.Length - 1 - tail] == b[b.Length - 1 - tail])
        {
            tail++;
        }

        if (head == a.Length && head == b.Length)
        {
            return "No changes.";
        }

        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"@@ -{head + 1},{a.Length - head - tail} +{head + 1},{b.Length - head - tail} @@\n");
        for (var i = head; i < a.Length - tail; i++)
        {
            builder.Append('-').Append(a[i]).Append('\n');
        }

        for (var i = head; i < b.Length - tail; i++)
        {
            builder.Append('+').Append(b[i]).Append('\n');
        }

        return builder.ToString();
    }
}
