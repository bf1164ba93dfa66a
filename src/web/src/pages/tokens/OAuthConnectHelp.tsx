import { Code, Group, List, Stack, Text } from '@mantine/core';
import { CopyButton } from '../../components/CopyButton';

/**
 * The OAuth path: clients that cannot send a header (claude.ai, Claude Desktop, ChatGPT) only need the URL;
 * they find the login from the server's 401 and the person approves in this UI.
 */
export function OAuthConnectHelp({ compact = false }: { compact?: boolean }) {
  const url = `${window.location.origin}/mcp`;
  return (
    <Stack gap="xs">
      <Group gap="xs" wrap="nowrap" align="center">
        <Code style={{ flex: 1, minWidth: 0, overflowWrap: 'anywhere' }} data-testid="mcp-url">
          {url}
        </Code>
        <CopyButton value={url} label="Copy MCP URL" />
      </Group>
      <Text size="sm">
        No token needed: paste this URL into the client, and it opens ainstruct in your browser, where you log
        in and choose what it may use (the whole account or one collection, read-only or read/write).
      </Text>
      {!compact && (
        <List size="sm" spacing={4}>
          <List.Item>
            <strong>claude.ai and Claude Desktop:</strong> Settings → Connectors → Add custom connector, paste
            the URL, then Connect.
          </List.Item>
          <List.Item>
            <strong>ChatGPT:</strong> Settings → Apps &amp; Connectors (developer mode) → Create, paste the
            URL, authentication OAuth.
          </List.Item>
          <List.Item>
            <strong>Cursor, VS Code, Claude Code and others with OAuth support:</strong> add the server with
            just the URL and no headers; the client asks you to log in.
          </List.Item>
        </List>
      )}
    </Stack>
  );
}
