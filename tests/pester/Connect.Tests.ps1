# Connect-Talos / Disconnect-Talos, -Connection, the talosconfig as text, SecureString or vault secret, which connection
# a command uses (the precedence documented in about_TalosSeccomp), key hygiene in every stream, -Verbose details and
# the completers that follow the command line's connection. Against the fake Talos node run as a program.
BeforeAll {
    $script:ModulePath = $env:TALOSSECCOMP_MODULE_PATH
    Import-Module (Join-Path $PSScriptRoot 'FakeTalos.psm1') -Force
    $script:FakeTalos = Start-FakeTalos -NodeCount 2
    $script:Config = $FakeTalos.TalosConfig
    $script:ReaderConfig = $FakeTalos.ReaderConfig
    $script:Nodes = $FakeTalos.Nodes
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:TestModules = Join-Path $PSScriptRoot 'TestModules'
    Import-Module (Join-Path $ModulePath 'TalosSeccomp.psd1') -Force

    $script:AdminText = Get-Content $Config -Raw
    # The key as the talosconfig holds it (base64 of PEM) and as PEM: neither may show anywhere.
    $script:KeyBase64 = [regex]::Match($AdminText, '(?m)^\s*key:\s*(\S+)').Groups[1].Value
    $script:KeyPemBody = ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($KeyBase64)) -split "`n")[1].Trim()
    $script:CaBase64 = [regex]::Match($AdminText, '(?m)^\s*ca:\s*(\S+)').Groups[1].Value

    function script:Assert-NoKeyMaterial([string] $Text) {
        $Text | Should -Not -BeNullOrEmpty
        $Text.Contains($KeyBase64) | Should -BeFalse -Because 'the talosconfig key (base64) must not show'
        $Text.Contains($KeyPemBody) | Should -BeFalse -Because 'the key PEM must not show'
        $Text | Should -Not -Match 'PRIVATE KEY'
    }

    # The role a command's connection used, from its -Verbose connection line.
    function script:Get-UsedConnection([scriptblock] $Command) {
        $lines = @(& $Command 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $line = $lines | Where-Object { $_ -like 'Connection (*' } | Select-Object -First 1
        $line | Should -Not -BeNullOrEmpty -Because 'every Talos cmdlet says which connection it used under -Verbose'
        [pscustomobject]@{ Line = $line; Reader = $line -match 'roles os:reader'; Admin = $line -match 'roles os:admin' }
    }

    $script:SavedTalosConfig = $env:TALOSCONFIG
}

AfterAll {
    Disconnect-Talos | Out-Null
    $PSDefaultParameterValues.Clear()
    $env:TALOSCONFIG = $script:SavedTalosConfig
    if ($script:FakeTalos) { $FakeTalos | Stop-FakeTalos }
}

Describe 'Connections' {
    AfterEach {
        Disconnect-Talos | Out-Null
        $PSDefaultParameterValues.Remove('*-Talos*:TalosConfig')
        $PSDefaultParameterValues.Remove('*-Talos*:Context')
        $PSDefaultParameterValues.Remove('Get-TalosVersion:TalosConfig')
        $env:TALOSCONFIG = $script:SavedTalosConfig
    }

    Describe 'Connect-Talos' {
        It 'connects with talosconfig text, checks the node and becomes the session default' {
            $connection = Connect-Talos -TalosConfigText $AdminText
            $connection.PSObject.TypeNames[0] | Should -Be 'TalosSeccomp.Talos.TalosConnectionInfo'
            $connection.Source | Should -Be 'talosconfig text'
            $connection.ConfigPath | Should -BeNullOrEmpty
            $connection.Context | Should -Be 'fake'
            $connection.DefaultNodes | Should -Be $Nodes
            $connection.TalosVersion | Should -Be 'v1.11.5'
            $connection.TlsVersion | Should -Be 'TLS 1.3'
            $connection.ServerCertificateSubject | Should -Not -BeNullOrEmpty
            # No -Connection, no -TalosConfig: the session's connection.
            (Get-TalosVersion).Node | Sort-Object | Should -Be ($Nodes | Sort-Object)
        }

        It 'takes the text as a SecureString and from the pipeline, and -Node, -Endpoint and -Context' {
            $secure = ConvertTo-SecureString -String $AdminText -AsPlainText -Force
            $connection = Connect-Talos -TalosConfigText $secure -Node $Nodes[1] -Context fake
            $connection.DefaultNodes | Should -Be @($Nodes[1])
            (Get-TalosVersion).Node | Should -Be $Nodes[1]
            $piped = $AdminText | Connect-Talos -Endpoint $FakeTalos.Endpoint -SkipCheck
            $piped.Endpoints | Should -Be @($FakeTalos.Endpoint)
            $piped.TalosVersion | Should -BeNullOrEmpty -Because '-SkipCheck makes no call'
            $credential = [pscredential]::new('talosconfig', $secure)
            (Connect-Talos -TalosConfigText $credential -SkipCheck).Context | Should -Be 'fake'
        }

        It 'connects with a talosconfig path relative to the current location' {
            Push-Location $FakeTalos.StateDir
            try { $connection = Connect-Talos -TalosConfig ./talosconfig-reader }
            finally { Pop-Location }
            $connection.ConfigPath | Should -Be $ReaderConfig
            $connection.Roles | Should -Be @('os:reader')
        }

        It 'leaves the session connection alone when the check fails' {
            $good = Connect-Talos -TalosConfigText $AdminText
            { Connect-Talos -TalosConfigText $AdminText -Endpoint '127.0.0.1:1' -TimeoutSec 5 -ErrorAction Stop } | Should -Throw -ErrorId 'TalosNodeUnreachable*'
            (Get-UsedConnection { Get-TalosVersion -Node $Nodes[0] -Verbose }).Line | Should -Match ([regex]::Escape($good.Endpoints[0]))
        }

        It 'reports a bad talosconfig text with its error id and no key material' {
            $err = $null
            try { Connect-Talos -TalosConfigText ($AdminText -replace 'context: fake', 'context: nope') -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'TalosContextNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -BeLike "*not in the talosconfig text*"
            Assert-NoKeyMaterial ($err | Out-String)
        }
    }

    Describe 'Disconnect-Talos' {
        It 'clears the session connection and returns it; commands then use the default talosconfig' {
            $env:TALOSCONFIG = $ReaderConfig
            $connection = Connect-Talos -TalosConfigText $AdminText
            $ended = Disconnect-Talos
            $ended.Id | Should -Be $connection.Id
            (Get-UsedConnection { Get-TalosVersion -Node $Nodes[0] -Verbose }).Reader | Should -BeTrue
            Disconnect-Talos | Should -BeNullOrEmpty -Because 'there is no session connection left'
        }

        It 'ends a given connection and keeps another session connection' {
            $session = Connect-Talos -TalosConfig $Config
            $other = Connect-Talos -TalosConfig $ReaderConfig -SkipCheck
            Connect-Talos -TalosConfig $Config | Out-Null
            ($other | Disconnect-Talos).Id | Should -Be $other.Id
            (Get-UsedConnection { Get-TalosVersion -Node $Nodes[0] -Verbose }).Admin | Should -BeTrue
            $session | Should -Not -BeNullOrEmpty
        }
    }

    Describe 'Talosconfig text where a path is expected' {
        It 'names -TalosConfigText instead of failing to find a drive named context' {
            Get-TalosVersion -TalosConfig $AdminText -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosConfigIsText,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].Exception.Message | Should -Match '-TalosConfigText'
            Assert-NoKeyMaterial ($err | Out-String)
            { Connect-Talos -TalosConfig $AdminText -ErrorAction Stop } | Should -Throw -ErrorId 'TalosConfigIsText*'
            { Connect-Talos $AdminText -ErrorAction Stop } | Should -Throw -ErrorId 'TalosConfigIsText*'
        }

        It 'refuses talosconfig text piped where node names go, without echoing it' {
            $AdminText | Get-TalosVersion -TalosConfig $Config -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosConfigIsText,*'
            $err[0].TargetObject | Should -Be 'Node'
            $err[0].Exception.Message | Should -Match 'Connect-Talos -TalosConfigText'
            Assert-NoKeyMaterial ($err | Out-String)
        }

        It 'refuses an empty -TalosConfig and -Connection together with -TalosConfig' {
            { Get-TalosVersion -TalosConfig '' -ErrorAction Stop } | Should -Throw -ErrorId 'TalosConfigPathEmpty*'
            $connection = Connect-Talos -TalosConfig $Config -SkipCheck
            { Get-TalosVersion -Connection $connection -TalosConfig $Config -ErrorAction Stop } | Should -Throw -ErrorId 'TalosConnectionConflict*'
        }
    }

    Describe 'Which connection a command uses' {
        BeforeAll {
            $script:Admin = Connect-Talos -TalosConfigText $AdminText -SkipCheck
            $script:Reader = Connect-Talos -TalosConfig $ReaderConfig -SkipCheck
            Disconnect-Talos | Out-Null
        }

        It '1. an explicit -TalosConfig or -Connection beats the piped connection' {
            (Get-UsedConnection { Get-TalosNode -Connection $Admin | Get-TalosVersion -Connection $Reader -Verbose }).Reader | Should -BeTrue
            (Get-UsedConnection { Get-TalosNode -Connection $Admin | Get-TalosVersion -TalosConfig $ReaderConfig -Verbose }).Reader | Should -BeTrue
            (Get-UsedConnection { Get-TalosNode -Connection $Reader | Get-TalosVersion -Connection $Admin -Verbose }).Line | Should -Match 'given on the command line'
        }

        It '2. the connection piped in (TalosNode or a connection object) beats $PSDefaultParameterValues' {
            $PSDefaultParameterValues['*-Talos*:TalosConfig'] = $ReaderConfig
            $PSDefaultParameterValues['*-Talos*:Context'] = 'nope'
            $used = Get-UsedConnection { Get-TalosNode -Connection $Admin | Get-TalosVersion -Verbose }
            $used.Admin | Should -BeTrue
            $used.Line | Should -Match 'piped in'
            (Get-TalosNode -Connection $Admin | Get-TalosVersion).Node | Sort-Object | Should -Be ($Nodes | Sort-Object)
            (Get-UsedConnection { $Admin | Get-TalosVersion -Verbose }).Admin | Should -BeTrue
        }

        It '2. a TalosNode from a text connection carries it (no talosconfig path to bind)' {
            $node = Get-TalosNode -Connection $Admin | Select-Object -First 1
            $node.TalosConfig | Should -BeNullOrEmpty
            $node.Connection.Id | Should -Be $Admin.Id
            ($node | Get-TalosVersion).Node | Should -Be $node.Node
        }

        It '2. a profile read through a connection goes back through it (Get-TalosSeccompProfile | Set-/Remove-TalosSeccompProfile)' {
            Set-TalosSeccompProfile -Connection $Admin -Node $Nodes[0] -Name conn-copy.json -Confirm:$false | Out-Null
            $env:TALOSCONFIG = $ReaderConfig   # the default would be the reader, which cannot change a node
            $profile = Get-TalosSeccompProfile -Connection $Admin -Node $Nodes[0] -Name conn-copy.json
            $profile.Connection.Id | Should -Be $Admin.Id
            $used = Get-UsedConnection { $profile | Set-TalosSeccompProfile -Node $Nodes[1] -Verbose -Confirm:$false }
            $used.Admin | Should -BeTrue
            $used.Line | Should -Match 'piped in'
            (Get-TalosSeccompProfile -Connection $Admin -Node $Nodes[1] -Name conn-copy.json).Name | Should -Be 'conn-copy.json'
            Get-TalosSeccompProfile -Connection $Admin -Node $Nodes -Name conn-copy.json | Remove-TalosSeccompProfile -Confirm:$false | Out-Null
            Get-TalosSeccompProfile -Connection $Admin -Node $Nodes -Name 'conn-copy*' | Should -BeNullOrEmpty
        }

        It '3. $PSDefaultParameterValues beats the session connection' {
            Connect-Talos -TalosConfigText $AdminText -SkipCheck | Out-Null
            $PSDefaultParameterValues['Get-TalosVersion:TalosConfig'] = $ReaderConfig
            $used = Get-UsedConnection { Get-TalosVersion -Node $Nodes[0] -Verbose }
            $used.Reader | Should -BeTrue
            $used.Line | Should -Match 'PSDefaultParameterValues'
            # The same value typed explicitly still counts as the default: a piped connection beats it too (documented).
            (Get-UsedConnection { Get-TalosNode -Connection $Admin | Get-TalosVersion -TalosConfig $ReaderConfig -Verbose }).Admin | Should -BeTrue
        }

        It '4. the session connection beats $env:TALOSCONFIG' {
            $env:TALOSCONFIG = $ReaderConfig
            Connect-Talos -TalosConfigText $AdminText -SkipCheck | Out-Null
            $used = Get-UsedConnection { Get-TalosVersion -Node $Nodes[0] -Verbose }
            $used.Admin | Should -BeTrue
            $used.Line | Should -Match 'session''s connection'
        }

        It '5. $env:TALOSCONFIG beats ~/.talos/config, and the command says so' {
            $env:TALOSCONFIG = $ReaderConfig
            $used = Get-UsedConnection { Get-TalosVersion -Node $Nodes[0] -Verbose }
            $used.Reader | Should -BeTrue
            $used.Line | Should -Match ([regex]::Escape("talosconfig '$ReaderConfig'"))
            $used.Line | Should -Match 'default talosconfig'
        }

        It 'an explicit -Context or -Endpoint changes a piped connection, a defaulted one does not' {
            $PSDefaultParameterValues['*-Talos*:Context'] = 'nope'
            Get-TalosNode -Connection $Admin | Get-TalosVersion -Context other -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TalosContextNotFound,*'
            $err[0].Exception.Message | Should -BeLike "The context 'other' is not in the talosconfig text*"
            $moved = Get-UsedConnection { Get-TalosNode -Connection $Admin | Get-TalosVersion -Endpoint 127.0.0.1:1 -TimeoutSec 5 -Verbose -ErrorAction SilentlyContinue }
            $moved.Line | Should -Match 'endpoints 127\.0\.0\.1:1,'
        }
    }

    Describe 'Key material' {
        It 'never shows in the connection object, its views, ToString, Export-Clixml or a TalosNode export' {
            $connection = Connect-Talos -TalosConfigText $AdminText
            Assert-NoKeyMaterial ($connection | Format-List * | Out-String)
            Assert-NoKeyMaterial ($connection | Format-Table | Out-String)
            Assert-NoKeyMaterial ($connection | Format-List | Out-String)
            Assert-NoKeyMaterial $connection.ToString()
            Assert-NoKeyMaterial ($connection | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue)
            $xml = Join-Path $TestDrive 'connection.xml'
            $connection | Export-Clixml -Path $xml -Depth 10
            Assert-NoKeyMaterial (Get-Content $xml -Raw)
            (Get-Content $xml -Raw).Contains($CaBase64) | Should -BeFalse
            Get-TalosNode | Export-Clixml -Path $xml -Depth 10
            Assert-NoKeyMaterial (Get-Content $xml -Raw)
        }

        It 'never shows in any stream of a run with text, errors, -Verbose and -Debug' {
            $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
`$text = [IO.File]::ReadAllText('$Config')
`$c = Connect-Talos -TalosConfigText `$text -Verbose -Debug
Get-TalosVersion -Verbose -Debug
Get-TalosNode -Verbose | Get-TalosSeccompProfile -Verbose -Debug
Get-TalosVersion -TalosConfig `$text -Verbose
Connect-Talos -TalosConfigText (`$text -replace 'context: fake', 'context: other') -Verbose
Connect-Talos -TalosConfigText (`$text -replace 'key: ', 'key: x') -Verbose
Connect-Talos -TalosConfigText (`$text + "`n  broken: [") -Verbose
Get-TalosVersion -Endpoint 127.0.0.1:1 -TimeoutSec 3 -Verbose
`$c | Format-List *
`$Error | Format-List * -Force
Disconnect-Talos -Verbose
"@
            $output = & $Pwsh -NoProfile -NonInteractive -Command $script *>&1 | Out-String
            $output | Should -Match 'TalosConfigIsText|talosconfig text'
            $output | Should -Match 'VERBOSE: Connection'
            Assert-NoKeyMaterial $output
        }
    }

    Describe '-Verbose' {
        It 'names the talosconfig source, context, endpoint, roles, TLS version, node certificate and each call''s time' {
            Connect-Talos -TalosConfigText $AdminText -SkipCheck | Out-Null
            $messages = @(Get-TalosVersion -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $messages[0] | Should -Match "^Connection \(the session's connection from Connect-Talos\): talosconfig text, context 'fake', endpoints \S+, roles os:admin \(Ed25519 client certificate '.+'\)\.$"
            $calls = @($messages | Where-Object { $_ -like 'Version to *' })
            $calls.Count | Should -Be 2
            $calls | ForEach-Object { $_ | Should -Match '^Version to \S+ via \S+ answered in \d+ ms \(TLS 1\.3, node certificate ''.+''\)\.$' }
        }

        It 'says which file a path connection read' {
            $messages = @(Get-TalosNode -TalosConfig $ReaderConfig -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $messages[0] | Should -BeLike "Connection (given on the command line): talosconfig '$ReaderConfig', context 'fake'*roles os:reader*"
        }
    }

    Describe 'Connect-Talos -SecretName' {
        It 'says SecretManagement is needed when it is not installed' {
            $script = @"
Import-Module '$(Join-Path $ModulePath 'TalosSeccomp.psd1')'
try { Connect-Talos -Vault v -SecretName s -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }
"@
            $output = & $Pwsh -NoProfile -NonInteractive -Command $script
            $output[0] | Should -BeLike 'TalosSecretManagementMissing,*'
            $output[1] | Should -Be 'NotInstalled'
            $output[2] | Should -Match 'Microsoft\.PowerShell\.SecretManagement'
        }

        Context 'with SecretManagement' {
            BeforeAll {
                $script:SavedModulePath = $env:PSModulePath
                $env:PSModulePath = $TestModules + [IO.Path]::PathSeparator + $env:PSModulePath
                Import-Module Microsoft.PowerShell.SecretManagement -Force
                Set-Secret -Name talosconfig -Secret $AdminText -Vault Infra
                Set-Secret -Name talosconfig-secure -Secret (ConvertTo-SecureString $AdminText -AsPlainText -Force) -Vault Infra
                Set-Secret -Name talosconfig-cred -Secret ([pscredential]::new('t', (ConvertTo-SecureString $AdminText -AsPlainText -Force))) -Vault Other
                Set-Secret -Name number -Secret @{ a = 1 } -Vault Infra
            }
            AfterAll {
                Remove-Module Microsoft.PowerShell.SecretManagement -Force -ErrorAction Ignore
                $env:PSModulePath = $script:SavedModulePath
            }

            It 'reads the talosconfig from a vault (string, SecureString, PSCredential), with or without -Vault' {
                $connection = Connect-Talos -Vault Infra -SecretName talosconfig
                $connection.Source | Should -Be "talosconfig from secret 'talosconfig' in vault 'Infra'"
                $connection.TalosVersion | Should -Be 'v1.11.5'
                (Get-TalosVersion).Count | Should -Be 2
                (Connect-Talos -Vault Infra -SecretName talosconfig-secure -SkipCheck).Context | Should -Be 'fake'
                (Connect-Talos -SecretName talosconfig-cred -SkipCheck).Source | Should -Be "talosconfig from secret 'talosconfig-cred'"
            }

            It 'reports a missing secret or one that is no text, naming the secret only' {
                { Connect-Talos -Vault Infra -SecretName missing -ErrorAction Stop } | Should -Throw -ErrorId 'TalosSecretUnavailable*'
                $err = $null
                try { Connect-Talos -Vault Infra -SecretName number -ErrorAction Stop } catch { $err = $_ }
                $err.FullyQualifiedErrorId | Should -BeLike 'TalosSecretUnavailable,*'
                $err.CategoryInfo.Category | Should -Be 'InvalidType'
            }
        }
    }

    Describe 'Completion over the command line''s connection' {
        BeforeAll {
            Set-TalosSeccompProfile -TalosConfig $Config -Node $Nodes[0] -Name complete-me.json -Value @{ defaultAction = 'SCMP_ACT_LOG' } -Confirm:$false | Out-Null
            function script:Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
        }

        It 'completes -Name with the node''s profile names through -TalosConfig, -Connection and the session connection' {
            Complete "Get-TalosSeccompProfile -TalosConfig '$Config' -Node $($Nodes[0]) -Name compl" | Should -Be 'complete-me.json'
            $global:TalosCompletionConnection = Connect-Talos -TalosConfig $Config -SkipCheck
            try {
                Complete "Remove-TalosSeccompProfile -Connection `$global:TalosCompletionConnection -Node $($Nodes[0]) -Name comp" | Should -Be 'complete-me.json'
                Complete "Set-TalosSeccompProfile -Node $($Nodes[0]) -Name comp" | Should -Be 'complete-me.json'
            }
            finally { Remove-Variable -Scope Global -Name TalosCompletionConnection }
            # The session connection targets the first default node when no -Node is given.
            Complete 'Get-TalosSeccompProfile -Name comp' | Should -Be 'complete-me.json'
        }

        It 'completes nothing, quickly, when the node cannot be asked' {
            Complete "Get-TalosSeccompProfile -TalosConfig '$Config' -Endpoint 127.0.0.1:1 -Name comp" | Should -BeNullOrEmpty
            Complete "Get-TalosSeccompProfile -TalosConfig '$(Join-Path $TestDrive 'missing')' -Name comp" | Should -BeNullOrEmpty
        }

        It 'resolves a relative -TalosConfig against the PowerShell location, not the process directory' {
            [Environment]::CurrentDirectory | Should -Not -Be $FakeTalos.StateDir
            Push-Location $FakeTalos.StateDir
            try {
                Complete 'Get-TalosNode -TalosConfig ./talosconfig -Context f' | Should -Be 'fake'
                Complete "Get-TalosVersion -TalosConfig talosconfig -Node $($Nodes[0].Substring(0, 4))" | Should -Contain $Nodes[0]
                Complete 'Get-TalosSeccompProfile -TalosConfig ./talosconfig -Name comp' | Should -Be 'complete-me.json'
            }
            finally { Pop-Location }
        }

        It 'completes -Context and -Node from the session connection, even one given as text' {
            Connect-Talos -TalosConfigText $AdminText -SkipCheck | Out-Null
            Complete 'Get-TalosVersion -Context f' | Should -Be 'fake'
            Complete "Get-TalosVersion -Node $($Nodes[1].Substring(0, 4))" | Should -Contain $Nodes[1]
        }
    }
}
