param([string] $ModulePath)

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $commands = (Get-Module CodexPS).ExportedCmdlets.Keys | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1') -ModulePath $ModulePath
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name\s*\["   # the auto-generated stand-in is the syntax line
        ($help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code' {
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        $help.Examples.Example | ForEach-Object { $_.Code | Should -Not -BeNullOrEmpty }
    }

    It 'describes every parameter the cmdlet really has, and no other' {
        $real = $command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object
        $documented = @($help.Parameters.Parameter | ForEach-Object Name | Where-Object { $_ -and $_ -notin $common }) | Sort-Object
        $documented | Should -Be $real
        foreach ($parameter in $help.Parameters.Parameter | Where-Object { $_.Name -and $_.Name -notin $common }) {
            ($parameter.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
        }
    }
}

Describe 'about_CodexPS' {
    It 'is compiled next to the module' {
        Join-Path (Split-Path (Get-Module CodexPS).Path) 'en-US/about_CodexPS.help.txt' | Should -Exist
        (Get-Help about_CodexPS | Out-String) | Should -Match 'approval'
    }
}
