namespace TalosSeccomp.Errors;

/// <summary>
/// Every <see cref="TalosSeccompException.ErrorId"/> the module raises, in one place. The values are the
/// FullyQualifiedErrorIds users filter on (<c>$error[0].FullyQualifiedErrorId</c>, <c>-ErrorAction</c> handlers), so a
/// value never changes once released; add new ones here and throw with the constant.
/// </summary>
public static class ErrorIds
{
    // Talos API calls (TalosErrorMapper and TalosClient).

    /// <summary>No endpoint answered, or apid could not reach the target node (gRPC Unavailable, socket errors).</summary>
    public const string TalosNodeUnreachable = "TalosNodeUnreachable";
    /// <summary>TLS failed on either side of the connection.</summary>
    public const string TalosTlsFailure = "TalosTlsFailure";
    /// <summary>The node refused the call for the certificate's roles or identity (PermissionDenied, Unauthenticated).</summary>
    public const string TalosPermissionDenied = "TalosPermissionDenied";
    /// <summary>The call's deadline passed (DeadlineExceeded).</summary>
    public const string TalosTimeout = "TalosTimeout";
    /// <summary>The node rejected the request (InvalidArgument), e.g. a config that fails its validation.</summary>
    public const string TalosInvalidArgument = "TalosInvalidArgument";
    /// <summary>The node cannot do it now (FailedPrecondition), e.g. another apply is in progress.</summary>
    public const string TalosFailedPrecondition = "TalosFailedPrecondition";
    /// <summary>The file, resource or log does not exist on the node (NotFound), or the node returned nothing.</summary>
    public const string TalosNotFound = "TalosNotFound";
    /// <summary>The node does not implement the call or the mode (Unimplemented).</summary>
    public const string TalosUnimplemented = "TalosUnimplemented";
    /// <summary>A conflicting change on the node (AlreadyExists, Aborted).</summary>
    public const string TalosConflict = "TalosConflict";
    /// <summary>The HTTP/2 request failed in this process before the node answered (not an answer of the node).</summary>
    public const string TalosTransportFailed = "TalosTransportFailed";
    /// <summary>The node answered with an error of its own that carries no gRPC code (Unknown).</summary>
    public const string TalosNodeRefused = "TalosNodeRefused";
    /// <summary>The node refused the call for exceeding a limit (ResourceExhausted).</summary>
    public const string TalosResourceExhausted = "TalosResourceExhausted";
    /// <summary>The node failed the call with an internal error (Internal, DataLoss and other codes).</summary>
    public const string TalosNodeInternalError = "TalosNodeInternalError";
    /// <summary>The node cancelled the call.</summary>
    public const string TalosCallCancelled = "TalosCallCancelled";
    /// <summary>Any other failure of a call (Unknown, Internal, an empty answer).</summary>
    public const string TalosCallFailed = "TalosCallFailed";
    /// <summary>An ApplyConfiguration without an explicit mode (0 = REBOOT on the wire) was refused before sending.</summary>
    public const string TalosApplyModeRequired = "TalosApplyModeRequired";
    /// <summary>A COSI resource the node returned cannot be decoded.</summary>
    public const string TalosResourceUndecodable = "TalosResourceUndecodable";
    /// <summary>A seccomp profile named on the command line is not on the node.</summary>
    public const string TalosSeccompProfileNotFound = "TalosSeccompProfileNotFound";

    // talosconfig and connection settings.

    /// <summary>The talosconfig file does not exist.</summary>
    public const string TalosConfigNotFound = "TalosConfigNotFound";
    /// <summary>The talosconfig file cannot be read.</summary>
    public const string TalosConfigUnreadable = "TalosConfigUnreadable";
    /// <summary>The talosconfig file is not valid YAML.</summary>
    public const string TalosConfigInvalidYaml = "TalosConfigInvalidYaml";
    /// <summary>A context lacks its CA, certificate or key.</summary>
    public const string TalosConfigMissingCredentials = "TalosConfigMissingCredentials";
    /// <summary>A credential field is not valid base64.</summary>
    public const string TalosConfigBadBase64 = "TalosConfigBadBase64";
    /// <summary>A credential field is not usable PEM.</summary>
    public const string TalosConfigBadPem = "TalosConfigBadPem";
    /// <summary>The client key is of a kind the module cannot use.</summary>
    public const string TalosConfigUnsupportedKey = "TalosConfigUnsupportedKey";
    /// <summary>The client key does not belong to the client certificate.</summary>
    public const string TalosConfigKeyMismatch = "TalosConfigKeyMismatch";
    /// <summary>The named context is not in the talosconfig.</summary>
    public const string TalosContextNotFound = "TalosContextNotFound";
    /// <summary>The talosconfig sets no current context and none was given.</summary>
    public const string TalosContextNotSet = "TalosContextNotSet";
    /// <summary>The context has no endpoints and none were given.</summary>
    public const string TalosEndpointsNotSet = "TalosEndpointsNotSet";
    /// <summary>An endpoint is not a valid host[:port].</summary>
    public const string TalosEndpointInvalid = "TalosEndpointInvalid";

    // Seccomp profiles: reading, validating, files.

    /// <summary>A profile file is not valid JSON.</summary>
    public const string InvalidSeccompProfileJson = "InvalidSeccompProfileJson";
    /// <summary>A profile field has the wrong shape.</summary>
    public const string InvalidSeccompProfileField = "InvalidSeccompProfileField";
    /// <summary>A profile value (hashtable, object) holds a type JSON cannot hold.</summary>
    public const string InvalidSeccompProfileType = "InvalidSeccompProfileType";
    /// <summary>A cmdlet was given something that is not a seccomp profile.</summary>
    public const string InvalidSeccompProfileInput = "InvalidSeccompProfileInput";
    /// <summary>A number JSON cannot hold (NaN, infinity).</summary>
    public const string InvalidJsonValue = "InvalidJsonValue";
    /// <summary>An unknown seccomp action.</summary>
    public const string InvalidSeccompAction = "InvalidSeccompAction";
    /// <summary>An architecture libseccomp does not know.</summary>
    public const string InvalidSeccompArchitecture = "InvalidSeccompArchitecture";
    /// <summary>A malformed syscall argument condition.</summary>
    public const string InvalidSeccompArgument = "InvalidSeccompArgument";
    /// <summary>An unknown seccomp filter flag.</summary>
    public const string InvalidSeccompFlag = "InvalidSeccompFlag";
    /// <summary>An unknown comparison operator.</summary>
    public const string InvalidSeccompOperator = "InvalidSeccompOperator";
    /// <summary>A pattern that matches no seccomp audit action.</summary>
    public const string InvalidSeccompAuditAction = "InvalidSeccompAuditAction";
    /// <summary>A localhostProfile the kubelet would not accept.</summary>
    public const string InvalidLocalhostProfile = "InvalidLocalhostProfile";
    /// <summary>A profile name Talos would join into a file path unsafely.</summary>
    public const string UnsafeProfileName = "UnsafeProfileName";
    /// <summary>A profile to deploy fails validation.</summary>
    public const string SeccompProfileValidationFailed = "SeccompProfileValidationFailed";
    /// <summary>A profile to deploy has no name.</summary>
    public const string SeccompProfileNameMissing = "SeccompProfileNameMissing";
    /// <summary>Merge was given no profiles.</summary>
    public const string NoSeccompProfilesToMerge = "NoSeccompProfilesToMerge";
    /// <summary>A profile was to be built from no usable audit events.</summary>
    public const string NoAuditEventsRecorded = "NoAuditEventsRecorded";
    /// <summary>A -WorkloadName entry without a pattern or a workload name.</summary>
    public const string InvalidWorkloadName = "InvalidWorkloadName";
    /// <summary>A pod matches -WorkloadName patterns that give it different workload names.</summary>
    public const string AmbiguousWorkloadName = "AmbiguousWorkloadName";
    /// <summary>A profile path that matches more than one file.</summary>
    public const string AmbiguousSeccompProfilePath = "AmbiguousSeccompProfilePath";
    /// <summary>No profile file matches the path.</summary>
    public const string SeccompProfileFileNotFound = "SeccompProfileFileNotFound";
    /// <summary>The target directory does not exist.</summary>
    public const string SeccompProfileDirectoryNotFound = "SeccompProfileDirectoryNotFound";
    /// <summary>The file exists and -NoClobber was given.</summary>
    public const string SeccompProfileFileExists = "SeccompProfileFileExists";
    /// <summary>The file is read-only and -Force was not given.</summary>
    public const string SeccompProfileFileReadOnly = "SeccompProfileFileReadOnly";
    /// <summary>The file cannot be read.</summary>
    public const string SeccompProfileFileUnreadable = "SeccompProfileFileUnreadable";
    /// <summary>The file cannot be written.</summary>
    public const string SeccompProfileFileUnwritable = "SeccompProfileFileUnwritable";
    /// <summary>The path is not on the file system provider.</summary>
    public const string SeccompProfilePathNotFileSystem = "SeccompProfilePathNotFileSystem";

    // Syscalls, wildcards, YAML.

    /// <summary>A syscall name that is not in the architecture's table.</summary>
    public const string SyscallNotFound = "SyscallNotFound";
    /// <summary>An architecture without a syscall table.</summary>
    public const string UnknownArchitecture = "UnknownArchitecture";
    /// <summary>A wildcard pattern that does not parse.</summary>
    public const string InvalidWildcardPattern = "InvalidWildcardPattern";
    /// <summary>YAML that does not parse.</summary>
    public const string InvalidYaml = "InvalidYaml";
    /// <summary>YAML with a value JSON cannot hold.</summary>
    public const string YamlValueNotRepresentableInJson = "YamlValueNotRepresentableInJson";

    // Machine config editing and deployment.

    /// <summary>The machine config is not valid YAML.</summary>
    public const string MachineConfigInvalidYaml = "MachineConfigInvalidYaml";
    /// <summary>The machine config has no v1alpha1 document.</summary>
    public const string MachineConfigMissingV1Alpha1 = "MachineConfigMissingV1Alpha1";
    /// <summary>The machine config has more than one v1alpha1 document.</summary>
    public const string MachineConfigMultipleV1Alpha1 = "MachineConfigMultipleV1Alpha1";
    /// <summary>machine.seccompProfiles has the wrong shape.</summary>
    public const string MachineConfigInvalidSeccompProfiles = "MachineConfigInvalidSeccompProfiles";
    /// <summary>The config's layout cannot be edited without touching other bytes.</summary>
    public const string MachineConfigUnsupportedLayout = "MachineConfigUnsupportedLayout";
    /// <summary>An edit failed its verification and was not applied.</summary>
    public const string MachineConfigPatchVerificationFailed = "MachineConfigPatchVerificationFailed";
    /// <summary>The MachineConfig resource carries no usable config.</summary>
    public const string MachineConfigInvalidResource = "MachineConfigInvalidResource";
    /// <summary>The config kept changing while the edit was applied.</summary>
    public const string SeccompProfileConcurrentUpdate = "SeccompProfileConcurrentUpdate";
    /// <summary>-Wait with -Mode Staged.</summary>
    public const string SeccompProfileWaitStaged = "SeccompProfileWaitStaged";
    /// <summary>The node's SeccompProfile resources did not follow the config in time.</summary>
    public const string SeccompProfileWaitTimeout = "SeccompProfileWaitTimeout";
    /// <summary>Watching the node's SeccompProfile resources failed.</summary>
    public const string SeccompProfileWatchFailed = "SeccompProfileWatchFailed";
    /// <summary>-TryTimeout without -Mode Try, or not positive.</summary>
    public const string InvalidTryTimeout = "InvalidTryTimeout";

    // Audit streams.

    /// <summary>A node's audit stream failed for good (reconnects spent, or the node never answered).</summary>
    public const string AuditStreamFailed = "AuditStreamFailed";
    /// <summary>-Duration not positive.</summary>
    public const string InvalidWatchDuration = "InvalidWatchDuration";
    /// <summary>-Namespace, -Pod or -Container given with -NoAttribution (the pod filters need attributed events).</summary>
    public const string AttributionRequired = "AttributionRequired";

    // Bad input and unknown outcomes.

    /// <summary>The edited machine config is larger than the Talos API accepts in one message.</summary>
    public const string MachineConfigTooLarge = "MachineConfigTooLarge";
    /// <summary>ApplyConfiguration did not answer and reading the config back could not tell whether it was applied.</summary>
    public const string SeccompProfileApplyOutcomeUnknown = "SeccompProfileApplyOutcomeUnknown";
    /// <summary>Merge-SeccompProfile output nothing because an input could not be read.</summary>
    public const string SeccompProfileMergeIncomplete = "SeccompProfileMergeIncomplete";
    /// <summary>A profile path names a directory, not a JSON file.</summary>
    public const string SeccompProfilePathIsDirectory = "SeccompProfilePathIsDirectory";
    /// <summary>The node has a staged config that an apply would discard (give -Force to discard it).</summary>
    public const string SeccompProfileStagedConfigPending = "SeccompProfileStagedConfigPending";
    /// <summary>No profile was given and the node's profile of that name differs from the default audit profile, which
    /// may only be added (give the profile, or -Force to replace it).</summary>
    public const string SeccompProfileDefaultWouldReplace = "SeccompProfileDefaultWouldReplace";
    /// <summary>-TalosConfig names a directory, not a talosconfig file.</summary>
    public const string TalosConfigPathIsDirectory = "TalosConfigPathIsDirectory";

    // Profile text and recordings.

    /// <summary>A profile's JSON has the same key twice in one object.</summary>
    public const string DuplicateSeccompProfileKey = "DuplicateSeccompProfileKey";
    /// <summary>A recorded syscall number that no syscall table names, so the recorded profile cannot allow it.</summary>
    public const string RecordedSyscallNotInTables = "RecordedSyscallNotInTables";

    // Docker and containerd profiles.

    /// <summary>A Docker-format profile that dockerd would refuse to load.</summary>
    public const string DockerProfileInvalid = "DockerProfileInvalid";
    /// <summary>ConvertFrom-DockerSeccompProfile could not tell the kernel version; give -KernelVersion.</summary>
    public const string KernelVersionRequired = "KernelVersionRequired";
    /// <summary>A Go architecture name (GOARCH) containerd's RuntimeDefault has no profile for.</summary>
    public const string UnknownGoArchitecture = "UnknownGoArchitecture";
}
