# A minimal MCP server over stdio (newline-delimited JSON-RPC 2.0), shipped with the tests so that MCP
# support is proven against a real server process that the codex runtime starts itself.
# Tools: echo {text} answers "echo: <text>"; ask {} asks the client a question through an MCP
# elicitation and answers with the action and content it got back.
param([string]$Greeting = 'CodexPS test server')

$ErrorActionPreference = 'Stop'
$stdin = [Console]::In
$stdout = [Console]::Out

function Send([hashtable]$message) {
    $message['jsonrpc'] = '2.0'
    $stdout.WriteLine(($message | ConvertTo-Json -Depth 20 -Compress))
    $stdout.Flush()
}

function Read-Message {
    while ($null -ne ($line = $stdin.ReadLine())) {
        if ($line.Trim()) { return $line | ConvertFrom-Json -AsHashtable }
    }
    exit 0
}

$tools = @(
    @{ name = 'echo'; description = 'Repeats the text it is given.'
       inputSchema = @{ type = 'object'; properties = @{ text = @{ type = 'string' } }; required = @('text') }
       annotations = @{ readOnlyHint = $true } }
    @{ name = 'ask'; description = 'Asks the user for a color.'
       inputSchema = @{ type = 'object'; properties = @{} }
       annotations = @{ readOnlyHint = $true } }
)

$nextId = 1000
while ($true) {
    $message = Read-Message
    if (-not $message.ContainsKey('id') -or -not $message.ContainsKey('method')) { continue }
    $id = $message.id
    switch ($message.method) {
        'initialize' {
            Send @{ id = $id; result = @{
                protocolVersion = $message.params.protocolVersion
                capabilities = @{ tools = @{} }
                serverInfo = @{ name = 'codexps-test'; version = '1.0.0'; title = $Greeting } } }
        }
        'ping' { Send @{ id = $id; result = @{} } }
        'tools/list' { Send @{ id = $id; result = @{ tools = $tools } } }
        'tools/call' {
            $arguments = $message.params.arguments
            switch ($message.params.name) {
                'echo' { $text = "echo: $($arguments.text)" }
                'ask' {
                    $askId = $nextId++
                    Send @{ id = $askId; method = 'elicitation/create'; params = @{
                        message = 'Which color?'
                        requestedSchema = @{ type = 'object'; properties = @{ color = @{ type = 'string'; title = 'Color' } }; required = @('color') } } }
                    do { $reply = Read-Message } until ($reply.ContainsKey('id') -and $reply.id -eq $askId -and -not $reply.ContainsKey('method'))
                    $result = $reply.result
                    $text = "action=$($result.action) color=$($result.content.color)"
                }
                default { $text = $null }
            }
            if ($null -eq $text) {
                Send @{ id = $id; error = @{ code = -32602; message = "unknown tool $($message.params.name)" } }
            } else {
                Send @{ id = $id; result = @{ content = @(@{ type = 'text'; text = $text }); isError = $false } }
            }
        }
        default { Send @{ id = $id; error = @{ code = -32601; message = "method not found: $($message.method)" } } }
    }
}
