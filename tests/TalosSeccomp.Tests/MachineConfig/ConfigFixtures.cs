namespace TalosSeccomp.Tests.MachineConfig;

/// <summary>Realistic machine configs written by hand: Talos-style comments everywhere and many typed documents.</summary>
internal static class ConfigFixtures
{
    /// <summary>The v1alpha1 document as `talosctl gen config` writes it (4-space indent, comments on most lines), with two profiles.</summary>
    public const string V1Alpha1 =
        """
        version: v1alpha1 # Indicates the schema used to decode the contents.
        debug: false # Enable verbose logging to the console.
        persist: true
        # Provides machine specific configuration options.
        machine:
            type: worker # Defines the role of the machine within the cluster.
            token: ab12cd.0123456789abcdef # The `token` is used by a machine to join the PKI of the cluster.
            # The root certificate authority of the PKI.
            ca:
                crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
                key: ""
            # Extra certificate subject alternative names for the machine's certificate.
            certSANs: []
            # Used to provide additional options to the kubelet.
            kubelet:
                image: ghcr.io/siderolabs/kubelet:v1.33.0 # The `image` field is an optional reference to an alternative kubelet image.
                defaultRuntimeSeccompProfileEnabled: true # Enable container runtime default Seccomp profile.
                disableManifestsDirectory: true # The `disableManifestsDirectory` field configures the kubelet to get static pod manifests from the /etc/kubernetes/manifests directory.
            # Seccomp profiles written to /var/lib/kubelet/seccomp/profiles.
            seccompProfiles:
                # Logs everything; used while building profiles.
                - name: audit.json
                  value:
                    defaultAction: SCMP_ACT_LOG # log, never block
                - name: deny-ptrace.json # keep this one
                  value:
                    defaultAction: SCMP_ACT_ALLOW
                    syscalls:
                        - names:
                            - ptrace
                          action: SCMP_ACT_ERRNO
                          errnoRet: 1
                    # end of deny-ptrace
            # Used to provide instructions for installations.
            install:
                disk: /dev/sda # The disk used for installations.
                image: ghcr.io/siderolabs/installer:v1.10.0 # Allows for supplying the image used to perform the installation.
                wipe: false # Indicates if the installation disk should be wiped at installation time.
            # Features describe individual Talos features that can be switched on or off.
            features:
                rbac: true # Enable role-based access control (RBAC).
                stableHostname: true # Enable stable default hostname.
        # Provides cluster specific configuration options.
        cluster:
            id: aGVsbG8= # Globally unique identifier for this cluster (base64 encoded random 32 bytes).
            secret: c2VjcmV0 # Shared secret of cluster (base64 encoded random 32 bytes).
            # Provides control plane specific configuration options.
            controlPlane:
                endpoint: https://10.5.0.2:6443 # Endpoint is the canonical controlplane endpoint, which can be an IP address or a DNS hostname.
            clusterName: demo # Configures the cluster's name.
            # Provides cluster specific network configuration options.
            network:
                dnsDomain: cluster.local # The domain used by Kubernetes DNS.
                # The pod subnet CIDR.
                podSubnets:
                    - 10.244.0.0/16
                # The service subnet CIDR.
                serviceSubnets:
                    - 10.96.0.0/12
            token: 0123ab.0123456789abcdef # The [bootstrap token](https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/) used to join the cluster.
            # A key used for the [encryption of secret data at rest](https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/).
            secretboxEncryptionSecret: ""
            # The base64 encoded root certificate authority used by Kubernetes.
            ca:
                crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
                key: ""
            # A list of urls that point to additional manifests.
            extraManifests: []
            # A list of inline Kubernetes manifests.
            inlineManifests: []
            # Allows running workload on control-plane nodes.
            allowSchedulingOnControlPlanes: false

        """;

    /// <summary>Ten typed documents of several kinds, each with its own comments and quirks.</summary>
    public static readonly string[] OtherDocuments =
    {
        "# Hostname of the node.\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable # stable hostname from machine id\n",
        "apiVersion: v1alpha1\nkind: LinkConfig\nname: eth0 # the uplink\nup: true\naddresses:\n  - address: 192.168.1.10/24 # primary\nroutes:\n  - gateway: 192.168.1.1\n",
        "apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: net0\nselector:\n  match: mac(link.permanent_addr) == \"00:1a:2b:3c:4d:5e\"\n",
        "apiVersion: v1alpha1\nkind: ResolverConfig\nnameservers:\n    - address: 1.1.1.1\n    - address: 8.8.8.8 # fallback\n\n\n# trailing blank lines above are kept\n",
        "apiVersion: v1alpha1\nkind: TimeSyncConfig\nntp:\n  servers: [time.cloudflare.com, 'pool.ntp.org']\n",
        "apiVersion: v1alpha1\nkind: KmsgLogConfig\nname: remote-log\nurl: tcp://192.168.1.3:3000/\n...\n",
        "apiVersion: v1alpha1\nkind: UserVolumeConfig\nname: ceph-data\nprovisioning:\n  diskSelector:\n    match: disk.transport == \"nvme\" && !system_disk\n  minSize: 100GiB\n  maxSize: 1TiB\n",
        "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: nut-client\nconfigFiles:\n  - content: |-\n      MONITOR ${upsmonHost} 1 remote pass password\n      SHUTDOWNCMD \"/sbin/poweroff\"\n\n      # not a YAML comment: part of the literal\n    mountPath: /usr/local/etc/nut/upsmon.conf\nenvironment:\n  - UPS_NAME=ups\n",
        "apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\ntimeout: 3m0s\n",
        "# A document with anchors of its own.\napiVersion: v1alpha1\nkind: EnvironmentConfig\nvariables: &vars\n  https_proxy: http://proxy.example:3128\n  NO_PROXY: 10.0.0.0/8\ncopy: *vars # not valid for Talos, but kept verbatim\n",
    };

    /// <summary>The full config: v1alpha1 first (with a leading `---` when asked), then the ten documents.</summary>
    public static string Full(bool leadingSeparator = false, bool crlf = false, bool bom = false, string? v1alpha1 = null)
    {
        var text = (leadingSeparator ? "---\n" : string.Empty) + (v1alpha1 ?? V1Alpha1) + string.Concat(OtherDocuments.Select(d => "---\n" + d));
        if (crlf)
        {
            text = text.Replace("\n", "\r\n");
        }

        return bom ? "\uFEFF" + text : text;
    }

    /// <summary>The v1alpha1 document in the middle of the others, preceded by a comment-only prologue.</summary>
    public static string V1Alpha1InTheMiddle(string? v1alpha1 = null) =>
        "# generated by hand\n" + string.Concat(OtherDocuments.Take(4).Select(d => "---\n" + d)) + "--- # main document\n" + (v1alpha1 ?? V1Alpha1) + string.Concat(OtherDocuments.Skip(4).Select(d => "---\n" + d));

    /// <summary>A minimal v1alpha1 document with the given machine section (empty for none).</summary>
    public static string Minimal(string machineSection) =>
        "version: v1alpha1\n" + machineSection + "cluster:\n  clusterName: demo # name\n";
}
