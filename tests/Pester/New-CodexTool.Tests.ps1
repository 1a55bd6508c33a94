param([string] $ModulePath)

# New-CodexTool and one call of a tool (CodexTool.Invoke), without a runtime: the schema the model would see, the
# bad inputs New-CodexTool refuses, and what a call does with the model's arguments. The runtime side (a turn whose
# model calls the tool) is tested with the conversation commands.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath

    function ConvertTo-Arguments {
        # The model's arguments as the runtime hands them over: a JsonElement.
        param([Parameter(Mandatory)] $Value)
        $json = if ($Value -is [string]) { $Value } else { ConvertTo-Json -InputObject $Value -Depth 5 -Compress }
        [System.Text.Json.JsonDocument]::Parse($json).RootElement.Clone()
    }

    function Invoke-Tool {
        param([Parameter(Mandatory)] $Tool, $Arguments = @{}, [System.Threading.CancellationToken] $Token = [System.Threading.CancellationToken]::None)
        $Tool.Invoke((ConvertTo-Arguments $Arguments), $Token)
    }

    function Get-Schema {
        param([Parameter(Mandatory)] $Tool)
        $Tool.InputSchemaJson | ConvertFrom-Json -AsHashtable
    }

    function Get-TypedThing {
        [CmdletBinding()]
        param(
            [string] $Text,
            [char] $Letter,
            [bool] $Flag,
            [switch] $Force,
            [byte] $Small,
            [int] $Count,
            [long] $Big,
            [uint32] $Unsigned,
            [double] $Ratio,
            [decimal] $Money,
            [System.DayOfWeek] $Day,
            [System.IO.FileAttributes] $Attributes,
            [string[]] $Tags,
            [System.Collections.Generic.List[int]] $Numbers,
            [Nullable[int]] $Maybe,
            [datetime] $When,
            [DateTimeOffset] $WhenOffset,
            [guid] $Id,
            [uri] $Link,
            [hashtable] $Settings,
            [psobject] $Anything,
            [object] $Whatever,
            [System.Net.IPAddress] $Address,
            [scriptblock] $Code,
            [System.IO.Stream] $Stream
        )
        $PSBoundParameters
    }

    function Set-Validated {
        <#
        .SYNOPSIS
        Sets a validated thing.
        .PARAMETER Name
        The thing's name.
        #>
        [CmdletBinding()]
        param(
            [Parameter(Mandatory)][ValidateSet('alpha', 'beta')][string] $Name,
            [ValidateRange(2, 9)][int] $Level,
            [ValidatePattern('^[a-z]+$')][string] $Code,
            [ValidateLength(3, 8)][string] $Label,
            [ValidateCount(1, 4)][string[]] $Items,
            [ValidateSet('x', 'y')][string[]] $Letters
        )
        $PSBoundParameters
    }

    function Find-BySet {
        [CmdletBinding(DefaultParameterSetName = 'ByName')]
        param(
            [Parameter(Mandatory, ParameterSetName = 'ByName')][string] $Name,
            [Parameter(Mandatory, ParameterSetName = 'ById')][int] $Id,
            [int] $Limit
        )
        "$($PSCmdlet.ParameterSetName):$Name$Id"
    }

    function Remove-High { [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')] param([string] $Path) if ($PSCmdlet.ShouldProcess($Path)) { "removed $Path" } }
    function Remove-Default { [CmdletBinding(SupportsShouldProcess)] param() }
    function Remove-Low { [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')] param() }
    function Get-Plain { param([string] $Name) "plain $Name" }
    function Invoke-Code { param([Parameter(Mandatory)][scriptblock] $Code) & $Code }
    function shell { param([string] $Command) $Command }

    function Save-Received {
        # Records exactly what arrived, so a test can prove a string came as data.
        param([string] $Text, [string[]] $More)
        $script:received = @{ Text = $Text; More = $More }
        'saved'
    }

    function Read-Scope { param() "$global:CodexToolGlobalProbe/$script:CodexToolScriptProbe" }
    function Write-Failing { param() 'before the error'; Write-Error 'the disk is full'; 'after the error' }
    function Invoke-Throwing { param() 'partial'; throw 'the service is down' }
    function Write-Big { param([int] $Count, [string] $Char = 'x') $Char * $Count }
    function Write-Nothing { param() }
    function Write-Warned { param() Write-Warning 'the cache is stale'; 'value' }
    function Start-Sleeping { param([int] $Seconds = 30) Start-Sleep -Seconds $Seconds; 'woke up' }
    function Get-Wide {
        param()
        # Four properties make a table (five would make a list), wider than 120 columns.
        1..3 | ForEach-Object { [pscustomobject]@{ First = 'a' * 40; Second = 'b' * 40; Third = 'c' * 40; Fourth = 'd' * 40 } }
    }

    $script:ws = New-TestDirectory 'codexps-tool'
}

AfterAll {
    Remove-Item -LiteralPath $script:ws -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module CodexToolTestOps -ErrorAction SilentlyContinue
}

Describe 'New-CodexTool: the schema from command metadata' {
    It 'maps each parameter type to its JSON Schema, leaving out those with no mapping (with a warning)' {
        $tool = New-CodexTool -Command (Get-Command Get-TypedThing) -WarningVariable warned -WarningAction SilentlyContinue
        $schema = Get-Schema $tool
        $p = $schema.properties
        $schema.type | Should -Be 'object'
        $schema.additionalProperties | Should -BeFalse
        $p.Text.type | Should -Be 'string'
        $p.Letter.type | Should -Be 'string'
        $p.Letter.maxLength | Should -Be 1
        $p.Flag.type | Should -Be 'boolean'
        $p.Force.type | Should -Be 'boolean'
        $p.Small.type | Should -Be 'integer'
        $p.Small.minimum | Should -Be 0
        $p.Small.maximum | Should -Be 255
        $p.Count.type | Should -Be 'integer'
        $p.Big.type | Should -Be 'integer'
        $p.Unsigned.minimum | Should -Be 0
        $p.Ratio.type | Should -Be 'number'
        $p.Money.type | Should -Be 'number'
        $p.Day.type | Should -Be 'string'
        $p.Day.enum | Should -Be ([enum]::GetNames([System.DayOfWeek]))
        $p.Attributes.type | Should -Be 'string'
        $p.Attributes.description | Should -Match 'ReadOnly.*separated by commas'
        $p.Tags.type | Should -Be 'array'
        $p.Tags.items.type | Should -Be 'string'
        $p.Numbers.type | Should -Be 'array'
        $p.Numbers.items.type | Should -Be 'integer'
        $p.Maybe.type | Should -Be 'integer'
        $p.When.type | Should -Be 'string'
        $p.When.format | Should -Be 'date-time'
        $p.WhenOffset.format | Should -Be 'date-time'
        $p.Id.format | Should -Be 'uuid'
        $p.Link.format | Should -Be 'uri'
        $p.Settings.type | Should -Be 'object'
        $p.Anything.Keys | Should -Not -Contain 'type' -Because '[psobject] takes any JSON value'
        $p.Whatever.Keys | Should -Not -Contain 'type'
        $p.Address.type | Should -Be 'string' -Because 'PowerShell builds an IPAddress from a string'
        $p.Keys | Should -Not -Contain 'Code'
        $p.Keys | Should -Not -Contain 'Stream'
        $tool.OmittedParameters | Should -Be @('Code', 'Stream')
        ($warned -join "`n") | Should -Match '-Code .*ScriptBlock'
        ($warned -join "`n") | Should -Match '-Stream .*System.IO.Stream'
        $schema.required | Should -HaveCount 0
    }

    It 'leaves out the common parameters' {
        $p = (Get-Schema (New-CodexTool -Command (Get-Command Remove-High))).properties
        $p.Keys | Should -Be @('Path')
    }

    It 'turns Mandatory, ValidateSet, ValidateRange, ValidatePattern, ValidateLength, ValidateCount and the help into schema words' {
        $tool = New-CodexTool -Command (Get-Command Set-Validated)
        $schema = Get-Schema $tool
        $p = $schema.properties
        $tool.Description | Should -Be 'Sets a validated thing.'
        $schema.required | Should -Be @('Name')
        $p.Name.enum | Should -Be @('alpha', 'beta')
        $p.Name.description | Should -Be "The thing's name."
        $p.Level.minimum | Should -Be 2
        $p.Level.maximum | Should -Be 9
        $p.Code.pattern | Should -Be '^[a-z]+$'
        $p.Label.minLength | Should -Be 3
        $p.Label.maxLength | Should -Be 8
        $p.Items.minItems | Should -Be 1
        $p.Items.maxItems | Should -Be 4
        $p.Letters.items.enum | Should -Be @('x', 'y')
    }

    It 'describes a command without help as "Runs <command>." and a cmdlet by its help or the same rule' {
        (New-CodexTool -Command (Get-Command Get-Plain)).Description | Should -Be 'Runs Get-Plain.'
        (New-CodexTool -Command (Get-Command Get-Date)).Description | Should -Not -BeNullOrEmpty
    }

    It 'takes the schema of a script block from its param() block, with comment help and HelpMessage' {
        $tool = New-CodexTool -Name 'lookup_user' -ScriptBlock {
            <#
            .SYNOPSIS
            Looks a user up.
            .PARAMETER Login
            The user's login.
            #>
            param(
                [Parameter(Mandatory)][ValidatePattern('^\w+$')][string] $Login,
                [Parameter(HelpMessage = 'How many days back.')][ValidateRange(1, 30)][int] $Days = 7
            )
            "$Login/$Days"
        }
        $schema = Get-Schema $tool
        $tool.Name | Should -Be 'lookup_user'
        $tool.Description | Should -Be 'Looks a user up.'
        $tool.Command | Should -BeNullOrEmpty
        $tool.ScriptBlock | Should -Not -BeNullOrEmpty
        $schema.required | Should -Be @('Login')
        $schema.properties.Login.description | Should -Be "The user's login."
        $schema.properties.Login.pattern | Should -Be '^\w+$'
        $schema.properties.Days.description | Should -Be 'How many days back.'
        $schema.properties.Days.maximum | Should -Be 30
        (Invoke-Tool $tool @{ Login = 'ann' }).Text | Should -Be '"ann/7"'
    }

    It 'maps [ValidateRange(''Positive'')] and friends to exclusive bounds' {
        $tool = New-CodexTool -Name ranged_kinds -ScriptBlock { param([ValidateRange('Positive')][int] $Up, [ValidateRange('NonNegative')][double] $Zero, [ValidateRange('Negative')][int] $Down) }
        $p = (Get-Schema $tool).properties
        $p.Up.exclusiveMinimum | Should -Be 0
        $p.Zero.minimum | Should -Be 0
        $p.Down.exclusiveMaximum | Should -Be 0
    }

    It 'makes a tool of a script file, named after the file' {
        $path = Join-Path $script:ws 'Get-Report.ps1'
        Set-Content -LiteralPath $path -Value @'
<#
.SYNOPSIS
Builds a report.
#>
param([Parameter(Mandatory)][string] $Title)
"report: $Title"
'@
        $tool = New-CodexTool -Command (Get-Command $path)
        $tool.Name | Should -Be 'Get-Report'
        $tool.Description | Should -Be 'Builds a report.'
        (Get-Schema $tool).required | Should -Be @('Title')
        (Invoke-Tool $tool @{ Title = 'Q3' }).Text | Should -Be '"report: Q3"'
    }

    It '-Description wins over the help' {
        (New-CodexTool -Command (Get-Command Set-Validated) -Description 'Mine.').Description | Should -Be 'Mine.'
    }
}

Describe 'New-CodexTool: parameter sets' {
    It 'uses the default set, and another with -ParameterSetName' {
        $default = New-CodexTool -Command (Get-Command Find-BySet)
        $default.ParameterSetName | Should -Be 'ByName'
        (Get-Schema $default).properties.Keys | Sort-Object | Should -Be @('Limit', 'Name')
        (Get-Schema $default).required | Should -Be @('Name')

        $byId = New-CodexTool -Command (Get-Command Find-BySet) -ParameterSetName ById
        $byId.ParameterSetName | Should -Be 'ById'
        (Get-Schema $byId).properties.Keys | Sort-Object | Should -Be @('Id', 'Limit')
        (Get-Schema $byId).required | Should -Be @('Id')
        (Invoke-Tool $byId @{ Id = 5 }).Text | Should -Be '"ById:5"'
    }

    It 'refuses a set the command does not have (CodexToolParameterSetNotFound)' {
        $made = @(New-CodexTool -Command (Get-Command Find-BySet) -ParameterSetName Nope -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolParameterSetNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].TargetObject | Should -Be 'Nope'
        $ev[0].Exception.Message | Should -Match 'ByName, ById'
    }

    It 'completes -ParameterSetName with the sets of the command' {
        $line = 'New-CodexTool -Command Find-BySet -ParameterSetName '
        $found = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $found | Should -Contain 'ById'
        $found | Should -Contain 'ByName'
    }
}

Describe 'New-CodexTool: names, namespaces, consent' {
    It 'takes a command name or an alias, and names the tool after the command' {
        Set-Alias -Name gpl -Value Get-Plain -Scope Script
        $byName = New-CodexTool Get-Plain
        $byAlias = New-CodexTool -Command (Get-Command gpl)
        $byName.Name | Should -Be 'Get-Plain'
        $byAlias.Name | Should -Be 'Get-Plain'
        $byAlias.Command.Name | Should -Be 'Get-Plain'
        $byAlias.Namespace | Should -BeNullOrEmpty
    }

    It 'makes a namespace of several commands: their module, or -Namespace' {
        New-Module -Name CodexToolTestOps -ScriptBlock {
            function Get-OpsA { param([string] $Name) "a $Name" }
            function Get-OpsB { param([int] $Count) "b $Count" }
        } | Import-Module -Force
        $tools = Get-Command -Module CodexToolTestOps | New-CodexTool
        $tools | Should -HaveCount 2
        $tools.Namespace | Select-Object -Unique | Should -Be 'CodexToolTestOps'
        $tools.Name | Sort-Object | Should -Be @('Get-OpsA', 'Get-OpsB')
        (New-CodexTool -Command (Get-Command -Module CodexToolTestOps) -Namespace ops).Namespace | Select-Object -Unique | Should -Be 'ops'
    }

    It 'asks for -Namespace when several commands share no module (CodexToolNamespaceRequired), and makes none' {
        $made = @(New-CodexTool -Command (Get-Command Get-Plain), (Get-Command Set-Validated) -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolNamespaceRequired,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].TargetObject | Should -Be @('Get-Plain', 'Set-Validated')
        (New-CodexTool -Command (Get-Command Get-Plain), (Get-Command Set-Validated) -Namespace mine).Namespace | Select-Object -Unique | Should -Be 'mine'
    }

    It 'asks for consent for ShouldProcess commands of Medium or High impact unless -Trusted' {
        (New-CodexTool -Command (Get-Command Remove-High)).RequiresConsent | Should -BeTrue
        (New-CodexTool -Command (Get-Command Remove-Default)).RequiresConsent | Should -BeTrue -Because 'ConfirmImpact defaults to Medium'
        (New-CodexTool -Command (Get-Command Remove-Low)).RequiresConsent | Should -BeFalse
        (New-CodexTool -Command (Get-Command Get-Plain)).RequiresConsent | Should -BeFalse
        (New-CodexTool -Command (Get-Command Remove-High) -Trusted).RequiresConsent | Should -BeFalse
        (New-CodexTool -Command (Get-Command Remove-Item)).RequiresConsent | Should -BeTrue
        (New-CodexTool -Command (Get-Command Get-Item)).RequiresConsent | Should -BeFalse
        (New-CodexTool -Name risky -ScriptBlock { [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')] param() }).RequiresConsent | Should -BeTrue
    }

    It 'keeps the defaults and the options given' {
        $tool = New-CodexTool -Command (Get-Command Get-Plain)
        $tool.OutputFormat | Should -Be 'Json'
        $tool.MaxOutputBytes | Should -Be 65536
        $tool.TimeoutSec | Should -Be 60
        $tool.Runspace | Should -Be ([runspace]::DefaultRunspace)
        $tool = New-CodexTool -Command (Get-Command Get-Plain) -OutputFormat Text -MaxOutputBytes 4096 -TimeoutSec 5
        $tool.OutputFormat | Should -Be 'Text'
        $tool.MaxOutputBytes | Should -Be 4096
        $tool.TimeoutSec | Should -Be 5
        { New-CodexTool -Command (Get-Command Get-Plain) -TimeoutSec 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'shows a table of name, namespace, consent, trust and description' {
        $text = New-CodexTool -Command (Get-Command Remove-High) | Out-String -Width 120
        $text | Should -Match 'Name\s+Namespace\s+Consent\s+Trusted\s+Description'
        $text | Should -Match 'Remove-High\s+True\s+False\s+Runs Remove-High\.'
    }
}

Describe 'New-CodexTool: bad input' {
    It 'refuses a command whose mandatory parameter has no JSON mapping (CodexToolParameterUnsupported)' {
        $command = Get-Command Invoke-Code
        $made = @(New-CodexTool -Command $command -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolParameterUnsupported,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].TargetObject | Should -Be $command
        $ev[0].Exception.Message | Should -Match '-Code .*ScriptBlock'
    }

    It 'makes none of several commands when one is refused' {
        New-Module -Name CodexToolTestMixed -ScriptBlock {
            function Get-Fine { param([string] $Name) $Name }
            function Invoke-Unfit { param([Parameter(Mandatory)][scriptblock] $Code) & $Code }
        } | Import-Module -Force
        $made = @(Get-Command -Module CodexToolTestMixed | New-CodexTool -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev.FullyQualifiedErrorId | Should -BeLike 'CodexToolParameterUnsupported,*'
        Remove-Module CodexToolTestMixed
    }

    It 'refuses duplicate names within one call (CodexToolNameDuplicate)' {
        function Get.Twin { param() 'dotted' }
        function Get_Twin { param() 'underscored' }
        $made = @(New-CodexTool -Command (Get-Command Get.Twin), (Get-Command Get_Twin) -Namespace twins -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolNameDuplicate,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].TargetObject | Should -Be 'Get_Twin'
    }

    It 'makes one tool of a command given twice, or with its alias' {
        Set-Alias -Name gpl2 -Value Get-Plain -Scope Script
        $made = @(New-CodexTool -Command (Get-Command Get-Plain), (Get-Command gpl2), 'Get-Plain' -Namespace once)
        $made | Should -HaveCount 1
        $made[0].Name | Should -Be 'Get-Plain'
    }

    It 'refuses a name the runtime reserves (CodexToolNameReserved): <Case>' -TestCases @(
        @{ Case = 'a command named shell'; Parameters = @{ Command = 'shell' }; Target = { Get-Command shell } }
        @{ Case = '-Name apply_patch'; Parameters = @{ Name = 'apply_patch'; ScriptBlock = { param() } }; Target = { 'apply_patch' } }
        @{ Case = '-Name mcp__files'; Parameters = @{ Name = 'mcp__files'; ScriptBlock = { param() } }; Target = { 'mcp__files' } }
        @{ Case = '-Namespace web'; Parameters = @{ Command = 'Get-Plain'; Namespace = 'web' }; Target = { 'web' } }
    ) {
        $made = @(New-CodexTool @Parameters -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolNameReserved,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].TargetObject | Should -Be (& $Target)
    }

    It 'refuses an invalid or empty name (CodexToolNameInvalid): <Name>' -TestCases @(
        @{ Name = 'has space' }
        @{ Name = 'dotted.name' }
        @{ Name = ('x' * 65) }
    ) {
        $made = @(New-CodexTool -Name $Name -ScriptBlock { param() } -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolNameInvalid,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].TargetObject | Should -Be $Name
        { New-CodexTool -Name '' -ScriptBlock { param() } } | Should -Throw
    }

    It 'refuses a command that is not a cmdlet, function or script (CodexToolCommandTypeUnsupported)' {
        $application = Get-Command -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $application) { Set-ItResult -Skipped -Because 'no application on PATH'; return }
        $made = @(New-CodexTool -Command $application -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolCommandTypeUnsupported,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidType'
        $ev[0].TargetObject | Should -Be $application
    }

    It 'refuses -Name with several commands (CodexToolNameAmbiguous)' {
        $made = @(New-CodexTool -Command (Get-Command Get-Plain), (Get-Command Set-Validated) -Name one -Namespace ns -ErrorAction SilentlyContinue -ErrorVariable ev)
        $made | Should -HaveCount 0
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CodexToolNameAmbiguous,*'
        $ev[0].TargetObject | Should -Be 'one'
    }

    It 'refuses a command name that does not exist' {
        { New-CodexTool -Command 'No-SuchCommandHere' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
    }
}

Describe 'CodexTool.Invoke: a call' {
    It 'binds the arguments by name with PowerShell''s conversion, in this runspace' {
        $tool = New-CodexTool -Command (Get-Command Get-TypedThing) -WarningAction SilentlyContinue
        $bound = $tool.PrepareArguments((ConvertTo-Arguments @{ Count = 3; Day = 'Monday'; Force = $true; Flag = $false; Tags = 'solo' }), [ref]$null)
        $bound.Count | Should -Be 3
        $bound.Force.IsPresent | Should -BeTrue
        $bound.Tags | Should -Be @('solo')

        $tool = New-CodexTool -Name typed -ScriptBlock {
            param([int] $Count, [datetime] $When, [System.DayOfWeek] $Day, [switch] $Force, [switch] $Quiet, [hashtable] $Settings, [double] $Ratio)
            [pscustomobject]@{
                Count = $Count.GetType().Name; When = 'utc ' + $When.ToUniversalTime().ToString('o'); Day = $Day.GetType().Name
                Force = $Force.IsPresent; Quiet = $PSBoundParameters.ContainsKey('Quiet'); Nested = $Settings.inner.deep; Ratio = $Ratio
            }
        }
        $outcome = Invoke-Tool $tool @{ Count = 42; When = '2024-05-01T10:00:00Z'; Day = 'Friday'; Force = $true; Quiet = $false; Settings = @{ inner = @{ deep = 'yes' } }; Ratio = 0.5 }
        $outcome.Success | Should -BeTrue
        $result = $outcome.Text | ConvertFrom-Json
        $result.Count | Should -Be 'Int32'
        $result.When | Should -Be 'utc 2024-05-01T10:00:00.0000000Z'
        $result.Day | Should -Be 'DayOfWeek'
        $result.Force | Should -BeTrue
        $result.Quiet | Should -BeFalse -Because 'a false switch is left out'
        $result.Nested | Should -Be 'yes'
        $result.Ratio | Should -Be 0.5
    }

    It 'takes null as an argument not given' {
        $tool = New-CodexTool -Name nullable -ScriptBlock { param([string] $Name = 'default', [int] $Count = 7) "$Name/$Count/$($PSBoundParameters.Keys -join ',')" }
        (Invoke-Tool $tool '{"Name": null, "Count": 2}').Text | Should -Be '"default/2/Count"'
    }

    It 'runs a module''s function in its module' {
        New-Module -Name CodexToolTestScoped -ScriptBlock {
            $script:secret = 'module-scope'
            function Get-ModuleSecret { param() $script:secret }
        } | Import-Module -Force
        (Invoke-Tool (New-CodexTool -Command (Get-Command Get-ModuleSecret))).Text | Should -Be '"module-scope"'
        Remove-Module CodexToolTestScoped
    }

    It 'passes strings that look like code as data: nothing runs' {
        $marker = Join-Path $script:ws 'injected.txt'
        $victim = Join-Path $script:ws 'victim.txt'
        Set-Content -LiteralPath $victim -Value 'still here'
        $strings = @(
            "`$(Set-Content -LiteralPath '$marker' -Value pwned)"
            "x; Remove-Item -LiteralPath '$victim'"
            "x; rm -rf /"
            "`$(Remove-Item ~ -Recurse)"
            "'; Set-Content -LiteralPath '$marker' -Value pwned; '"
            "`"; Set-Content -LiteralPath '$marker' -Value pwned; `""
            "@(Remove-Item '$victim')"
        )
        foreach ($tool in (New-CodexTool -Command (Get-Command Save-Received)), (New-CodexTool -Name save_received -ScriptBlock ${function:Save-Received})) {
            foreach ($text in $strings) {
                $script:received = $null
                $outcome = Invoke-Tool $tool @{ Text = $text; More = @($text, 'plain') }
                $outcome.Success | Should -BeTrue
                $script:received.Text | Should -BeExactly $text
                $script:received.More | Should -Be @($text, 'plain')
            }
        }

        $marker | Should -Not -Exist
        Get-Content -LiteralPath $victim | Should -Be 'still here'
    }

    It 'reads the caller''s global and script variables (it runs in this runspace)' {
        $global:CodexToolGlobalProbe = 'g-1'
        $script:CodexToolScriptProbe = 's-2'
        (Invoke-Tool (New-CodexTool -Command (Get-Command Read-Scope))).Text | Should -Be '"g-1/s-2"'
        Remove-Variable -Name CodexToolGlobalProbe -Scope Global
    }

    It 'runs a consent-gated command without asking again (consent is the turn''s approval path)' {
        $outcome = Invoke-Tool (New-CodexTool -Command (Get-Command Remove-High)) @{ Path = 'p1' }
        $outcome.Success | Should -BeTrue
        $outcome.Text | Should -Be '"removed p1"'
    }

    It 'fails on the error stream, with the error and the output before it' {
        $outcome = Invoke-Tool (New-CodexTool -Command (Get-Command Write-Failing))
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match 'the disk is full'
        $outcome.Text | Should -Match 'before the error'
        $outcome.TimedOut | Should -BeFalse
    }

    It 'fails on a terminating error, with its message' {
        $outcome = Invoke-Tool (New-CodexTool -Command (Get-Command Invoke-Throwing))
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match 'the service is down'
    }

    It 'gives the binder''s or the argument check''s message, never an exception: <Case>' -TestCases @(
        @{ Case = 'ValidateSet'; Arguments = @{ Name = 'gamma' }; Pattern = 'does not belong to the set' }
        @{ Case = 'ValidateRange'; Arguments = @{ Name = 'alpha'; Level = 99 }; Pattern = 'Level.*99|99.*Level' }
        @{ Case = 'missing required'; Arguments = @{ Level = 3 }; Pattern = "'Name' is required" }
        @{ Case = 'unknown name'; Arguments = @{ Name = 'alpha'; Colour = 'red' }; Pattern = "'Colour' is not a parameter" }
        @{ Case = 'wrong JSON type'; Arguments = @{ Name = 'alpha'; Level = 'three' }; Pattern = "'Level' must be an integer; got a string" }
        @{ Case = 'not an object'; Arguments = '[1,2]'; Pattern = 'must be a JSON object' }
        @{ Case = 'common parameter'; Arguments = @{ Name = 'alpha'; ErrorAction = 'Stop' }; Pattern = "'ErrorAction' is not a parameter" }
    ) {
        $tool = New-CodexTool -Command (Get-Command Set-Validated)
        $outcome = Invoke-Tool $tool $Arguments
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match $Pattern
    }

    It 'gives the binder''s conversion error for a value out of the type''s range' {
        $tool = New-CodexTool -Name ranged -ScriptBlock { param([int] $Count) $Count }
        $outcome = Invoke-Tool $tool '{"Count": 99999999999}'
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match 'Count'
    }

    It 'caps the output at MaxOutputBytes, at a character boundary, and marks the cut' {
        $tool = New-CodexTool -Command (Get-Command Write-Big) -MaxOutputBytes 1024
        $outcome = Invoke-Tool $tool @{ Count = 5000 }
        $outcome.Success | Should -BeTrue
        $outcome.Text | Should -Match '…\[output cut at 1024 bytes\]$'
        $kept = $outcome.Text.Substring(0, $outcome.Text.LastIndexOf("`n…[output cut"))
        [Text.Encoding]::UTF8.GetByteCount($kept) | Should -BeLessOrEqual 1024
        [Text.Encoding]::UTF8.GetByteCount($kept) | Should -BeGreaterThan 1000

        $outcome = Invoke-Tool $tool @{ Count = 5000; Char = '€' }
        $kept = $outcome.Text.Substring(0, $outcome.Text.LastIndexOf("`n…[output cut"))
        [Text.Encoding]::UTF8.GetByteCount($kept) | Should -BeLessOrEqual 1024
        $kept.TrimStart('"') | Should -Match '^€+$' -Because 'no character is cut in half'
    }

    It 'formats Json compactly and Text as a console 120 wide' {
        $json = (Invoke-Tool (New-CodexTool -Command (Get-Command Get-Wide))).Text
        $json | Should -Not -Match "`n"
        @($json | ConvertFrom-Json) | Should -HaveCount 3

        $text = (Invoke-Tool (New-CodexTool -Command (Get-Command Get-Wide) -OutputFormat Text)).Text
        $lines = $text -split "`r?`n"
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 120
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeGreaterThan 80
        $text | Should -Match 'First\s+Second'
    }

    It 'says when there is no output, and passes warnings on' {
        $outcome = Invoke-Tool (New-CodexTool -Command (Get-Command Write-Nothing))
        $outcome.Success | Should -BeTrue
        $outcome.Text | Should -Be 'The command completed and wrote no output.'
        $outcome = Invoke-Tool (New-CodexTool -Command (Get-Command Write-Warned))
        $outcome.Success | Should -BeTrue
        $outcome.Text | Should -Match '"value"'
        $outcome.Text | Should -Match 'the cache is stale'
    }

    It 'stops a call at its time limit and tells the model' {
        $tool = New-CodexTool -Command (Get-Command Start-Sleeping) -TimeoutSec 1
        $outcome = Invoke-Tool $tool @{ Seconds = 30 }
        $outcome.TimedOut | Should -BeTrue
        $outcome.Stopped | Should -BeFalse
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match 'stopped after 1 s'
        $outcome.Duration.TotalSeconds | Should -BeLessThan 20
    }

    It 'stops a call when its cancellation token is cancelled' {
        $tool = New-CodexTool -Command (Get-Command Start-Sleeping)
        $source = [System.Threading.CancellationTokenSource]::new()
        $source.CancelAfter(1000)
        $outcome = Invoke-Tool $tool @{ Seconds = 30 } -Token $source.Token
        $outcome.Stopped | Should -BeTrue
        $outcome.TimedOut | Should -BeFalse
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match 'stopped before it finished'
        $outcome.Duration.TotalSeconds | Should -BeLessThan 20
        $source.Dispose()
    }

    It 'runs from inside a running pipeline, as a command reading a turn calls it, and stops there too' {
        $tool = New-CodexTool -Command (Get-Command Get-Plain)
        $outcomes = 1..2 | ForEach-Object { Invoke-Tool $tool @{ Name = "n$_" } }
        $outcomes.Text | Should -Be @('"plain n1"', '"plain n2"')
        $sleeper = New-CodexTool -Command (Get-Command Start-Sleeping) -TimeoutSec 1
        $stopped = 1 | ForEach-Object { Invoke-Tool $sleeper @{ Seconds = 30 } }
        $stopped.TimedOut | Should -BeTrue
    }

    It 'refuses to run from another runspace' {
        $script:received = $null
        $tool = New-CodexTool -Command (Get-Command Save-Received)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($tool) $tool.Invoke([System.Text.Json.JsonDocument]::Parse(''{"Text":"elsewhere"}'').RootElement, [System.Threading.CancellationToken]::None)').AddArgument($tool)
            $outcome = $ps.Invoke()[0]
        }
        finally { $ps.Dispose() }
        $outcome.Success | Should -BeFalse
        $outcome.Text | Should -Match 'runs only in the runspace that made it'
        $script:received | Should -BeNullOrEmpty
    }
}
