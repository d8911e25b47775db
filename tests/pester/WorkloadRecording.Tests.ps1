# New-SeccompProfile -FromAuditEvent -PerWorkload and -LogDenied as users run them: attributed audit events in, one
# profile per workload container out, named for the workload, and onwards to Export-SeccompProfile and to a node.
# The events are the Talos guide's dmesg lines with the Kubernetes fields set as Watch-TalosAudit's attribution sets them.
BeforeAll {
    Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
    $script:Guide = Get-Content (Join-Path $PSScriptRoot '../TalosSeccomp.Tests/TestData/Audit/talosctl-dmesg-guide.txt') | Where-Object { $_ -notlike '#*' }

    # The guide's events, each attributed to a pod's container (or left as parsed: Attribution NotAttempted).
    function script:New-Events([string] $Namespace, [string] $Pod, [string] $Container = 'app', [int] $First = 0, [int] $Count = 100) {
        $events = @($Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | Select-Object -Skip $First -First $Count)
        if ($Pod) {
            foreach ($e in $events) { $e.Namespace = $Namespace; $e.Pod = $Pod; $e.Container = $Container; $e.Attribution = 'Container' }
        }
        $events
    }

    # Replicas of Deployment web (two pods), StatefulSet kafka (two pods), and three unattributed events.
    $script:Mixed = @(
        New-Events shop web-7d9c5b8f4d-x2k9p -Count 5
        New-Events shop web-7d9c5b8f4d-q8vzl -First 5
        New-Events data kafka-0
        New-Events data kafka-1 -Container broker
        New-Events -First 0 -Count 3
    )
}

Describe 'New-SeccompProfile -FromAuditEvent -PerWorkload' {
    It 'writes one profile per workload container, named namespace_workload_container.json, and warns about the unattributed events' {
        $profiles = @($Mixed | New-SeccompProfile -FromAuditEvent -PerWorkload -WarningVariable warnings -WarningAction SilentlyContinue)
        $profiles.Name | Should -Be @('data_kafka_app.json', 'data_kafka_broker.json', 'shop_web_app.json')
        $profiles | ForEach-Object { $_.DefaultAction | Should -Be 'SCMP_ACT_ERRNO'; $_.Flags | Should -BeNullOrEmpty }
        $web = $profiles | Where-Object Name -EQ 'shop_web_app.json'
        $web.Workload.Kind | Should -Be 'Deployment'
        $web.Workload.Namespace | Should -Be 'shop'
        $web.Workload.Name | Should -Be 'web'
        $web.Workload.Container | Should -Be 'app'
        # Both replicas' syscalls: the first five records (close, openat, futex) and the rest (getpid of http-echo).
        $web.Syscalls[0].Names | Should -Contain 'getpid'
        $web.Syscalls[0].Names | Should -Contain 'close'
        $warnings.Count | Should -Be 1
        "$warnings" | Should -Match '^3 of \d+ audit events are not attributed to a Kubernetes container'
        "$warnings" | Should -Match '3 NotAttempted'
        ($profiles | Format-List | Out-String) | Should -Match 'Workload\s+: Deployment shop/web, container app'
    }

    It 'summarises each workload with -Verbose: kind, pods, events and the runtime init''s share' {
        $out = $Mixed | New-SeccompProfile -FromAuditEvent -PerWorkload -WarningAction SilentlyContinue -Verbose 4>&1
        $verbose = ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $verbose | Should -Match 'shop_web_app\.json: Deployment shop/web, container app; \d+ events from 2 pods \(web-7d9c5b8f4d-q8vzl, web-7d9c5b8f4d-x2k9p\), \d+ by the runtime''s init'
        $verbose | Should -Match 'data_kafka_app\.json: StatefulSet data/kafka, container app; \d+ events from 1 pod \(kafka-0\)'
    }

    It 'keeps the records of runc''s init in the profile' {
        $init = New-Events shop web-7d9c5b8f4d-x2k9p | Where-Object IsContainerInit
        $init | Should -Not -BeNullOrEmpty
        $profile = $init | New-SeccompProfile -FromAuditEvent -PerWorkload -DefaultAction Log
        # syscall 39 (getpid) and 59 (execve) were made by runc:[2:INIT] in the guide's output.
        $profile.Syscalls[0].Names | Should -Contain 'getpid'
        $profile.Syscalls[0].Names | Should -Contain 'execve'
    }

    It 'takes -WorkloadName patterns over the pod-name rules' {
        $events = @(New-Events shop legacy-a; New-Events shop legacy-b; New-Events batch report-one)
        $profiles = $events | New-SeccompProfile -FromAuditEvent -PerWorkload -WorkloadName @{ 'legacy-*' = 'legacy'; 'batch/report-*' = 'report' }
        $profiles.Name | Should -Be @('batch_report_app.json', 'shop_legacy_app.json')
        $profiles.Workload.Kind | Select-Object -Unique | Should -Be 'Override'
    }

    It 'refuses overlapping -WorkloadName patterns that give one pod two names' {
        { New-Events shop web-1-canary | New-SeccompProfile -FromAuditEvent -PerWorkload -WorkloadName @{ 'web-*' = 'web'; '*-canary' = 'canary' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousWorkloadName,TalosSeccomp.Commands.NewSeccompProfileCommand'
    }

    It 'refuses -Name with -PerWorkload, and -WorkloadName without it' {
        { New-Events shop web-0 | New-SeccompProfile -FromAuditEvent -PerWorkload -Name x.json -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidWorkloadName,TalosSeccomp.Commands.NewSeccompProfileCommand'
        { New-Events shop web-0 | New-SeccompProfile -FromAuditEvent -WorkloadName @{ 'web-*' = 'web' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidWorkloadName,TalosSeccomp.Commands.NewSeccompProfileCommand'
    }

    It 'fails clearly when no event is attributed to a container' {
        $thrown = { New-Events | New-SeccompProfile -FromAuditEvent -PerWorkload -WarningAction SilentlyContinue -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoAuditEventsRecorded,TalosSeccomp.Commands.NewSeccompProfileCommand' -PassThru
        $thrown.Exception.Message | Should -Match 'attributed to a Kubernetes container'
    }

    It 'without -PerWorkload still records one profile of everything, attributed or not' {
        $profile = @($Mixed | New-SeccompProfile -FromAuditEvent -Name all.json)
        $profile.Count | Should -Be 1
        $profile[0].Name | Should -Be 'all.json'
        $profile[0].Workload | Should -BeNullOrEmpty
    }
}

Describe 'New-SeccompProfile -LogDenied' {
    It 'adds SECCOMP_FILTER_FLAG_LOG to a recorded profile, once' {
        $profile = New-Events shop web-0 | New-SeccompProfile -FromAuditEvent -PerWorkload -LogDenied
        $profile.Flags | Should -Be @('SECCOMP_FILTER_FLAG_LOG')
        ($profile | ConvertTo-SeccompJson) | Should -Match '"flags":\["SECCOMP_FILTER_FLAG_LOG"\]'
        (New-Events shop web-0 | New-SeccompProfile -FromAuditEvent -LogDenied -BaseProfile (New-SeccompProfile Errno -Flag Log)).Flags | Should -Be @('SECCOMP_FILTER_FLAG_LOG')
    }

    It 'is the same as -Flag Log for a profile written by hand' {
        $json = New-SeccompProfile -DefaultAction Errno -AllowSyscall read -LogDenied | ConvertTo-SeccompJson
        $json | Should -BeExactly (New-SeccompProfile -DefaultAction Errno -AllowSyscall read -Flag Log | ConvertTo-SeccompJson)
        (New-SeccompProfile -DefaultAction Errno -Flag Log -LogDenied).Flags | Should -Be @('SECCOMP_FILTER_FLAG_LOG')
    }

    It 'makes Test-SeccompProfile say what the flag needs' {
        $finding = New-SeccompProfile -DefaultAction Errno -Architecture x86_64 -AllowSyscall read -LogDenied | Test-SeccompProfile | Where-Object Code -EQ 'FilterFlagNeedsRuntime'
        $finding.Severity | Should -Be 'Information'
        $finding.Message | Should -Match 'runc 1\.2 or later'
        $finding.Message | Should -Match 'Linux 4\.14'
    }
}

Describe 'Per-workload profiles onwards' {
    BeforeAll {
        $script:Profiles = @($Mixed | New-SeccompProfile -FromAuditEvent -PerWorkload -LogDenied -WarningAction SilentlyContinue)
        $script:Dir = Join-Path ([IO.Path]::GetTempPath()) "talosseccomp-workloads-$PID"
        New-Item -ItemType Directory -Path $Dir -Force | Out-Null
    }

    AfterAll {
        Remove-Item $script:Dir -Recurse -Force -ErrorAction Ignore
    }

    It 'Export-SeccompProfile -Path to a directory writes each profile under its own name, as a node would' {
        $files = $Profiles | Export-SeccompProfile -Path $Dir -PassThru
        ($files.Name | Sort-Object) | Should -Be @('data_kafka_app.json', 'data_kafka_broker.json', 'shop_web_app.json')
        foreach ($p in $Profiles) {
            Get-Content (Join-Path $Dir $p.Name) -Raw | Should -BeExactly ($p | ConvertTo-SeccompJson)
        }
        { New-SeccompProfile -DefaultAction Log | Export-SeccompProfile -Path $Dir -ErrorAction Stop } |
            Should -Throw -ErrorId 'SeccompProfileNameMissing,TalosSeccomp.Commands.ExportSeccompProfileCommand'
    }

    Context 'Set-TalosSeccompProfile on one node' {
        BeforeAll {
            Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
            $script:FakeTalos = Start-FakeTalos -NodeCount 2
        }

        AfterAll {
            if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
        }

        It 'deploys every piped profile under its own name in one apply, on that node only, with -Mode Try' {
            $node, $other = $FakeTalos.Nodes
            $changes = $Profiles | Set-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $node -Mode Try -Confirm:$false
            $changes | Should -Not -BeNullOrEmpty
            $applied = @(Invoke-RestMethod "$($FakeTalos.ControlUrl)/nodes/$node/applied")
            $applied.Count | Should -Be 1
            $applied[0].mode | Should -Be 'TRY'
            $served = Get-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $node -Content
            foreach ($p in $Profiles) {
                $one = $served | Where-Object Id -EQ $p.Name
                $one | Should -Not -BeNullOrEmpty -Because "$($p.Name) was piped"
                $one.Profile.Flags | Should -Be @('SECCOMP_FILTER_FLAG_LOG')
                ($one.Profile | ConvertTo-SeccompJson) | Should -BeExactly ($p | ConvertTo-SeccompJson)
            }
            @(Get-TalosSeccompProfile -TalosConfig $FakeTalos.TalosConfig -Node $other).Id | Should -Not -Contain 'shop_web_app.json'
        }
    }
}
