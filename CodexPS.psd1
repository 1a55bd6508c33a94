@{
    RootModule           = 'CodexPS.dll'
    # Stamped at build time from Directory.Build.props (CodexPSVersion); this value is only a placeholder for the source tree.
    ModuleVersion        = '0.0.0'
    GUID                 = '3f0f3b8e-6a51-4c1e-9d0b-5a8f1c2e7d44'
    Author               = 'CodexPS contributors'
    CompanyName          = 'CodexPS'
    Copyright            = '(c) CodexPS contributors. MIT License.'
    Description          = 'Drive the Codex coding agent (the codex-rs runtime over app-server) from PowerShell: conversations, turns, approvals and typed events in the pipeline.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('CodexPS.Format.ps1xml')
    # Loaded before the types file, which names their enums as the types deserialized objects turn back into.
    RequiredAssemblies   = @('CodexPS.Engine.dll', 'CodexPS.dll')
    TypesToProcess       = @('CodexPS.Types.ps1xml')
    CmdletsToExport      = @(
        'Connect-Codex'
        'Connect-CodexAccount'
        'Disconnect-CodexAccount'
        'Get-CodexAccount'
        'Compress-CodexConversation'
        'Copy-CodexConversation'
        'Get-CodexConversation'
        'Get-CodexItem'
        'Get-CodexTurn'
        'Remove-CodexConversation'
        'Rename-CodexConversation'
        'Restore-CodexConversation'
        'Resume-CodexConversation'
        'Start-CodexRecording'
        'Stop-CodexRecording'
        'Disconnect-Codex'
        'Get-CodexConfig'
        'Get-CodexDiff'
        'Get-CodexSkill'
        'Get-CodexMcpServer'
        'Add-CodexMcpServer'
        'Set-CodexMcpServer'
        'Remove-CodexMcpServer'
        'Start-CodexReview'
        'Get-CodexModel'
        'Get-CodexStatus'
        'Get-CodexMetric'
        'Export-CodexMetrics'
        'Register-CodexPlugin'
        'Unregister-CodexPlugin'
        'Get-CodexPlugin'
        'Invoke-Codex'
        'Invoke-CodexPatch'
        'Invoke-CodexCommand'
        'Install-CodexRuntime'
        'New-CodexConversation'
        'New-CodexTool'
        'Send-CodexTurn'
        'Set-CodexConfig'
        'Set-CodexConversation'
        'Start-CodexMockProvider'
        'Stop-CodexMockProvider'
        'Stop-CodexTurn'
        'Test-CodexEnvironment'
        'Export-CodexConversation'
        'Export-CodexCassette'
        'Export-CodexTranscript'
        'Register-CodexShouldOperator'
        'Undo-CodexTurn'
        'Get-CodexGoal'
        'Set-CodexGoal'
        'Clear-CodexGoal'
        'Get-CodexHook'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Codex', 'OpenAI', 'AI', 'Agent', 'Automation', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # The license text ships in the module folder (LICENSE); this is the standard text it follows.
            LicenseUri = 'https://opensource.org/licenses/MIT'
            # ProjectUri is left out until the project has a public home: an invented address would be a placeholder.
        }
    }
}
