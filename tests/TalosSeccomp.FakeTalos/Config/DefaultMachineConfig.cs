using System.Text;

namespace TalosSeccomp.FakeTalos.Config;

/// <summary>
/// The machine config a fresh fake node starts with: shaped like <c>talosctl gen config</c> output for a
/// v1.12+ worker (multi-document, commented), with one seccomp profile already present.
/// </summary>
internal static class DefaultMachineConfig
{
    /// <summary>The profile every fresh node has.</summary>
    public const string ExistingProfileName = "audit.json";

    public static string Create(string hostname, string address, FakePki pki, string talosVersion)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(pki.CaCertificatePem));
        var caKey = Convert.ToBase64String(Encoding.ASCII.GetBytes(pki.CaKeyPem));
        return $$"""
            version: v1alpha1 # Indicates the schema used to decode the contents.
            debug: false # Enable verbose logging to the console.
            persist: true
            # Provides machine specific configuration options.
            machine:
                type: worker # Defines the role of the machine within the cluster.
                token: 1m8bq4.fakefakefake1234 # The `token` is used by a machine to join the PKI of the cluster.
                # The root certificate authority of the PKI.
                ca:
                    crt: {{ca}}
                    key: {{caKey}}
                # Extra certificate subject alternative names for the machine's certificate.
                certSANs:
                    - {{address}}
                # Used to provide additional options to the kubelet.
                kubelet:
                    image: ghcr.io/siderolabs/kubelet:v1.34.1 # The `image` field is an optional reference to an alternative kubelet image.
                    defaultRuntimeSeccompProfileEnabled: true # Enable container runtime default Seccomp profile.
                    disableManifestsDirectory: true # The `disableManifestsDirectory` field configures the kubelet to get static pod manifests from the /etc/kubernetes/manifests directory.
                # Provides machine specific network configuration options.
                network: {}
                # Used to provide instructions for installations.
                install:
                    disk: /dev/sda # The disk used for installations.
                    image: ghcr.io/siderolabs/installer:{{talosVersion}} # Allows for supplying the image used to perform the installation.
                    wipe: false # Indicates if the installation disk should be wiped at installation time.
                # Configure the machine's seccomp profiles, written to /var/lib/kubelet/seccomp/profiles.
                seccompProfiles:
                    - name: {{ExistingProfileName}} # The `name` field is used to provide the file name of the seccomp profile.
                      # The `value` field is used to provide the seccomp profile.
                      value:
                        defaultAction: SCMP_ACT_LOG
                # Features describe individual Talos features that can be switched on or off.
                features:
                    rbac: true # Enable role-based access control (RBAC).
                    stableHostname: true # Enable stable default hostname.
                    apidCheckExtKeyUsage: true # Enable checks for extended key usage of client certificates in apid.
                    diskQuotaSupport: true # Enable XFS project quota support for EPHEMERAL partition and user disks.
                    # KubePrism - local proxy/load balancer on defined port that will distribute
                    kubePrism:
                        enabled: true # Enable KubePrism support - will start local load balancing proxy.
                        port: 7445 # KubePrism port.
                    # Configures host DNS caching resolver.
                    hostDNS:
                        enabled: true # Enable host DNS caching resolver.
                        forwardKubeDNSToHost: true # Use the host DNS resolver as upstream for Kubernetes CoreDNS pods.
                nodeLabels:
                    node.kubernetes.io/exclude-from-external-load-balancers: ""
            # Provides cluster specific configuration options.
            cluster:
                id: ZmFrZS1jbHVzdGVyLWlkLWZvci10YWxvcy1zZWNjb21wLXRlc3Rz # Globally unique identifier for this cluster (base64 encoded random 32 bytes).
                secret: ZmFrZS1jbHVzdGVyLXNlY3JldC1mb3ItdGFsb3Mtc2VjY29tcA== # Shared secret of cluster (base64 encoded random 32 bytes).
                # Provides control plane specific configuration options.
                controlPlane:
                    endpoint: https://10.5.0.2:6443 # Endpoint is the canonical controlplane endpoint, which can be an IP address or a DNS hostname.
                clusterName: fake # Configures the cluster's name.
                # Provides cluster specific network configuration options.
                network:
                    dnsDomain: cluster.local # The domain used by Kubernetes DNS.
                    # The pod subnet CIDR.
                    podSubnets:
                        - 10.244.0.0/16
                    # The service subnet CIDR.
                    serviceSubnets:
                        - 10.96.0.0/12
                token: 4ynqrr.fakefakefake5678 # The [bootstrap token](https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/) used to join the cluster.
                # Configures cluster member discovery.
                discovery:
                    enabled: true # Enable the cluster membership discovery feature.
                    # Configure registries used for cluster member discovery.
                    registries:
                        # Kubernetes registry uses Kubernetes API server to discover cluster members and stores additional information
                        kubernetes:
                            disabled: true # Disable Kubernetes discovery registry.
                        # Service registry is using an external service to push and pull information about cluster members.
                        service: {}
            ---
            apiVersion: v1alpha1
            kind: HostnameConfig
            hostname: {{hostname}} # A static hostname for the machine.
            ---
            apiVersion: v1alpha1
            kind: KubeSpanConfig
            enabled: false # Enable the KubeSpan feature.
            advertiseKubernetesNetworks: false # Control whether Kubernetes pod CIDRs are announced over KubeSpan from the node.
            allowDownPeerBypass: false # Skip sending traffic via KubeSpan if the peer connection state is not up.
            harvestExtraEndpoints: false # KubeSpan can collect and publish extra endpoints for each member of the cluster.
            ---
            apiVersion: v1alpha1
            kind: SideroLinkConfig
            apiUrl: https://siderolink.fake.invalid:443?jointoken=fake-join-token # SideroLink API URL to connect to.
            ---
            apiVersion: v1alpha1
            kind: TimeSyncConfig
            enabled: true # Indicates if the time synchronization is enabled for the machine.
            ntp:
                servers:
                    - time.cloudflare.com
            ---
            apiVersion: v1alpha1
            kind: DHCPv4Config
            name: eth0 # Name of the link (interface).
            routeMetric: 1024 # An optional metric for the routes received from the DHCP server.

            """;
    }
}
