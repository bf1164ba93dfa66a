/** Ready-to-paste MCP client configurations for a token; each names the server "ainstruct". */
export interface McpConfig {
  id: string;
  client: string;
  /** Where the snippet goes, shown above it. */
  where: string;
  text: string;
  /**
   * The client connects through OAuth with the URL alone (it cannot send a header): the person logs in and
   * approves in the browser, and the token above is not used.
   */
  oauth?: true;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export function mcpConfigs(origin: string, token: string): McpConfig[] {
  const url = `${origin}/mcp`;
  const authorization = `Bearer ${token}`;
  const headers = { Authorization: authorization };
  return [
    {
      id: 'claude-code',
      client: 'Claude Code',
      where: 'Run in a terminal:',
      text: `claude mcp add --transport http ainstruct ${url} --header "Authorization: ${authorization}"`,
    },
    {
      id: 'cursor',
      client: 'Cursor',
      where: 'Add to ~/.cursor/mcp.json (or .cursor/mcp.json in a project):',
      text: json({ mcpServers: { ainstruct: { url, headers } } }),
    },
    {
      id: 'vscode',
      client: 'VS Code',
      where: 'Add to .vscode/mcp.json in your workspace:',
      text: json({ servers: { ainstruct: { type: 'http', url, headers } } }),
    },
    {
      id: 'opencode',
      client: 'opencode',
      where: 'Add to opencode.json:',
      text: json({ mcp: { ainstruct: { type: 'remote', url, headers, enabled: true } } }),
    },
    {
      id: 'claude-connector',
      client: 'claude.ai / Claude Desktop',
      where:
        'Settings → Connectors → Add custom connector: paste this URL and click Connect. You log in to ainstruct in the browser and choose what Claude may use; no token is needed.',
      text: url,
      oauth: true,
    },
    {
      id: 'chatgpt',
      client: 'ChatGPT',
      where:
        'Settings → Apps & Connectors → Advanced: turn on developer mode, then Create: paste this URL and choose OAuth authentication. You log in to ainstruct in the browser; no token is needed.',
      text: url,
      oauth: true,
    },
    {
      id: 'generic',
      client: 'Generic JSON',
      where: 'For other clients that take an mcpServers map with streamable HTTP servers:',
      text: json({ mcpServers: { ainstruct: { type: 'http', url, headers } } }),
    },
  ];
}
