# ConvertFrom-SeccompAuditRecord against the built module, with the real captures from the xunit test data.
Describe 'ConvertFrom-SeccompAuditRecord' {
    BeforeAll {
        Import-Module (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'TalosSeccomp.psd1') -Force
        $script:Data = Join-Path $PSScriptRoot '../TalosSeccomp.Tests/TestData/Audit'
        $script:Guide = Get-Content (Join-Path $Data 'talosctl-dmesg-guide.txt') | Where-Object { $_ -notlike '#*' }
        $script:Auditd = Get-Content (Join-Path $Data 'auditd.log') | Where-Object { $_ -notlike '#*' }
    }

    It 'turns talosctl dmesg output into events tagged with the node prefix and skips kernel lines' {
        $events = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue
        $events | Should -HaveCount 10
        $events[0].GetType().FullName | Should -Be 'TalosSeccomp.Audit.SeccompAuditEvent'
        $events.Node | Sort-Object -Unique | Should -Be '10.5.0.3'
        $events[-1].ProcessName | Should -Be 'http-echo'
        $events[-1].Syscall | Should -Be 'arch_prctl'
    }

    It 'warns that records were suppressed' {
        $null = $Guide | ConvertFrom-SeccompAuditRecord -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike '*10.5.0.3*14*'
    }

    It 'applies the Node parameter to lines without a prefix' {
        $events = $Auditd | ConvertFrom-SeccompAuditRecord -Node 'cp-1'
        $events | Should -HaveCount $Auditd.Count
        $events.Node | Sort-Object -Unique | Should -Be 'cp-1'
        $events.Source | Sort-Object -Unique | Should -Be 'Auditd'
    }

    It 'filters by wildcard on process, executable, syscall and action' {
        ($Auditd | ConvertFrom-SeccompAuditRecord -Action Kill*).Action | Should -Be @('KillProcess', 'KillThread')
        ($Auditd | ConvertFrom-SeccompAuditRecord -ProcessName 'runc*' -Syscall 'close').Count | Should -BeGreaterThan 0
        $Auditd | ConvertFrom-SeccompAuditRecord -ProcessName 'runc*' -Syscall 'close' | ForEach-Object { $_.ProcessName | Should -BeLike 'runc*'; $_.Syscall | Should -Be 'close' }
        ($Auditd | ConvertFrom-SeccompAuditRecord -Executable '/root/*' -Action Errno).ProcessName | Should -Be @('errno-test', 'errnodata')
    }

    It 'reads several records from one string (Get-Content -Raw)' {
        $raw = Get-Content (Join-Path $Data 'auditd.log') -Raw
        ($raw | ConvertFrom-SeccompAuditRecord).Count | Should -Be $Auditd.Count
    }

    It 'warns about a malformed record and keeps going' {
        $lines = @('audit: type=1326 audit(1659008985.445:25): auid=4294967295 uid=0', $Auditd[0])
        $events = $lines | ConvertFrom-SeccompAuditRecord -Node n1 -WarningVariable warnings -WarningAction SilentlyContinue
        $events | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike "*node n1*missing field 'gid'*"
    }

    It 'rejects an action pattern that names no action with a specific error' {
        { 'x' | ConvertFrom-SeccompAuditRecord -Action Nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSeccompAuditAction,TalosSeccomp.Commands.ConvertFromSeccompAuditRecordCommand'
    }

    It 'rejects an unclosed bracket in a pattern' {
        { 'x' | ConvertFrom-SeccompAuditRecord -Syscall 'open[' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidWildcardPattern,TalosSeccomp.Commands.ConvertFromSeccompAuditRecordCommand'
    }

    It 'completes syscall names for -Syscall, here and on Watch-TalosAudit' {
        foreach ($command in 'ConvertFrom-SeccompAuditRecord', 'Watch-TalosAudit') {
            $script = "$command -Syscall rt_sigret"
            $result = TabExpansion2 -inputScript $script -cursorColumn $script.Length
            $result.CompletionMatches.CompletionText | Should -Be @('rt_sigreturn')
        }
    }

    It 'completes action names' {
        $script = 'ConvertFrom-SeccompAuditRecord -Action Kil'
        $result = TabExpansion2 -inputScript $script -cursorColumn $script.Length
        $result.CompletionMatches.CompletionText | Should -Be @('KillProcess', 'KillThread')
    }

    It 'formats events as a table with the live-tail columns' {
        $text = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | Select-Object -First 1 | Format-Table | Out-String -Width 200
        $text | Should -Match 'Time \(UTC\)\s+Node\s+Pod/Container\s+ProcessName\s+Syscall\s+Action'
        # The date heads the events of each day; the rows keep the time of day with milliseconds.
        $day = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue | Select-Object -First 1 | ForEach-Object { $_.Time.UtcDateTime.ToString('yyyy-MM-dd') }
        $text | Should -Match ('Date \(UTC\): ' + $day)
        # Parsed offline: no pod lookup, so the Pod/Container column is empty.
        $text | Should -Match '11:49:45.445\s+10.5.0.3\s+runc:\[2:INIT\]\s+close\s+Log'
    }

    It 'heads each day of events with its date, within 80 columns' {
        $now = [DateTimeOffset]::UtcNow
        $stamp = '{0}.{1:000}' -f $now.ToUnixTimeSeconds(), $now.Millisecond
        $today = "type=SECCOMP msg=audit($($stamp):42): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7 comm=`"sh`" exe=`"/bin/sh`" sig=0 arch=c000003e syscall=83 compat=0 ip=0x7f code=0x7ffc0000"
        $events = @($Guide) + $today | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue
        $text = $events | Format-Table | Out-String -Width 80
        $text | Should -Match ('Date \(UTC\): ' + $events[0].Time.UtcDateTime.ToString('yyyy-MM-dd'))
        $text | Should -Match ('Date \(UTC\): ' + $now.UtcDateTime.ToString('yyyy-MM-dd'))
        $text | Should -Match ([regex]::Escape($now.UtcDateTime.ToString('HH:mm:ss.fff', [cultureinfo]::InvariantCulture)) + '\s+sh\s+mkdir\s+Log')
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
    }

    It 'filters by the action names New-SeccompRule takes' {
        $events = $Guide | ConvertFrom-SeccompAuditRecord -WarningAction SilentlyContinue
        ($Guide | ConvertFrom-SeccompAuditRecord -Action SCMP_ACT_LOG -WarningAction SilentlyContinue) | Should -HaveCount @($events | Where-Object Action -eq 'Log').Count
        $Guide | ConvertFrom-SeccompAuditRecord -Action Kill, Notify -WarningAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'has help with examples' {
        $help = Get-Help ConvertFrom-SeccompAuditRecord -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    } -Skip:(-not (Get-ChildItem (Join-Path $env:TALOSSECCOMP_MODULE_PATH 'en-US') -Filter '*-help.xml' -ErrorAction Ignore))
}
