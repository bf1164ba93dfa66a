import { Alert, Badge, Code, Group, Stack, Text } from '@mantine/core';
import type { OAuthClientInfo } from '../../api/oauth';

/**
 * Who is asking. The name is whatever the client chose to call itself, so the host it really comes from is
 * shown larger than the name: a look-alike name cannot hide an unexpected host.
 */
export function ClientIdentity({ client }: { client: OAuthClientInfo }) {
  const verified = client.registration === 'metadata_document';
  return (
    <Stack gap="sm">
      <Stack gap={2}>
        <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
          Application from
        </Text>
        <Text fz={22} fw={700} ff="monospace" style={{ overflowWrap: 'anywhere' }} data-testid="client-host">
          {client.client_host}
        </Text>
        <Group gap="xs" wrap="wrap">
          <Text size="sm">
            calls itself <strong style={{ overflowWrap: 'anywhere' }}>{client.client_name}</strong>
          </Text>
          <Badge size="sm" variant="light" color={verified ? 'teal' : 'gray'}>
            {verified ? 'metadata document' : 'self-registered'}
          </Badge>
        </Group>
      </Stack>
      {!verified && (
        <Alert color="gray" variant="light" p="xs">
          <Text size="xs">
            This client registered itself; its name is not verified. Approve only if you started this
            connection yourself.
          </Text>
        </Alert>
      )}
      <Stack gap={2}>
        <Text size="xs" c="dimmed">
          After you decide, you are sent back to
        </Text>
        <Code block style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }} data-testid="redirect-uri">
          {client.redirect_uri}
        </Code>
      </Stack>
      {verified && (
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            Client ID
          </Text>
          <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
            {client.client_id}
          </Text>
        </Stack>
      )}
    </Stack>
  );
}
