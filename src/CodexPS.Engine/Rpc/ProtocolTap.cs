namespace CodexPS.Engine.Rpc;

/// <summary>Sees one protocol line: outgoing (sent to the runtime) or incoming.</summary>
public delegate void ProtocolTap(bool outgoing, ReadOnlySpan<byte> line);
