import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Principal } from '../auth/principal.js';
import { McpCaller } from './caller.js';
import { HandoverTransport } from './handover-transport.js';
import { createMcpServer } from './server.js';
import type { McpDeps, McpTool } from './tool.js';

/**
 * Serves the MCP tools of this process's services over stdin/stdout to one identity. The tools come from the
 * same factory as HTTP's, filtered by the same principal, so a CAT over stdio lists exactly what it lists over
 * HTTP. `identify` resolves the identity again (throwing AppError when it is no longer valid); it is called
 * before every request. `closed` settles when the client closes stdin; `transport` can hand the session over
 * to another owner of DATA_DIR (see handover-transport.ts).
 */
export function serveMcpOverStdio(input: {
  principal: Principal;
  identify: () => Promise<Principal>;
  deps: McpDeps;
  tools: McpTool[];
}): { transport: HandoverTransport; closed: Promise<void> } {
  let onClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  const transport = new HandoverTransport(new StdioServerTransport(), input.identify, () => onClosed());
  let connection = 0;
  serveStdio(
    ({ era }) =>
      createMcpServer(new McpCaller(input.principal, `stdio-${++connection}`), input.deps, input.tools, {
        // The factory runs before a 2025-era handshake has settled its revision, and resource links only
        // exist from 2025-06-18 on (older clients reject unknown blocks): only 2026-era clients get them.
        resourceLinks: era === 'modern',
      }),
    { transport, onerror: (error) => process.stderr.write(`MCP stdio: ${error.message}\n`) },
  );
  return { transport, closed };
}
