<#
    Runs Kubernetes-style pods as plain runc containers on this machine, for the end-to-end attribution tests and
    benchmarks: per pod a sandbox container (the pause container) and workload containers that join its network, IPC
    and UTS namespaces, each in the cgroup kubelet's cgroupfs driver gives it (/kubepods/besteffort/pod<uid>/<id>),
    each carrying the OCI annotations containerd's CRI plugin sets (upstream containerd
    internal/cri/annotations/annotations.go, DefaultCRIAnnotations: sandbox-id, sandbox-namespace, sandbox-uid,
    sandbox-name on both; container-name and image-name on containers; sandbox-log-directory and
    podsandbox.image-name on sandboxes; container-type "sandbox" or "container").
    The programs are busybox-static, copied per container to /opt/<container id prefix>/busybox so that a kernel
    audit record's exe= tells which container made it (the ground truth attribution is checked against).
    Containers live under a runc root of their own (-Root), apart from other sessions' containers.
    Needs Linux, root, runc and a static /bin/busybox; Get-RuncPodPrerequisite says what is missing.
#>
Set-StrictMode -Version 3.0

$script:Busybox = '/bin/busybox'
$script:Applets = 'sh', 'echo', 'ls', 'cat', 'mkdir', 'mv', 'rm', 'sync', 'sleep', 'nc', 'true'

function Get-RuncPodPrerequisite {
    <#
    .SYNOPSIS
        Returns what this machine lacks to run runc pods (a sentence for Set-ItResult -Because), or $null.
    #>
    [CmdletBinding()]
    param()
    if (-not $IsLinux) { return 'Linux (runc runs Linux containers)' }
    if ((& id -u) -ne '0') { return 'root (runc, cgroups and /dev/kmsg need it)' }
    if (-not (Get-Command runc -ErrorAction Ignore)) { return 'runc (apt-get install runc)' }
    if (-not (Test-Path $script:Busybox)) { return 'a static /bin/busybox (apt-get install busybox-static)' }
    if ((Get-Command file -ErrorAction Ignore) -and (& file -L $script:Busybox 2>$null) -notmatch 'statically linked') { return 'a static /bin/busybox (apt-get install busybox-static)' }
    if (-not (Test-Path '/proc/self/cgroup')) { return '/proc/<pid>/cgroup' }
    $null
}

function New-RuncId {
    <# .SYNOPSIS 64 hex digits, the form of containerd's container and sandbox ids. #>
    -join ((1..2) | ForEach-Object { [guid]::NewGuid().ToString('N') })
}

function Invoke-Runc {
    <# .SYNOPSIS Runs runc with a root of its own; returns its output lines; throws on failure unless -AllowFailure. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [string[]] $Arguments, [switch] $AllowFailure)
    $output = & runc --root $Root @Arguments 2>&1 | ForEach-Object { "$_" }
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) { throw "runc $($Arguments -join ' ') failed ($LASTEXITCODE): $($output -join "`n")" }
    $output
}

function Get-RuncState {
    <# .SYNOPSIS runc state of a container as an object, or $null when runc does not know it. #>
    param([string] $Root, [string] $Id)
    $json = & runc --root $Root state $Id 2>$null
    if ($LASTEXITCODE -ne 0) { return $null }
    ($json -join "`n") | ConvertFrom-Json
}

function New-RuncBundle([string] $Directory, [string] $Id) {
    # A root file system of its own per container: busybox at a path unique to the container, applets as symlinks.
    $rootfs = Join-Path $Directory 'rootfs'
    $tool = "/opt/$($Id.Substring(0, 16))/busybox"
    foreach ($dir in 'bin', (Split-Path $tool -Parent).TrimStart('/'), 'etc', 'proc', 'dev', 'sys', 'tmp') {
        New-Item -ItemType Directory -Path (Join-Path $rootfs $dir) -Force | Out-Null
    }
    Copy-Item $script:Busybox (Join-Path $rootfs $tool.TrimStart('/'))
    foreach ($applet in $script:Applets) { & ln -s $tool (Join-Path $rootfs "bin/$applet") }
    Set-Content (Join-Path $rootfs 'etc/passwd') (@('root:x:0:0:root:/root:/bin/sh') + (1..40 | ForEach-Object { "user$($_):x:$(1000 + $_):$(1000 + $_)::/home/user$($_):/bin/sh" }))
    Set-Content (Join-Path $rootfs 'etc/group') 'root:x:0:'
    Push-Location $Directory
    try { & runc spec 2>&1 | Out-Null } finally { Pop-Location }
    $spec = Get-Content (Join-Path $Directory 'config.json') -Raw | ConvertFrom-Json -AsHashtable
    $spec.process.terminal = $false
    $spec.root.readonly = $false # only seccomp may make a write fail
    [pscustomobject]@{ Spec = $spec; Executable = $tool }
}

function New-RuncPod {
    <#
    .SYNOPSIS
        Starts a pod's sandbox (a busybox sleep standing in for pause) in /kubepods/besteffort/pod<uid>/<sandbox id>
        and returns the pod: Name, Namespace, Uid, SandboxId, SandboxPid, CgroupParent, Root, Directory.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Namespace,
        # The runc root all of a test's containers live under.
        [Parameter(Mandatory)] [string] $Root,
        # Where the pod's bundles go.
        [Parameter(Mandatory)] [string] $Directory,
        [string] $QosClass = 'besteffort'
    )
    $uid = [guid]::NewGuid().ToString()
    $sandboxId = New-RuncId
    $podDirectory = Join-Path $Directory "pod-$Name"
    $bundleDirectory = Join-Path $podDirectory "sandbox-$($sandboxId.Substring(0, 12))"
    New-Item -ItemType Directory -Path $bundleDirectory -Force | Out-Null
    $pod = [pscustomobject]@{
        PSTypeName   = 'TalosSeccomp.Tests.RuncPod'
        Name         = $Name
        Namespace    = $Namespace
        Uid          = $uid
        SandboxId    = $sandboxId
        SandboxPid   = 0
        CgroupParent = "/kubepods/$QosClass/pod$uid"
        Root         = $Root
        Directory    = $podDirectory
        Containers   = [Collections.Generic.List[object]]::new()
    }
    $bundle = New-RuncBundle $bundleDirectory $sandboxId
    $spec = $bundle.Spec
    $spec.process.args = @('sleep', '3600')
    $spec.hostname = $Name # kubelet's default hostname for a pod is its name
    $spec.linux.cgroupsPath = "$($pod.CgroupParent)/$sandboxId"
    $spec.annotations = [ordered]@{
        'io.kubernetes.cri.sandbox-id'             = $sandboxId
        'io.kubernetes.cri.sandbox-namespace'      = $Namespace
        'io.kubernetes.cri.sandbox-uid'            = $uid
        'io.kubernetes.cri.sandbox-name'           = $Name
        'io.kubernetes.cri.sandbox-log-directory'  = "/var/log/pods/$($Namespace)_$($Name)_$uid"
        'io.kubernetes.cri.podsandbox.image-name'  = 'registry.k8s.io/pause:3.10'
        'io.kubernetes.cri.container-type'         = 'sandbox'
    }
    $spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $bundleDirectory 'config.json')
    # -d: runc returns once the sandbox runs; its stdio goes to /dev/null so nothing waits on a pipe.
    & sh -c "exec runc --root '$Root' run -d --bundle '$bundleDirectory' $sandboxId </dev/null >/dev/null 2>'$bundleDirectory/stderr'"
    if ($LASTEXITCODE -ne 0) { throw "The sandbox of pod $Name did not start: $(Get-Content "$bundleDirectory/stderr" -Raw)" }
    $pod.SandboxPid = (Get-RuncState $Root $sandboxId).pid
    $pod
}

function Start-RuncContainer {
    <#
    .SYNOPSIS
        Starts a workload container in a pod (joining the sandbox's network, IPC and UTS namespaces) under a seccomp
        section (an OCI linux.seccomp hashtable, or $null for none); returns it at once with its init pid once runc
        reports one. Wait-RuncContainer collects its exit code and output.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Pod,
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string[]] $Command,
        [AllowNull()] [hashtable] $Seccomp,
        [string] $Image = 'docker.io/library/busybox:1.35.0',
        # Kubernetes' default: a pod's processes may gain privileges unless allowPrivilegeEscalation is false.
        [bool] $NoNewPrivileges = $false,
        # Called with the container's root file system path before it starts (to add files, fifos).
        [scriptblock] $BeforeStart
    )
    $id = New-RuncId
    $bundleDirectory = Join-Path $Pod.Directory "$Name-$($id.Substring(0, 12))"
    New-Item -ItemType Directory -Path $bundleDirectory -Force | Out-Null
    $bundle = New-RuncBundle $bundleDirectory $id
    if ($BeforeStart) { & $BeforeStart (Join-Path $bundleDirectory 'rootfs') }
    $spec = $bundle.Spec
    $spec.process.args = $Command
    $spec.process.noNewPrivileges = $NoNewPrivileges
    $spec.linux.cgroupsPath = "$($Pod.CgroupParent)/$id"
    # The pod's shared namespaces, as containerd joins them (internal/cri/opts/spec_opts.go WithPodNamespaces: network,
    # IPC and UTS of the sandbox; the PID namespace is the container's own unless the pod shares it).
    foreach ($namespace in $spec.linux.namespaces) {
        if ($namespace.type -in 'network', 'ipc', 'uts') {
            $file = @{ network = 'net'; ipc = 'ipc'; uts = 'uts' }[$namespace.type]
            $namespace.path = "/proc/$($Pod.SandboxPid)/ns/$file"
        }
    }
    if ($null -eq $Seccomp) { $spec.linux.Remove('seccomp') } else { $spec.linux.seccomp = $Seccomp }
    $spec.annotations = [ordered]@{
        'io.kubernetes.cri.sandbox-id'        = $Pod.SandboxId
        'io.kubernetes.cri.sandbox-namespace' = $Pod.Namespace
        'io.kubernetes.cri.sandbox-uid'       = $Pod.Uid
        'io.kubernetes.cri.sandbox-name'      = $Pod.Name
        'io.kubernetes.cri.container-name'    = $Name
        'io.kubernetes.cri.image-name'        = $Image
        'io.kubernetes.cri.container-type'    = 'container'
    }
    $spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $bundleDirectory 'config.json')

    # runc run in the foreground (its exit code is the container's), output to files so no pipe can block it.
    $startInfo = [Diagnostics.ProcessStartInfo]::new('sh')
    foreach ($a in '-c', "exec runc --root '$($Pod.Root)' run --bundle '$bundleDirectory' $id </dev/null >'$bundleDirectory/stdout' 2>'$bundleDirectory/stderr'") { $startInfo.ArgumentList.Add($a) }
    $process = [Diagnostics.Process]::Start($startInfo)
    $container = [pscustomobject]@{
        PSTypeName = 'TalosSeccomp.Tests.RuncContainer'
        Pod        = $Pod
        Name       = $Name
        Id         = $id
        Image      = $Image
        Executable = $bundle.Executable
        Bundle     = $bundleDirectory
        Process    = $process
        InitPid    = 0
        ExitCode   = $null
        Output     = $null
    }
    $Pod.Containers.Add($container)
    # The init pid, for telling runc's own records (comm runc:[2:INIT], exe "/") apart: it is the workload's pid too.
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ($container.InitPid -eq 0 -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
        $state = Get-RuncState $Pod.Root $id
        if ($state -and $state.pid -gt 0) { $container.InitPid = [int] $state.pid } else { Start-Sleep -Milliseconds 5 }
    }
    $container
}

function Wait-RuncContainer {
    <#
    .SYNOPSIS
        Waits for a container started by Start-RuncContainer to exit and sets and returns its ExitCode and Output
        (stdout and stderr). A container still running after -TimeoutSec is killed (exit code -1). The stopped
        container stays (runc lists it as stopped, CRI as CONTAINER_EXITED, as the kubelet leaves exited containers
        until it collects them) so that records arriving after its exit can still be tied to it; Remove-RuncPod
        deletes it.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Container, [int] $TimeoutSec = 60)
    process {
        if (-not $Container.Process.WaitForExit($TimeoutSec * 1000)) {
            Invoke-Runc $Container.Pod.Root 'kill', $Container.Id, 'KILL' -AllowFailure | Out-Null
            $Container.Process.WaitForExit(5000) | Out-Null
            $Container.ExitCode = -1
        }
        else {
            $Container.ExitCode = $Container.Process.ExitCode
        }
        $Container.Output = ((Get-Content (Join-Path $Container.Bundle 'stdout'), (Join-Path $Container.Bundle 'stderr') -ErrorAction Ignore) | ForEach-Object { "$_" }) -join "`n"
        $Container
    }
}

function Invoke-RuncContainer {
    <# .SYNOPSIS Start-RuncContainer, then Wait-RuncContainer. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Pod, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string[]] $Command, [AllowNull()] [hashtable] $Seccomp, [int] $TimeoutSec = 60)
    Start-RuncContainer -Pod $Pod -Name $Name -Command $Command -Seccomp $Seccomp | Wait-RuncContainer -TimeoutSec $TimeoutSec
}

function Remove-RuncPod {
    <#
    .SYNOPSIS
        Deletes a pod's containers and sandbox (runc delete -f) and its cgroups in every hierarchy, and its bundles.
        Safe to call more than once and after a failed start.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] $Pod)
    process {
        if ($null -eq $Pod) { return }
        foreach ($container in $Pod.Containers) {
            Invoke-Runc $Pod.Root 'delete', '-f', $container.Id -AllowFailure | Out-Null
            if (-not $container.Process.HasExited) { $container.Process.WaitForExit(5000) | Out-Null }
        }
        Invoke-Runc $Pod.Root 'delete', '-f', $Pod.SandboxId -AllowFailure | Out-Null
        Remove-PodCgroup $Pod.CgroupParent
        Remove-Item $Pod.Directory -Recurse -Force -ErrorAction Ignore
    }
}

function Remove-PodCgroup([string] $CgroupParent) {
    # runc removes a container's own cgroup; the pod's (kubelet's in real life) is ours to remove, in every mounted
    # hierarchy (cgroup v2, or v1 controllers plus the unified one in hybrid mode). Parents (kubepods/besteffort) are
    # shared with other runs and stay.
    $hierarchies = @(Get-Content /proc/self/mountinfo | ForEach-Object {
            $fields = $_ -split ' '
            $separator = [array]::IndexOf($fields, '-')
            if ($separator -gt 0 -and $fields[$separator + 1] -in 'cgroup', 'cgroup2') { $fields[4] }
        })
    foreach ($hierarchy in $hierarchies) {
        $directory = Join-Path $hierarchy $CgroupParent.TrimStart('/')
        if (-not (Test-Path $directory)) { continue }
        # Children first (a container cgroup runc left behind), then the pod's own; rmdir is the only way to remove a cgroup.
        Get-ChildItem $directory -Directory -ErrorAction Ignore | ForEach-Object { & rmdir $_.FullName 2>$null }
        & rmdir $directory 2>$null
    }
}

function Test-RuncSeccompFlag {
    <#
    .SYNOPSIS
        True when this machine's runc applies linux.seccomp.flags (SECCOMP_FILTER_FLAG_LOG); runc before v1.2.0
        refuses a container that has them ("seccomp flags are not yet supported by runc").
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [string] $Directory)
    $id = New-RuncId
    $bundleDirectory = Join-Path $Directory "flags-probe-$($id.Substring(0, 12))"
    New-Item -ItemType Directory -Path $bundleDirectory -Force | Out-Null
    try {
        $bundle = New-RuncBundle $bundleDirectory $id
        $bundle.Spec.process.args = @('true')
        $bundle.Spec.linux.seccomp = @{ defaultAction = 'SCMP_ACT_ALLOW'; flags = @('SECCOMP_FILTER_FLAG_LOG') }
        $bundle.Spec | ConvertTo-Json -Depth 32 | Set-Content (Join-Path $bundleDirectory 'config.json')
        & sh -c "exec runc --root '$Root' run --bundle '$bundleDirectory' $id </dev/null >/dev/null 2>&1"
        $LASTEXITCODE -eq 0
    }
    finally {
        Invoke-Runc $Root 'delete', '-f', $id -AllowFailure | Out-Null
        Remove-Item $bundleDirectory -Recurse -Force -ErrorAction Ignore
    }
}

function Get-ProcessCgroup {
    <#
    .SYNOPSIS
        The cgroup path of a process as /proc/<pid>/cgroup gives it on the unified hierarchy (the "0::" line), or
        $null when the process has gone.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [int] $ProcessId)
    $lines = Get-Content "/proc/$ProcessId/cgroup" -ErrorAction Ignore
    foreach ($line in $lines) { if ($line.StartsWith('0::')) { return $line.Substring(3) } }
    $null
}

Export-ModuleMember -Function Get-RuncPodPrerequisite, Test-RuncSeccompFlag, New-RuncPod, Start-RuncContainer, Wait-RuncContainer, Invoke-RuncContainer, Remove-RuncPod, Get-ProcessCgroup, Get-RuncState
